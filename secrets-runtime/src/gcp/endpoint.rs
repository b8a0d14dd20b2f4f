//! Where Google's clients connect and which credentials they send there.
//!
//! Two rules. Emulators get no token (Google's convention for `STORAGE_EMULATOR_HOST`, and a
//! real token must not reach a server that is not Google's) unless the caller asks for
//! Application Default Credentials, as a regional or Private Service Connect endpoint needs.
//! And nothing that matters crosses the network in clear text: a KMS plaintext, a secret's payload or a token goes
//! over plain HTTP only to a server on this machine.

use std::ffi::OsStr;
use std::net::{IpAddr, Ipv6Addr};

use google_cloud_auth::credentials::{Credentials, anonymous};

use super::adc::adc;
use crate::{BackendError, ErrorKind};

/// The env var that chooses the credentials sent to `SECRETS_KMS_ENDPOINT` and
/// `SECRETS_SECRET_MANAGER_ENDPOINT`: `anonymous` (the default) or `adc`.
pub const CREDENTIALS_ENV: &str = "SECRETS_GCP_CREDENTIALS";

/// The credentials Google's clients send to an overridden endpoint. Google's own endpoints
/// always get Application Default Credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum GcpAuth {
    /// No token: what emulators and test servers expect.
    #[default]
    Anonymous,
    /// Application Default Credentials (the metadata server, `GOOGLE_APPLICATION_CREDENTIALS`
    /// or gcloud's login): for regional and Private Service Connect endpoints.
    Adc,
}

impl GcpAuth {
    /// The choice in `SECRETS_GCP_CREDENTIALS`; unset or empty is [`GcpAuth::Anonymous`].
    pub(super) fn from_env() -> Result<GcpAuth, BackendError> {
        GcpAuth::parse(std::env::var_os(CREDENTIALS_ENV).as_deref())
    }

    fn parse(value: Option<&OsStr>) -> Result<GcpAuth, BackendError> {
        let Some(value) = value else {
            return Ok(GcpAuth::Anonymous);
        };
        // Not quoted back in the error: whatever was pasted there stays out of the logs.
        match value.to_str().map(str::trim) {
            Some("") => Ok(GcpAuth::Anonymous),
            Some(v) if v.eq_ignore_ascii_case("anonymous") => Ok(GcpAuth::Anonymous),
            Some(v) if v.eq_ignore_ascii_case("adc") => Ok(GcpAuth::Adc),
            _ => Err(BackendError::new(
                ErrorKind::Unconfigured,
                format!("env {CREDENTIALS_ENV} must be `adc` or `anonymous`"),
            )),
        }
    }
}

/// An endpoint override, checked, with the credentials to send there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Endpoint {
    pub(super) url: String,
    pub(super) auth: GcpAuth,
}

impl Endpoint {
    /// A Cloud KMS endpoint: a URL with its scheme, `https`, or `http` for a server on this
    /// machine only, since a decrypt reply carries the plaintext. `from` names where the
    /// value came from, for the error.
    pub(super) fn kms(url: &str, auth: GcpAuth, from: &str) -> Result<Endpoint, BackendError> {
        Endpoint::with_scheme(url, auth, from)
    }

    /// A Secret Manager endpoint, by the rules of [`Endpoint::kms`]: an access reply carries
    /// the secret.
    pub(super) fn secret_manager(
        url: &str,
        auth: GcpAuth,
        from: &str,
    ) -> Result<Endpoint, BackendError> {
        Endpoint::with_scheme(url, auth, from)
    }

