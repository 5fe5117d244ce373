//! tessera-arn: Amazon Resource Names.
//!
//! An [`Arn`] is `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`. The first
//! five fields never contain `:`; the resource is everything after the fifth
//! colon and may contain more of them (`arn:aws:s3:::bucket/a:b`).
//!
//! Parsing is deliberately lenient: any text that begins with `arn:` and has
//! six colon-separated fields is an ARN, with empty fields allowed. Whether an
//! ARN is acceptable in a given place (a 12-digit account, an empty region, a
//! non-empty name) is decided where it is used. An `Arn` keeps its text as
//! given, so [`Display`](fmt::Display) and [`FromStr`] round-trip exactly.
//!
//! The constructors build the ARNs IAM and STS hand out, with IAM paths as
//! IAM writes them (`/` or `/a/b/`):
//!
//! ```
//! use tessera_arn::{Arn, ArnKind};
//!
//! let alice = Arn::user("aws", "123456789012", "/a/b/", "alice");
//! assert_eq!(alice.to_string(), "arn:aws:iam::123456789012:user/a/b/alice");
//! assert_eq!(alice.kind(), ArnKind::User);
//! assert_eq!(alice.path(), Some("/a/b/"));
//! assert_eq!(alice.name(), Some("alice"));
//!
//! let session: Arn = "arn:aws:sts::123456789012:assumed-role/admin/s1".parse().unwrap();
//! assert_eq!(session.role_name(), Some("admin"));
//! assert_eq!(session.session_name(), Some("s1"));
//! ```

use std::fmt;
use std::str::FromStr;

/// Why a text is not an ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParseArnError {
    /// The text does not begin with `arn:`.
    #[error("an ARN begins with \"arn:\"")]
    Prefix,
    /// The text has fewer than six colon-separated fields.
    #[error("an ARN has six colon-separated fields: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE")]
    Fields,
}

/// What an ARN names, read from its service and the first segment of its
/// resource.
///
/// The classification looks at the prefix only (`user/` makes a
/// [`User`](ArnKind::User) even when no name follows); callers that need a
/// well-formed name check it themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArnKind {
    /// `arn:P:iam::ACCOUNT:root`: an account's root user.
    Root,
    /// `arn:P:iam::ACCOUNT:user/PATH/NAME`.
    User,
    /// `arn:P:iam::ACCOUNT:role/PATH/NAME`.
    Role,
    /// `arn:P:iam::ACCOUNT:group/PATH/NAME`.
    Group,
    /// `arn:P:iam::ACCOUNT:policy/PATH/NAME` (`ACCOUNT` is `aws` for
    /// AWS-managed policies).
    Policy,
    /// `arn:P:iam::ACCOUNT:mfa/PATH/NAME`: a virtual MFA device.
    MfaDevice,
    /// `arn:P:iam::ACCOUNT:instance-profile/PATH/NAME`.
    InstanceProfile,
    /// `arn:P:iam::ACCOUNT:oidc-provider/URL`: an OpenID Connect provider
    /// (its URL without the scheme).
    OidcProvider,
    /// `arn:P:iam::ACCOUNT:saml-provider/NAME`.
    SamlProvider,
    /// `arn:P:sts::ACCOUNT:assumed-role/ROLE/SESSION`: a role session.
    AssumedRole,
    /// `arn:P:sts::ACCOUNT:federated-user/NAME`.
    FederatedUser,
    /// Anything else: another IAM or STS resource, or another service's.
    Other,
}

