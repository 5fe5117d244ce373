//! The data directory: the node's own files (the default master key, the
//! root credentials file, the authorizer's secret), and the bootstrap that
//! writes the key ring and the first account into a store the binary opens
//! (its configuration chooses the backend; the embedded SQLite database
//! lives in the directory too, at [`DataDir::database_path`]).
//!
//! The key ring lives in the store, sealed by the master key, so that every
//! node sharing a store shares the ring; each node holds a copy of the
//! master key file. A data directory of an earlier release keeps its ring in
//! `keyring.json`: the first start moves it into the store, sealed, and
//! removes the file.

use crate::{
    KeyRingHandle, MAX_SESSION_LIFETIME,
    keys::{RingError, ring_key_records, sealed_ring_keys},
};
use std::{
    collections::BTreeSet,
    io::Write,
    path::{Path, PathBuf},
    sync::Arc,
};
use tessera_store::{AccessKeyRecord, AccessKeyStatus, Account, Store, StoreError};
use tessera_token::{
    AccessKeyKind, KeyRing, MasterKey, TokenError, new_access_key_id, new_account_id,
    new_secret_access_key, sealed_secret_key_id,
};
use thiserror::Error;
use time::OffsetDateTime;

const DATABASE: &str = "tessera.db";
const LEGACY_KEY_RING: &str = "keyring.json";
const MASTER_KEY: &str = "master.key";
const ROOT_CREDENTIALS: &str = "root-credentials";
/// The name of the account the bootstrap creates (profile `tessera-root`).
pub const DEFAULT_ACCOUNT_NAME: &str = "tessera";

/// Why the data directory could not be set up or used.
#[derive(Debug, Error)]
pub enum SetupError {
    /// `init` on a store that already holds a key ring or an account.
    #[error("{0} already holds a Tessera store; refusing to overwrite it")]
    AlreadyInitialized(String),
    /// The store has no key ring, or no account, yet.
    #[error("{0} is not an initialized Tessera store (run `tessera init`)")]
    NotInitialized(String),
    /// The store holds accounts but no key ring.
    #[error("the store holds accounts but no key ring; restore it from a backup")]
    MissingKeyRing,
    /// The store holds a key ring, and the master key file is missing.
    #[error(
        "the master key {0} does not exist, so it does not open this store's key ring; copy the master key of the node that bootstrapped this store"
    )]
    MissingMasterKey(String),
    /// The master key does not open the store's key ring.
    #[error("the master key {0} does not open this store's key ring")]
    MasterKeyMismatch(String),
    /// An account name that is taken or malformed.
    #[error("invalid account name {0:?}: {1}")]
    AccountName(String, &'static str),
    /// File system failure.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The failure.
        source: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The key ring failed.
    #[error(transparent)]
    Token(#[from] TokenError),
}

impl SetupError {
    fn from_ring(error: RingError, master: &Path) -> Self {
        match error {
            RingError::Store(error) => Self::Store(error),
            RingError::Token(TokenError::MasterKeyMismatch) => {
                Self::MasterKeyMismatch(master.display().to_string())
            }
            RingError::Token(error) => Self::Token(error),
        }
    }
}

/// An account just created, and where its root secret was written.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// The account id.
    pub account_id: String,
    /// The account name.
    pub name: String,
    /// The root access key id.
    pub access_key_id: String,
    /// The credentials file holding the secret.
    pub credentials_file: PathBuf,
}

