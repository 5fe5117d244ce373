//! Authorization of every call. Deny by default: a caller is allowed only
//! what a rule below grants.

use crate::{AppState, AwsError, Caller};

/// Decides whether `caller` may perform `action` on `resource` (an ARN in
/// `resource_account`).
///
/// The root user of an account is allowed everything in its own account;
/// nothing else is granted yet.
pub fn authorize(
    state: &AppState,
    caller: &Caller,
    action: &str,
    resource: &str,
    resource_account: &str,
) -> Result<(), AwsError> {
    if caller.is_root_of(resource_account) {
        return Ok(());
    }
    let (_, arn) = caller.identity(state.partition());
    Err(AwsError::access_denied(format!(
        "User: {arn} is not authorized to perform: {action} on resource: {resource}"
    )))
}
