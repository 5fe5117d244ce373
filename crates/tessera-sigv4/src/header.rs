//! The `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` form.

use crate::{
    ALGORITHM, SigV4Error,
    amz_date::parse_amz_date,
    auth::{Authentication, AuthenticationForm},
    credential::{check_scope_date, parse_credential, parse_signature, parse_signed_headers},
};

pub(crate) fn parse(value: &str, headers: &http::HeaderMap) -> Result<Authentication, SigV4Error> {
    let value = value.trim();
    let (algorithm, rest) = value.split_once(' ').unwrap_or((value, ""));
    if algorithm != ALGORITHM {
        return Err(SigV4Error::UnsupportedAlgorithm(algorithm.to_string()));
    }
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for component in rest.split(',') {
        let component = component.trim();
        if component.is_empty() {
            continue;
        }
        let Some((name, val)) = component.split_once('=') else {
            return Err(SigV4Error::Incomplete(format!(
                "Authorization header requires each component to be of the form name=value: '{component}'."
            )));
        };
        let slot = match name {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => continue,
        };
        if slot.is_some() {
            return Err(SigV4Error::Incomplete(format!(
                "Authorization header has a duplicate '{name}' parameter."
            )));
        }
        *slot = Some(val.trim());
    }
    let mut missing = Vec::new();
    if credential.is_none() {
        missing.push("Authorization header requires 'Credential' parameter.");
    }
    if signature.is_none() {
        missing.push("Authorization header requires 'Signature' parameter.");
    }
    if signed_headers.is_none() {
        missing.push("Authorization header requires 'SignedHeaders' parameter.");
    }
    let amz_date = headers.get("x-amz-date").and_then(|v| v.to_str().ok());
    if amz_date.is_none() {
        missing.push(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        );
    }
    let (Some(credential), Some(signed_headers), Some(signature), Some(amz_date)) =
        (credential, signed_headers, signature, amz_date)
    else {
        return Err(SigV4Error::Incomplete(format!(
            "{} Authorization={value}",
            missing.join(" ")
        )));
    };
    let (access_key_id, scope) = parse_credential(credential)?;
    let timestamp = parse_amz_date(amz_date)
        .ok_or_else(|| SigV4Error::Incomplete(format!("Invalid X-Amz-Date: '{amz_date}'.")))?;
    check_scope_date(&scope, amz_date)?;
    let security_token = headers
        .get("x-amz-security-token")
        .map(|v| v.to_str().map(str::to_string))
        .transpose()
        .map_err(|_| SigV4Error::Incomplete("X-Amz-Security-Token is not valid text.".into()))?;
    Ok(Authentication {
        form: AuthenticationForm::Header,
        access_key_id,
        scope,
        timestamp,
        amz_date: amz_date.to_string(),
        signed_headers: parse_signed_headers(signed_headers)?,
        signature: parse_signature(signature)?,
        security_token,
    })
}
