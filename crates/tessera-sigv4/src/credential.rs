//! The components both forms carry: the credential and its scope, the
//! signed header names and the signature.

use crate::{SigV4Error, auth::CredentialScope};

/// Parses `KEY/DATE/REGION/SERVICE/aws4_request`.
pub(crate) fn parse_credential(value: &str) -> Result<(String, CredentialScope), SigV4Error> {
    // The access key id never contains '/', the scope has exactly four parts.
    let parts: Vec<&str> = value.split('/').collect();
    if parts.len() != 5 || parts.iter().any(|p| p.is_empty()) {
        return Err(SigV4Error::Incomplete(format!(
            "Credential should be scoped to a valid region. Credential: '{value}'."
        )));
    }
    if parts[4] != crate::SCOPE_TERMINATOR {
        return Err(SigV4Error::BadScope(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'.",
            parts[4]
        )));
    }
    if parts[1].len() != 8 || !parts[1].bytes().all(|b| b.is_ascii_digit()) {
        return Err(SigV4Error::BadScope(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}'.",
            parts[1]
        )));
    }
    Ok((
        parts[0].to_string(),
        CredentialScope {
            date: parts[1].to_string(),
            region: parts[2].to_string(),
            service: parts[3].to_string(),
        },
    ))
}

/// Checks that the scope's date is the date of the request time.
pub(crate) fn check_scope_date(scope: &CredentialScope, amz_date: &str) -> Result<(), SigV4Error> {
    if !amz_date.starts_with(&scope.date) {
        return Err(SigV4Error::BadScope(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{amz_date}'.",
            scope.date,
            &amz_date[..amz_date.len().min(8)]
        )));
    }
    Ok(())
}

/// Validates a `SignedHeaders` list: lower case, `;`-separated, with `host`.
pub(crate) fn parse_signed_headers(value: &str) -> Result<Vec<String>, SigV4Error> {
    let names: Vec<String> = value.split(';').map(str::to_string).collect();
    if names.iter().any(|n| n.is_empty()) {
        return Err(SigV4Error::Incomplete(
            "Authorization header requires 'SignedHeaders' parameter.".into(),
        ));
    }
    if !names.iter().any(|n| n.eq_ignore_ascii_case("host")) {
        return Err(SigV4Error::SignatureMismatch);
    }
    Ok(names.into_iter().map(|n| n.to_ascii_lowercase()).collect())
}

/// Validates a hex signature of 64 characters.
pub(crate) fn parse_signature(value: &str) -> Result<String, SigV4Error> {
    if value.len() != 64 || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SigV4Error::SignatureMismatch);
    }
    Ok(value.to_ascii_lowercase())
}
