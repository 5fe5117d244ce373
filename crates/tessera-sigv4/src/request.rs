use crate::{
    MAX_CLOCK_SKEW, PresignedLifetime, SigV4Error, SigningRules, amz_date::format_amz_date, header,
    presigned,
};
use time::OffsetDateTime;

/// The parts of an HTTP request that SigV4 covers.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// The method, e.g. `POST`.
    pub method: &'a str,
    /// The path exactly as received (still percent-encoded).
    pub path: &'a str,
    /// The query string exactly as received, without the leading `?`.
    pub query: &'a str,
    /// The request headers.
    pub headers: &'a http::HeaderMap,
    /// The request body.
    pub body: &'a [u8],
}

/// Where a request carried its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthenticationForm {
    /// The `Authorization` header.
    Header,
    /// The presigned query parameters, valid for `expires` seconds.
    Presigned {
        /// The value of `X-Amz-Expires`.
        expires: i64,
    },
}

/// The credential scope: `ACCESS_KEY/DATE/REGION/SERVICE/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    /// The date, `YYYYMMDD`.
    pub date: String,
    /// The region the client signed for.
    pub region: String,
    /// The service the client signed for, e.g. `sts` or `iam`.
    pub service: String,
}

impl CredentialScope {
    /// The scope as it appears in the string to sign.
    pub fn to_scope_string(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.date,
            self.region,
            self.service,
            crate::SCOPE_TERMINATOR
        )
    }
}

/// A request's parsed SigV4 authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authentication {
    /// Header or presigned query.
    pub form: AuthenticationForm,
    /// The access key id that signed.
    pub access_key_id: String,
    /// The credential scope.
    pub scope: CredentialScope,
    /// The request time from `X-Amz-Date`.
    pub timestamp: OffsetDateTime,
    /// The `X-Amz-Date` text as signed.
    pub amz_date: String,
    /// The signed header names, lower case, in the order given.
    pub signed_headers: Vec<String>,
    /// The signature, lower-case hex.
    pub signature: String,
    /// The session token of temporary credentials, if any.
    pub security_token: Option<String>,
}

impl Authentication {
    /// Checks the request time against `now`: within 15 minutes either way
    /// for the header form; for a presigned URL, from signing time (less the
    /// skew) until `X-Amz-Expires` later, and never more than 15 minutes
    /// after signing (STS's own limit for presigned requests).
    pub fn check_time(&self, now: OffsetDateTime) -> Result<(), SigV4Error> {
        self.check_time_with(now, &SigningRules::query_api())
    }

    /// [`Authentication::check_time`] with the presigned lifetime of
    /// `rules`: `X-Amz-Expires` capped ([`PresignedLifetime::Capped`]) or in
    /// full ([`PresignedLifetime::Expires`]).
    pub fn check_time_with(
        &self,
        now: OffsetDateTime,
        rules: &SigningRules,
    ) -> Result<(), SigV4Error> {
        let earliest = now - MAX_CLOCK_SKEW;
        let latest = now + MAX_CLOCK_SKEW;
        if self.timestamp > latest {
            return Err(SigV4Error::SignatureNotYetCurrent {
                signed: self.amz_date.clone(),
                latest: format_amz_date(latest),
                now: format_amz_date(now),
            });
        }
        match self.form {
            AuthenticationForm::Header => {
                if self.timestamp < earliest {
                    return Err(SigV4Error::SignatureExpired {
                        signed: self.amz_date.clone(),
                        earliest: format_amz_date(earliest),
                        now: format_amz_date(now),
                    });
                }
            }
            AuthenticationForm::Presigned { expires } => {
                let lifetime = match rules.presigned {
                    PresignedLifetime::Capped(cap) => time::Duration::seconds(expires).min(cap),
                    PresignedLifetime::Expires => time::Duration::seconds(expires),
                };
                if now > self.timestamp + lifetime {
                    return Err(SigV4Error::PresignedExpired);
                }
            }
        }
        Ok(())
    }
}

/// Finds and parses the request's SigV4 authentication.
///
/// Returns `Ok(None)` when the request carries no authentication at all, so
/// that the caller can decide whether the action allows anonymous calls.
pub fn parse(request: &HttpRequest<'_>) -> Result<Option<Authentication>, SigV4Error> {
    if let Some(value) = request.headers.get(http::header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| {
            SigV4Error::Incomplete("Authorization header is not valid text.".into())
        })?;
        return header::parse(value, request.headers).map(Some);
    }
    let params = query_pairs(request.query);
    if params
        .iter()
        .any(|(k, _)| k == "X-Amz-Algorithm" || k == "X-Amz-Signature")
    {
        return presigned::parse(&params).map(Some);
    }
    Ok(None)
}

/// Splits a raw query string into percent-decoded pairs (`+` stays `+`).
pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

pub(crate) fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

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
