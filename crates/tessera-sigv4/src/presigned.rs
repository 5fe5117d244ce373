//! The presigned query form: `X-Amz-Algorithm`, `X-Amz-Credential`,
//! `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Signature`
//! and optionally `X-Amz-Security-Token`.

use crate::{
    ALGORITHM, MAX_PRESIGNED_EXPIRES, SigV4Error,
    amz_date::parse_amz_date,
    auth::{Authentication, AuthenticationForm},
    credential::{check_scope_date, parse_credential, parse_signature, parse_signed_headers},
};

fn single<'a>(params: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, SigV4Error> {
    let mut found = params
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str());
    let first = found.next();
    if found.next().is_some() {
        return Err(SigV4Error::Incomplete(format!(
            "Query-string authentication has a duplicate '{name}' parameter."
        )));
    }
    Ok(first)
}

pub(crate) fn parse(params: &[(String, String)]) -> Result<Authentication, SigV4Error> {
    let algorithm = single(params, "X-Amz-Algorithm")?;
    let credential = single(params, "X-Amz-Credential")?;
    let amz_date = single(params, "X-Amz-Date")?;
    let signed_headers = single(params, "X-Amz-SignedHeaders")?;
    let signature = single(params, "X-Amz-Signature")?;
    let expires = single(params, "X-Amz-Expires")?;
    let security_token = single(params, "X-Amz-Security-Token")?;

    let mut missing = Vec::new();
    for (name, value) in [
        ("X-Amz-Algorithm", algorithm),
        ("X-Amz-Credential", credential),
        ("X-Amz-Signature", signature),
        ("X-Amz-SignedHeaders", signed_headers),
        ("X-Amz-Date", amz_date),
    ] {
        if value.is_none() {
            missing.push(format!(
                "AWS query-string parameters must include '{name}'."
            ));
        }
    }
    let (Some(algorithm), Some(credential), Some(amz_date), Some(signed_headers), Some(signature)) =
        (algorithm, credential, amz_date, signed_headers, signature)
    else {
        return Err(SigV4Error::Incomplete(format!(
            "{} Re-examine the query-string parameters.",
            missing.join(" ")
        )));
    };
    if algorithm != ALGORITHM {
        return Err(SigV4Error::UnsupportedAlgorithm(algorithm.to_string()));
    }
    let (access_key_id, scope) = parse_credential(credential)?;
    let timestamp = parse_amz_date(amz_date)
        .ok_or_else(|| SigV4Error::Incomplete(format!("Invalid X-Amz-Date: '{amz_date}'.")))?;
    check_scope_date(&scope, amz_date)?;
    let expires = match expires {
        None => MAX_PRESIGNED_EXPIRES,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=MAX_PRESIGNED_EXPIRES).contains(&n) => n,
            _ => {
                return Err(SigV4Error::Incomplete(format!(
                    "X-Amz-Expires must be an integer between 1 and {MAX_PRESIGNED_EXPIRES}: '{text}'."
                )));
            }
        },
    };
    Ok(Authentication {
        form: AuthenticationForm::Presigned { expires },
        access_key_id,
        scope,
        timestamp,
        amz_date: amz_date.to_string(),
        signed_headers: parse_signed_headers(signed_headers)?,
        signature: parse_signature(signature)?,
        security_token: security_token.map(str::to_string),
    })
}
