//! Defaults that parse as their field's type, and types the derive cannot know, whose default
//! is left to the runtime.

use std::net::IpAddr;

use secrets_runtime::Secrets;

/// An alias: the derive does not see through it.
type Port = u16;

#[derive(Secrets)]
struct Config {
    #[env(default = "8080")]
    port: u16,
    #[env(default = "-1")]
    offset: i64,
    #[env(default = "0.25")]
    ratio: f64,
    #[env(default = "true")]
    verbose: bool,
    #[env(default = "x")]
    sep: char,
    #[env(default = "::1")]
    host: IpAddr,
    #[env(default = "0.0.0.0:8080")]
    listen: ::std::net::SocketAddr,
    #[env(default = "anything")]
    name: String,
    #[env(default = "not checked")]
    admin_port: Port,
}

fn main() {}
