//! The public-key material IAM takes: X.509 certificates in PEM (a signing
//! or server certificate, a chain), the private key of a server
//! certificate, and SSH public keys (RSA, in OpenSSH's one-line form or in
//! PEM). Each parser reads untrusted text and answers with what failed,
//! never with the secret it was given.

use md5::{Digest, Md5};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use x509_cert::Certificate;
use x509_cert::der::asn1::{AnyRef, BitString, ObjectIdentifier, UintRef};
use x509_cert::der::pem::LineEnding;
use x509_cert::der::{Decode, Encode};
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

/// `rsaEncryption`.
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// `id-ecPublicKey`.
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `id-Ed25519`.
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// The NIST P-256 curve (`prime256v1`).
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// The NIST P-384 curve (`secp384r1`).
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// The shortest RSA SSH key IAM takes.
pub const MIN_SSH_KEY_BITS: usize = 2048;

/// An X.509 certificate read from PEM.
#[derive(Debug, Clone)]
pub struct ParsedCertificate {
    certificate: Certificate,
    der: Vec<u8>,
}

impl ParsedCertificate {
    /// Its `notAfter`, as Unix seconds.
    pub fn not_after(&self) -> i64 {
        let validity = self.certificate.tbs_certificate().validity();
        i64::try_from(validity.not_after.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
    }

    /// The SHA-256 of its DER encoding, in hex: the same certificate
    /// however its PEM is laid out.
    pub fn fingerprint(&self) -> String {
        hex::encode(ring::digest::digest(&ring::digest::SHA256, &self.der))
    }

    fn public_key(&self) -> Result<PublicKey, ()> {
        PublicKey::of(self.certificate.tbs_certificate().subject_public_key_info())
    }
}

/// What is wrong with a chain: the index within it of the certificate
/// that does not parse or does not certify the one before it (`-1`: text
/// outside any certificate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadChain(pub i64);

/// What is wrong with a server certificate's private key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadKey {
    /// It does not parse as an unencrypted RSA, EC or Ed25519 key in PEM.
    Malformed,
    /// It is not the key of the certificate.
    Mismatch,
}

/// The PEM blocks of `text` (label and DER), in order; `Err` with the
/// block's index for one that does not decode, or `-1` for text outside
/// every block.
fn pem_blocks(text: &str) -> Result<Vec<(String, Vec<u8>)>, i64> {
    const BEGIN: &str = "-----BEGIN ";
    const END: &str = "-----END ";
    let mut blocks = Vec::new();
    let mut rest = text;
    loop {
        let Some(start) = rest.find(BEGIN) else {
            if !rest.trim().is_empty() {
                return Err(-1);
            }
            return Ok(blocks);
        };
        if !rest[..start].trim().is_empty() {
            return Err(-1);
        }
        let index = i64::try_from(blocks.len()).unwrap_or(i64::MAX);
        let from_end = &rest[start..];
        let end = from_end.find(END).ok_or(index)?;
        let close = from_end[end + END.len()..].find("-----").ok_or(index)?;
        let block_len = end + END.len() + close + "-----".len();
        let block = &from_end[..block_len];
        let (label, der) = x509_cert::der::pem::decode_vec(block.as_bytes()).map_err(|_| index)?;
        blocks.push((label.to_string(), der));
        rest = &from_end[block_len..];
    }
}

/// The one certificate of a PEM body; `None` if it is not exactly one
/// `CERTIFICATE` block holding an X.509 certificate.
pub fn parse_certificate(pem: &str) -> Option<ParsedCertificate> {
    match pem_blocks(pem).ok()?.as_slice() {
        [(label, der)] if label == "CERTIFICATE" => certificate(der),
        _ => None,
    }
}

fn certificate(der: &[u8]) -> Option<ParsedCertificate> {
    let certificate = Certificate::from_der(der).ok()?;
    Some(ParsedCertificate {
        certificate,
        der: der.to_vec(),
    })
}

