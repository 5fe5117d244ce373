//! A request's parsed authentication: who signed, for which scope, when,
//! and the time check that applies to it.

use crate::{
    MAX_CLOCK_SKEW, SigV4Error,
    amz_date::format_amz_date,
    rules::{PresignedLifetime, SigningRules},
};
use time::OffsetDateTime;

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