impl ArnKind {
    /// The service and the resource prefix (with its `/`) of the kinds whose
    /// resource is `PREFIX/…`.
    fn prefix(self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            ArnKind::User => ("iam", "user/"),
            ArnKind::Role => ("iam", "role/"),
            ArnKind::Group => ("iam", "group/"),
            ArnKind::Policy => ("iam", "policy/"),
            ArnKind::MfaDevice => ("iam", "mfa/"),
            ArnKind::InstanceProfile => ("iam", "instance-profile/"),
            ArnKind::OidcProvider => ("iam", "oidc-provider/"),
            ArnKind::SamlProvider => ("iam", "saml-provider/"),
            ArnKind::AssumedRole => ("sts", "assumed-role/"),
            ArnKind::FederatedUser => ("sts", "federated-user/"),
            ArnKind::Root | ArnKind::Other => return None,
        })
    }

    /// Whether the kind's resource is `PREFIX/PATH/NAME` with an IAM path.
    fn has_path(self) -> bool {
        matches!(
            self,
            ArnKind::User
                | ArnKind::Role
                | ArnKind::Group
                | ArnKind::Policy
                | ArnKind::MfaDevice
                | ArnKind::InstanceProfile
        )
    }

    const PREFIXED: [ArnKind; 10] = [
        ArnKind::User,
        ArnKind::Role,
        ArnKind::Group,
        ArnKind::Policy,
        ArnKind::MfaDevice,
        ArnKind::InstanceProfile,
        ArnKind::OidcProvider,
        ArnKind::SamlProvider,
        ArnKind::AssumedRole,
        ArnKind::FederatedUser,
    ];
}

/// An Amazon Resource Name, `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
///
/// The text is kept as given, with the positions of its field separators;
/// two ARNs are equal when their texts are.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Arn {
    text: String,
    /// The byte offsets of the colons that end the partition, service,
    /// region and account.
    ends: [usize; 4],
}

/// The length of `arn:`.
const PREFIX: usize = 4;

/// The offsets of the four colons after `arn:` and how many were found (when
/// fewer, the rest are `text.len()`).
fn separators(text: &str) -> ([usize; 4], usize) {
    let mut ends = [text.len(); 4];
    let mut found = 0;
    for (slot, (i, _)) in ends
        .iter_mut()
        .zip(text.get(PREFIX..).unwrap_or_default().match_indices(':'))
    {
        *slot = PREFIX + i;
        found += 1;
    }
    (ends, found)
}

impl Arn {
    /// Reads `text` as an ARN, keeping it as it is.
    pub fn parse(text: impl Into<String>) -> Result<Arn, ParseArnError> {
        let text = text.into();
        if !text.starts_with("arn:") {
            return Err(ParseArnError::Prefix);
        }
        match separators(&text) {
            (ends, 4) => Ok(Arn { text, ends }),
            _ => Err(ParseArnError::Fields),
        }
    }

    /// The ARN with the given fields. The first four must not contain `:`
    /// (account ids, partitions, services and regions never do); the
    /// resource may.
    pub fn new(partition: &str, service: &str, region: &str, account: &str, resource: &str) -> Arn {
        Arn::from_pieces(&[
            "arn:", partition, ":", service, ":", region, ":", account, ":", resource,
        ])
    }

    /// An ARN from text this crate formatted, which always has the five
    /// colons.
    fn assemble(text: String) -> Arn {
        let (ends, _) = separators(&text);
        Arn { text, ends }
    }

    /// [`Arn::assemble`] of `pieces` concatenated, in a string of exactly
    /// their length (ARNs are built on every request: no formatting
    /// machinery, no growing).
    fn from_pieces(pieces: &[&str]) -> Arn {
        let mut text = String::with_capacity(pieces.iter().map(|piece| piece.len()).sum());
        for piece in pieces {
            text.push_str(piece);
        }
        Arn::assemble(text)
    }

    /// `arn:PARTITION:iam::ACCOUNT:root`, an account's root user.
    pub fn root(partition: &str, account: &str) -> Arn {
        Arn::from_pieces(&["arn:", partition, ":iam::", account, ":root"])
    }

    fn iam_with_path(partition: &str, account: &str, noun: &str, path: &str, name: &str) -> Arn {
        Arn::from_pieces(&["arn:", partition, ":iam::", account, ":", noun, path, name])
    }

