//! What the users, access keys and groups areas share: response shapes,
//! identifiers and the user behind a caller.

use super::common::{iso8601, tags_xml, user_arn};
use crate::{AppState, AwsError, Caller, xml::Xml};
use tessera_arn::Arn;
use tessera_store::User;
use tessera_token::{SessionPrincipal, TokenError};

pub(super) fn token_error(error: TokenError) -> AwsError {
    tracing::error!(%error, "identifier or secret generation failed");
    AwsError::internal()
}

pub(super) fn root_arn(state: &AppState, account_id: &str) -> String {
    Arn::root(state.partition(), account_id).into_string()
}

/// The `User` shape. Listings leave out the boundary and tags, as IAM's do.
pub(super) fn user_xml(
    state: &AppState,
    user: &User,
    boundary: bool,
    tags: Option<&[(String, String)]>,
) -> Vec<Xml> {
    let mut fields = vec![
        Xml::text("Path", user.path.clone()),
        Xml::text("UserName", user.name.clone()),
        Xml::text("UserId", user.user_id.clone()),
        Xml::text("Arn", user_arn(state, user)),
        Xml::text("CreateDate", iso8601(user.created_at)),
    ];
    if boundary && let Some(policy) = &user.permissions_boundary {
        fields.push(Xml::node(
            "PermissionsBoundary",
            vec![
                Xml::text("PermissionsBoundaryType", "PermissionsBoundaryPolicy"),
                Xml::text("PermissionsBoundaryArn", policy.clone()),
            ],
        ));
    }
    if let Some(tags) = tags.filter(|t| !t.is_empty()) {
        fields.push(tags_xml(tags));
    }
    fields
}

/// The IAM user behind a caller that is one (its key or its session).
pub(super) async fn calling_user(state: &AppState, caller: &Caller) -> Result<User, AwsError> {
    let user_id = match caller {
        Caller::User { user, .. } => &user.user_id,
        Caller::Session(claims) => match &claims.principal {
            SessionPrincipal::User { user_id, .. } => user_id,
            _ => return Err(non_user_credentials()),
        },
        Caller::Root { .. } => return Err(non_user_credentials()),
    };
    state
        .store()
        .user_by_id(user_id)
        .await?
        .ok_or_else(|| AwsError::no_such_entity("The user of these credentials no longer exists."))
}

fn non_user_credentials() -> AwsError {
    AwsError::validation("Must specify userName when calling with non-User credentials")
}
