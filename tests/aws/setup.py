"""Creates the AWS resources the aws_* tests read, in a moto server, with boto3: a client
independent of the Rust SDK under test. Prints what the tests need as one JSON object on
stdout (ciphertexts base64, key ids and ARNs); every value written is a constant of
tests/common/aws.rs, passed here in the environment so the two cannot drift.

Usage: setup.py ENDPOINT   (static credentials and the region come from the environment)
"""

import base64
import json
import os
import sys

import boto3

endpoint = sys.argv[1]
session = boto3.session.Session(
    aws_access_key_id="testing",
    aws_secret_access_key="testing",
    region_name=os.environ.get("AWS_REGION", "us-east-1"),
)


def client(service):
    return session.client(service, endpoint_url=endpoint)


values = json.loads(os.environ["AWS_TEST_VALUES"])
out = {}

# KMS: two keys, an alias on the first; ciphertexts with and without an encryption context.
kms = client("kms")
key = kms.create_key(Description="secrets-runtime tests")["KeyMetadata"]
other = kms.create_key(Description="another key")["KeyMetadata"]
kms.create_alias(AliasName="alias/app", TargetKeyId=key["KeyId"])
out["key_id"] = key["KeyId"]
out["key_arn"] = key["Arn"]
out["other_key_id"] = other["KeyId"]


def encrypt(key_id, plaintext, context=None):
    args = {"KeyId": key_id, "Plaintext": plaintext.encode()}
    if context:
        args["EncryptionContext"] = context
    blob = kms.encrypt(**args)["CiphertextBlob"]
    return base64.b64encode(blob).decode()


context = dict(pair.split("=", 1) for pair in values["context"].split(","))
out["signing_key"] = encrypt(key["KeyId"], values["signing_key"])
out["with_context"] = encrypt(key["KeyId"], values["signing_key"], context)
out["json_blob"] = encrypt(key["KeyId"], values["kms_json"])
out["other_key_blob"] = encrypt(other["KeyId"], values["signing_key"])

# S3: a JSON object, a binary one, a large one; PutObject sends a checksum (CRC32 by default in
# current boto3, or the one asked for), which GetObject with checksum mode returns.
s3 = client("s3")
bucket = values["bucket"]
s3.create_bucket(Bucket=bucket)
s3.put_object(
    Bucket=bucket,
    Key="app1.json",
    Body=values["s3_json"].encode(),
    ChecksumAlgorithm="SHA256",
)
s3.put_object(Bucket=bucket, Key="certs/tls.bin", Body=base64.b64decode(values["s3_binary"]))
s3.put_object(Bucket=bucket, Key="large.bin", Body=b"x" * values["large_bytes"])

# Secrets Manager: a string, a binary, a JSON one, one with a custom stage on a second version,
# and 25 more for the batch counts.
sm = client("secretsmanager")
sm.create_secret(Name="prod/db-pass", SecretString=values["db_pass"])
sm.create_secret(Name="prod/cert", SecretBinary=base64.b64decode(values["s3_binary"]))
created = sm.create_secret(Name="prod/api", SecretString=values["api_json"])
out["api_arn"] = created["ARN"]
first = sm.create_secret(Name="prod/rotating", SecretString=values["rotating_old"])
second = sm.put_secret_value(
    SecretId="prod/rotating",
    SecretString=values["rotating_new"],
    VersionStages=["AWSCURRENT", "canary"],
)
out["rotating_first_version"] = first["VersionId"]
for i in range(values["many"]):
    sm.create_secret(Name=f"batch/s{i:02}", SecretString=f"{values['many_prefix']}{i}")

# Parameter Store: a String, a SecureString, a JSON SecureString, a parameter with two
# versions and a label, and 25 more for the batch counts.
ssm = client("ssm")
ssm.put_parameter(Name="/app/plain", Value=values["ssm_plain"], Type="String")
ssm.put_parameter(Name="/app/token", Value=values["ssm_token"], Type="SecureString")
ssm.put_parameter(Name="/app/json", Value=values["api_json"], Type="SecureString")
ssm.put_parameter(Name="/app/versioned", Value=values["rotating_old"], Type="SecureString")
ssm.put_parameter(
    Name="/app/versioned", Value=values["rotating_new"], Type="SecureString", Overwrite=True
)
ssm.label_parameter_version(Name="/app/versioned", ParameterVersion=1, Labels=["old"])
out["versioned_arn"] = ssm.get_parameter(Name="/app/versioned")["Parameter"]["ARN"]
for i in range(values["many"]):
    ssm.put_parameter(
        Name=f"/batch/p{i:02}", Value=f"{values['many_prefix']}{i}", Type="SecureString"
    )

json.dump(out, sys.stdout)