/// The certificates of a chain for `leaf`: each parses, and each is the
/// issuer of the one before it (the first, of `leaf`).
pub fn parse_chain(
    pem: &str,
    leaf: &ParsedCertificate,
) -> Result<Vec<ParsedCertificate>, BadChain> {
    let blocks = pem_blocks(pem).map_err(BadChain)?;
    if blocks.is_empty() {
        return Err(BadChain(0));
    }
    let mut chain: Vec<ParsedCertificate> = Vec::with_capacity(blocks.len());
    for (index, (label, der)) in (0_i64..).zip(&blocks) {
        let parsed = (label == "CERTIFICATE")
            .then(|| certificate(der))
            .flatten()
            .ok_or(BadChain(index))?;
        let subject = chain.last().unwrap_or(leaf);
        if subject.certificate.tbs_certificate().issuer()
            != parsed.certificate.tbs_certificate().subject()
        {
            return Err(BadChain(index));
        }
        chain.push(parsed);
    }
    Ok(chain)
}

/// A public key, as a certificate or a private key holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PublicKey {
    /// RSA: the modulus and exponent, big-endian without leading zeros.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// ECDSA on a named curve: the curve and the point as SEC1 encodes it.
    Ec {
        curve: ObjectIdentifier,
        point: Vec<u8>,
    },
    /// Ed25519: the 32-byte key.
    Ed25519(Vec<u8>),
}

impl PublicKey {
    fn of(spki: &SubjectPublicKeyInfoOwned) -> Result<Self, ()> {
        let bits = spki.subject_public_key.as_bytes().ok_or(())?;
        match spki.algorithm.oid {
            RSA_ENCRYPTION => {
                let key = pkcs1::RsaPublicKey::<UintRef<'_>>::from_der(bits).map_err(|_| ())?;
                Ok(Self::rsa(&key.modulus, &key.public_exponent))
            }
            EC_PUBLIC_KEY => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                    .ok_or(())?;
                Ok(Self::Ec {
                    curve,
                    point: bits.to_vec(),
                })
            }
            ED25519 => Ok(Self::Ed25519(bits.to_vec())),
            _ => Err(()),
        }
    }

    fn rsa(n: &UintRef<'_>, e: &UintRef<'_>) -> Self {
        Self::Rsa {
            n: n.as_bytes().to_vec(),
            e: e.as_bytes().to_vec(),
        }
    }
}

/// Checks that `pem` is the unencrypted private key of `certificate`:
/// RSA (PKCS #1 or PKCS #8), ECDSA on P-256 or P-384 (SEC1 or PKCS #8) or
/// Ed25519 (PKCS #8), whose public half is the certificate's. Where `ring`
/// can load the key pair it is loaded, so that a private half that does
/// not belong to its public half is refused too.
pub fn check_private_key(pem: &str, certificate: &ParsedCertificate) -> Result<(), BadKey> {
    let blocks = pem_blocks(pem).map_err(|_| BadKey::Malformed)?;
    let [(label, der)] = blocks.as_slice() else {
        return Err(BadKey::Malformed);
    };
    let key = match label.as_str() {
        "RSA PRIVATE KEY" => rsa_private_key(der, der)?,
        "EC PRIVATE KEY" => ec_private_key(der, None)?,
        "PRIVATE KEY" => pkcs8_private_key(der)?,
        _ => return Err(BadKey::Malformed),
    };
    match certificate.public_key() {
        Ok(public) if public == key => Ok(()),
        _ => Err(BadKey::Mismatch),
    }
}

