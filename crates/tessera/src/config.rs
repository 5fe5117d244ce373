//! The optional TOML configuration file. Command-line options and
//! `TESSERA_*` variables take precedence over it; it takes precedence over
//! the defaults.

use crate::error::CliError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The keys a configuration file may set.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileConfig {
    /// The data directory.
    pub data_dir: Option<PathBuf>,
    /// The store, as a URL (`sqlite:PATH`, `postgres://…`); the data
    /// directory's embedded database by default.
    pub store: Option<String>,
    /// The master key file; `DIR/master.key` by default.
    pub master_key_file: Option<PathBuf>,
    /// The listen address of `serve`.
    pub listen: Option<String>,
    /// `text` or `json` logs.
    pub log_format: Option<String>,
    /// Extra CA certificates (PEM) trusted for identity providers.
    pub idp_ca_file: Option<PathBuf>,
    /// The audiences SAML assertions may be for.
    pub saml_audience: Option<Vec<String>>,
    /// The proxies (CIDR blocks) whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Option<Vec<String>>,
    /// The listen address of the authorizer.
    pub authz_listen: Option<String>,
    /// The file holding the authorizer's shared secret.
    pub authz_secret_file: Option<PathBuf>,
    /// The TLS certificate chain (PEM) of the API and authorizer listeners.
    pub tls_cert: Option<PathBuf>,
    /// Its private key (PEM).
    pub tls_key: Option<PathBuf>,
    /// The listen address of the metrics.
    pub metrics_listen: Option<String>,
    /// The audit trail's file, or `-` for standard output.
    pub audit_log: Option<String>,
    /// Whether a request whose audit record cannot be written is refused.
    pub audit_required: Option<bool>,
    /// Requests a second per access key id (or source address).
    pub rate_limit: Option<u32>,
    /// The largest request body, in bytes.
    pub max_body_bytes: Option<usize>,
    /// The largest request head, in bytes.
    pub max_header_bytes: Option<usize>,
    /// The most headers a request may carry.
    pub max_headers: Option<usize>,
    /// Seconds to receive a request head (and to idle between requests).
    pub header_timeout: Option<f64>,
    /// Seconds from a request head to its answer.
    pub request_timeout: Option<f64>,
    /// Connections served at once.
    pub max_connections: Option<usize>,
    /// Seconds requests in flight may take to finish at shutdown.
    pub shutdown_grace: Option<f64>,
    /// The authorizer's service profiles.
    pub authz: Option<AuthzConfig>,
}

/// The `[authz]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AuthzConfig {
    /// The `[[authz.services]]` tables.
    #[serde(default)]
    pub services: Vec<tessera_authz::ServiceConfig>,
}

