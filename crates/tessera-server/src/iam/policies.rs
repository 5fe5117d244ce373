//! IAM actions of this area.

use crate::{AppState, AwsError, Caller, params::Params, xml::Xml};

/// Runs `name` if this area serves it.
pub async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    let _ = (state, caller, params);
    match name {
        _ => None,
    }
}