    /// A URL with its scheme: `https`, or `http` to this machine only.
    fn with_scheme(url: &str, auth: GcpAuth, from: &str) -> Result<Endpoint, BackendError> {
        let url = trimmed(url);
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(unconfigured(format!(
                "{from} has no scheme: give https://HOST, or http://127.0.0.1:PORT for a test server on this machine"
            )));
        };
        Endpoint::checked(scheme, rest, auth, from).map(|()| Endpoint {
            url: url.to_owned(),
            auth,
        })
    }

    /// A Cloud Storage endpoint: `host:port` means `http://host:port`, by the convention of
    /// `STORAGE_EMULATOR_HOST`. With [`GcpAuth::Adc`] a token goes there, so plain HTTP is
    /// then for this machine only, as for KMS.
    pub(super) fn storage(url: &str, auth: GcpAuth, from: &str) -> Result<Endpoint, BackendError> {
        let url = trimmed(url);
        let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
        let checked = match auth {
            GcpAuth::Adc => Endpoint::checked(scheme, rest, auth, from),
            GcpAuth::Anonymous => known_scheme(scheme, from),
        };
        checked.map(|()| Endpoint {
            url: format!("{scheme}://{rest}"),
            auth,
        })
    }

    fn checked(scheme: &str, rest: &str, auth: GcpAuth, from: &str) -> Result<(), BackendError> {
        known_scheme(scheme, from)?;
        if scheme.eq_ignore_ascii_case("http") && !is_loopback(rest) {
            let what = match auth {
                GcpAuth::Adc => "an access token",
                GcpAuth::Anonymous => "plaintext",
            };
            return Err(unconfigured(format!(
                "{from} is plain http:// to another machine, which would carry {what} in clear text: use https://, or http:// only for 127.0.0.1, [::1] or localhost"
            )));
        }
        Ok(())
    }

    /// The credentials to give the client builder; `None` leaves it to resolve Application
    /// Default Credentials, as it does for Google's own endpoints.
    pub(super) fn credentials(&self) -> Option<Credentials> {
        match self.auth {
            GcpAuth::Anonymous => Some(anonymous::Builder::new().build()),
            GcpAuth::Adc => None,
        }
    }

    /// The credentials to send to `endpoint` (`None`: Google's own, which get Application
    /// Default Credentials), built by the caller rather than by a client builder so that every
    /// client and request of its own share one token cache. `client` names it in an error.
    pub(super) fn credentials_for(
        endpoint: Option<&Endpoint>,
        client: &str,
    ) -> Result<Credentials, BackendError> {
        match endpoint.and_then(Endpoint::credentials) {
            Some(anonymous) => Ok(anonymous),
            None => adc(client),
        }
    }
}

fn trimmed(url: &str) -> &str {
    url.trim().trim_end_matches('/')
}

fn known_scheme(scheme: &str, from: &str) -> Result<(), BackendError> {
    if scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http") {
        Ok(())
    } else {
        Err(unconfigured(format!(
            "{from} must start with https:// or http://"
        )))
    }
}

/// Whether the authority of `rest` (what follows `scheme://`) names this machine.
fn is_loopback(rest: &str) -> bool {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // `user:password@host`: the host is after the last `@`.
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        // `[::1]:8080`
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => v6 == Ipv6Addr::LOCALHOST,
        Err(_) => false,
    }
}