/// The public half of a PKCS #1 `RSAPrivateKey` (`der`, inside `pkcs8` or
/// as it is), once `ring` finds the key consistent (keys of a size it does
/// not load are taken at their word).
fn rsa_private_key(der: &[u8], whole: &[u8]) -> Result<PublicKey, BadKey> {
    let key = pkcs1::RsaPrivateKey::<UintRef<'_>>::from_der(der).map_err(|_| BadKey::Malformed)?;
    let loaded = if std::ptr::eq(der, whole) {
        RsaKeyPair::from_der(der)
    } else {
        RsaKeyPair::from_pkcs8(whole)
    };
    match loaded {
        Ok(_) => {}
        Err(rejected) if matches!(rejected.to_string().as_str(), "TooSmall" | "TooLarge") => {}
        Err(_) => return Err(BadKey::Malformed),
    }
    Ok(PublicKey::rsa(&key.modulus, &key.public_exponent))
}

/// The public half of a SEC1 `ECPrivateKey` on `curve` (as its PKCS #8
/// wrapping names it, else as the key does), once `ring` finds the
/// private scalar and the public point to belong together.
fn ec_private_key(der: &[u8], curve: Option<ObjectIdentifier>) -> Result<PublicKey, BadKey> {
    let key = sec1::EcPrivateKey::from_der(der).map_err(|_| BadKey::Malformed)?;
    let named = key
        .parameters
        .map(|sec1::EcParameters::NamedCurve(oid)| oid);
    let curve = curve.or(named).ok_or(BadKey::Malformed)?;
    let algorithm = match curve {
        P256 => &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        P384 => &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
        _ => return Err(BadKey::Malformed),
    };
    let point = key.public_key.ok_or(BadKey::Malformed)?;
    EcdsaKeyPair::from_private_key_and_public_key(
        algorithm,
        key.private_key,
        point,
        &SystemRandom::new(),
    )
    .map_err(|_| BadKey::Malformed)?;
    Ok(PublicKey::Ec {
        curve,
        point: point.to_vec(),
    })
}

/// The public half of a PKCS #8 `PrivateKeyInfo`.
fn pkcs8_private_key(der: &[u8]) -> Result<PublicKey, BadKey> {
    let info = pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|_| BadKey::Malformed)?;
    let inner = info.private_key.as_bytes();
    match info.algorithm.oid {
        RSA_ENCRYPTION => rsa_private_key(inner, der),
        EC_PUBLIC_KEY => {
            let curve = info
                .algorithm
                .parameters
                .and_then(|p: AnyRef<'_>| p.decode_as::<ObjectIdentifier>().ok());
            ec_private_key(inner, curve)
        }
        ED25519 => {
            let pair =
                Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(|_| BadKey::Malformed)?;
            Ok(PublicKey::Ed25519(pair.public_key().as_ref().to_vec()))
        }
        _ => Err(BadKey::Malformed),
    }
}

/// What is wrong with an SSH public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadSshKey {
    /// Neither OpenSSH's `ssh-rsa` line nor a PEM public key.
    Unrecognized,
    /// An RSA key that does not decode, or is shorter than
    /// [`MIN_SSH_KEY_BITS`].
    Invalid,
}

/// An RSA SSH public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshRsaKey {
    /// The modulus, big-endian without leading zeros.
    n: Vec<u8>,
    /// The public exponent, likewise.
    e: Vec<u8>,
}

/// Reads one length-prefixed string of the SSH wire format.
fn ssh_string<'a>(input: &mut &'a [u8]) -> Option<&'a [u8]> {
    let (len, rest) = input.split_first_chunk::<4>()?;
    let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
    if rest.len() < len {
        return None;
    }
    let (value, rest) = rest.split_at(len);
    *input = rest;
    Some(value)
}

/// An SSH `mpint` as written: two's complement, so a positive number's
/// first byte is below 0x80 (a leading zero only when one is needed).
fn positive_mpint(bytes: &[u8]) -> Option<Vec<u8>> {
    match bytes {
        [] => None,
        [first, ..] if *first >= 0x80 => None,
        [0, second, ..] if *second < 0x80 => None,
        [0, rest @ ..] => Some(rest.to_vec()),
        _ => Some(bytes.to_vec()),
    }
}

