//! `#[env]`: plain configuration from the environment.

use std::fmt;

use crate::ErrorKind;
use crate::backend::SecretBytes;
use crate::load::{Planned, Planner, Use};
use crate::manifest::{Holds, ManifestCx};
use crate::origin::Origin;
use crate::spec::{FieldSource, Var};

/// `#[env(name = "VAR", default = "...")]`, defaults applied.
#[derive(Debug)]
pub struct Spec {
    /// The env var.
    pub var: Var,
    /// The value when the env var is unset.
    pub default: Option<&'static str>,
}

impl FieldSource for Spec {
    fn plan(&'static self, cx: &mut Planner<'_>) -> Planned {
        let var = cx.var(self.var);
        let read = cx.env(
            &var,
            Use::Text {
                default: self.default,
            },
        );
        let origin = Origin::new(self).with_var(var);
        match (read, self.default) {
            (Ok(value), _) => Planned::done(origin, Ok(value.into_bytes())),
            (Err(why), Some(default)) if why.kind() == ErrorKind::Missing => Planned::done(
                origin.defaulted(),
                Ok(SecretBytes::new(default.as_bytes().to_vec())),
            ),
            (Err(why), _) => Planned::done(origin, Err(why)),
        }
    }

    fn needs(&self, cx: &mut ManifestCx) {
        let default = self.default;
        cx.var(self.var, Holds::Text { default });
    }

    fn describe(&self, origin: &Origin, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "env {}", origin.var())?;
        if origin.is_defaulted() {
            f.write_str(", unset: the default")?;
        }
        Ok(())
    }
}
