//! The command line: `serve`, `init`, `account create`, `keys rotate`,
//! `keys list`, `sessions revoke`, `resource-policy put|get|delete`,
//! `backup`, `restore`.

use crate::{
    config::{FileConfig, LimitOptions, saml_audiences, trusted_proxies},
    error::CliError,
    store::{OpenStore, StoreConfig},
};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
};
use tessera_federation::oidc::{CachePolicy, HttpFetcher};
use tessera_server::{AppState, DataDir, KeyRingHandle, OidcVerifier, SetupError};
use tessera_token::{Clock, SystemClock};

const DEFAULT_DATA_DIR: &str = "./tessera-data";
const DEFAULT_LISTEN: &str = "127.0.0.1:9440";

/// Tessera: a self-hosted, AWS-compatible Security Token Service.
///
/// Point an unmodified AWS client at it with `--endpoint-url` or
/// `AWS_ENDPOINT_URL_STS`.
#[derive(Debug, Parser)]
#[command(name = "tessera", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options every subcommand shares.
#[derive(Debug, Args)]
struct Common {
    /// The data directory: the embedded SQLite store, the master key and
    /// the root credentials [default: ./tessera-data].
    #[arg(long, env = "TESSERA_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// A TOML configuration file (keys: data-dir, store, listen,
    /// log-format, idp-ca-file, …).
    #[arg(long, env = "TESSERA_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// The store, as a URL: `sqlite:PATH` or
    /// `postgres://USER@HOST:PORT/DB` [default: sqlite:DIR/tessera.db].
    #[arg(long, env = "TESSERA_STORE", value_name = "URL")]
    store: Option<String>,
    /// The master key, which seals the key ring the store keeps; every
    /// node of one store needs a copy of the same file. Created at
    /// bootstrap, and only then, when missing [default: DIR/master.key].
    #[arg(long, env = "TESSERA_MASTER_KEY_FILE", value_name = "FILE")]
    master_key_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

// Parsed once per process: the size of `Serve` costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the STS API; on first start with an empty data directory,
    /// bootstrap it (store, key ring, an account and its root key written to
    /// DIR/root-credentials).
    Serve {
        #[command(flatten)]
        common: Common,
        /// The address to listen on [default: 127.0.0.1:9440].
        #[arg(long, env = "TESSERA_LISTEN", value_name = "ADDR")]
        listen: Option<String>,
        /// The log format [default: text].
        #[arg(long, env = "TESSERA_LOG_FORMAT", value_enum)]
        log_format: Option<LogFormat>,
        /// CA certificates (a PEM file) to trust, besides the system's
        /// roots, when fetching an OIDC identity provider's keys.
        #[arg(long, env = "TESSERA_IDP_CA_FILE", value_name = "FILE")]
        idp_ca_file: Option<PathBuf>,
        /// An audience SAML assertions may be for (their `Audience`, bearer
        /// `Recipient` and `Destination`); repeat it, or separate with commas
        /// in the variable, to accept several
        /// [default: https://signin.aws.amazon.com/saml].
        #[arg(
            long,
            env = "TESSERA_SAML_AUDIENCE",
            value_name = "URL",
            value_delimiter = ','
        )]
        saml_audience: Vec<String>,
        /// A proxy (an address or CIDR block) whose `X-Forwarded-For` header
        /// is believed for `aws:SourceIp`; repeat it, or separate with commas
        /// in the variable. Without one, `aws:SourceIp` is the peer address.
        #[arg(
            long,
            env = "TESSERA_TRUSTED_PROXIES",
            value_name = "CIDR",
            value_delimiter = ','
        )]
        trusted_proxy: Vec<String>,
        /// Also serve the authorizer (forward auth, Envoy ext_authz and the
        /// JSON call for resource servers) on this address; off when unset.
        #[arg(long, env = "TESSERA_AUTHZ_LISTEN", value_name = "ADDR")]
        authz_listen: Option<String>,
        /// The file holding the secret every authorizer call must present
        /// in `X-Tessera-Authz-Secret` [default: DIR/authz-secret, created
        /// with random content].
        #[arg(long, env = "TESSERA_AUTHZ_SECRET_FILE", value_name = "FILE")]
        authz_secret_file: Option<PathBuf>,
        /// Write the audit trail, one JSON record per line for every STS
        /// and IAM call and every authorizer decision, to this file
        /// (reopened on SIGHUP), or to standard output with `-`.
        #[arg(long, env = "TESSERA_AUDIT_LOG", value_name = "PATH")]
        audit_log: Option<String>,
        /// Refuse a request (ServiceUnavailable) whose audit record cannot
        /// be written.
        #[arg(long, env = "TESSERA_AUDIT_REQUIRED")]
        audit_required: bool,
        /// Serve Prometheus metrics at /metrics on this address (a listener
        /// of their own, unauthenticated); off when unset.
        #[arg(long, env = "TESSERA_METRICS_LISTEN", value_name = "ADDR")]
        metrics_listen: Option<String>,
        /// Serve HTTPS on the API and authorizer listeners with this
        /// certificate chain (PEM); reloaded on SIGHUP. Needs --tls-key.
        #[arg(
            long,
            env = "TESSERA_TLS_CERT",
            value_name = "FILE",
            requires = "tls_key"
        )]
        tls_cert: Option<PathBuf>,
        /// The private key (PEM) of --tls-cert.
        #[arg(
            long,
            env = "TESSERA_TLS_KEY",
            value_name = "FILE",
            requires = "tls_cert"
        )]
        tls_key: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitOptions,
    },
    /// Print the table of authorized actions, their resource types and the
    /// condition keys their requests carry, as JSON.
    Actions,
    /// Create a new data directory without serving; refuses to overwrite one.
    Init {
        #[command(flatten)]
        common: Common,
    },
    /// Manage accounts.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Manage the token key ring.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Manage temporary sessions.
    Sessions {
        #[command(subcommand)]
        command: SessionsCommand,
    },
    /// Write a consistent copy of an SQLite store to a new file while
    /// servers keep serving; it holds everything but the master key.
    /// (Back a PostgreSQL store up with pg_dump.)
    Backup {
        /// The file to write; it must not exist.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Restore a backup made by `tessera backup` into a new data directory:
    /// the backup becomes its SQLite store, and the master key given with
    /// --master-key-file (which the backup does not hold) is copied to
    /// DIR/master.key.
    Restore {
        /// The backup.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Manage the resource policies (bucket policies, policies on routes
    /// resources) of the services configured in `[[authz.services]]`.
    ResourcePolicy {
        #[command(subcommand)]
        command: ResourcePolicyCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ResourcePolicyCommand {
    /// Set the policy of a resource of a configured service, replacing any
    /// it has. The document is checked and its users and roles bound as
    /// `PutResourcePolicy` does. Servers sharing the store apply it within
    /// a second.
    Put {
        /// The resource (arn:aws:s3:::BUCKET, or a routes resource).
        arn: String,
        /// The policy document (JSON); standard input when absent or `-`.
        file: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Print the policy of a resource (JSON).
    Get {
        /// The resource.
        arn: String,
        #[command(flatten)]
        common: Common,
    },
    /// Delete the policy of a resource.
    Delete {
        /// The resource.
        arn: String,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Subcommand)]
enum SessionsCommand {
    /// Invalidate every session of a role, a user (with the federated-user
    /// sessions it created) or a federated user issued up to now, on every
    /// server sharing the store; sessions issued later keep working.
    Revoke {
        /// The role whose sessions to revoke (arn:aws:iam::ACCOUNT:role/PATH/NAME).
        #[arg(long, value_name = "ARN", group = "principal")]
        role: Option<String>,
        /// The user whose sessions to revoke (arn:aws:iam::ACCOUNT:user/PATH/NAME,
        /// or arn:aws:iam::ACCOUNT:root for the root user).
        #[arg(long, value_name = "ARN", group = "principal")]
        user: Option<String>,
        /// The federated user whose sessions to revoke
        /// (arn:aws:sts::ACCOUNT:federated-user/NAME).
        #[arg(long, value_name = "ARN", group = "principal")]
        federated_user: Option<String>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Create an account with its own root key; prints the account id and
    /// appends profile [NAME-root] to DIR/root-credentials. Works while a
    /// server runs on the same data directory.
    Create {
        /// The account's name (letters, digits, '-', '_', '.').
        name: String,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Add a new active key and seal every stored secret (access keys, MFA
    /// seeds, server certificates' keys) anew under it, for every node of
    /// the store. Tokens minted under older keys keep verifying until they
    /// expire; every running node mints with the new key within a second.
    Rotate {
        #[command(flatten)]
        common: Common,
    },
    /// Print the key ring: each key's id, purpose, state (active: it mints;
    /// verifying: it opens what it minted and sealed), and its created and
    /// retired times.
    List {
        #[command(flatten)]
        common: Common,
    },
}

/// Runs a resource-policy command as the operator, over the store of the
/// data directory and the services of the configuration file.
async fn resource_policy(
    command: ResourcePolicyCommand,
    clock: SystemClock,
) -> Result<(), CliError> {
    let common = match &command {
        ResourcePolicyCommand::Put { common, .. }
        | ResourcePolicyCommand::Get { common, .. }
        | ResourcePolicyCommand::Delete { common, .. } => common,
    };
    let (mut file, dir, store_config) = common.resolve()?;
    let services = file.authz_services()?;
    // Read before the store is opened: standard input may take a while.
    let document = match &command {
        ResourcePolicyCommand::Put { file, .. } => read_document(file.as_deref())?,
        _ => String::new(),
    };
    let (store, keys) = open_initialized(&dir, &store_config).await?;
    let state = AppState::new(store.shared(), Arc::new(keys), Arc::new(clock))
        .with_authz_services(services);
    let result = match &command {
        ResourcePolicyCommand::Put { arn, .. } => {
            tessera_server::put_resource_policy_as_operator(&state, arn, &document)
                .await
                .map(|()| format!("resource policy of {arn} saved"))
        }
        ResourcePolicyCommand::Get { arn, .. } => {
            tessera_server::get_resource_policy_as_operator(&state, arn).await
        }
        ResourcePolicyCommand::Delete { arn, .. } => {
            tessera_server::delete_resource_policy_as_operator(&state, arn)
                .await
                .map(|()| format!("resource policy of {arn} deleted"))
        }
    }
    .map_err(CliError::Aws);
    store.close().await;
    println!("{}", result?);
    Ok(())
}

/// A policy document from `path`, or standard input when it is absent or
/// `-`.
fn read_document(path: Option<&Path>) -> Result<String, CliError> {
    match path.filter(|p| *p != Path::new("-")) {
        None => std::io::read_to_string(std::io::stdin()).map_err(CliError::Stdin),
        Some(path) => std::fs::read_to_string(path).map_err(CliError::io(path)),
    }
}

impl Common {
    fn resolve(&self) -> Result<(FileConfig, DataDir, StoreConfig), CliError> {
        let file = FileConfig::load(self.config.as_deref())?;
        let dir = self
            .data_dir
            .clone()
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let mut dir = DataDir::new(dir);
        if let Some(path) = self
            .master_key_file
            .clone()
            .or_else(|| file.master_key_file.clone())
        {
            dir = dir.with_master_key(path);
        }
        let store = StoreConfig::resolve(self.store.as_deref().or(file.store.as_deref()), &dir)?;
        Ok((file, dir, store))
    }
}

/// The store and key ring of a data directory already set up; a store that
/// does not exist yet is not created.
async fn open_initialized(
    dir: &DataDir,
    config: &StoreConfig,
) -> Result<(OpenStore, KeyRingHandle), CliError> {
    if !config.may_exist() {
        return Err(SetupError::NotInitialized(dir.root().display().to_string()).into());
    }
    let store = config.open().await.map_err(CliError::Store)?;
    match dir.open_keys(store.shared()).await {
        Ok(keys) => Ok((store, keys)),
        Err(error) => {
            store.close().await;
            Err(error.into())
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TESSERA_LOG")
        // sqlx's own notices (a migration already applied, …) are not news.
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let clock = SystemClock;
    match cli.command {
        Command::Serve {
            common,
            listen,
            log_format,
            idp_ca_file,
            saml_audience,
            trusted_proxy,
            authz_listen,
            authz_secret_file,
            audit_log,
            audit_required,
            metrics_listen,
            tls_cert,
            tls_key,
            limits,
        } => {
            let (mut file, dir, store) = common.resolve()?;
            let services = file.authz_services()?;
            let limits = limits.resolve(&file)?;
            let format = match (log_format, file.log_format.as_deref()) {
                (Some(format), _) => format,
                (None, Some(text)) => LogFormat::from_str(text, true)
                    .map_err(|e| CliError::bad_value("log-format", e))?,
                (None, None) => LogFormat::Text,
            };
            init_logging(format);
            let listen = listen
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
            let addr: SocketAddr = listen
                .parse()
                .map_err(|e| CliError::bad_value(format!("--listen {listen}"), e))?;
            let oidc = oidc_verifier(idp_ca_file.or(file.idp_ca_file).as_deref())?;
            let saml_audiences = saml_audiences(saml_audience, file.saml_audience)?;
            let proxies = trusted_proxies(trusted_proxy, file.trusted_proxies)?;
            let authorizer = match authz_listen.or(file.authz_listen) {
                None => None,
                Some(listen) => Some(AuthorizerOptions {
                    addr: listen
                        .parse()
                        .map_err(|e| CliError::bad_value(format!("--authz-listen {listen}"), e))?,
                    secret_file: authz_secret_file.or(file.authz_secret_file),
                }),
            };
            let audit = match audit_log.or(file.audit_log) {
                Some(target) => Some(Arc::new(
                    tessera_audit::AuditLog::open(
                        tessera_audit::AuditTarget::parse(&target),
                        audit_required || file.audit_required.unwrap_or(false),
                    )
                    .map_err(CliError::Audit)?,
                )),
                None if audit_required || file.audit_required.unwrap_or(false) => {
                    return Err(CliError::Usage(
                        "--audit-required needs --audit-log PATH".to_string(),
                    ));
                }
                None => None,
            };
            let metrics =
                match metrics_listen.or(file.metrics_listen) {
                    None => None,
                    Some(listen) => Some(listen.parse::<SocketAddr>().map_err(|e| {
                        CliError::bad_value(format!("--metrics-listen {listen}"), e)
                    })?),
                };
            let tls = match (tls_cert.or(file.tls_cert), tls_key.or(file.tls_key)) {
                (None, None) => None,
                (Some(cert), Some(key)) => Some(Arc::new(
                    tessera_server::tls::Tls::load(cert, key).map_err(CliError::Tls)?,
                )),
                _ => {
                    return Err(CliError::Usage(
                        "give both --tls-cert and --tls-key".to_string(),
                    ));
                }
            };
            let options = ServeOptions {
                limits,
                tls,
                metrics,
                audit,
                addr,
                oidc,
                saml_audiences,
                trusted_proxies: proxies,
                services,
                authorizer,
            };
            serve(dir, store, clock, options).await
        }
        Command::ResourcePolicy { command } => resource_policy(command, clock).await,
        Command::Actions => {
            let table = serde_json::json!({
                "globalConditionKeys": tessera_server::actions::GLOBAL_KEYS,
                "actions": tessera_server::catalog::actions().iter().map(|spec| serde_json::json!({
                    "action": spec.action,
                    "resourceType": spec.resource_type,
                    "conditionKeys": spec.condition_keys,
                    "resourceConditionKeys": spec.resource_type.condition_keys(),
                    "checkedWith": spec.accompanies.iter().map(|s| s.action).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            });
            println!("{table:#}");
            Ok(())
        }
        Command::Init { common } => {
            let (_, dir, store_config) = common.resolve()?;
            dir.create()?;
            let store = store_config.open().await.map_err(CliError::Store)?;
            let account = dir.init(store.shared(), clock.now()).await;
            store.close().await;
            let account = account?;
            println!("initialized {}", dir.root().display());
            println!("account {} ({})", account.account_id, account.name);
            println!(
                "root credentials: {} (profile [{}-root])",
                account.credentials_file.display(),
                account.name
            );
            Ok(())
        }
        Command::Account {
            command: AccountCommand::Create { name, common },
        } => {
            let (_, dir, store_config) = common.resolve()?;
            let (store, keys) = open_initialized(&dir, &store_config).await?;
            let account = dir
                .create_account(&*store.shared(), &keys, &name, clock.now())
                .await;
            store.close().await;
            let account = account?;
            println!("{}", account.account_id);
            eprintln!(
                "root credentials appended to {} as profile [{}-root]",
                account.credentials_file.display(),
                account.name
            );
            Ok(())
        }
        Command::Sessions {
            command:
                SessionsCommand::Revoke {
                    role,
                    user,
                    federated_user,
                    common,
                },
        } => {
            let (_, dir, store_config) = common.resolve()?;
            let (arn, kind) = match (role, user, federated_user) {
                (Some(arn), _, _) => (arn, ":role/"),
                (_, Some(arn), _) => (arn, ":user/"),
                (_, _, Some(arn)) => (arn, ":federated-user/"),
                _ => {
                    return Err(CliError::Usage(
                        "give --role ARN, --user ARN or --federated-user ARN".to_string(),
                    ));
                }
            };
            let is_root = kind == ":user/" && arn.ends_with(":root");
            if !arn.contains(kind) && !is_root {
                return Err(CliError::Usage(format!(
                    "{arn} is not the ARN of a {}",
                    kind.trim_matches(|c| c == ':' || c == '/')
                )));
            }
            let (store, keys) = open_initialized(&dir, &store_config).await?;
            let state = AppState::new(store.shared(), Arc::new(keys), Arc::new(clock));
            let revoked = tessera_server::revoke_sessions_of(&state, &arn)
                .await
                .map_err(CliError::Aws);
            store.close().await;
            let revoked = revoked?;
            println!("sessions of {revoked} issued up to now are revoked");
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Rotate { common },
        } => {
            let (_, dir, store_config) = common.resolve()?;
            init_logging(LogFormat::Text);
            let store = store_config.open().await.map_err(CliError::Store)?;
            let rotation = dir.rotate_keys(&*store.shared(), clock.now()).await;
            store.close().await;
            let rotation = rotation?;
            println!(
                "new active key {}; stored secrets sealed anew under it: {}",
                rotation.active, rotation.resealed
            );
            if !rotation.dropped.is_empty() {
                let ids: Vec<String> = rotation.dropped.iter().map(u32::to_string).collect();
                println!("retired keys no longer needed, dropped: {}", ids.join(", "));
            }
            if rotation.unopenable > 0 {
                eprintln!(
                    "warning: {} stored secrets cannot be opened with the key ring and were left as they were (see the log above)",
                    rotation.unopenable
                );
            }
            Ok(())
        }
        Command::Backup { to, common } => {
            let (_, dir, store_config) = common.resolve()?;
            if !store_config.may_exist() {
                return Err(SetupError::NotInitialized(dir.root().display().to_string()).into());
            }
            let store = store_config.open().await.map_err(CliError::Store)?;
            let done = store.backup_to(&to).await;
            store.close().await;
            done.map_err(CliError::Store)?;
            println!("backed up to {}", to.display());
            Ok(())
        }
        Command::Restore { from, common } => restore(&from, &common).await,
        Command::Keys {
            command: KeysCommand::List { common },
        } => {
            let (_, dir, store_config) = common.resolve()?;
            let (store, keys) = open_initialized(&dir, &store_config).await?;
            store.close().await;
            print!("{}", key_table(&keys.current()));
            Ok(())
        }
    }
}

/// `tessera restore`: the backup and the master key copied into a new data
/// directory, then opened as `serve` would open them; on any failure,
/// nothing is left behind.
async fn restore(from: &Path, common: &Common) -> Result<(), CliError> {
    let Some(master) = common.master_key_file.clone() else {
        return Err(CliError::Usage(
            "give --master-key-file FILE: the master key of the store the backup was made of"
                .to_string(),
        ));
    };
    let (_, dir, store_config) = common.resolve()?;
    let StoreConfig::Sqlite(database) = &store_config else {
        return Err(CliError::Usage(
            "a backup is restored into an SQLite store; restore PostgreSQL with pg_restore"
                .to_string(),
        ));
    };
    let key = dir.root().join("master.key");
    for path in [database, &key] {
        if path.exists() {
            return Err(SetupError::AlreadyInitialized(path.display().to_string()).into());
        }
    }
    std::fs::metadata(from).map_err(CliError::io(from))?;
    dir.create()?;
    let copy = |source: &Path, target: &Path| -> Result<(), CliError> {
        let bytes = std::fs::read(source).map_err(CliError::io(source))?;
        tessera_token::write_private(target, &bytes).map_err(CliError::io(target))
    };
    let restored = async {
        copy(from, database)?;
        copy(&master, &key)?;
        let dir = dir.clone().with_master_key(&key);
        let store = store_config.open().await.map_err(CliError::Store)?;
        let keys = dir.open_keys(store.shared()).await;
        let accounts = tessera_store::AccountStore::accounts(&*store.shared()).await;
        store.close().await;
        let keys = keys?;
        let accounts = accounts.map_err(CliError::Store)?;
        Ok::<_, CliError>((keys, accounts.len()))
    }
    .await;
    match restored {
        Ok((keys, accounts)) => {
            println!(
                "restored into {}: {accounts} accounts, key ring of {} keys",
                dir.root().display(),
                keys.current().keys().len()
            );
            Ok(())
        }
        Err(error) => {
            let companion = |suffix: &str| {
                let mut name = database.clone().into_os_string();
                name.push(suffix);
                PathBuf::from(name)
            };
            for path in [database.clone(), companion("-wal"), companion("-shm"), key] {
                let _ = std::fs::remove_file(path);
            }
            Err(error)
        }
    }
}

/// The key ring as `keys list` prints it: one line per key, newest first.
fn key_table(ring: &tessera_token::KeyRing) -> String {
    let time = |at: i64| {
        time::OffsetDateTime::from_unix_timestamp(at)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| at.to_string())
    };
    let active = ring.active_id().ok();
    let mut out = format!(
        "{:<4} {:<48} {:<10} {:<21} {}\n",
        "ID", "PURPOSE", "STATE", "CREATED", "RETIRED"
    );
    for key in ring.keys().iter().rev() {
        let state = if Some(key.id) == active {
            "active"
        } else {
            "verifying"
        };
        out.push_str(&format!(
            "{:<4} {:<48} {:<10} {:<21} {}\n",
            key.id,
            "session tokens, stored secrets, denial messages",
            state,
            time(key.created_at),
            key.retired_at.map_or_else(|| "-".to_string(), time),
        ));
    }
    out
}

/// The web identity verifier, trusting the system's roots and the CA
/// certificates of `ca_file`, if given.
fn oidc_verifier(ca_file: Option<&Path>) -> Result<OidcVerifier, CliError> {
    let fetcher = match ca_file {
        Some(path) => {
            let pem = std::fs::read(path).map_err(CliError::io(path))?;
            HttpFetcher::new(Some(&pem)).map_err(|source| CliError::Fetcher {
                path: Some(path.to_path_buf()),
                source,
            })?
        }
        None => {
            HttpFetcher::new(None).map_err(|source| CliError::Fetcher { path: None, source })?
        }
    };
    Ok(OidcVerifier::new(fetcher, CachePolicy::default()))
}

/// Where and how the authorizer listens.
struct AuthorizerOptions {
    addr: SocketAddr,
    secret_file: Option<PathBuf>,
}

/// What `serve` was told.
struct ServeOptions {
    limits: tessera_server::Limits,
    tls: Option<Arc<tessera_server::tls::Tls>>,
    metrics: Option<SocketAddr>,
    audit: Option<Arc<tessera_audit::AuditLog>>,
    addr: SocketAddr,
    oidc: OidcVerifier,
    saml_audiences: Vec<String>,
    trusted_proxies: Vec<ipnet::IpNet>,
    services: tessera_authz::Services,
    authorizer: Option<AuthorizerOptions>,
}

async fn serve(
    dir: DataDir,
    store_config: StoreConfig,
    clock: SystemClock,
    options: ServeOptions,
) -> Result<(), CliError> {
    let ServeOptions {
        limits,
        tls,
        metrics,
        audit,
        addr,
        oidc,
        saml_audiences,
        trusted_proxies,
        services,
        authorizer,
    } = options;
    dir.create()?;
    let store = store_config.open().await.map_err(CliError::Store)?.shared();
    let (keys, created) = dir
        .open_or_bootstrap(Arc::clone(&store), clock.now())
        .await?;
    let keys = Arc::new(keys);
    keys.follow();
    let bound = tessera_server::bind_unbound_trust_policies(&*store, "aws")
        .await
        .map_err(CliError::Binding)?;
    if bound > 0 {
        tracing::info!(
            roles = bound,
            "bound trust policies saved before principal binding"
        );
    }
    if let Some(account) = created {
        tracing::info!(
            account_id = %account.account_id,
            credentials_file = %account.credentials_file.display(),
            profile = %format!("{}-root", account.name),
            "bootstrapped a new data directory; root credentials written"
        );
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| CliError::Listen { addr, source })?;
    let local = listener.local_addr().map_err(CliError::Serve)?;
    tracing::info!(address = %local, data_dir = %dir.root().display(), "tessera listening");
    let mut state = AppState::with_federation(store, keys, Arc::new(clock), oidc, saml_audiences)
        .with_trusted_proxies(trusted_proxies)
        .with_authz_services(services)
        .with_limits(limits);
    reload_on_hangup(audit.clone(), tls.clone());
    if let Some(audit) = &audit {
        state = state.with_audit(Arc::clone(audit));
    }
    if let Some(tls) = tls {
        state = state.with_tls(tls);
    }
    tessera_server::spawn_resource_policy_refresh(state.clone())
        .await
        .map_err(CliError::ResourcePolicies)?;
    let (stop, _) = tokio::sync::watch::channel(false);
    let stopped = |stop: &tokio::sync::watch::Sender<bool>| {
        let mut watch = stop.subscribe();
        async move {
            let _ = watch.wait_for(|stopped| *stopped).await;
        }
    };
    let metrics = match metrics {
        None => None,
        Some(addr) => {
            let handle = tessera_server::metrics::install().map_err(CliError::Metrics)?;
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|source| CliError::Listen { addr, source })?;
            let local = listener.local_addr().map_err(CliError::Serve)?;
            tracing::info!(address = %local, "metrics listening");
            Some(tokio::spawn(tessera_server::metrics::serve(
                listener,
                handle,
                state.clone(),
                stopped(&stop),
            )))
        }
    };
    let authorizer = match authorizer {
        None => None,
        Some(options) => {
            use tessera_server::authorizer::AuthzSecret;
            let (path, secret) = match options.secret_file {
                Some(path) => {
                    let secret = AuthzSecret::read(&path)?;
                    (path, secret)
                }
                None => {
                    let path = dir.root().join("authz-secret");
                    let secret = AuthzSecret::read_or_create(&path)?;
                    (path, secret)
                }
            };
            let listener = tokio::net::TcpListener::bind(options.addr)
                .await
                .map_err(|source| CliError::Listen {
                    addr: options.addr,
                    source,
                })?;
            let local = listener.local_addr().map_err(CliError::Serve)?;
            tracing::info!(address = %local, secret_file = %path.display(), "authorizer listening");
            Some(tokio::spawn(tessera_server::authorizer::serve(
                listener,
                state.clone(),
                secret,
                stopped(&stop),
            )))
        }
    };
    let api = tessera_server::serve(listener, state, async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    })
    .await
    .map_err(CliError::Serve);
    let others = async {
        if let Some(task) = authorizer {
            task.await?.map_err(CliError::Serve)?;
        }
        if let Some(task) = metrics {
            task.await?.map_err(CliError::Serve)?;
        }
        Ok::<(), CliError>(())
    }
    .await;
    // What was answered is in the trail before the process exits, however
    // the listeners ended.
    if let Some(audit) = audit
        && !audit.flush().await
    {
        tracing::error!("the audit trail could not be written before stopping");
    }
    others?;
    api
}

/// On every SIGHUP: reopens the audit log (after logrotate moved it) and
/// loads the TLS certificate and key again (a renewed certificate), without
/// dropping a connection. A certificate that does not load is logged, and
/// the one loaded before stays.
fn reload_on_hangup(
    audit: Option<Arc<tessera_audit::AuditLog>>,
    tls: Option<Arc<tessera_server::tls::Tls>>,
) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let Ok(mut hangups) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            return;
        };
        while hangups.recv().await.is_some() {
            if let Some(audit) = &audit {
                tracing::info!("SIGHUP: reopening the audit log");
                audit.reopen();
            }
            if let Some(tls) = &tls {
                match tls.reload() {
                    Ok(()) => tracing::info!("SIGHUP: TLS certificate reloaded"),
                    Err(error) => {
                        tracing::error!(%error, "SIGHUP: TLS certificate not reloaded; serving the one loaded before");
                    }
                }
            }
        }
    });
    #[cfg(not(unix))]
    let _ = (audit, tls);
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audiences_of(args: &[&str]) -> Vec<String> {
        let cli = Cli::try_parse_from(["tessera", "serve"].iter().chain(args)).expect("parses");
        let Command::Serve { saml_audience, .. } = cli.command else {
            panic!("not serve");
        };
        saml_audience
    }

    #[test]
    fn trusted_proxies_come_from_the_flag_or_the_file_and_must_parse() {
        let cli = Cli::try_parse_from([
            "tessera",
            "serve",
            "--trusted-proxy",
            "10.0.0.0/8",
            "--trusted-proxy",
            "192.0.2.7",
        ])
        .expect("parses");
        let Command::Serve { trusted_proxy, .. } = cli.command else {
            panic!("not serve");
        };
        let nets =
            trusted_proxies(trusted_proxy, Some(vec!["203.0.113.0/24".into()])).expect("valid");
        assert_eq!(
            nets.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["10.0.0.0/8", "192.0.2.7/32"]
        );
        let from_file = trusted_proxies(Vec::new(), Some(vec!["::1".into()])).expect("valid");
        assert_eq!(from_file[0].to_string(), "::1/128");
        assert!(trusted_proxies(vec!["10.0.0.0/33".into()], None).is_err());
        assert!(trusted_proxies(vec!["proxy.example".into()], None).is_err());
    }

    #[test]
    fn saml_audiences_come_from_the_flag_the_file_or_the_default() {
        let flags = audiences_of(&[
            "--saml-audience",
            "https://a/saml",
            "--saml-audience",
            "https://b/saml",
        ]);
        assert_eq!(
            saml_audiences(flags, None).expect("valid"),
            ["https://a/saml", "https://b/saml"]
        );
        let from_file = Some(vec!["https://file/saml".to_string()]);
        assert_eq!(
            saml_audiences(Vec::new(), from_file).expect("valid"),
            ["https://file/saml"]
        );
        assert_eq!(
            saml_audiences(Vec::new(), None).expect("valid"),
            [tessera_federation::saml::DEFAULT_AUDIENCE]
        );
        assert!(saml_audiences(vec![" ".to_string()], None).is_err());
        assert!(saml_audiences(Vec::new(), Some(Vec::new())).is_err());
    }
}
