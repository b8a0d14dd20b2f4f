//! `#[file(path = ".." | path_env = "VAR", key = "..", raw)]`: a file the platform mounts,
//! used whole (one trailing line break dropped, unless `raw`) or one key of the JSON object
//! it holds.

use quote::quote;
use syn::LitStr;

use super::{FieldCx, Kind};
use crate::attr::{self, Attr, Exclusive, Flag, FromLit, Key, Spec};
use crate::ctxt::{Ctxt, Reported};
use crate::source::{self, Resolved};
use crate::value::{self, EnvName, JsonKey};

pub struct File;

/// A path: not empty, no NUL.
struct FilePath(String);

impl FromLit for FilePath {
    fn from_lit(_: &str, lit: &LitStr) -> Result<Self, String> {
        value::checked(lit, secrets_names::check_file_path).map(Self)
    }
}

#[derive(Default)]
struct Keys {
    path: Attr<FilePath>,
    path_env: Attr<EnvName>,
    key: Attr<JsonKey>,
    raw: Flag,
}

const SPEC: Spec<Keys> = Spec {
    keys: &[
        // #[file(path = "/secrets/db-pass")]
        Key::new("path", |keys| &mut keys.path),
        // #[file(path_env = "DB_PASS_FILE")]: the var that holds the path
        Key::new("path_env", |keys| &mut keys.path_env),
        // #[file(key = "password")]: one key of the JSON file
        Key::new("key", |keys| &mut keys.key),
        // #[file(raw)]: the bytes as they are, a trailing line break included
        Key::new("raw", |keys| &mut keys.raw),
    ],
    exclusive: &[
        Exclusive {
            first: "path",
            second: "path_env",
            what: "the path",
        },
        Exclusive {
            first: "raw",
            second: "key",
            what: "what is taken of the file",
        },
    ],
};

impl Kind for File {
    fn name(&self) -> &'static str {
        "file"
    }

    fn example(&self) -> &'static str {
        "#[file(path = \"...\")]"
    }

    fn resolve(&self, cx: &Ctxt, field: &FieldCx) -> Result<Resolved, Reported> {
        let keys = attr::parse(cx, field.attr, &SPEC).read()?;
        let literal = keys.path.get()?.map(|path| path.value.0.clone());
        let path = field.required_name_ref(
            cx,
            literal,
            keys.path_env.get()?,
            "`#[file]` needs the path: `#[file(path = \"...\")]` or `#[file(path_env = \"VAR\")]`",
        )?;
        let private = field.private;
        let pick = source::pick(private, keys.key.get()?);
        let raw = keys.raw.is_set();
        let spec_path = path.tokens(private);
        Ok(Resolved {
            spec: quote!(#private::file::Spec { path: #spec_path, raw: #raw, pick: #pick }),
            uses: path.used_as("a file path").into_iter().collect(),
        })
    }
}
