//! `Config::manifest()`: what a struct reads and the grants it needs, from the declaration
//! alone, as a table, as JSON and as `gcloud` commands; with and without an environment to
//! look env-held names up in.

use secrets_runtime::manifest::{EnvVar, Holds, Name, Resource};
use secrets_runtime::{SecretSlice, SecretString, Secrets};

#[derive(Secrets)]
#[allow(dead_code)]
struct Database {
    #[env(default = "5432")]
    port: u16,
    #[kms]
    password: SecretString,
    #[gcs(object = "db.json", key = "user")]
    user: String,
}

/// Every source kind, names literal and env-held, shared resources, and a nested struct.
#[derive(Secrets)]
#[allow(dead_code)]
struct Config {
    #[env(name = "PORT", default = "8080")]
    port: u16,
    #[kms]
    db_pass: SecretString,
    #[kms(
        env = "API_TOKEN_CT",
        key = "projects/p/locations/global/keyRings/r/cryptoKeys/k"
    )]
    api_token: SecretString,
    #[bundle(key = "stripe")]
    stripe: SecretString,
    #[bundle]
    github: SecretString,
    #[gcs(object = "app1", key = "username")]
    username: String,
    #[gcs(object = "app1", key = "password")]
    password: SecretString,
    #[gcs(bucket = "certs", object = "tls, \"main\".pem")]
    cert: Vec<u8>,
    #[secret_manager(secret = "api-key")]
    api_key: SecretString,
    #[secret_manager(secret = "api-key", version = "3")]
    api_key_old: SecretString,
    #[secret_manager(secret = "projects/shared/secrets/ca")]
    ca: Vec<u8>,
    #[secret_manager(secret = "eu-db", location = "europe-west1", project = "my-project")]
    eu_db: SecretString,
    #[secret_manager(secret_env = "WEBHOOK_SECRET")]
    webhook: Option<SecretString>,
    #[file(path = "/secrets/tls-key", raw)]
    tls_key: SecretSlice<u8>,
    #[file(path_env = "DB_CONFIG_FILE", key = "password")]
    settings: SecretString,
    #[berglas]
    legacy: SecretString,
    #[secrets(nested, prefix = "PRIMARY_")]
    db: Database,
}

/// A literal key and a var that holds the same one; an sm:// reference; names a shell must
/// not read.
#[derive(Secrets)]
#[allow(dead_code)]
struct Shared {
    #[kms(key = "projects/p/locations/global/keyRings/r/cryptoKeys/k")]
    literal: SecretString,
    #[kms]
    from_env: SecretString,
    #[berglas(env = "SM_REF")]
    sm: SecretString,
    #[gcs(bucket = "odd-bucket", object = "it's $(id)")]
    odd: Vec<u8>,
    #[berglas(env = "ODD_REF")]
    odd_ref: SecretString,
}

const SA: &str = "my-fn@my-project.iam.gserviceaccount.com";

/// A deploy's environment: `GOOGLE_CLOUD_PROJECT` unset, as on Cloud Run.
const DEPLOY: [(&str, &str); 4] = [
    (
        "KMS_CRYPTO_KEY_ID",
        "projects/my-project/locations/global/keyRings/app/cryptoKeys/config",
    ),
    ("STORAGE_BUCKET", "my-project-secrets"),
    (
        "WEBHOOK_SECRET",
        "projects/hooks/secrets/webhook/versions/2",
    ),
    ("LEGACY", "berglas://legacy-bucket/api/key"),
];

/// The text after a raw string's first line break, so that expected text starts at column 0.
fn text(raw: &str) -> &str {
    raw.strip_prefix('\n').unwrap()
}

