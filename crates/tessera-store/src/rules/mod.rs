//! IAM's rules, apart from any database: quotas, what keeps an entity from
//! being deleted, policy versions, tags, names and password histories.
//!
//! A backend reads what a rule needs inside its write transaction, asks the
//! rule, and writes only what the rule allows. A rule answers with the
//! typed error ([`Quota`](crate::Quota), [`Conflict`](crate::Conflict),
//! [`Missing`](crate::Missing), [`Existing`](crate::Existing)) that the
//! server renders IAM's message from; no backend words an error itself.

pub(crate) mod conflicts;
pub(crate) mod mfa;
pub(crate) mod names;
pub(crate) mod passwords;
pub(crate) mod quotas;
pub(crate) mod tags;
pub(crate) mod versions;

pub use passwords::PASSWORDS_REMEMBERED;
pub use quotas::{
    ACCESS_KEYS_PER_USER, CLIENT_IDS_PER_OIDC_PROVIDER, MAX_ATTACHED_POLICIES, MAX_POLICY_VERSIONS,
    MFA_DEVICES_PER_USER, ROLES_PER_INSTANCE_PROFILE, SERVER_CERTIFICATES_PER_ACCOUNT,
    SIGNING_CERTIFICATES_PER_USER, SSH_PUBLIC_KEYS_PER_USER,
};
pub use tags::TAGS_PER_ENTITY;