fn write_ssh_string(out: &mut Vec<u8>, value: &[u8]) {
    let len = u32::try_from(value.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(value);
}

fn write_mpint(out: &mut Vec<u8>, value: &[u8]) {
    if value.first().is_some_and(|b| *b >= 0x80) {
        let mut padded = Vec::with_capacity(value.len() + 1);
        padded.push(0);
        padded.extend_from_slice(value);
        write_ssh_string(out, &padded);
    } else {
        write_ssh_string(out, value);
    }
}

impl SshRsaKey {
    /// Reads an RSA public key as IAM takes it: OpenSSH's `ssh-rsa BASE64
    /// [comment]`, or PEM (`PUBLIC KEY`, X.509's SubjectPublicKeyInfo, or
    /// `RSA PUBLIC KEY`, PKCS #1), of at least [`MIN_SSH_KEY_BITS`].
    pub fn parse(text: &str) -> Result<Self, BadSshKey> {
        let text = text.trim();
        let key = if text.starts_with("-----BEGIN ") {
            Self::from_pem(text)?
        } else {
            let mut fields = text.split_ascii_whitespace();
            match fields.next() {
                Some("ssh-rsa") => {}
                _ => return Err(BadSshKey::Unrecognized),
            }
            let blob = fields.next().ok_or(BadSshKey::Invalid)?;
            Self::from_wire(
                &base64::Engine::decode(&base64::engine::general_purpose::STANDARD, blob)
                    .map_err(|_| BadSshKey::Invalid)?,
            )?
        };
        if key.bits() < MIN_SSH_KEY_BITS {
            return Err(BadSshKey::Invalid);
        }
        Ok(key)
    }

    fn from_wire(blob: &[u8]) -> Result<Self, BadSshKey> {
        let mut input = blob;
        let kind = ssh_string(&mut input).ok_or(BadSshKey::Invalid)?;
        if kind != b"ssh-rsa" {
            return Err(BadSshKey::Invalid);
        }
        let e = ssh_string(&mut input).and_then(positive_mpint);
        let n = ssh_string(&mut input).and_then(positive_mpint);
        match (e, n) {
            (Some(e), Some(n)) if input.is_empty() => Ok(Self { n, e }),
            _ => Err(BadSshKey::Invalid),
        }
    }

    fn from_pem(text: &str) -> Result<Self, BadSshKey> {
        let blocks = pem_blocks(text).map_err(|_| BadSshKey::Invalid)?;
        let [(label, der)] = blocks.as_slice() else {
            return Err(BadSshKey::Invalid);
        };
        let pkcs1_der = match label.as_str() {
            "RSA PUBLIC KEY" => der.clone(),
            "PUBLIC KEY" => {
                let spki =
                    SubjectPublicKeyInfoOwned::from_der(der).map_err(|_| BadSshKey::Invalid)?;
                if spki.algorithm.oid != RSA_ENCRYPTION {
                    return Err(BadSshKey::Unrecognized);
                }
                spki.subject_public_key
                    .as_bytes()
                    .ok_or(BadSshKey::Invalid)?
                    .to_vec()
            }
            _ => return Err(BadSshKey::Unrecognized),
        };
        let key = pkcs1::RsaPublicKey::<UintRef<'_>>::from_der(&pkcs1_der)
            .map_err(|_| BadSshKey::Invalid)?;
        Ok(Self {
            n: key.modulus.as_bytes().to_vec(),
            e: key.public_exponent.as_bytes().to_vec(),
        })
    }

    /// The modulus's length in bits.
    pub fn bits(&self) -> usize {
        match self.n.first() {
            Some(first) => self.n.len() * 8 - first.leading_zeros() as usize,
            None => 0,
        }
    }

    /// The key in the SSH wire format.
    fn wire(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.n.len() + self.e.len() + 24);
        write_ssh_string(&mut out, b"ssh-rsa");
        write_mpint(&mut out, &self.e);
        write_mpint(&mut out, &self.n);
        out
    }

    /// OpenSSH's one-line form, without a comment: `ssh-rsa BASE64`.
    pub fn openssh(&self) -> String {
        let blob = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, self.wire());
        format!("ssh-rsa {blob}")
    }

    /// The key as PEM `PUBLIC KEY` (X.509's SubjectPublicKeyInfo).
    pub fn pem(&self) -> Option<String> {
        let rsa = pkcs1::RsaPublicKey {
            modulus: UintRef::new(&self.n).ok()?,
            public_exponent: UintRef::new(&self.e).ok()?,
        }
        .to_der()
        .ok()?;
        let spki = SubjectPublicKeyInfoOwned {
            algorithm: AlgorithmIdentifierOwned {
                oid: RSA_ENCRYPTION,
                parameters: Some(x509_cert::der::asn1::Null.into()),
            },
            subject_public_key: BitString::from_bytes(&rsa).ok()?,
        };
        let der = spki.to_der().ok()?;
        x509_cert::der::pem::encode_string("PUBLIC KEY", LineEnding::LF, &der).ok()
    }

    /// The fingerprint IAM gives a key: the MD5 of its SSH wire format, in
    /// colon-separated lower-case hex (what `ssh-keygen -l -E md5` prints).
    pub fn fingerprint(&self) -> String {
        let digest = Md5::digest(self.wire());
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two of AWS's own SSH public keys with the fingerprints IAM gave
    /// them, as published in a public sample of `GetSSHPublicKey`'s output.
    const AWS_KEYS: [(&str, &str); 2] = [
        (
            "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDZu11q42q3RAAzn+2LVvP+rPcgzuFM6hHTLBQjwQL69RnqLvzWNzyafAfyM1JD4wkOlhjw0KY/qNoPjxpikPW5O6VME6Y3rO6mbFbfuAyuj/x+gQrw6WES81/04iO+I/6CiUBHNV/nY8plsz31a2m/Wg1SGTFMxpvhAAQ1qQsUzErrIXlqe2f5qN9/wTTuuHms1kuNP3rHfUku18fjr05V5bUUKc7vyEnkZuuX4BsADIYu4t/X/bveEhhOzjvd6dAmEwTPsamH8ROcwa32F5cdShBu2AFjck9H3hij6TKgYZTHTJA3WZSXFNlXdcgfbHm67gHjCq86PKdObsdUzkq5",
            "19:72:05:e0:bf:7e:15:c7:09:8a:c3:65:fc:c1:18:a3",
        ),
        (
            "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCNpbiWvkOtiN64cBl7Papp2HfB7Co2RGWG6m5iL8jXafwlqLuKxmNiaNgJ1q1vbcZvczxBzPo2wVQy2ra3Ea9/cjICxoHpl7rpPJ9zAViWQ+4NiudLgyNwvvcfywzzmCMw+vqOi6vlr/iy89Y1AMz7pDP0Ax/OY1yJkkXqL1BQiF1dxNzVjCnRhLbA85e2LDUE30zaJC+9qe6GOhLOkqUSOn0H8WqcJTPqdd1lgPhZKDtnN6GKBaOBqGt7m5EKqUewU13+FOroRQBQsMX6EH4/MHaZNUi8LKAfmY2gPGahTlQLJwypDZ4zD1C6BDvTLLzoL0QkbSEaP6mXYBQ3zMzP",
            "84:62:be:70:88:d4:ed:f8:26:58:15:90:f1:4b:27:70",
        ),
    ];

    #[test]
    fn ssh_keys_have_iams_fingerprints_and_round_trip() {
        for (body, fingerprint) in AWS_KEYS {
            let key = SshRsaKey::parse(&format!("{body} someone@example\n")).expect("parses");
            assert_eq!(key.fingerprint(), fingerprint);
            assert_eq!(key.bits(), 2048);
            assert_eq!(key.openssh(), body);
            let pem = key.pem().expect("pem");
            assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");
            assert_eq!(SshRsaKey::parse(&pem).expect("pem parses"), key);
        }
    }

    #[test]
    fn other_ssh_keys_are_refused() {
        let (body, _) = AWS_KEYS[0];
        assert_eq!(
            SshRsaKey::parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE"),
            Err(BadSshKey::Unrecognized)
        );
        assert_eq!(SshRsaKey::parse("hello"), Err(BadSshKey::Unrecognized));
        assert_eq!(SshRsaKey::parse(""), Err(BadSshKey::Unrecognized));
        assert_eq!(SshRsaKey::parse("ssh-rsa"), Err(BadSshKey::Invalid));
        assert_eq!(SshRsaKey::parse("ssh-rsa !!!"), Err(BadSshKey::Invalid));
        let truncated = &body[..body.len() - 8];
        assert_eq!(SshRsaKey::parse(truncated), Err(BadSshKey::Invalid));
        // A 1024-bit key is too short.
        let short = SshRsaKey {
            n: [0xc5; 128].to_vec(),
            e: vec![1, 0, 1],
        };
        assert_eq!(short.bits(), 1024);
        assert_eq!(SshRsaKey::parse(&short.openssh()), Err(BadSshKey::Invalid));
        assert_eq!(
            SshRsaKey::parse("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"),
            Err(BadSshKey::Invalid)
        );
    }

    const CA: &str = include_str!("../tests/data/pki/ca.pem");
    const CA_KEY: &str = include_str!("../tests/data/pki/ca.key");
    const LEAF: &str = include_str!("../tests/data/pki/leaf.pem");
    const LEAF_KEY: &str = include_str!("../tests/data/pki/leaf.key");
    const LEAF_PKCS1_KEY: &str = include_str!("../tests/data/pki/leaf-pkcs1.key");
    const EC: &str = include_str!("../tests/data/pki/ec.pem");
    const EC_KEY: &str = include_str!("../tests/data/pki/ec.key");
    const EC_PKCS8_KEY: &str = include_str!("../tests/data/pki/ec-pkcs8.key");

    #[test]
    fn certificates_parse_with_their_expiry_and_fingerprint() {
        let leaf = parse_certificate(LEAF).expect("leaf");
        // Valid for a hundred years from when the test data was made.
        assert!(leaf.not_after() > 4_000_000_000, "{}", leaf.not_after());
        assert_eq!(leaf.fingerprint().len(), 64);
        let relaid = LEAF.replace('\n', "\r\n");
        let same = parse_certificate(&relaid).expect("CRLF");
        assert_eq!(same.fingerprint(), leaf.fingerprint());
        assert_ne!(
            parse_certificate(CA).expect("ca").fingerprint(),
            leaf.fingerprint()
        );
        // Two certificates, a key, or a damaged body are not a certificate.
        assert!(parse_certificate(&format!("{LEAF}{CA}")).is_none());
        assert!(parse_certificate(LEAF_KEY).is_none());
        assert!(parse_certificate(&LEAF.replace("MII", "MIJ")).is_none());
    }

    #[test]
    fn a_chain_starts_with_the_issuer() {
        let leaf = parse_certificate(LEAF).expect("leaf");
        assert_eq!(parse_chain(CA, &leaf).expect("chain").len(), 1);
        // The CA is self-signed: it may follow itself.
        assert_eq!(
            parse_chain(&format!("{CA}{CA}"), &leaf)
                .expect("chain")
                .len(),
            2
        );
        assert_eq!(parse_chain(EC, &leaf).err(), Some(BadChain(0)));
        assert_eq!(
            parse_chain(&format!("{CA}{EC}"), &leaf).err(),
            Some(BadChain(1))
        );
        assert_eq!(
            parse_chain(&format!("{CA}{CA_KEY}"), &leaf).err(),
            Some(BadChain(1))
        );
        assert_eq!(
            parse_chain(&format!("text\n{CA}"), &leaf).err(),
            Some(BadChain(-1))
        );
        assert_eq!(parse_chain("", &leaf).err(), Some(BadChain(0)));
    }

    #[test]
    fn a_private_key_must_be_the_certificates() {
        let leaf = parse_certificate(LEAF).expect("leaf");
        let ec = parse_certificate(EC).expect("ec");
        assert_eq!(check_private_key(LEAF_KEY, &leaf), Ok(()));
        assert_eq!(check_private_key(LEAF_PKCS1_KEY, &leaf), Ok(()));
        assert_eq!(check_private_key(EC_KEY, &ec), Ok(()));
        assert_eq!(check_private_key(EC_PKCS8_KEY, &ec), Ok(()));
        assert_eq!(check_private_key(CA_KEY, &leaf), Err(BadKey::Mismatch));
        assert_eq!(check_private_key(EC_KEY, &leaf), Err(BadKey::Mismatch));
        assert_eq!(check_private_key(LEAF_KEY, &ec), Err(BadKey::Mismatch));
        assert_eq!(check_private_key(LEAF, &leaf), Err(BadKey::Malformed));
        assert_eq!(check_private_key("junk", &leaf), Err(BadKey::Malformed));
        assert_eq!(
            check_private_key(&format!("{LEAF_KEY}{LEAF_KEY}"), &leaf),
            Err(BadKey::Malformed)
        );
        let encrypted = LEAF_KEY.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY");
        assert_eq!(check_private_key(&encrypted, &leaf), Err(BadKey::Malformed));
    }

    proptest::proptest! {
        /// Untrusted text never panics a parser, damaged or made up.
        #[test]
        fn parsers_take_any_text(text in ".{0,400}", cut in 0usize..1013, flip in 0usize..1013) {
            let leaf = parse_certificate(LEAF).expect("leaf");
            let _ = parse_certificate(&text);
            let _ = parse_chain(&text, &leaf);
            let _ = check_private_key(&text, &leaf);
            let _ = SshRsaKey::parse(&text);
            let _ = SshRsaKey::parse(&format!("ssh-rsa {text}"));
            // A real certificate, cut short or with a character changed.
            let cut = LEAF.get(..cut).unwrap_or(LEAF);
            let _ = parse_certificate(cut);
            let mut bytes = LEAF.as_bytes().to_vec();
            if let Some(b) = bytes.get_mut(flip) {
                *b = if *b == b'A' { b'B' } else { b'A' };
            }
            let flipped = String::from_utf8_lossy(&bytes);
            let _ = parse_certificate(&flipped);
            let _ = parse_chain(&flipped, &leaf);
            let key = LEAF_KEY.replacen(&LEAF_KEY[40..41], "Z", 1);
            let _ = check_private_key(&key, &leaf);
        }
    }

    #[test]
    fn pem_blocks_are_read_in_order_and_stray_text_refused() {
        let block = "-----BEGIN X-----\nAQID\n-----END X-----\n";
        let two = format!("{block}\n{block}");
        let blocks = pem_blocks(&two).expect("two blocks");
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0], ("X".to_string(), vec![1, 2, 3]));
        assert_eq!(pem_blocks(&format!("Subject: me\n{block}")), Err(-1));
        assert_eq!(pem_blocks(&format!("{block}trailing")), Err(-1));
        assert_eq!(
            pem_blocks(&format!("{block}-----BEGIN X-----\n!!\n-----END X-----")),
            Err(1)
        );
        assert_eq!(pem_blocks("-----BEGIN X-----\nAQID\n"), Err(0));
        assert!(parse_certificate(block).is_none());
        assert!(parse_certificate("not pem").is_none());
    }
}
