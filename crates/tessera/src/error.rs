//! What can stop a command, each with the message the operator sees.

use std::{net::SocketAddr, path::PathBuf};
use tessera_server::AwsError;

/// A command's failure.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// An option or configuration value that cannot be used.
    #[error("{what}: {reason}")]
    BadValue {
        /// The option and the value given (`--listen 1.2.3`).
        what: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// A command line that does not say what to do.
    #[error("{0}")]
    Usage(String),
    /// A file that cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// Standard input cannot be read.
    #[error("standard input: {0}")]
    Stdin(std::io::Error),
    /// The configuration file does not parse.
    #[error("{path}: {source}")]
    Config {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: toml::de::Error,
    },
    /// The authorizer's service profiles are not usable.
    #[error(transparent)]
    Services(#[from] tessera_authz::ConfigError),
    /// The data directory cannot be set up or opened.
    #[error(transparent)]
    Setup(#[from] tessera_server::SetupError),
    /// The TLS certificate or key could not be loaded.
    #[error(transparent)]
    Tls(tessera_server::tls::TlsError),
    /// The metrics recorder could not be installed.
    #[error("metrics: {0}")]
    Metrics(String),
    /// The audit trail could not be opened.
    #[error(transparent)]
    Audit(tessera_audit::AuditError),
    /// The store cannot be opened.
    #[error("opening the store: {0}")]
    Store(tessera_store::StoreError),
    /// An action refused, with AWS's code and message.
    #[error("{}: {}", .0.code, .0.message)]
    Aws(AwsError),
    /// Binding trust policies saved before principal binding failed.
    #[error("binding trust policies: {}", .0.message)]
    Binding(AwsError),
    /// The resource policies cannot be loaded.
    #[error("loading resource policies: {0}")]
    ResourcePolicies(tessera_store::StoreError),
    /// The identity providers' fetcher cannot be built.
    #[error("{}{source}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Fetcher {
        /// The CA file, if one was given.
        path: Option<PathBuf>,
        /// The failure.
        source: tessera_federation::oidc::OidcError,
    },
    /// The authorizer's secret cannot be read or created.
    #[error(transparent)]
    Secret(#[from] tessera_server::authorizer::SecretError),
    /// An address cannot be listened on.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The failure.
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("{0}")]
    Serve(std::io::Error),
    /// A server task ended abnormally.
    #[error("{0}")]
    Task(#[from] tokio::task::JoinError),
}

impl CliError {
    /// A bad value of `what`.
    pub fn bad_value(what: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        Self::BadValue {
            what: what.into(),
            reason: reason.to_string(),
        }
    }

    /// A file error.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}
