//! The entities the contract's areas create.

use super::POLICY;
use crate::{Group, ManagedPolicy, MfaDevice, Role, User};

pub(super) fn user(account_id: &str, user_id: &str, name: &str, path: &str) -> User {
    User {
        user_id: user_id.to_string(),
        account_id: account_id.to_string(),
        name: name.to_string(),
        path: path.to_string(),
        permissions_boundary: None,
        created_at: 1_700_000_010,
    }
}

pub(super) fn group(account_id: &str, group_id: &str, name: &str, path: &str) -> Group {
    Group {
        group_id: group_id.to_string(),
        account_id: account_id.to_string(),
        name: name.to_string(),
        path: path.to_string(),
        created_at: 1_700_000_020,
    }
}

pub(super) fn managed_policy(account_id: &str, name: &str, path: &str) -> ManagedPolicy {
    ManagedPolicy {
        arn: format!("arn:aws:iam::{account_id}:policy{path}{name}"),
        policy_id: format!("ANPA{}{name}", &account_id[10..]),
        account_id: account_id.to_string(),
        name: name.to_string(),
        path: path.to_string(),
        description: None,
        default_version: "v1".to_string(),
        created_at: 1_700_000_030,
        updated_at: 1_700_000_030,
        attachment_count: 0,
        boundary_usage_count: 0,
    }
}

pub(super) fn mfa_device(account_id: &str, name: &str) -> MfaDevice {
    MfaDevice {
        serial_number: format!("arn:aws:iam::{account_id}:mfa/{name}"),
        account_id: account_id.to_string(),
        sealed_seed: format!("v1:seed-of-{name}"),
        user: None,
        enabled_at: None,
        created_at: 1_700_000_040,
        last_used_step: None,
        tags: Vec::new(),
    }
}

pub(super) fn role(account_id: &str, role_id: &str, name: &str) -> Role {
    Role {
        role_id: role_id.to_string(),
        account_id: account_id.to_string(),
        name: name.to_string(),
        path: "/".to_string(),
        assume_role_policy: POLICY.to_string(),
        description: None,
        max_session_duration: 3600,
        permissions_boundary: None,
        created_at: 1_700_000_070,
        last_used: None,
        trust_bindings: Some(Vec::new()),
    }
}