fn unconfigured(message: String) -> BackendError {
    BackendError::new(ErrorKind::Unconfigured, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FROM: &str = "env SECRETS_KMS_ENDPOINT";

    fn kms(url: &str) -> Result<String, String> {
        Endpoint::kms(url, GcpAuth::Anonymous, FROM)
            .map(|e| e.url)
            .map_err(|e| e.message().to_owned())
    }

    #[test]
    fn kms_takes_https_anywhere_and_http_on_this_machine_only() {
        assert_eq!(kms("https://kms.example/").unwrap(), "https://kms.example");
        for local in [
            "http://127.0.0.1:9",
            "http://127.1.2.3:8085/",
            "http://localhost:8085",
            "HTTP://[::1]:8085",
        ] {
            assert!(kms(local).is_ok(), "{local}");
        }
        for remote in [
            "http://kms.internal.example",
            "http://10.0.0.7:8085",
            "http://127.0.0.1.example:80",
            "http://127.0.0.1@kms.example",
        ] {
            let why = kms(remote).unwrap_err();
            assert!(
                why.starts_with("env SECRETS_KMS_ENDPOINT is plain http:// to another machine, which would carry plaintext in clear text"),
                "{remote}: {why}"
            );
        }
    }

    #[test]
    fn secret_manager_endpoints_follow_the_kms_rules() {
        let from = "env SECRETS_SECRET_MANAGER_ENDPOINT";
        let sm = |url: &str, auth| Endpoint::secret_manager(url, auth, from);
        assert_eq!(
            sm("https://secretmanager.example/", GcpAuth::Adc).unwrap(),
            Endpoint {
                url: "https://secretmanager.example".into(),
                auth: GcpAuth::Adc
            }
        );
        assert!(sm("http://[::1]:8085", GcpAuth::Anonymous).is_ok());
        for refused in ["http://10.0.0.7:8085", "secretmanager.example:443"] {
            let why = sm(refused, GcpAuth::Anonymous).unwrap_err();
            assert!(why.message().starts_with(from), "{refused}: {why}");
            assert!(!why.message().contains("10.0.0.7"), "{why}");
        }
    }

    #[test]
    fn a_kms_endpoint_without_a_scheme_is_an_error_that_does_not_quote_it() {
        let why = kms("kms.internal.example").unwrap_err();
        assert_eq!(
            why,
            "env SECRETS_KMS_ENDPOINT has no scheme: give https://HOST, or http://127.0.0.1:PORT for a test server on this machine"
        );
        let why = kms("ftp://kms.internal.example").unwrap_err();
        assert_eq!(
            why,
            "env SECRETS_KMS_ENDPOINT must start with https:// or http://"
        );
    }

    #[test]
    fn storage_emulator_hosts_get_http_and_a_token_stays_on_this_machine() {
        let storage = |url: &str, auth| Endpoint::storage(url, auth, "STORAGE_EMULATOR_HOST");
        let anonymous = |url| storage(url, GcpAuth::Anonymous).unwrap().url;
        assert_eq!(anonymous("localhost:4443"), "http://localhost:4443");
        assert_eq!(anonymous("gcs:4443"), "http://gcs:4443");
        assert_eq!(anonymous("http://127.0.0.1:9000/"), "http://127.0.0.1:9000");
        assert_eq!(
            anonymous("https://storage.example"),
            "https://storage.example"
        );

        assert!(storage("127.0.0.1:4443", GcpAuth::Adc).is_ok());
        assert!(storage("https://storage-psc.p.googleapis.com", GcpAuth::Adc).is_ok());
        let why = storage("gcs:4443", GcpAuth::Adc).unwrap_err();
        assert!(
            why.message()
                .contains("which would carry an access token in clear text"),
            "{why}"
        );
    }

    #[test]
    fn the_credentials_env_var_takes_two_words_and_never_echoes_a_third() {
        let parse = |v: Option<&str>| GcpAuth::parse(v.map(OsStr::new));
        assert_eq!(parse(None), Ok(GcpAuth::Anonymous));
        assert_eq!(parse(Some(" ")), Ok(GcpAuth::Anonymous));
        assert_eq!(parse(Some("anonymous")), Ok(GcpAuth::Anonymous));
        assert_eq!(parse(Some(" ADC\n")), Ok(GcpAuth::Adc));
        let why = parse(Some("marker-s3cr3t")).unwrap_err();
        assert_eq!(
            (why.kind(), why.message()),
            (
                ErrorKind::Unconfigured,
                "env SECRETS_GCP_CREDENTIALS must be `adc` or `anonymous`"
            )
        );
    }

    #[test]
    fn loopback_is_decided_by_the_host_alone() {
        assert!(is_loopback("127.0.0.1:80/v1?x#y"));
        assert!(is_loopback("user@[::1]:80"));
        assert!(!is_loopback("[::2]:80"));
        assert!(!is_loopback("localhost.example"));
        assert!(!is_loopback(""));
    }
}
