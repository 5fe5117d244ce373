//! Identifiers formed as AWS forms them.
//!
//! Access key ids carry the owning account as AWS's do, so
//! `GetAccessKeyInfo` answers for any key id (AWS's own and temporary ones
//! included) without a store lookup: the 16 base-32 characters after the
//! four-letter prefix are 80 bits, and the account is the 40 bits after
//! the first.

use crate::TokenError;
use ring::rand::{SecureRandom, SystemRandom};

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const UNIQUE_ALPHABET: &[u8; 32] = BASE32;

/// Long-term (`AKIA`) or temporary (`ASIA`) access keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessKeyKind {
    /// A long-term key of a user or an account root.
    LongTerm,
    /// Temporary credentials issued by STS.
    Temporary,
}

impl AccessKeyKind {
    /// The four-letter prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::LongTerm => "AKIA",
            Self::Temporary => "ASIA",
        }
    }

    /// The kind a key id belongs to, from its prefix.
    pub fn of(access_key_id: &str) -> Option<Self> {
        match access_key_id.get(..4) {
            Some("AKIA") => Some(Self::LongTerm),
            Some("ASIA") => Some(Self::Temporary),
            _ => None,
        }
    }
}

fn random_bytes<const N: usize>() -> Result<[u8; N], TokenError> {
    let mut bytes = [0u8; N];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| TokenError::Random)?;
    Ok(bytes)
}

/// Characters drawn uniformly from a power-of-two alphabet.
fn random_string(alphabet: &[u8], len: usize) -> Result<String, TokenError> {
    debug_assert!(alphabet.len().is_power_of_two() && alphabet.len() <= 256);
    let mask = alphabet.len() - 1;
    let bytes = random_bytes::<64>()?;
    Ok(bytes[..len]
        .iter()
        .map(|b| alphabet[usize::from(*b) & mask] as char)
        .collect())
}

/// Where the account sits in a key id's 80 bits: after the first bit.
const ACCOUNT_SHIFT: u32 = 39;
const ACCOUNT_MASK: u128 = (1 << 40) - 1;

/// A new access key id of `kind` for `account_id` (12 digits).
pub fn new_access_key_id(kind: AccessKeyKind, account_id: &str) -> Result<String, TokenError> {
    id_of_account(kind.prefix(), account_id)
}

/// A new SSH public key id for `account_id`: `APKA` and 16 base-32
/// characters that carry the account as an access key id does.
pub fn new_ssh_public_key_id(account_id: &str) -> Result<String, TokenError> {
    id_of_account("APKA", account_id)
}

/// `prefix` and the 16 base-32 characters of 80 bits: a zero bit, the
/// account, then 39 random bits.
fn id_of_account(prefix: &str, account_id: &str) -> Result<String, TokenError> {
    let account: u64 = account_id.parse().map_err(|_| TokenError::Invalid)?;
    if account >= 1 << 40 {
        return Err(TokenError::Invalid);
    }
    let random = random_bytes::<5>()?;
    let mut low: u128 = 0;
    for b in random {
        low = (low << 8) | u128::from(b);
    }
    // 80 bits: a zero bit, the account, then 39 random bits.
    let value = (u128::from(account) << ACCOUNT_SHIFT) | (low & ((1 << ACCOUNT_SHIFT) - 1));
    let mut id = String::from(prefix);
    for i in (0..16).rev() {
        let index = ((value >> (i * 5)) & 0x1f) as usize;
        id.push(BASE32[index] as char);
    }
    Ok(id)
}

/// The account an access key id was issued for, or `None` when the id is not
/// of the `AKIA`/`ASIA` + 16 base-32 characters form.
pub fn account_of_access_key_id(access_key_id: &str) -> Option<String> {
    AccessKeyKind::of(access_key_id)?;
    let body = access_key_id.get(4..)?;
    if body.len() != 16 {
        return None;
    }
    let mut value: u128 = 0;
    for c in body.bytes() {
        let digit = BASE32.iter().position(|b| *b == c)?;
        value = (value << 5) | digit as u128;
    }
    let account = (value >> ACCOUNT_SHIFT) & ACCOUNT_MASK;
    (account < 1_000_000_000_000).then(|| format!("{account:012}"))
}

/// A new 40-character secret access key.
pub fn new_secret_access_key() -> Result<String, TokenError> {
    random_string(SECRET_ALPHABET, 40)
}

/// A new random 12-digit account id (never starting with 0, as AWS's).
pub fn new_account_id() -> Result<String, TokenError> {
    let bytes = random_bytes::<8>()?;
    let n = u64::from_be_bytes(bytes) % 900_000_000_000 + 100_000_000_000;
    Ok(n.to_string())
}

/// A new signing certificate id: 32 base-32 characters, as IAM's.
pub fn new_certificate_id() -> Result<String, TokenError> {
    random_string(BASE32, 32)
}

/// A new unique id with the given four-letter prefix (`AIDA`, `AROA`, …)
/// and 17 random characters.
pub fn new_unique_id(prefix: &str) -> Result<String, TokenError> {
    Ok(format!("{prefix}{}", random_string(UNIQUE_ALPHABET, 17)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_ids_have_the_aws_shape() {
        let ssh = new_ssh_public_key_id("123456789012").expect("id");
        assert!(ssh.starts_with("APKA") && ssh.len() == 20, "{ssh}");
        let certificate = new_certificate_id().expect("id");
        assert_eq!(certificate.len(), 32);
        assert!(certificate.bytes().all(|b| BASE32.contains(&b)));
        assert_ne!(certificate, new_certificate_id().expect("id"));
    }

    #[test]
    fn key_ids_have_the_aws_shape_and_carry_the_account() {
        for account in ["000000000000", "123456789012", "999999999999"] {
            for kind in [AccessKeyKind::LongTerm, AccessKeyKind::Temporary] {
                let id = new_access_key_id(kind, account).expect("id");
                assert_eq!(id.len(), 20);
                assert!(id.starts_with(kind.prefix()));
                assert!(id[4..].bytes().all(|b| BASE32.contains(&b)));
                assert_eq!(account_of_access_key_id(&id).as_deref(), Some(account));
                assert_eq!(AccessKeyKind::of(&id), Some(kind));
            }
        }
    }

    #[test]
    fn aws_key_ids_name_their_account() {
        // AWS's documented example key.
        assert_eq!(
            account_of_access_key_id("AKIAIOSFODNN7EXAMPLE").as_deref(),
            Some("581039954779")
        );
    }

    #[test]
    fn malformed_key_ids_have_no_account() {
        for bad in [
            "",
            "AKIA",
            "AKIAIOSFODNN7EXAMPL",
            "AKIAIOSFODNN7EXAMPLE1",
            "XKIAIOSFODNN7EXAMPLE",
            "AKIAiosfodnn7example",
            "AKIA1OSFODNN7EXAMPLE",
        ] {
            assert_eq!(account_of_access_key_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn secrets_and_accounts_have_their_shapes() {
        let secret = new_secret_access_key().expect("secret");
        assert_eq!(secret.len(), 40);
        let account = new_account_id().expect("account");
        assert_eq!(account.len(), 12);
        assert!(account.bytes().all(|b| b.is_ascii_digit()));
        let id = new_unique_id("AIDA").expect("id");
        assert_eq!(id.len(), 21);
        assert_ne!(
            new_secret_access_key().expect("a"),
            new_secret_access_key().expect("b")
        );
    }
}
