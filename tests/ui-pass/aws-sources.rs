//! Every AWS source attribute in its documented forms.
use secrets_runtime::{SecretSlice, SecretString, Secrets};

#[derive(Secrets)]
#[secrets(s3_bucket_env = "CONFIG_BUCKET")]
#[allow(dead_code)]
struct Config {
    #[aws_kms]
    signing_key: SecretSlice<u8>,
    #[aws_kms(
        env = "TOKEN_CT",
        key = "alias/app",
        context = "app=billing,stage=prod",
        json_key = "token"
    )]
    token: SecretString,
    #[aws_kms(key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")]
    pinned: Option<SecretString>,
    #[s3(bucket = "cfg", object = "app1.json", key = "username")]
    s3_user: String,
    #[s3(object = "app1.json", key = "password")]
    s3_password: SecretString,
    #[s3(bucket_env = "CERT_BUCKET", object = "tls/cert.pem")]
    cert: Vec<u8>,
    #[aws_secret(id = "prod/db", key = "password")]
    aws_db_pass: SecretString,
    #[aws_secret(id = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api-AbCdEf")]
    api: SecretString,
    #[aws_secret(id_env = "OLD_SECRET_ID", version_stage = "AWSPREVIOUS")]
    old: Option<SecretString>,
    #[aws_secret(id = "prod/pinned", version_id = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111")]
    pinned_secret: SecretString,
    #[ssm(name = "/prod/api/token")]
    ssm_token: SecretString,
    #[ssm(name = "/prod/api/config:3", key = "url")]
    ssm_url: String,
    #[ssm(name_env = "FLAG_PARAMETER")]
    flag: Option<bool>,
}

fn main() {}
