//! `split` on every kind of source, on `Vec<T>` and `Option<Vec<T>>` of any loadable `T`.

use std::net::IpAddr;

use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[env(split = ",")]
    origins: Vec<String>,
    #[env("PORTS", split = ";", default = "80;443")]
    ports: ::std::vec::Vec<u16>,
    #[env(split = ",")]
    hosts: Option<Vec<IpAddr>>,
    #[kms(split = ",")]
    tokens: Vec<SecretString>,
    #[gcs(object = "lists.json", key = "admins", split = ",")]
    admins: Vec<String>,
    #[secret_manager(secret = "peers", split = "\n")]
    peers: Vec<String>,
    #[file(path = "/etc/app/ids", split = " ")]
    ids: Vec<u64>,
    #[s3(object = "lists.txt", split = ",")]
    buckets: Vec<String>,
    #[ssm(name = "/app/flags", split = ",")]
    flags: Vec<bool>,
}

fn main() {}
