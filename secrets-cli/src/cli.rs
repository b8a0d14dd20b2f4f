//! The command line: every command, argument and help text, for clap's derive.
// The doc comments here are clap's help text, read in a terminal: backticks around names
// would show there as they are.
#![allow(clippy::doc_markdown)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::secret_manager;

const ENVIRONMENT: &str = "\
Environment:
  SECRETS_LOCAL_DIR                 use the local backend in this directory (development)
  SECRETS_KMS_ENDPOINT              another Cloud KMS endpoint (https://, or http:// on this machine)
  STORAGE_EMULATOR_HOST             a Cloud Storage emulator (host:port or URL), anonymous
  SECRETS_SECRET_MANAGER_ENDPOINT   another Secret Manager endpoint
  SECRETS_GCP_CREDENTIALS           credentials for those endpoints: anonymous (default) or adc
Otherwise Google's services are called with Application Default Credentials.";

/// Put secrets where secrets-runtime reads them, and check that they load.
#[derive(Parser)]
#[command(name = "secrets", version, after_help = ENVIRONMENT)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Encrypt a value with Cloud KMS: base64 ciphertext for an env var a #[kms] field reads
    #[command(after_help = "\
Example:
  printf %s \"$DB_PASS\" | secrets encrypt --key projects/P/locations/global/keyRings/R/cryptoKeys/K
The value is encrypted as given, a trailing line break included: pipe it with printf, not echo.")]
    Encrypt(EncryptArgs),
    /// Seal several secrets into one bundle for env SECRETS_BUNDLE, read by #[bundle] fields
    #[command(after_help = "\
The bundle is a JSON object of the secrets, sealed with one Cloud KMS call: its Cloud KMS
ciphertext (base64) up to 64 KiB of JSON, berglas's envelope beyond that or with --envelope.
Values given as NAME=value show in the process list and shell history: prefer NAME=@file,
--json or --dotenv for real secrets.

Example:
  secrets seal --key projects/P/locations/global/keyRings/R/cryptoKeys/K \\
    db_pass=@db_pass.txt --dotenv prod.env")]
    Seal(SealArgs),
    /// berglas-compatible secrets in Cloud Storage
    #[command(subcommand)]
    Berglas(BerglasCommand),
    /// Secret Manager secrets
    #[command(subcommand, name = "secret-manager")]
    SecretManager(SecretManagerCommand),
    /// Load berglas references (and, from a .env file, KMS ciphertext and bundles) as a
    /// function would; say which fail, never what they hold
    #[command(after_help = "\
Prints `NAME: ok (N bytes)` or `NAME: why` for each reference; exit status 1 if any failed.
With --env-file, every variable of the file is listed: references are loaded, the variables
named by --ciphertext (a #[kms] value) and --bundle (SECRETS_BUNDLE) are decrypted
(`VAR: ok (N bytes)`, `VAR: ok (K keys)`), and any other is `VAR: not checked (plain value)`.

Example:
  secrets verify --env-file prod.env --ciphertext DB_PASS --bundle SECRETS_BUNDLE")]
    Verify(VerifyArgs),
}

#[derive(Args)]
pub struct EncryptArgs {
    /// Cloud KMS key: projects/P/locations/L/keyRings/R/cryptoKeys/K
    #[arg(long, value_name = "KEY", value_parser = kms_key)]
    pub key: String,
    /// File holding the value; `-` or none: stdin
    #[arg(value_name = "FILE|-")]
    pub file: Option<PathBuf>,
}

#[derive(Args)]
pub struct SealArgs {
    /// Cloud KMS key: projects/P/locations/L/keyRings/R/cryptoKeys/K
    #[arg(long, value_name = "KEY", value_parser = kms_key)]
    pub key: String,
    /// Secrets to seal: NAME=value, or NAME=@file for a file's contents
    #[arg(value_name = "NAME=value|NAME=@file", required_unless_present_any = ["json", "dotenv"])]
    pub secrets: Vec<String>,
    /// Also seal the secrets of a JSON object of strings (`-`: stdin)
    #[arg(long, value_name = "FILE", conflicts_with = "dotenv")]
    pub json: Option<PathBuf>,
    /// Also seal the variables of a .env file (`-`: stdin)
    #[arg(long, value_name = "FILE")]
    pub dotenv: Option<PathBuf>,
    /// Seal as berglas's envelope even when Cloud KMS ciphertext would do
    #[arg(long)]
    pub envelope: bool,
}

#[derive(Subcommand)]
pub enum BerglasCommand {
    /// Write a secret as a berglas object, readable by berglas and by #[berglas] fields
    #[command(after_help = "\
Prints the reference to give the function, pinned to the generation written:
  berglas://BUCKET/OBJECT#GENERATION
Example:
  secrets berglas create my-bucket/api-key --key projects/P/locations/global/keyRings/R/cryptoKeys/K @api-key.txt")]
    Create(BerglasCreateArgs),
    /// Print the plaintext a berglas reference names, exactly, on stdout
    Access(BerglasAccessArgs),
}

#[derive(Args)]
pub struct BerglasCreateArgs {
    /// Where to write: BUCKET/OBJECT (or gs://BUCKET/OBJECT)
    // A String, checked after clap: clap's message would quote what was typed.
    #[arg(value_name = "BUCKET/OBJECT")]
    pub path: String,
    /// Cloud KMS key that wraps the object's data key
    #[arg(long, value_name = "KEY", value_parser = kms_key)]
    pub key: String,
    /// The value; @FILE for a file's contents; `-` or none: stdin
    #[arg(value_name = "VALUE|@FILE|-")]
    pub value: Option<String>,
    /// Replace the object if it exists (as `berglas update`); without it an existing object
    /// is left alone and the command fails
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Args)]
pub struct BerglasAccessArgs {
    /// berglas://BUCKET/OBJECT[#GENERATION] or sm://PROJECT/SECRET[#VERSION]
    #[arg(value_name = "REFERENCE")]
    pub reference: String,
}

