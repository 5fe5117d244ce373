//! Finds a request's SigV4 authentication, in the `Authorization` header or
//! the presigned query, and hands it to that form's parser.

use crate::{
    SigV4Error, auth::Authentication, header, http_request::HttpRequest, presigned,
    query::query_pairs,
};

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
