#!/usr/bin/env python3
"""Writes berglas secrets the way berglas v2 writes them, with an implementation that is not
this project's: Python's `cryptography` for AES-GCM, the KMS and Cloud Storage JSON APIs over
plain HTTP.

berglas's `encryptAndWrite` (pkg/berglas/writer.go) and `envelopeEncrypt` (berglas.go):
  1. a fresh random 32-byte data key (DEK);
  2. AES-256-GCM with a random 12-byte nonce and no associated data:
     sealed = nonce || ciphertext || tag;
  3. Cloud KMS `encrypt` of the DEK under the key, with the object's name (alone: no bucket,
     no generation) as additional authenticated data;
  4. the object's body: base64(wrapped DEK) ":" base64(sealed), standard alphabet, padded,
     no newline;
  5. custom metadata `berglas-secret: 1` and `berglas-kms-key: <key without any
     /cryptoKeyVersions/N>`, and Cache-Control
     `private, no-cache, no-store, no-transform, max-age=0`.
berglas's Go client sets no Content-Type, so Go sniffs one from the body: `text/plain;
charset=utf-8` for this text, which is what is sent here. Unlike `berglas create`, no
precondition is set, so a test may write an object again (berglas `update`): buckets are
created with versioning on, so every write keeps its own generation.

Input, a JSON object on stdin:
  {
    "kms_endpoint": "http://127.0.0.1:PORT",   # serves POST /v1/{key}:encrypt
    "gcs_endpoint": "http://127.0.0.1:PORT",   # Cloud Storage JSON API (fake-gcs-server)
    "key": "projects/P/locations/L/keyRings/R/cryptoKeys/K",
    "objects": [
      {"bucket": "b", "object": "path/to/secret", "plaintext": "<base64>",
       "malformed": "truncated-body"}           # optional, see MALFORMED
    ]
  }
A bucket that does not exist is created first (`POST /storage/v1/b`, versioning on).

Output, a JSON array on stdout, one entry per object in order, holding no secret:
  [{"bucket": "b", "object": "path/to/secret", "generation": "1712345678901234"}]
Errors go to stderr with the failing request's status and the server's message (servers
describe requests, never the data); the exit status is then 1.

Needs Python 3.9+ and `cryptography`; nothing else outside the standard library.
"""

import base64
import json
import os
import sys
import urllib.error
import urllib.request

CACHE_CONTROL = "private, no-cache, no-store, no-transform, max-age=0"
NONCE_LEN = 12

# Ways to make a secret berglas cannot read, for tests of the reader's errors.
MALFORMED = {
    # The body's text cut in the middle of the sealed part: not base64 any more.
    "truncated-body",
    # The sealed bytes lose their last byte, then are encoded again: base64 that AES-GCM
    # refuses (the tag is cut).
    "truncated-sealed",
    # No `berglas-kms-key` metadata: berglas says "missing kms key in secret metadata".
    "no-kms-key",
    # The DEK wrapped with another object's name as AAD: Cloud KMS refuses to unwrap it.
    "wrong-aad",
}

try:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError:
    sys.exit("make_objects.py needs the `cryptography` package (scripts/lib/fake-gcs.sh installs it)")


def fail(what, error):
    """Exits with the failing request and what the server said."""
    if isinstance(error, urllib.error.HTTPError):
        detail = error.read().decode("utf-8", "replace")
        sys.exit(f"make_objects.py: {what}: HTTP {error.code}: {detail}")
    sys.exit(f"make_objects.py: {what}: {error}")


def request(url, body, content_type, what):
    """POSTs `body` to `url` and returns the JSON reply."""
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=30) as reply:
            return json.load(reply)
    except (urllib.error.URLError, OSError) as error:
        fail(what, error)


def b64(data):
    return base64.b64encode(bytes(data)).decode("ascii")


def kms_key_trim_version(key):
    """berglas's kmsKeyTrimVersion: a name with more than 7 `/` names a key version."""
    if key.count("/") > 7:
        return "/".join(key.split("/")[:8])
    return key


def wrap(kms_endpoint, key, dek, aad):
    """Cloud KMS `encrypt` of the DEK, bound to `aad`."""
    body = json.dumps({"plaintext": b64(dek), "additionalAuthenticatedData": b64(aad)}).encode()
    reply = request(f"{kms_endpoint}/v1/{key}:encrypt", body, "application/json", f"encrypt with {key}")
    return base64.b64decode(reply["ciphertext"])


def seal(dek, plaintext):
    """AES-256-GCM, random nonce, no associated data: nonce || ciphertext || tag."""
    nonce = os.urandom(NONCE_LEN)
    return nonce + AESGCM(bytes(dek)).encrypt(nonce, plaintext, None)


def ensure_bucket(gcs_endpoint, bucket, made):
    if bucket in made:
        return
    body = json.dumps({"name": bucket, "versioning": {"enabled": True}}).encode()
    req = urllib.request.Request(
        f"{gcs_endpoint}/storage/v1/b", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        urllib.request.urlopen(req, timeout=30).close()
    except urllib.error.HTTPError as error:
        # 409: it exists already, which is as good.
        if error.code != 409:
            fail(f"create bucket {bucket}", error)
    except (urllib.error.URLError, OSError) as error:
        fail(f"create bucket {bucket}", error)
    made.add(bucket)


def upload(gcs_endpoint, bucket, name, content, metadata):
    """A multipart upload (`uploadType=multipart`): the object's resource, then its bytes."""
    resource = {"name": name, "cacheControl": CACHE_CONTROL, "metadata": metadata}
    boundary = "berglas-" + os.urandom(12).hex()
    body = b"".join(
        [
            f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n".encode(),
            json.dumps(resource).encode(),
            f"\r\n--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n".encode(),
            content,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    url = f"{gcs_endpoint}/upload/storage/v1/b/{bucket}/o?uploadType=multipart"
    return request(url, body, f"multipart/related; boundary={boundary}", f"upload {bucket}/{name}")


def make_object(config, spec, made):
    bucket, name = spec["bucket"], spec["object"]
    malformed = spec.get("malformed")
    if malformed is not None and malformed not in MALFORMED:
        sys.exit(f"make_objects.py: unknown malformed option {malformed!r}: one of {sorted(MALFORMED)}")
    plaintext = base64.b64decode(spec["plaintext"], validate=True)
    dek = bytearray(os.urandom(32))
    try:
        sealed = seal(dek, plaintext)
        aad = (name + "-renamed" if malformed == "wrong-aad" else name).encode()
        wrapped = wrap(config["kms_endpoint"], config["key"], dek, aad)
    finally:
        # Best effort: Python keeps no promise about copies, but this one at least goes.
        dek[:] = bytes(len(dek))
    if malformed == "truncated-sealed":
        sealed = sealed[:-1]
    content = f"{b64(wrapped)}:{b64(sealed)}".encode("ascii")
    if malformed == "truncated-body":
        content = content[: len(content) - 7]
    metadata = {"berglas-secret": "1", "berglas-kms-key": kms_key_trim_version(config["key"])}
    if malformed == "no-kms-key":
        del metadata["berglas-kms-key"]
    ensure_bucket(config["gcs_endpoint"], bucket, made)
    written = upload(config["gcs_endpoint"], bucket, name, content, metadata)
    return {"bucket": bucket, "object": name, "generation": str(written["generation"])}


def main():
    config = json.load(sys.stdin)
    made = set()
    written = [make_object(config, spec, made) for spec in config["objects"]]
    json.dump(written, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