impl FileConfig {
    /// Reads `path`, or the empty configuration when no file is given.
    pub fn load(path: Option<&Path>) -> Result<Self, CliError> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(path).map_err(CliError::io(path))?;
        Self::parse(&text).map_err(|source| CliError::Config {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Parses the text of a configuration file.
    pub fn parse(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// The authorizer's service profiles (`[[authz.services]]`), taken out
    /// of the configuration and checked.
    pub fn authz_services(&mut self) -> Result<tessera_authz::Services, CliError> {
        let configs = self.authz.take().map(|a| a.services).unwrap_or_default();
        Ok(tessera_authz::Services::new(configs, "aws")?)
    }
}

/// The SAML audiences: from the command line or variable, else the
/// configuration file, else AWS's sign-in URL.
pub fn saml_audiences(
    given: Vec<String>,
    from_file: Option<Vec<String>>,
) -> Result<Vec<String>, CliError> {
    let audiences = if given.is_empty() {
        from_file.unwrap_or_else(|| vec![tessera_federation::saml::DEFAULT_AUDIENCE.to_string()])
    } else {
        given
    };
    let audiences: Vec<String> = audiences.iter().map(|a| a.trim().to_string()).collect();
    if audiences.is_empty() || audiences.iter().any(String::is_empty) {
        return Err(CliError::Usage(
            "--saml-audience must not be empty".to_string(),
        ));
    }
    Ok(audiences)
}

/// The trusted proxies: from the command line or variable, else the
/// configuration file; a bare address is a one-address block.
pub fn trusted_proxies(
    given: Vec<String>,
    from_file: Option<Vec<String>>,
) -> Result<Vec<ipnet::IpNet>, CliError> {
    let list = if given.is_empty() {
        from_file.unwrap_or_default()
    } else {
        given
    };
    list.iter()
        .map(|text| {
            let text = text.trim();
            text.parse::<ipnet::IpNet>()
                .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    CliError::bad_value(
                        format!("--trusted-proxy {text}"),
                        "not an address or CIDR block",
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tessera_server::Limits;

    #[test]
    fn limits_come_from_the_options_then_the_file_then_the_defaults() {
        let file = FileConfig::parse(
            r#"
            rate-limit = 50
            max-body-bytes = 4096
            header-timeout = 2.5
            shutdown-grace = 0
            "#,
        )
        .expect("parses");
        let limits = LimitOptions::default().resolve(&file).expect("valid");
        assert_eq!(limits.rate_limit.map(|n| n.get()), Some(50));
        assert_eq!(limits.max_body_bytes, 4096);
        assert_eq!(limits.header_read_timeout, Duration::from_millis(2500));
        assert_eq!(limits.shutdown_grace, Duration::ZERO);
        assert_eq!(limits.max_connections, Limits::MAX_CONNECTIONS);
        assert_eq!(limits.request_timeout, Limits::REQUEST_TIMEOUT);
        let flags = LimitOptions {
            rate_limit: Some(7),
            max_connections: Some(12),
            ..LimitOptions::default()
        };
        let limits = flags.resolve(&file).expect("valid");
        assert_eq!(limits.rate_limit.map(|n| n.get()), Some(7));
        assert_eq!(limits.max_connections, 12);
        let defaults = LimitOptions::default()
            .resolve(&FileConfig::default())
            .expect("valid");
        assert_eq!(defaults, Limits::default());
    }

    #[test]
    fn limits_out_of_range_are_refused() {
        for text in [
            "rate-limit = 0",
            "max-header-bytes = 100",
            "max-headers = 0",
            "max-connections = 0",
            "header-timeout = 0",
            "request-timeout = -1",
            "shutdown-grace = -0.5",
            "header-timeout = nan",
            "request-timeout = inf",
        ] {
            let file = FileConfig::parse(text).expect("parses");
            assert!(
                LimitOptions::default().resolve(&file).is_err(),
                "{text} accepted"
            );
        }
    }

    #[test]
    fn a_file_parses_and_its_services_are_checked() {
        let mut file = FileConfig::parse(
            r#"
            listen = "127.0.0.1:9440"
            trusted-proxies = ["10.0.0.0/8"]

            [[authz.services]]
            name = "s3"
            kind = "s3"
            owner-account = "123456789012"
            "#,
        )
        .expect("parses");
        assert_eq!(file.listen.as_deref(), Some("127.0.0.1:9440"));
        assert!(!file.authz_services().expect("valid").is_empty());
        assert!(file.authz.is_none());

        assert!(FileConfig::parse("listen = 9440").is_err());
        assert!(FileConfig::parse("unknown-key = 1").is_err());
        let mut bad = FileConfig::parse(
            "[[authz.services]]\nname = \"s3\"\nkind = \"s3\"\nowner-account = \"x\"\n",
        )
        .expect("parses");
        assert!(bad.authz_services().is_err());
    }
}

/// The bounds `serve` keeps; each also has a configuration key of the
/// same name.
#[derive(Debug, Default, clap::Args)]
pub struct LimitOptions {
    /// Requests a second each access key id may make, with a burst of
    /// twice as many; callers that do not authenticate are counted by
    /// source address. Over it, the answer is `Throttling` [default:
    /// unlimited].
    #[arg(long, env = "TESSERA_RATE_LIMIT", value_name = "N")]
    pub rate_limit: Option<u32>,
    /// The largest request body, in bytes [default: 1048576].
    #[arg(long, env = "TESSERA_MAX_BODY_BYTES", value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// The largest request head (request line and headers), in bytes; at
    /// least 8192 [default: 65536].
    #[arg(long, env = "TESSERA_MAX_HEADER_BYTES", value_name = "BYTES")]
    pub max_header_bytes: Option<usize>,
    /// The most headers a request may carry [default: 100].
    #[arg(long, env = "TESSERA_MAX_HEADERS", value_name = "N")]
    pub max_headers: Option<usize>,
    /// Seconds a client has to send a request head; also how long a
    /// keep-alive connection may idle between requests [default: 10].
    #[arg(long, env = "TESSERA_HEADER_TIMEOUT", value_name = "SECS")]
    pub header_timeout: Option<f64>,
    /// Seconds from a request head to its answer, the body's arrival
    /// included [default: 30].
    #[arg(long, env = "TESSERA_REQUEST_TIMEOUT", value_name = "SECS")]
    pub request_timeout: Option<f64>,
    /// Connections served at once; more wait in the listen backlog
    /// [default: 10000].
    #[arg(long, env = "TESSERA_MAX_CONNECTIONS", value_name = "N")]
    pub max_connections: Option<usize>,
    /// At SIGTERM or SIGINT, seconds requests in flight may take to finish
    /// before the node exits [default: 10].
    #[arg(long, env = "TESSERA_SHUTDOWN_GRACE", value_name = "SECS")]
    pub shutdown_grace: Option<f64>,
}

impl LimitOptions {
    /// The limits these options, then the configuration file `file`, then
    /// the defaults give; a value out of its range is a usage error.
    pub fn resolve(self, file: &FileConfig) -> Result<tessera_server::Limits, CliError> {
        use tessera_server::Limits;
        let defaults = Limits::default();
        let count = |name: &str, value: Option<usize>, default: usize, least: usize| match value {
            None => Ok(default),
            Some(n) if n >= least => Ok(n),
            Some(n) => Err(CliError::Usage(format!(
                "--{name} {n}: it must be at least {least}"
            ))),
        };
        let seconds =
            |name: &str, value: Option<f64>, default: std::time::Duration, zero_ok| match value {
                None => Ok(default),
                Some(secs) if secs > 0.0 || (zero_ok && secs == 0.0) => {
                    std::time::Duration::try_from_secs_f64(secs)
                        .map_err(|e| CliError::bad_value(format!("--{name} {secs}"), e))
                }
                Some(secs) => Err(CliError::Usage(format!(
                    "--{name} {secs}: it must be a positive number of seconds"
                ))),
            };
        let rate_limit = match self.rate_limit.or(file.rate_limit) {
            None => None,
            Some(n) => Some(std::num::NonZeroU32::new(n).ok_or_else(|| {
                CliError::Usage("--rate-limit 0: it must be at least 1".to_string())
            })?),
        };
        Ok(Limits {
            max_body_bytes: count(
                "max-body-bytes",
                self.max_body_bytes.or(file.max_body_bytes),
                defaults.max_body_bytes,
                1,
            )?,
            max_header_bytes: count(
                "max-header-bytes",
                self.max_header_bytes.or(file.max_header_bytes),
                defaults.max_header_bytes,
                Limits::MIN_HEADER_BYTES,
            )?,
            max_headers: count(
                "max-headers",
                self.max_headers.or(file.max_headers),
                defaults.max_headers,
                1,
            )?,
            header_read_timeout: seconds(
                "header-timeout",
                self.header_timeout.or(file.header_timeout),
                defaults.header_read_timeout,
                false,
            )?,
            request_timeout: seconds(
                "request-timeout",
                self.request_timeout.or(file.request_timeout),
                defaults.request_timeout,
                false,
            )?,
            max_connections: count(
                "max-connections",
                self.max_connections.or(file.max_connections),
                defaults.max_connections,
                1,
            )?,
            shutdown_grace: seconds(
                "shutdown-grace",
                self.shutdown_grace.or(file.shutdown_grace),
                defaults.shutdown_grace,
                true,
            )?,
            rate_limit,
        })
    }
}
