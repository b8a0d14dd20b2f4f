//! `#[aws_secret(id = ".." | id_env = "VAR", key = "..", version_stage = ".." |
//! version_id = "..")]`: an AWS Secrets Manager secret, its current version or the one a
//! staging label or version id names, used whole or one key of the JSON object it holds.

use quote::quote;

use super::{FieldCx, Kind};
use crate::attr::{self, Attr, Exclusive, Key, Spec};
use crate::ctxt::{Ctxt, Reported};
use crate::source::{self, Resolved};
use crate::value::{EnvName, JsonKey, checked_string};

pub struct AwsSecret;

checked_string!(
    /// A secret's name or ARN.
    SecretId,
    secrets_names::aws::check_aws_secret_id
);

checked_string!(
    /// A staging label: `AWSCURRENT`, `AWSPREVIOUS` or one of one's own.
    Stage,
    |text| secrets_names::aws::check_aws_secret_version("version stage", text)
);

checked_string!(
    /// A version id.
    VersionId,
    |text| secrets_names::aws::check_aws_secret_version("version id", text)
);

#[derive(Default)]
struct Keys {
    id: Attr<SecretId>,
    id_env: Attr<EnvName>,
    key: Attr<JsonKey>,
    version_stage: Attr<Stage>,
    version_id: Attr<VersionId>,
}

const SPEC: Spec<Keys> = Spec {
    keys: &[
        // #[aws_secret(id = "prod/db")], or the secret's ARN
        Key::new("id", |keys| &mut keys.id),
        // #[aws_secret(id_env = "VAR")]: the var that holds the secret's name or ARN
        Key::new("id_env", |keys| &mut keys.id_env),
        // #[aws_secret(key = "password")]: one key of the JSON secret
        Key::new("key", |keys| &mut keys.key),
        // #[aws_secret(version_stage = "AWSPREVIOUS")]: `AWSCURRENT` by default
        Key::new("version_stage", |keys| &mut keys.version_stage),
        // #[aws_secret(version_id = "...")]: one version
        Key::new("version_id", |keys| &mut keys.version_id),
    ],
    exclusive: &[
        Exclusive {
            first: "id",
            second: "id_env",
            what: "the secret",
        },
        Exclusive {
            first: "version_stage",
            second: "version_id",
            what: "the version",
        },
    ],
};

impl Kind for AwsSecret {
    fn name(&self) -> &'static str {
        "aws_secret"
    }

    fn example(&self) -> &'static str {
        "#[aws_secret(id = \"...\")]"
    }

    fn resolve(&self, cx: &Ctxt, field: &FieldCx) -> Result<Resolved, Reported> {
        let keys = attr::parse(cx, field.attr, &SPEC).read()?;
        let literal = keys.id.get()?.map(|id| id.value.0.clone());
        let id = field.required_name_ref(
            cx,
            literal,
            keys.id_env.get()?,
            "`#[aws_secret]` needs the secret: `#[aws_secret(id = \"...\")]` or `#[aws_secret(id_env = \"VAR\")]`",
        )?;
        let stage = keys
            .version_stage
            .get()?
            .map(|stage| stage.value.0.as_str());
        let version = keys.version_id.get()?.map(|id| id.value.0.as_str());
        let private = field.private;
        let pick = source::pick(private, keys.key.get()?);
        let spec_id = id.tokens(private);
        let (stage, version) = (source::option_str(stage), source::option_str(version));
        Ok(Resolved {
            spec: quote!(#private::aws_secret::Spec {
                id: #spec_id,
                version_stage: #stage,
                version_id: #version,
                pick: #pick,
            }),
            uses: id.used_as("a secret id").into_iter().collect(),
        })
    }
}
