//! The AWS kinds: `#[aws_kms]`, `#[s3]`, `#[aws_secret]` and `#[ssm]`, their specs with the
//! defaults filled in and every mistake the compiler can see.

use syn::{DeriveInput, parse_quote};

use super::{errors, specs};

const P: &str = "::secrets_runtime::__private::";

#[test]
fn each_aws_kind_emits_its_spec_with_defaults_filled_in() {
    let input: DeriveInput = parse_quote! {
        #[secrets(prefix = "APP_")]
        struct Config {
            #[aws_kms] signing_key: Vec<u8>,
            #[aws_kms(env = "TOKEN_CT", key = "alias/app", context = "stage=prod, app=billing", json_key = "token")] token: String,
            #[s3(object = "app1.json", key = "username")] user: String,
            #[s3(bucket = "cfg", object = "tls.pem")] cert: Vec<u8>,
            #[aws_secret(id = "prod/db", key = "password", version_stage = "AWSPREVIOUS")] db: String,
            #[aws_secret(id_env = "SECRET_ID", version_id = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111")] other: String,
            #[ssm(name = "/prod/api/token")] api: String,
            #[ssm(name_env = "PARAM", key = "k")] param: String,
        }
    };
    let source = |spec: &str| format!("{P}Load::Source(&{P}{spec})");
    let none = "::core::option::Option::None";
    let some = |v: &str| format!("::core::option::Option::Some(\"{v}\")");
    let expected = [
        source(&format!(
            "aws_kms::Spec{{var:{P}Var::Field(\"APP_SIGNING_KEY\"),key:\"\",context:&[],pick:{P}Pick::Whole,}}"
        )),
        // The context sorted by key, as KMS compares it.
        source(&format!(
            "aws_kms::Spec{{var:{P}Var::Named(\"TOKEN_CT\"),key:\"alias/app\",context:&[(\"app\",\"billing\"),(\"stage\",\"prod\")],pick:{P}Pick::JsonKey(\"token\"),}}"
        )),
        source(&format!(
            "s3::Spec{{bucket:{P}NameRef::Env(\"S3_BUCKET\"),object:\"app1.json\",pick:{P}Pick::JsonKey(\"username\")}}"
        )),
        source(&format!(
            "s3::Spec{{bucket:{P}NameRef::Literal(\"cfg\"),object:\"tls.pem\",pick:{P}Pick::Whole}}"
        )),
        source(&format!(
            "aws_secret::Spec{{id:{P}NameRef::Literal(\"prod/db\"),version_stage:{},version_id:{none},pick:{P}Pick::JsonKey(\"password\"),}}",
            some("AWSPREVIOUS")
        )),
        source(&format!(
            "aws_secret::Spec{{id:{P}NameRef::Env(\"SECRET_ID\"),version_stage:{none},version_id:{},pick:{P}Pick::Whole,}}",
            some("a1b2c3d4-5678-90ab-cdef-EXAMPLE11111")
        )),
        source(&format!(
            "ssm::Spec{{name:{P}NameRef::Literal(\"/prod/api/token\"),pick:{P}Pick::Whole}}"
        )),
        source(&format!(
            "ssm::Spec{{name:{P}NameRef::Env(\"PARAM\"),pick:{P}Pick::JsonKey(\"k\")}}"
        )),
    ];
    let specs = specs(&input);
    assert_eq!(specs.len(), expected.len());
    for (spec, load) in specs.iter().zip(expected) {
        assert!(spec.ends_with(&format!("load:{load}}}")), "{spec}\n{load}");
    }
}

#[test]
fn the_s3_bucket_env_is_its_own_container_key() {
    let input: DeriveInput = parse_quote! {
        #[secrets(bucket_env = "GCS_CFG", s3_bucket_env = "S3_CFG")]
        struct Config {
            #[gcs(object = "o")] a: String,
            #[s3(object = "o")] b: String,
        }
    };
    let specs = specs(&input);
    assert!(
        specs[0].contains("NameRef::Env(\"GCS_CFG\")"),
        "{}",
        specs[0]
    );
    assert!(
        specs[1].contains("NameRef::Env(\"S3_CFG\")"),
        "{}",
        specs[1]
    );
}