/// A Tessera data directory, and the master key file its node uses.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
    master_key: PathBuf,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SetupError + '_ {
    move |source| SetupError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl DataDir {
    /// The directory at `root` (not touched until used), with its master
    /// key at the default place, `root/master.key`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        let master_key = root.join(MASTER_KEY);
        Self { root, master_key }
    }

    /// The same directory with the master key at `path`.
    pub fn with_master_key(mut self, path: impl Into<PathBuf>) -> Self {
        self.master_key = path.into();
        self
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the embedded SQLite store keeps its database, unless the
    /// configuration puts the store elsewhere.
    pub fn database_path(&self) -> PathBuf {
        self.root.join(DATABASE)
    }

    /// The master key file.
    pub fn master_key_path(&self) -> &Path {
        &self.master_key
    }

    /// Where a data directory of an earlier release kept its key ring.
    pub fn legacy_key_ring_path(&self) -> PathBuf {
        self.root.join(LEGACY_KEY_RING)
    }

    /// The shared-credentials file with the root users' keys.
    pub fn credentials_path(&self) -> PathBuf {
        self.root.join(ROOT_CREDENTIALS)
    }

    /// Creates the directory, readable by its owner only, if it is not
    /// there yet.
    pub fn create(&self) -> Result<(), SetupError> {
        std::fs::create_dir_all(&self.root).map_err(io_error(&self.root))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.root, std::fs::Permissions::from_mode(0o700))
                .map_err(io_error(&self.root))?;
        }
        Ok(())
    }

    /// Sets up a new store: key ring, the default account and its root
    /// key. Refuses a store that holds a key ring or an account.
    pub async fn init(
        &self,
        store: Arc<dyn Store>,
        now: OffsetDateTime,
    ) -> Result<NewAccount, SetupError> {
        if !store.ring_keys().await?.is_empty()
            || !store.accounts().await?.is_empty()
            || self.legacy_key_ring_path().exists()
        {
            return Err(SetupError::AlreadyInitialized(
                self.root.display().to_string(),
            ));
        }
        let (_, created) = self.open_or_bootstrap(store, now).await?;
        created.ok_or_else(|| SetupError::AlreadyInitialized(self.root.display().to_string()))
    }

    /// Opens the store's key ring with the master key, bootstrapping the
    /// store first when it is empty: the key ring (and the master key file,
    /// when it is missing), then the default account, whose root key is
    /// written to this directory's credentials file. Several nodes may do
    /// this at once on one empty store: one ring and one account are made,
    /// and a node whose master key does not open the ring the store ends up
    /// with refuses ([`SetupError::MasterKeyMismatch`]). Returns the key
    /// ring and the account this call made, if it made one.
    pub async fn open_or_bootstrap(
        &self,
        store: Arc<dyn Store>,
        now: OffsetDateTime,
    ) -> Result<(KeyRingHandle, Option<NewAccount>), SetupError> {
        self.create()?;
        if store.ring_keys().await?.is_empty() {
            self.install_ring(&*store, now).await?;
        }
        let keys = self.open_keys(Arc::clone(&store)).await?;
        let created = if store.accounts().await?.is_empty() {
            self.create_first_account(&*store, &keys, now).await?
        } else {
            None
        };
        Ok((keys, created))
    }

    /// The key ring of a store already set up, opened with the master key.
    pub async fn open_keys(&self, store: Arc<dyn Store>) -> Result<KeyRingHandle, SetupError> {
        if store.ring_keys().await?.is_empty() {
            return Err(SetupError::NotInitialized(self.root.display().to_string()));
        }
        let master = self.read_master_key()?;
        KeyRingHandle::open(store, master)
            .await
            .map_err(|e| SetupError::from_ring(e, &self.master_key))
    }

    fn read_master_key(&self) -> Result<MasterKey, SetupError> {
        if !self.master_key.exists() {
            return Err(SetupError::MissingMasterKey(
                self.master_key.display().to_string(),
            ));
        }
        Ok(MasterKey::read(&self.master_key)?)
    }

    /// Puts the first key ring into an empty store: the ring of
    /// `keyring.json` when the directory is of an earlier release, else a
    /// new one; sealed by the master key, which is created when its file is
    /// missing. Another node may install its ring first: then this one's is
    /// dropped, and a master key file made for it removed (such a key
    /// cannot open the ring that won: [`SetupError::MasterKeyMismatch`]).
    async fn install_ring(&self, store: &dyn Store, now: OffsetDateTime) -> Result<(), SetupError> {
        let legacy = self.legacy_key_ring_path();
        let ring = if legacy.exists() {
            KeyRing::load(&legacy)?
        } else {
            if !store.accounts().await?.is_empty() {
                // A ring is installed before the first account: another
                // node that bootstrapped meanwhile left one, read after
                // the accounts. Without it, secrets in the store were
                // sealed by a ring that is lost: never replace it silently.
                if !store.ring_keys().await?.is_empty() {
                    return Ok(());
                }
                return Err(SetupError::MissingKeyRing);
            }
            KeyRing::generate(now)?
        };
        let created_master = !self.master_key.exists();
        let master = if created_master {
            MasterKey::create(&self.master_key)?
        } else {
            MasterKey::read(&self.master_key)?
        };
        let records = ring_key_records(&master.seal_ring(&ring)?);
        if store.install_ring(&records).await? {
            if legacy.exists() {
                std::fs::remove_file(&legacy).map_err(io_error(&legacy))?;
                tracing::info!(
                    from = %legacy.display(),
                    master_key = %self.master_key.display(),
                    "key ring moved into the store, sealed by the master key"
                );
            }
        } else if created_master {
            // Another node bootstrapped first: the key made here, at
            // random, cannot open its ring, and was not made at bootstrap.
            let _ = std::fs::remove_file(&self.master_key);
            return Err(SetupError::MasterKeyMismatch(
                self.master_key.display().to_string(),
            ));
        }
        Ok(())
    }

    async fn create_first_account(
        &self,
        store: &dyn Store,
        keys: &KeyRingHandle,
        now: OffsetDateTime,
    ) -> Result<Option<NewAccount>, SetupError> {
        let (account, key, secret) = new_account(keys, DEFAULT_ACCOUNT_NAME, now)?;
        if !store.create_first_account(&account, &key).await? {
            return Ok(None);
        }
        self.record_root_key(&account, &key, &secret).map(Some)
    }

    /// Creates an account with a root access key and appends profile
    /// `[NAME-root]` to the credentials file.
    pub async fn create_account(
        &self,
        store: &dyn Store,
        keys: &KeyRingHandle,
        name: &str,
        now: OffsetDateTime,
    ) -> Result<NewAccount, SetupError> {
        validate_account_name(name)?;
        if store.account_by_name(name).await?.is_some() {
            return Err(SetupError::AccountName(
                name.to_string(),
                "an account of that name exists",
            ));
        }
        let (mut account, mut key, secret) = new_account(keys, name, now)?;
        while store.account(&account.id).await?.is_some() {
            (account, key, _) = new_account(keys, name, now)?;
        }
        store
            .create_account(&account, &key)
            .await
            .map_err(|e| match e {
                StoreError::AlreadyExists(_) => {
                    SetupError::AccountName(name.to_string(), "an account of that name exists")
                }
                other => SetupError::Store(other),
            })?;
        self.record_root_key(&account, &key, &secret)
    }

    fn record_root_key(
        &self,
        account: &Account,
        key: &AccessKeyRecord,
        secret: &str,
    ) -> Result<NewAccount, SetupError> {
        let credentials_file = self.credentials_path();
        append_profile(
            &credentials_file,
            &format!("{}-root", account.name),
            &key.access_key_id,
            secret,
        )?;
        Ok(NewAccount {
            account_id: account.id.clone(),
            name: account.name.clone(),
            access_key_id: key.access_key_id.clone(),
            credentials_file,
        })
    }

    /// Rotates the key ring: a new active key mints tokens and seals
    /// secrets from now on, and every secret the store keeps sealed (access
    /// keys' secrets, MFA seeds, server certificates' keys) is sealed anew
    /// under it, in one store transaction with the new ring: a rotation cut
    /// short changes nothing. Every node reads the new ring within
    /// [`crate::keys::REFRESH`].
    ///
    /// A retired key stays in the ring until every token it minted has
    /// expired ([`MAX_SESSION_LIFETIME`] and an hour) and no stored value
    /// names it any more; so a value written by a node that had not yet
    /// read the new ring, or one that could not be re-sealed, never loses
    /// the key that opens it.
    pub async fn rotate_keys(
        &self,
        store: &dyn Store,
        now: OffsetDateTime,
    ) -> Result<Rotation, SetupError> {
        let master = self.read_master_key()?;
        let mut tx = store.begin_sealed().await?;
        let records = tx.ring_keys().await?;
        if records.is_empty() {
            return Err(SetupError::NotInitialized(self.root.display().to_string()));
        }
        let mut ring = master
            .open_ring(&sealed_ring_keys(&records))
            .map_err(|e| SetupError::from_ring(RingError::Token(e), &self.master_key))?;
        let active = ring.add_key(now)?;
        let (mut resealed, mut unopenable) = (0, 0);
        let mut in_use = BTreeSet::new();
        for value in tx.sealed_values().await? {
            match ring.reseal_secret(&value.owner, &value.sealed) {
                Ok(Some(sealed)) => {
                    tx.replace_sealed(value.kind, &value.owner, &sealed).await?;
                    resealed += 1;
                }
                Ok(None) => {}
                Err(error) => {
                    unopenable += 1;
                    in_use.extend(sealed_secret_key_id(&value.sealed));
                    tracing::error!(
                        %error,
                        kind = ?value.kind,
                        owner = %value.owner,
                        key_id = ?sealed_secret_key_id(&value.sealed),
                        "a stored secret cannot be opened with the key ring; left as it is"
                    );
                }
            }
        }
        let dropped = ring.prune(now - KEEP_RETIRED, &in_use);
        tx.replace_ring(&ring_key_records(&master.seal_ring(&ring)?))
            .await?;
        tx.commit().await?;
        Ok(Rotation {
            active,
            resealed,
            unopenable,
            dropped,
        })
    }
}

