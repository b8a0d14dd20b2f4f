"""Creates what the boot benchmark's AWS row reads, in a moto server, with boto3 (a client
other than the SDK the benchmark times): one KMS key and the ciphertexts of the given
plaintexts, a bucket of JSON objects, Secrets Manager secrets and SecureString parameters.

Usage: aws_setup.py ENDPOINT, with AWS_BENCH_VALUES in the environment:
  {"region": R, "ciphertexts": {VAR: PLAINTEXT}, "bucket": B, "objects": {KEY: TEXT},
   "secrets": {ID: VALUE}, "parameters": {NAME: VALUE}}
Prints {VAR: base64 CiphertextBlob} as JSON on stdout.
"""

import base64
import json
import os
import sys

import boto3

values = json.loads(os.environ["AWS_BENCH_VALUES"])
session = boto3.session.Session(
    aws_access_key_id="testing",
    aws_secret_access_key="testing",
    region_name=values["region"],
)


def client(service):
    return session.client(service, endpoint_url=sys.argv[1])


kms = client("kms")
key = kms.create_key(Description="boot benchmark")["KeyMetadata"]["KeyId"]
ciphertexts = {
    var: base64.b64encode(
        kms.encrypt(KeyId=key, Plaintext=plaintext.encode())["CiphertextBlob"]
    ).decode()
    for var, plaintext in values["ciphertexts"].items()
}

s3 = client("s3")
s3.create_bucket(Bucket=values["bucket"])
for name, text in values["objects"].items():
    s3.put_object(Bucket=values["bucket"], Key=name, Body=text.encode())

secrets = client("secretsmanager")
for secret_id, value in values["secrets"].items():
    secrets.create_secret(Name=secret_id, SecretString=value)

ssm = client("ssm")
for name, value in values["parameters"].items():
    ssm.put_parameter(Name=name, Value=value, Type="SecureString")

json.dump(ciphertexts, sys.stdout)