#[derive(Subcommand)]
pub enum SecretManagerCommand {
    /// Add a version to a secret; prints the new version's name
    #[command(after_help = "\
Example:
  secrets secret-manager add db-pass @db-pass.txt --project my-project --create")]
    Add(SecretManagerAddArgs),
}

#[derive(Args)]
pub struct SecretManagerAddArgs {
    /// SECRET, projects/P/secrets/SECRET or projects/P/locations/L/secrets/SECRET
    #[arg(value_name = "SECRET", value_parser = secret_manager::parse_secret)]
    pub secret: String,
    /// The value; @FILE for a file's contents; `-` or none: stdin
    #[arg(value_name = "VALUE|@FILE|-")]
    pub value: Option<String>,
    /// Project of a secret named by its id; else env GOOGLE_CLOUD_PROJECT, else the metadata
    /// server's
    #[arg(long, value_name = "P", value_parser = secret_manager::parse_project)]
    pub project: Option<String>,
    /// Create the secret (automatic replication) if it does not exist
    #[arg(long)]
    pub create: bool,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// berglas://BUCKET/OBJECT[#GENERATION] or sm://PROJECT/SECRET[#VERSION]
    #[arg(value_name = "REFERENCE", required_unless_present = "env_file")]
    pub references: Vec<String>,
    /// Check every variable of this .env file: berglas references, and those named below
    #[arg(long, value_name = "FILE", conflicts_with = "references")]
    pub env_file: Option<PathBuf>,
    /// A variable of the file holding Cloud KMS ciphertext (base64), as a #[kms] field reads
    #[arg(long, value_name = "VAR", requires = "env_file")]
    pub ciphertext: Vec<String>,
    /// A variable of the file holding a bundle, as #[bundle] fields read it
    #[arg(long, value_name = "VAR", requires = "env_file")]
    pub bundle: Vec<String>,
    /// Cloud KMS key for --ciphertext and --bundle; else the file's KMS_CRYPTO_KEY_ID
    #[arg(long, value_name = "KEY", value_parser = kms_key)]
    pub key: Option<String>,
}

/// For clap: a Cloud KMS key's name.
fn kms_key(text: &str) -> Result<String, String> {
    secrets_names::check_kms_key_name(text).map(|()| text.to_owned())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