/// A new account named `name` with a new root key, sealed by `keys`, and
/// the key's secret.
fn new_account(
    keys: &KeyRingHandle,
    name: &str,
    now: OffsetDateTime,
) -> Result<(Account, AccessKeyRecord, String), SetupError> {
    let account_id = new_account_id()?;
    let access_key_id = new_access_key_id(AccessKeyKind::LongTerm, &account_id)?;
    let secret = new_secret_access_key()?;
    let sealed_secret = keys.seal_stored_secret(&access_key_id, &secret)?;
    let account = Account {
        id: account_id.clone(),
        name: name.to_string(),
        created_at: now.unix_timestamp(),
    };
    let key = AccessKeyRecord {
        access_key_id,
        account_id,
        user_id: None,
        sealed_secret,
        status: AccessKeyStatus::Active,
        created_at: now.unix_timestamp(),
        last_used: None,
    };
    Ok((account, key, secret))
}

/// What [`DataDir::rotate_keys`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// The id of the new active key.
    pub active: u32,
    /// How many stored secrets were sealed anew under it.
    pub resealed: usize,
    /// How many stored secrets the ring could not open (each logged): they
    /// are left as they were, and the keys they name are not dropped.
    pub unopenable: usize,
    /// The retired keys dropped from the ring.
    pub dropped: Vec<u32>,
}

/// How long a retired key is kept at least: a little longer than the
/// longest session it can have minted.
const KEEP_RETIRED: time::Duration = MAX_SESSION_LIFETIME.saturating_add(time::Duration::HOUR);

fn validate_account_name(name: &str) -> Result<(), SetupError> {
    let ok = (1..=50).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(SetupError::AccountName(
            name.to_string(),
            "use 1 to 50 letters, digits, '-', '_' or '.'",
        ))
    }
}

/// Appends a profile in the AWS shared-credentials format to a file kept
/// readable by its owner only.
fn append_profile(
    path: &Path,
    profile: &str,
    access_key_id: &str,
    secret: &str,
) -> Result<(), SetupError> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io_error(path))?;
    let separator = if file.metadata().map(|m| m.len()).unwrap_or(0) > 0 {
        "\n"
    } else {
        ""
    };
    let text = format!(
        "{separator}[{profile}]\naws_access_key_id = {access_key_id}\naws_secret_access_key = {secret}\n"
    );
    file.write_all(text.as_bytes()).map_err(io_error(path))?;
    file.sync_all().map_err(io_error(path))
}
