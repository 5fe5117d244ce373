//! The data directory: the key ring and the root credentials file, and the
//! bootstrap that creates them in a store the binary opens (its
//! configuration chooses the backend; the embedded SQLite database lives
//! in the directory too, at [`DataDir::database_path`]).

use crate::{KeyRingHandle, MAX_SESSION_LIFETIME};
use std::{
    collections::BTreeSet,
    io::Write,
    path::{Path, PathBuf},
};
use tessera_store::{AccessKeyRecord, AccessKeyStatus, Account, SealedStore, Store, StoreError};
use tessera_token::{
    AccessKeyKind, KeyRing, TokenError, new_access_key_id, new_account_id, new_secret_access_key,
    sealed_secret_key_id,
};
use thiserror::Error;
use time::OffsetDateTime;

const DATABASE: &str = "tessera.db";
const KEY_RING: &str = "keyring.json";
const ROOT_CREDENTIALS: &str = "root-credentials";
/// The name of the account the bootstrap creates (profile `tessera-root`).
pub const DEFAULT_ACCOUNT_NAME: &str = "tessera";

/// Why the data directory could not be set up or used.
#[derive(Debug, Error)]
pub enum SetupError {
    /// `init` on a directory that already holds Tessera's files.
    #[error("{0} already holds a Tessera data directory; refusing to overwrite it")]
    AlreadyInitialized(String),
    /// The directory has no key ring, or the store no account, yet.
    #[error("{0} is not an initialized Tessera data directory (run `tessera init`)")]
    NotInitialized(String),
    /// The store exists but its key ring is gone.
    #[error("{0} is missing while the store exists; restore it from a backup")]
    MissingKeyRing(String),
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

/// A Tessera data directory.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SetupError + '_ {
    move |source| SetupError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl DataDir {
    /// The directory at `root` (not touched until used).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
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

    /// The key ring file.
    pub fn key_ring_path(&self) -> PathBuf {
        self.root.join(KEY_RING)
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

    /// Sets up a new directory over `store`: key ring, the default account
    /// and its root key. Refuses a directory that has a key ring, or a
    /// store that holds an account.
    pub async fn init(
        &self,
        store: &dyn Store,
        now: OffsetDateTime,
    ) -> Result<NewAccount, SetupError> {
        if self.key_ring_path().exists() || !store.accounts().await?.is_empty() {
            return Err(SetupError::AlreadyInitialized(
                self.root.display().to_string(),
            ));
        }
        let keys = self.open_or_create_keys(store, now).await?;
        self.bootstrap_if_empty(store, &keys, now)
            .await?
            .ok_or_else(|| SetupError::AlreadyInitialized(self.root.display().to_string()))
    }

    /// Opens the key ring, creating it and bootstrapping `store` on first
    /// use. Returns the key ring and the account the bootstrap made
    /// (`None` when the directory was already set up).
    pub async fn open_or_bootstrap(
        &self,
        store: &dyn Store,
        now: OffsetDateTime,
    ) -> Result<(KeyRingHandle, Option<NewAccount>), SetupError> {
        let keys = self.open_or_create_keys(store, now).await?;
        let created = self.bootstrap_if_empty(store, &keys, now).await?;
        Ok((keys, created))
    }

    /// The key ring of a directory already set up.
    pub fn open_keys(&self) -> Result<KeyRingHandle, SetupError> {
        if !self.key_ring_path().exists() {
            return Err(SetupError::NotInitialized(self.root.display().to_string()));
        }
        Ok(KeyRingHandle::from_file(self.key_ring_path())?)
    }

    /// The key ring is written before anything it seals, so a bootstrap cut
    /// short resumes on the next start instead of leaving undecryptable keys.
    async fn open_or_create_keys(
        &self,
        store: &dyn Store,
        now: OffsetDateTime,
    ) -> Result<KeyRingHandle, SetupError> {
        self.create()?;
        let ring_path = self.key_ring_path();
        if !ring_path.exists() {
            if !store.accounts().await?.is_empty() {
                // Secrets in the store were sealed by the lost ring: never
                // replace it silently.
                return Err(SetupError::MissingKeyRing(ring_path.display().to_string()));
            }
            KeyRing::generate(now)?.save(&ring_path)?;
        }
        Ok(KeyRingHandle::from_file(ring_path)?)
    }

    async fn bootstrap_if_empty(
        &self,
        store: &dyn Store,
        keys: &KeyRingHandle,
        now: OffsetDateTime,
    ) -> Result<Option<NewAccount>, SetupError> {
        if !store.accounts().await?.is_empty() {
            return Ok(None);
        }
        self.create_account(store, keys, DEFAULT_ACCOUNT_NAME, now)
            .await
            .map(Some)
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
        let account_id = loop {
            let id = new_account_id()?;
            if store.account(&id).await?.is_none() {
                break id;
            }
        };
        let access_key_id = new_access_key_id(AccessKeyKind::LongTerm, &account_id)?;
        let secret = new_secret_access_key()?;
        let sealed_secret = keys.seal_stored_secret(&access_key_id, &secret)?;
        let account = Account {
            id: account_id.clone(),
            name: name.to_string(),
            created_at: now.unix_timestamp(),
        };
        let key = AccessKeyRecord {
            access_key_id: access_key_id.clone(),
            account_id: account_id.clone(),
            user_id: None,
            sealed_secret,
            status: AccessKeyStatus::Active,
            created_at: now.unix_timestamp(),
            last_used: None,
        };
        store
            .create_account(&account, &key)
            .await
            .map_err(|e| match e {
                StoreError::AlreadyExists(_) => {
                    SetupError::AccountName(name.to_string(), "an account of that name exists")
                }
                other => SetupError::Store(other),
            })?;
        let credentials_file = self.credentials_path();
        append_profile(
            &credentials_file,
            &format!("{name}-root"),
            &access_key_id,
            &secret,
        )?;
        Ok(NewAccount {
            account_id,
            name: name.to_string(),
            access_key_id,
            credentials_file,
        })
    }

    /// Rotates the key ring: a new active key mints tokens and seals
    /// secrets from now on, and every secret the store keeps sealed (access
    /// keys' secrets, MFA seeds) is sealed anew under it. Safe while servers
    /// run on the directory: they reload the ring file when a token or a
    /// stored secret names a key they do not hold.
    ///
    /// A retired key stays in the ring until every token it minted has
    /// expired ([`MAX_SESSION_LIFETIME`] and an hour) and no stored value
    /// names it any more; so a store written by a server that had not yet
    /// seen the new key, or a value that could not be re-sealed, never loses
    /// the key that opens it.
    ///
    /// Crash safety comes from the order of the steps, each under the
    /// store's write lock (which also keeps two rotations from
    /// interleaving):
    /// 1. the ring with the new key added, and no key dropped, is saved
    ///    (atomically renamed over the old file) before any stored value is
    ///    sealed under the new key;
    /// 2. every stored value is re-sealed in one store transaction: a crash
    ///    before its commit leaves them all as they were, sealed by keys the
    ///    ring still holds;
    /// 3. only then, reading afresh which keys stored values name (no writer
    ///    can add one meanwhile), the keys no longer needed are dropped and
    ///    the ring saved again; a crash before that save only leaves them a
    ///    rotation longer.
    ///
    /// When the ring moves into the store (sealed by a master key), the
    /// three steps become one transaction writing the ring row and the
    /// re-sealed values together.
    pub async fn rotate_keys(
        &self,
        store: &dyn Store,
        now: OffsetDateTime,
    ) -> Result<Rotation, SetupError> {
        let ring_path = self.key_ring_path();
        if !ring_path.exists() || store.accounts().await?.is_empty() {
            return Err(SetupError::NotInitialized(self.root.display().to_string()));
        }
        rotate_sealed(store, &ring_path, now).await
    }
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

/// The steps of [`DataDir::rotate_keys`] over a store and a ring file.
async fn rotate_sealed(
    store: &dyn SealedStore,
    ring_path: &Path,
    now: OffsetDateTime,
) -> Result<Rotation, SetupError> {
    // 1 and 2: the new key saved, then everything re-sealed under it.
    let mut tx = store.begin_sealed().await?;
    let mut ring = KeyRing::load(ring_path)?;
    let active = ring.add_key(now)?;
    ring.save(ring_path)?;
    let (mut resealed, mut unopenable) = (0, 0);
    for value in tx.sealed_values().await? {
        match ring.reseal_secret(&value.owner, &value.sealed) {
            Ok(Some(sealed)) => {
                tx.replace_sealed(value.kind, &value.owner, &sealed).await?;
                resealed += 1;
            }
            Ok(None) => {}
            Err(error) => {
                unopenable += 1;
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
    tx.commit().await?;

    // 3: the keys nothing needs any more dropped.
    let mut tx = store.begin_sealed().await?;
    let mut ring = KeyRing::load(ring_path)?;
    let in_use: BTreeSet<u32> = tx
        .sealed_values()
        .await?
        .iter()
        .filter_map(|value| sealed_secret_key_id(&value.sealed))
        .collect();
    let dropped = ring.prune(now - KEEP_RETIRED, &in_use);
    if !dropped.is_empty() {
        ring.save(ring_path)?;
    }
    tx.commit().await?;
    Ok(Rotation {
        active,
        resealed,
        unopenable,
        dropped,
    })
}

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