#[test]
fn bad_aws_names_are_reported_on_their_literals_without_quoting_them() {
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[aws_kms(key = "alias/my app")] a: String,
            #[aws_kms(key = "arn:aws:kms:eu-west-1:1234:key/k")] b: String,
            #[aws_kms(context = "app")] c: String,
            #[aws_kms(context = "a=1,a=2")] d: String,
            #[s3(bucket = "My_Bucket", object = "o")] e: String,
            #[s3(object = "")] f: String,
            #[aws_secret(id = "prod db")] g: String,
            #[aws_secret(id = "s", version_stage = "not a stage")] h: String,
            #[ssm(name = "prod/db")] i: String,
            #[ssm(name = "/aws/x")] j: String,
        }
    };
    assert_eq!(
        errors(&input),
        [
            "an AWS KMS key is a key id, `alias/NAME`, or the ARN of a key or alias (`arn:aws:kms:REGION:ACCOUNT:key/ID`): an alias name holds letters, digits, `/`, `_` and `-` only (character 3 of the name)",
            "an AWS KMS key is a key id, `alias/NAME`, or the ARN of a key or alias (`arn:aws:kms:REGION:ACCOUNT:key/ID`): the ARN's region or 12-digit account is wrong",
            "pair 1 of the encryption context has no `=`: write `key=value,key=value`",
            "pair 2 of the encryption context repeats the key `a`",
            "an S3 bucket name holds lowercase letters, digits, `.` and `-` only (character 1)",
            "an S3 object key is 1 to 1024 bytes long",
            "a Secrets Manager secret name holds letters, digits and `/_+=.@-` only (character 5)",
            "a version stage holds letters, digits, `_`, `-` and `.` only (character 4)",
            "a hierarchical parameter name starts with `/`",
            "a parameter name does not start with `aws` or `ssm`, which AWS reserves",
        ]
    );
}

#[test]
fn what_the_aws_kinds_need_and_what_excludes_what() {
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[s3(key = "k")] a: String,
            #[aws_secret(key = "k")] b: String,
            #[ssm(key = "k")] c: String,
            #[s3(bucket = "cfg", bucket_env = "B", object = "o")] d: String,
            #[aws_secret(id = "s", id_env = "S")] e: String,
            #[aws_secret(id = "s", version_stage = "AWSCURRENT", version_id = "v1")] f: String,
            #[ssm(name = "/p", name_env = "P")] g: String,
            #[aws_kms(kye = "alias/app")] h: String,
        }
    };
    assert_eq!(
        errors(&input),
        [
            "`#[s3]` needs the object: `#[s3(object = \"...\")]`",
            "`#[aws_secret]` needs the secret: `#[aws_secret(id = \"...\")]` or `#[aws_secret(id_env = \"VAR\")]`",
            "`#[ssm]` needs the parameter: `#[ssm(name = \"...\")]` or `#[ssm(name_env = \"VAR\")]`",
            "`bucket` and `bucket_env` both name the bucket; keep one of them",
            "`id` and `id_env` both name the secret; keep one of them",
            "`version_stage` and `version_id` both name the version; keep one of them",
            "`name` and `name_env` both name the parameter; keep one of them",
            "unknown aws_kms attribute `kye`; did you mean `key`? expected `env`, `key`, `context`, `json_key` or `split`",
        ]
    );
}

#[test]
fn an_env_var_holds_one_kind_of_ciphertext_for_one_key() {
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[aws_kms(env = "CT", json_key = "a")] a: String,
            #[aws_kms(env = "CT", json_key = "b")] b: String,
            #[aws_kms(env = "CT", key = "alias/app")] c: String,
            #[kms(env = "CT")] d: String,
            #[env(name = "CT")] e: String,
            #[ssm(name_env = "P")] f: String,
            #[aws_secret(id_env = "P")] g: String,
        }
    };
    assert_eq!(
        errors(&input),
        [
            "env `CT` is decrypted here with another AWS KMS key than for field `a`; use the same key for both, or another env var",
            "env `CT` is read as KMS ciphertext here but as AWS KMS ciphertext by field `a`; read each from its own env var",
            "env `CT` is read as plain text here but as AWS KMS ciphertext by field `a`; read each from its own env var",
        ]
    );
}