#[test]
fn the_table_names_every_env_var_and_resource_with_the_fields_that_read_it() {
    let expected = r#"
Config reads 12 env vars and 14 resources

ENV VAR               HOLDS                                                                       READ BY
PORT                  text, default "8080"                                                        port
DB_PASS               KMS ciphertext for key $KMS_CRYPTO_KEY_ID                                   db_pass
KMS_CRYPTO_KEY_ID     a KMS key name                                                              db_pass, stripe, github, db.password
API_TOKEN_CT          KMS ciphertext for key projects/p/locations/global/keyRings/r/cryptoKeys/k  api_token
SECRETS_BUNDLE        a sealed bundle for key $KMS_CRYPTO_KEY_ID                                  stripe, github
STORAGE_BUCKET        a bucket name                                                               username, password, db.user
GOOGLE_CLOUD_PROJECT  a project id; unset: the metadata server's                                  api_key, api_key_old, webhook
WEBHOOK_SECRET        a secret id or full name                                                    webhook
DB_CONFIG_FILE        a file path                                                                 settings
LEGACY                a berglas reference (berglas:// or sm://)                                   legacy
PRIMARY_PORT          text, default "5432"                                                        db.port
PRIMARY_PASSWORD      KMS ciphertext for key $KMS_CRYPTO_KEY_ID                                   db.password

RESOURCE                                                                          PERMISSION                               ROLE                                READ BY
KMS key $KMS_CRYPTO_KEY_ID                                                        cloudkms.cryptoKeyVersions.useToDecrypt  roles/cloudkms.cryptoKeyDecrypter   db_pass, stripe, github, db.password
KMS key projects/p/locations/global/keyRings/r/cryptoKeys/k                       cloudkms.cryptoKeyVersions.useToDecrypt  roles/cloudkms.cryptoKeyDecrypter   api_token
object gs://$STORAGE_BUCKET/app1                                                  storage.objects.get                      roles/storage.objectViewer          username, password
object gs://certs/tls, "main".pem                                                 storage.objects.get                      roles/storage.objectViewer          cert
secret projects/$GOOGLE_CLOUD_PROJECT/secrets/api-key (versions latest, 3)        secretmanager.versions.access            roles/secretmanager.secretAccessor  api_key, api_key_old
secret projects/shared/secrets/ca (version latest)                                secretmanager.versions.access            roles/secretmanager.secretAccessor  ca
secret projects/my-project/locations/europe-west1/secrets/eu-db (version latest)  secretmanager.versions.access            roles/secretmanager.secretAccessor  eu_db
secret projects/$GOOGLE_CLOUD_PROJECT/secrets/$WEBHOOK_SECRET (version latest)    secretmanager.versions.access            roles/secretmanager.secretAccessor  webhook
file /secrets/tls-key                                                             file read                                none: file system permission        tls_key
file $DB_CONFIG_FILE                                                              file read                                none: file system permission        settings
berglas:// object in $LEGACY                                                      storage.objects.get                      roles/storage.objectViewer          legacy
KMS key of the berglas:// object in $LEGACY (its berglas-kms-key metadata)        cloudkms.cryptoKeyVersions.useToDecrypt  roles/cloudkms.cryptoKeyDecrypter   legacy
sm:// secret in $LEGACY                                                           secretmanager.versions.access            roles/secretmanager.secretAccessor  legacy
object gs://$STORAGE_BUCKET/db.json                                               storage.objects.get                      roles/storage.objectViewer          db.user
"#;
    assert_eq!(Config::manifest().to_string(), text(expected));
}

#[test]
#[allow(clippy::too_many_lines)] // The whole document, as it is.
fn the_json_says_the_same() {
    let expected = serde_json::json!({
      "struct": "Config",
      "env": [
        {
          "var": "PORT",
          "holds": "text",
          "default": "8080",
          "fields": [
            "port"
          ]
        },
        {
          "var": "DB_PASS",
          "holds": "kms_ciphertext",
          "key": "$KMS_CRYPTO_KEY_ID",
          "fields": [
            "db_pass"
          ]
        },
        {
          "var": "KMS_CRYPTO_KEY_ID",
          "holds": "kms_key_name",
          "fields": [
            "db_pass",
            "stripe",
            "github",
            "db.password"
          ]
        },
        {
          "var": "API_TOKEN_CT",
          "holds": "kms_ciphertext",
          "key": "projects/p/locations/global/keyRings/r/cryptoKeys/k",
          "fields": [
            "api_token"
          ]
        },
        {
          "var": "SECRETS_BUNDLE",
          "holds": "bundle",
          "key": "$KMS_CRYPTO_KEY_ID",
          "fields": [
            "stripe",
            "github"
          ]
        },
        {
          "var": "STORAGE_BUCKET",
          "holds": "bucket_name",
          "fields": [
            "username",
            "password",
            "db.user"
          ]
        },
        {
          "var": "GOOGLE_CLOUD_PROJECT",
          "holds": "project_id",
          "fields": [
            "api_key",
            "api_key_old",
            "webhook"
          ]
        },
        {
          "var": "WEBHOOK_SECRET",
          "holds": "secret_name",
          "fields": [
            "webhook"
          ]
        },
        {
          "var": "DB_CONFIG_FILE",
          "holds": "file_path",
          "fields": [
            "settings"
          ]
        },
        {
          "var": "LEGACY",
          "holds": "berglas_reference",
          "fields": [
            "legacy"
          ]
        },
        {
          "var": "PRIMARY_PORT",
          "holds": "text",
          "default": "5432",
          "fields": [
            "db.port"
          ]
        },
        {
          "var": "PRIMARY_PASSWORD",
          "holds": "kms_ciphertext",
          "key": "$KMS_CRYPTO_KEY_ID",
          "fields": [
            "db.password"
          ]
        }
      ],
      "resources": [
        {
          "kind": "kms_key",
          "key": "$KMS_CRYPTO_KEY_ID",
          "permission": "cloudkms.cryptoKeyVersions.useToDecrypt",
          "role": "roles/cloudkms.cryptoKeyDecrypter",
          "fields": [
            "db_pass",
            "stripe",
            "github",
            "db.password"
          ]
        },
        {
          "kind": "kms_key",
          "key": "projects/p/locations/global/keyRings/r/cryptoKeys/k",
          "permission": "cloudkms.cryptoKeyVersions.useToDecrypt",
          "role": "roles/cloudkms.cryptoKeyDecrypter",
          "fields": [
            "api_token"
          ]
        },
        {
          "kind": "storage_object",
          "bucket": "$STORAGE_BUCKET",
          "object": "app1",
          "permission": "storage.objects.get",
          "role": "roles/storage.objectViewer",
          "fields": [
            "username",
            "password"
          ]
        },
        {
          "kind": "storage_object",
          "bucket": "certs",
          "object": "tls, \"main\".pem",
          "permission": "storage.objects.get",
          "role": "roles/storage.objectViewer",
          "fields": [
            "cert"
          ]
        },
        {
          "kind": "secret",
          "project": "$GOOGLE_CLOUD_PROJECT",
          "secret": "api-key",
          "versions": [
            "latest",
            "3"
          ],
          "permission": "secretmanager.versions.access",
          "role": "roles/secretmanager.secretAccessor",
          "fields": [
            "api_key",
            "api_key_old"
          ]
        },
        {
          "kind": "secret",
          "project": "shared",
          "secret": "ca",
          "versions": [
            "latest"
          ],
          "permission": "secretmanager.versions.access",
          "role": "roles/secretmanager.secretAccessor",
          "fields": [
            "ca"
          ]
        },
        {
          "kind": "secret",
          "project": "my-project",
          "location": "europe-west1",
          "secret": "eu-db",
          "versions": [
            "latest"
          ],
          "permission": "secretmanager.versions.access",
          "role": "roles/secretmanager.secretAccessor",
          "fields": [
            "eu_db"
          ]
        },
        {
          "kind": "secret",
          "project": "$GOOGLE_CLOUD_PROJECT",
          "secret": "$WEBHOOK_SECRET",
          "versions": [
            "latest"
          ],
          "permission": "secretmanager.versions.access",
          "role": "roles/secretmanager.secretAccessor",
          "fields": [
            "webhook"
          ]
        },
        {
          "kind": "file",
          "path": "/secrets/tls-key",
          "permission": "file read",
          "role": null,
          "fields": [
            "tls_key"
          ]
        },
        {
          "kind": "file",
          "path": "$DB_CONFIG_FILE",
          "permission": "file read",
          "role": null,
          "fields": [
            "settings"
          ]
        },
        {
          "kind": "berglas_object",
          "reference": "$LEGACY",
          "permission": "storage.objects.get",
          "role": "roles/storage.objectViewer",
          "fields": [
            "legacy"
          ]
        },
        {
          "kind": "berglas_key",
          "reference": "$LEGACY",
          "metadata": "berglas-kms-key",
          "permission": "cloudkms.cryptoKeyVersions.useToDecrypt",
          "role": "roles/cloudkms.cryptoKeyDecrypter",
          "fields": [
            "legacy"
          ]
        },
        {
          "kind": "berglas_secret",
          "reference": "$LEGACY",
          "permission": "secretmanager.versions.access",
          "role": "roles/secretmanager.secretAccessor",
          "fields": [
            "legacy"
          ]
        },
        {
          "kind": "storage_object",
          "bucket": "$STORAGE_BUCKET",
          "object": "db.json",
          "permission": "storage.objects.get",
          "role": "roles/storage.objectViewer",
          "fields": [
            "db.user"
          ]
        }
      ]
    });
    assert_eq!(serde_json::to_value(Config::manifest()).unwrap(), expected);
}

#[test]
fn a_resource_or_var_several_fields_read_is_listed_once() {
    let manifest = Config::manifest();
    let key = &manifest.resources()[0];
    assert_eq!(
        key.resource(),
        &Resource::KmsKey {
            key: Name::Env("KMS_CRYPTO_KEY_ID")
        }
    );
    assert_eq!(key.fields(), ["db_pass", "stripe", "github", "db.password"]);
    assert_eq!(key.role(), Some("roles/cloudkms.cryptoKeyDecrypter"));
    let kms_vars: Vec<_> = manifest
        .env_vars()
        .iter()
        .filter(|var| var.name() == "KMS_CRYPTO_KEY_ID")
        .collect();
    assert_eq!(kms_vars.len(), 1);
    assert_eq!(kms_vars[0].holds(), &Holds::KmsKeyName);
    // The nested struct's prefix applies to the names it derives from its fields.
    let nested = manifest
        .env_vars()
        .iter()
        .find(|var| var.fields() == ["db.password"]);
    assert_eq!(nested.map(EnvVar::name), Some("PRIMARY_PASSWORD"));
}

#[test]
fn without_an_environment_no_name_is_looked_up() {
    let expected = r#"
# Least-privilege grants for Config: each role on the one resource a field reads.
# Storage grants are held to one object by an IAM condition: the bucket needs uniform bucket-level access.
# db_pass, stripe, github, db.password: set KMS_CRYPTO_KEY_ID (the KMS key name), then grant roles/cloudkms.cryptoKeyDecrypter on KMS key $KMS_CRYPTO_KEY_ID
# api_token
gcloud kms keys add-iam-policy-binding k --keyring r --location global --project p --member=serviceAccount:my-fn@my-project.iam.gserviceaccount.com --role=roles/cloudkms.cryptoKeyDecrypter
# username, password: set STORAGE_BUCKET (the bucket name), then grant roles/storage.objectViewer on object gs://$STORAGE_BUCKET/app1
# cert
gcloud storage buckets add-iam-policy-binding gs://certs --member=serviceAccount:my-fn@my-project.iam.gserviceaccount.com --role=roles/storage.objectViewer --condition='^;^expression=resource.name == "projects/_/buckets/certs/objects/tls, \"main\".pem";title=tls, "main".pem-only'
# api_key, api_key_old: set GOOGLE_CLOUD_PROJECT (the project), then grant roles/secretmanager.secretAccessor on secret projects/$GOOGLE_CLOUD_PROJECT/secrets/api-key (versions latest, 3)
# ca
gcloud secrets add-iam-policy-binding ca --project shared --member=serviceAccount:my-fn@my-project.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor
# eu_db
gcloud secrets add-iam-policy-binding eu-db --location europe-west1 --project my-project --member=serviceAccount:my-fn@my-project.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor
# webhook: set WEBHOOK_SECRET (the secret name); set GOOGLE_CLOUD_PROJECT (the project), then grant roles/secretmanager.secretAccessor on secret projects/$GOOGLE_CLOUD_PROJECT/secrets/$WEBHOOK_SECRET (version latest)
# tls_key: no IAM role reads file /secrets/tls-key: the process's user needs read permission on it (a Cloud Run secret volume needs roles/secretmanager.secretAccessor on its secret)
# settings: no IAM role reads file $DB_CONFIG_FILE: the process's user needs read permission on it (a Cloud Run secret volume needs roles/secretmanager.secretAccessor on its secret)
# legacy: set LEGACY (a berglas reference), then grant what it names: roles/storage.objectViewer on a berglas:// object and roles/cloudkms.cryptoKeyDecrypter on its key, or roles/secretmanager.secretAccessor on an sm:// secret
# db.user: set STORAGE_BUCKET (the bucket name), then grant roles/storage.objectViewer on object gs://$STORAGE_BUCKET/db.json
"#;
    assert_eq!(Config::manifest().gcloud(SA, None), text(expected));
}

#[test]
fn with_an_environment_env_held_names_are_looked_up_there() {
    let expected = r#"
# Least-privilege grants for Config: each role on the one resource a field reads.
# Storage grants are held to one object by an IAM condition: the bucket needs uniform bucket-level access.
# db_pass, stripe, github, db.password
gcloud kms keys add-iam-policy-binding config --keyring app --location global --project my-project --member=serviceAccount:my-fn@my-project.iam.gserviceaccount.com --role=roles/cloudkms.cryptoKeyDecrypter
# api_token
gcloud kms keys add-iam-policy-binding k --keyring r --location global --project p --member=serviceAccount:my-fn@my-project.iam.gserviceaccount.com --role=roles/cloudkms.cryptoKeyDecrypter
# username, password
gcloud storage buckets add-iam-policy-binding gs://my-project-secrets --member=serviceAccount:my-fn@my-project.iam.gserviceaccount.com --role=roles/storage.objectViewer --condition='expression=resource.name == "projects/_/buckets/my-project-secrets/objects/app1",title=app1-only'
# cert
gcloud storage buckets add-iam-policy-binding gs://certs --member=serviceAccount:my-fn@my-project.iam.gserviceaccount.com --role=roles/storage.objectViewer --condition='^;^expression=resource.name == "projects/_/buckets/certs/objects/tls, \"main\".pem";title=tls, "main".pem-only'
# api_key, api_key_old: GOOGLE_CLOUD_PROJECT is unset, so the secret is in the metadata server's project (on Cloud Run, the service's own): gcloud's configured project is used here
gcloud secrets add-iam-policy-binding api-key --member=serviceAccount:my-fn@my-project.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor
# ca
gcloud secrets add-iam-policy-binding ca --project shared --member=serviceAccount:my-fn@my-project.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor
# eu_db
gcloud secrets add-iam-policy-binding eu-db --location europe-west1 --project my-project --member=serviceAccount:my-fn@my-project.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor
# webhook
gcloud secrets add-iam-policy-binding webhook --project hooks --member=serviceAccount:my-fn@my-project.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor
# tls_key: no IAM role reads file /secrets/tls-key: the process's user needs read permission on it (a Cloud Run secret volume needs roles/secretmanager.secretAccessor on its secret)
# settings: no IAM role reads file $DB_CONFIG_FILE: the process's user needs read permission on it (a Cloud Run secret volume needs roles/secretmanager.secretAccessor on its secret)
# legacy
gcloud storage buckets add-iam-policy-binding gs://legacy-bucket --member=serviceAccount:my-fn@my-project.iam.gserviceaccount.com --role=roles/storage.objectViewer --condition='expression=resource.name == "projects/_/buckets/legacy-bucket/objects/api/key",title=api/key-only'
# legacy: grant roles/cloudkms.cryptoKeyDecrypter on the KMS key named in the berglas-kms-key metadata of gs://legacy-bucket/api/key, known once the object is read
# db.user
gcloud storage buckets add-iam-policy-binding gs://my-project-secrets --member=serviceAccount:my-fn@my-project.iam.gserviceaccount.com --role=roles/storage.objectViewer --condition='expression=resource.name == "projects/_/buckets/my-project-secrets/objects/db.json",title=db.json-only'
"#;
    assert_eq!(Config::manifest().gcloud(SA, Some(&DEPLOY)), text(expected));
}

#[test]
fn a_value_that_is_not_a_name_is_named_by_its_var_and_never_shown() {
    let pasted = [
        ("KMS_CRYPTO_KEY_ID", "hunter2-password"),
        ("STORAGE_BUCKET", "Hunter2!"),
        ("WEBHOOK_SECRET", "ghp_abc/def"),
        ("GOOGLE_CLOUD_PROJECT", "Pa55word!"),
        ("DB_CONFIG_FILE", "s3cr3t"),
        ("LEGACY", "s3cr3t-token"),
    ];
    let script = Config::manifest().gcloud("fn@p.iam.gserviceaccount.com", Some(&pasted));
    for (_, value) in pasted {
        assert!(!script.contains(value), "the script shows a value");
    }
    let expected = r#"
# Least-privilege grants for Config: each role on the one resource a field reads.
# Storage grants are held to one object by an IAM condition: the bucket needs uniform bucket-level access.
# db_pass, stripe, github, db.password: env KMS_CRYPTO_KEY_ID: KMS key name is not of the form `projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY`: it needs 8 parts separated by `/`; fix it, then grant roles/cloudkms.cryptoKeyDecrypter on KMS key $KMS_CRYPTO_KEY_ID
# api_token
gcloud kms keys add-iam-policy-binding k --keyring r --location global --project p --member=serviceAccount:fn@p.iam.gserviceaccount.com --role=roles/cloudkms.cryptoKeyDecrypter
# username, password: env STORAGE_BUCKET: bucket name has a character other than lowercase letters, digits, `-`, `_` and `.` (character 1); fix it, then grant roles/storage.objectViewer on object gs://$STORAGE_BUCKET/app1
# cert
gcloud storage buckets add-iam-policy-binding gs://certs --member=serviceAccount:fn@p.iam.gserviceaccount.com --role=roles/storage.objectViewer --condition='^;^expression=resource.name == "projects/_/buckets/certs/objects/tls, \"main\".pem";title=tls, "main".pem-only'
# api_key, api_key_old: env GOOGLE_CLOUD_PROJECT: project is not a project id (lowercase letters, digits, `-`; `domain:` in front for a domain-scoped one) or a project number; fix it, then grant roles/secretmanager.secretAccessor on secret projects/$GOOGLE_CLOUD_PROJECT/secrets/api-key (versions latest, 3)
# ca
gcloud secrets add-iam-policy-binding ca --project shared --member=serviceAccount:fn@p.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor
# eu_db
gcloud secrets add-iam-policy-binding eu-db --location europe-west1 --project my-project --member=serviceAccount:fn@p.iam.gserviceaccount.com --role=roles/secretmanager.secretAccessor
# webhook: env WEBHOOK_SECRET: secret name is not of the form `SECRET`, `projects/PROJECT/secrets/SECRET` or `projects/PROJECT/locations/LOCATION/secrets/SECRET`, optionally followed by `/versions/VERSION`; fix it; env GOOGLE_CLOUD_PROJECT: project is not a project id (lowercase letters, digits, `-`; `domain:` in front for a domain-scoped one) or a project number; fix it, then grant roles/secretmanager.secretAccessor on secret projects/$GOOGLE_CLOUD_PROJECT/secrets/$WEBHOOK_SECRET (version latest)
# tls_key: no IAM role reads file /secrets/tls-key: the process's user needs read permission on it (a Cloud Run secret volume needs roles/secretmanager.secretAccessor on its secret)
# settings: no IAM role reads file $DB_CONFIG_FILE: the process's user needs read permission on it (a Cloud Run secret volume needs roles/secretmanager.secretAccessor on its secret)
# legacy: env LEGACY is not a berglas reference: it does not start with `berglas://` or `sm://`; fix it, then grant what it names: roles/storage.objectViewer on a berglas:// object and roles/cloudkms.cryptoKeyDecrypter on its key, or roles/secretmanager.secretAccessor on an sm:// secret
# db.user: env STORAGE_BUCKET: bucket name has a character other than lowercase letters, digits, `-`, `_` and `.` (character 1); fix it, then grant roles/storage.objectViewer on object gs://$STORAGE_BUCKET/db.json
"#;
    assert_eq!(script, text(expected));
}

#[test]
fn names_that_resolve_alike_make_one_grant_and_every_word_reaches_gcloud_whole() {
    let env = [
        (
            "KMS_CRYPTO_KEY_ID",
            "projects/p/locations/global/keyRings/r/cryptoKeys/k",
        ),
        ("SM_REF", "sm://shared-project/api-token#3"),
        ("ODD_REF", "berglas://odd-bucket/a%60id%60"),
    ];
    let script = Shared::manifest().gcloud("o'brien@p.iam.gserviceaccount.com", Some(&env));
    let expected = r#"
# Least-privilege grants for Shared: each role on the one resource a field reads.
# Storage grants are held to one object by an IAM condition: the bucket needs uniform bucket-level access.
# literal, from_env
gcloud kms keys add-iam-policy-binding k --keyring r --location global --project p --member='serviceAccount:o'\''brien@p.iam.gserviceaccount.com' --role=roles/cloudkms.cryptoKeyDecrypter
# sm
gcloud secrets add-iam-policy-binding api-token --project shared-project --member='serviceAccount:o'\''brien@p.iam.gserviceaccount.com' --role=roles/secretmanager.secretAccessor
# odd
gcloud storage buckets add-iam-policy-binding gs://odd-bucket --member='serviceAccount:o'\''brien@p.iam.gserviceaccount.com' --role=roles/storage.objectViewer --condition='expression=resource.name == "projects/_/buckets/odd-bucket/objects/it'\''s $(id)",title=it'\''s $(id)-only'
# odd_ref
gcloud storage buckets add-iam-policy-binding gs://odd-bucket --member='serviceAccount:o'\''brien@p.iam.gserviceaccount.com' --role=roles/storage.objectViewer --condition='expression=resource.name == "projects/_/buckets/odd-bucket/objects/a`id`",title=a`id`-only'
# odd_ref: grant roles/cloudkms.cryptoKeyDecrypter on the KMS key named in the berglas-kms-key metadata of gs://odd-bucket/a`id`, known once the object is read
"#;
    assert_eq!(script, text(expected));
    // What a shell hands gcloud: each command's arguments, one per bracket.
    let run = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "gcloud() {{ printf '[%s]' \"$@\"; echo; }}\n{script}"
        ))
        .output()
        .unwrap();
    assert!(run.status.success());
    let expected = r#"
[kms][keys][add-iam-policy-binding][k][--keyring][r][--location][global][--project][p][--member=serviceAccount:o'brien@p.iam.gserviceaccount.com][--role=roles/cloudkms.cryptoKeyDecrypter]
[secrets][add-iam-policy-binding][api-token][--project][shared-project][--member=serviceAccount:o'brien@p.iam.gserviceaccount.com][--role=roles/secretmanager.secretAccessor]
[storage][buckets][add-iam-policy-binding][gs://odd-bucket][--member=serviceAccount:o'brien@p.iam.gserviceaccount.com][--role=roles/storage.objectViewer][--condition=expression=resource.name == "projects/_/buckets/odd-bucket/objects/it's $(id)",title=it's $(id)-only]
[storage][buckets][add-iam-policy-binding][gs://odd-bucket][--member=serviceAccount:o'brien@p.iam.gserviceaccount.com][--role=roles/storage.objectViewer][--condition=expression=resource.name == "projects/_/buckets/odd-bucket/objects/a`id`",title=a`id`-only]
"#;
    assert_eq!(String::from_utf8(run.stdout).unwrap(), text(expected));
}
