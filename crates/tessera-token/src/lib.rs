//! Temporary credentials: identifiers, secrets, the key ring and the
//! session-token envelope.
//!
//! A session token is an AES-256-GCM envelope whose plaintext holds every
//! claim needed to authenticate and authorize a request signed with the
//! temporary credentials, so any process holding the key ring verifies it
//! without reading the store. The temporary access key id is bound to the
//! envelope as associated data: the token is useless with another key id.

mod claims;
mod clock;
mod envelope;
mod error;
mod ids;
mod keyring;
mod master;

pub use claims::{SessionClaims, SessionPrincipal, SessionTag};
pub use clock::{Clock, ManualClock, SystemClock};
pub use envelope::{open_session_token, seal_session_token, token_key_id};
pub use error::TokenError;
pub use ids::{
    AccessKeyKind, account_of_access_key_id, new_access_key_id, new_account_id, new_certificate_id,
    new_secret_access_key, new_ssh_public_key_id, new_unique_id,
};
pub use keyring::{KeyRing, TokenKey, sealed_message_key_id, sealed_secret_key_id, write_private};
pub use master::{MasterKey, SealedRingKey};
