//! `secrets`: puts secrets where `secrets-runtime` reads them, through Google's official
//! clients with Application Default Credentials (or the local backend, for development), and
//! checks that references load. Exit status: 0 done, 1 failed (the reason on stderr), 2 the
//! command line is wrong.

#![forbid(unsafe_code)]

mod backend;
mod berglas;
mod cli;
mod dotenv;
mod encrypt;
mod fail;
mod input;
mod output;
mod resolve;
mod seal;
mod sealed;
mod secret_manager;
mod verify;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::backend::Backend;
use crate::cli::{BerglasCommand, Cli, Command, SecretManagerCommand};

fn main() -> ExitCode {
    // Usage errors exit with 2 here, `--help` and `--version` with 0.
    let cli = Cli::parse();
    match run(&cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("secrets: {failure}");
            ExitCode::FAILURE
        }
    }
}

/// `berglas create`'s BUCKET/OBJECT, or a usage error (exit status 2) that does not quote it.
fn object_path(text: &str) -> berglas::ObjectPath {
    berglas::ObjectPath::parse(text).unwrap_or_else(|why| {
        Cli::command()
            .error(
                clap::error::ErrorKind::ValueValidation,
                format!("the <BUCKET/OBJECT> argument is not valid: {why}"),
            )
            .exit()
    })
}

fn run(command: &Command) -> fail::Result<()> {
    let backend = Backend::from_env()?;
    match command {
        Command::Encrypt(args) => encrypt::run(&backend, &args.key, args.file.as_deref()),
        Command::Seal(args) => seal::run(
            &backend,
            &seal::Request {
                key: &args.key,
                entries: &args.secrets,
                json: args.json.as_deref(),
                dotenv: args.dotenv.as_deref(),
                envelope: args.envelope,
            },
        ),
        Command::Berglas(BerglasCommand::Create(args)) => berglas::create(
            &backend,
            &berglas::Create {
                path: &object_path(&args.path),
                key: &args.key,
                value: args.value.as_deref(),
                overwrite: args.overwrite,
            },
        ),
        Command::Berglas(BerglasCommand::Access(args)) => {
            berglas::access(&backend, &args.reference)
        }
        Command::SecretManager(SecretManagerCommand::Add(args)) => secret_manager::add(
            &backend,
            &secret_manager::Add {
                secret: &args.secret,
                value: args.value.as_deref(),
                project: args.project.as_deref(),
                create: args.create,
            },
        ),
        Command::Verify(args) => verify::run(
            &backend,
            &verify::Request {
                references: &args.references,
                env_file: args.env_file.as_deref(),
                key: args.key.as_deref(),
                ciphertext: &args.ciphertext,
                bundle: &args.bundle,
            },
        ),
    }
}