    /// `arn:PARTITION:iam::ACCOUNT:user/PATH/NAME`; `path` is an IAM path,
    /// beginning and ending with `/`.
    pub fn user(partition: &str, account: &str, path: &str, name: &str) -> Arn {
        Arn::iam_with_path(partition, account, "user", path, name)
    }

    /// `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`; `path` is an IAM path.
    pub fn role(partition: &str, account: &str, path: &str, name: &str) -> Arn {
        Arn::iam_with_path(partition, account, "role", path, name)
    }

    /// `arn:PARTITION:iam::ACCOUNT:group/PATH/NAME`; `path` is an IAM path.
    pub fn group(partition: &str, account: &str, path: &str, name: &str) -> Arn {
        Arn::iam_with_path(partition, account, "group", path, name)
    }

    /// `arn:PARTITION:iam::ACCOUNT:policy/PATH/NAME`, a managed policy;
    /// `path` is an IAM path.
    pub fn policy(partition: &str, account: &str, path: &str, name: &str) -> Arn {
        Arn::iam_with_path(partition, account, "policy", path, name)
    }

    /// `arn:PARTITION:iam::ACCOUNT:mfa/PATH/NAME`, a virtual MFA device's
    /// serial number; `path` is an IAM path.
    pub fn mfa_device(partition: &str, account: &str, path: &str, name: &str) -> Arn {
        Arn::iam_with_path(partition, account, "mfa", path, name)
    }

    /// `arn:PARTITION:iam::ACCOUNT:server-certificate/PATH/NAME`.
    pub fn server_certificate(partition: &str, account: &str, path: &str, name: &str) -> Arn {
        Arn::iam_with_path(partition, account, "server-certificate", path, name)
    }

    /// `arn:PARTITION:iam::ACCOUNT:instance-profile/PATH/NAME`; `path` is an
    /// IAM path.
    pub fn instance_profile(partition: &str, account: &str, path: &str, name: &str) -> Arn {
        Arn::iam_with_path(partition, account, "instance-profile", path, name)
    }

    /// `arn:PARTITION:iam::ACCOUNT:oidc-provider/URL`, with the provider's
    /// URL as IAM keeps it (host and path, no scheme).
    pub fn oidc_provider(partition: &str, account: &str, url: &str) -> Arn {
        Arn::from_pieces(&["arn:", partition, ":iam::", account, ":oidc-provider/", url])
    }

    /// `arn:PARTITION:iam::ACCOUNT:saml-provider/NAME`.
    pub fn saml_provider(partition: &str, account: &str, name: &str) -> Arn {
        Arn::from_pieces(&[
            "arn:",
            partition,
            ":iam::",
            account,
            ":saml-provider/",
            name,
        ])
    }

    /// `arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION`, a role
    /// session (the role's path is not part of it).
    pub fn assumed_role(partition: &str, account: &str, role_name: &str, session: &str) -> Arn {
        Arn::from_pieces(&[
            "arn:",
            partition,
            ":sts::",
            account,
            ":assumed-role/",
            role_name,
            "/",
            session,
        ])
    }

    /// `arn:PARTITION:sts::ACCOUNT:federated-user/NAME`.
    pub fn federated_user(partition: &str, account: &str, name: &str) -> Arn {
        Arn::from_pieces(&[
            "arn:",
            partition,
            ":sts::",
            account,
            ":federated-user/",
            name,
        ])
    }

    /// The whole ARN.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The whole ARN, as a `String`.
    pub fn into_string(self) -> String {
        self.text
    }

    fn field(&self, start: usize, end: usize) -> &str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// The partition (`aws`).
    pub fn partition(&self) -> &str {
        self.field(PREFIX, self.ends[0])
    }

    /// The service (`iam`, `sts`, `s3`).
    pub fn service(&self) -> &str {
        self.field(self.ends[0] + 1, self.ends[1])
    }

    /// The region (empty for global services such as IAM, STS and S3).
    pub fn region(&self) -> &str {
        self.field(self.ends[1] + 1, self.ends[2])
    }

    /// The account (empty for S3 buckets and objects).
    pub fn account(&self) -> &str {
        self.field(self.ends[2] + 1, self.ends[3])
    }

    /// The resource: everything after the fifth colon.
    pub fn resource(&self) -> &str {
        self.field(self.ends[3] + 1, self.text.len())
    }

    /// What the ARN names.
    pub fn kind(&self) -> ArnKind {
        let (service, resource) = (self.service(), self.resource());
        if service == "iam" && resource == "root" {
            return ArnKind::Root;
        }
        ArnKind::PREFIXED
            .into_iter()
            .find(|kind| {
                kind.prefix()
                    .is_some_and(|(s, p)| s == service && resource.starts_with(p))
            })
            .unwrap_or(ArnKind::Other)
    }

    /// The resource after the kind's `PREFIX/`, for the prefixed kinds.
    fn rest(&self) -> Option<(ArnKind, &str)> {
        let kind = self.kind();
        let (_, prefix) = kind.prefix()?;
        Some((kind, self.resource().get(prefix.len()..)?))
    }

    /// The IAM path of a user, role, group, managed policy, MFA device or
    /// instance profile: `/`, or `/a/b/` for `user/a/b/alice`.
    pub fn path(&self) -> Option<&str> {
        let (kind, _) = self.rest()?;
        if !kind.has_path() {
            return None;
        }
        let resource = self.resource();
        // The resource is `NOUN/…`: the path runs from that first `/` to
        // the last one, both included.
        let first = resource.find('/')?;
        let last = resource.rfind('/')?;
        resource.get(first..=last)
    }

    /// The name of a user, role, group, managed policy, MFA device or
    /// instance profile (after its path), of a SAML provider or federated
    /// user, or the URL of an OIDC provider. `None` for the root user, role
    /// sessions and other resources.
    pub fn name(&self) -> Option<&str> {
        let (kind, rest) = self.rest()?;
        match kind {
            ArnKind::AssumedRole => None,
            k if k.has_path() => rest.rsplit('/').next(),
            _ => Some(rest),
        }
    }

    /// The role name of a role session: `ROLE` in `assumed-role/ROLE/SESSION`
    /// (all of the rest when there is no `/`).
    pub fn role_name(&self) -> Option<&str> {
        match self.rest()? {
            (ArnKind::AssumedRole, rest) => rest.split('/').next(),
            _ => None,
        }
    }

    /// The session name of a role session: `SESSION` in
    /// `assumed-role/ROLE/SESSION` (everything after the first `/`).
    pub fn session_name(&self) -> Option<&str> {
        match self.rest()? {
            (ArnKind::AssumedRole, rest) => rest.split_once('/').map(|(_, session)| session),
            _ => None,
        }
    }

    /// The role of a role session, at path `/` (a session's ARN does not
    /// carry its role's path).
    pub fn session_role(&self) -> Option<Arn> {
        let role = self.role_name()?;
        Some(Arn::role(self.partition(), self.account(), "/", role))
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Arn").field(&self.text).finish()
    }
}

impl FromStr for Arn {
    type Err = ParseArnError;

    fn from_str(text: &str) -> Result<Arn, ParseArnError> {
        Arn::parse(text)
    }
}

impl TryFrom<String> for Arn {
    type Error = ParseArnError;

    fn try_from(text: String) -> Result<Arn, ParseArnError> {
        Arn::parse(text)
    }
}

impl TryFrom<&str> for Arn {
    type Error = ParseArnError;

    fn try_from(text: &str) -> Result<Arn, ParseArnError> {
        Arn::parse(text)
    }
}

impl From<Arn> for String {
    fn from(arn: Arn) -> String {
        arn.text
    }
}

impl AsRef<str> for Arn {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl PartialEq<str> for Arn {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for Arn {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

#[cfg(test)]
mod tests;
