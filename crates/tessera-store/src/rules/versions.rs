//! Versions of managed policies: `v1` first, then `v2`, `v3`, … from a
//! counter that never goes back, so a deleted version's id is not given
//! again; at most [`MAX_POLICY_VERSIONS`](super::MAX_POLICY_VERSIONS) at a
//! time; the default version cannot be deleted.

use crate::{Conflict, Missing, PolicyVersion, StoreError};

/// The id of a policy's first version, its default when it is created.
pub(crate) const FIRST_VERSION: &str = "v1";
/// The counter of a policy just created: the number its second version gets.
pub(crate) const AFTER_FIRST_VERSION: i64 = 2;

/// The id of the version numbered `number`.
pub(crate) fn version_id(number: i64) -> String {
    format!("v{number}")
}

/// The number of a version id (`v3` → 3).
pub(crate) fn version_number(version_id: &str) -> Option<i64> {
    version_id.strip_prefix('v')?.parse().ok()
}

/// A version added to a policy that has `versions` and whose counter is
/// at `next`: its id, and the policy's default version afterwards (the new
/// one if `set_as_default`, else `default` as it was).
pub(crate) fn new_version(
    versions: i64,
    next: i64,
    default: &str,
    set_as_default: bool,
) -> Result<(String, String), StoreError> {
    super::quotas::new_policy_version(versions)?;
    let id = version_id(next);
    let default = if set_as_default {
        id.clone()
    } else {
        default.to_string()
    };
    Ok((id, default))
}

/// Whether version `version_id` of policy `arn`, whose default version is
/// `default`, may be deleted.
pub(crate) fn delete_version(default: &str, version_id: &str) -> Result<(), StoreError> {
    if default == version_id {
        return Err(Conflict::DefaultVersion.into());
    }
    Ok(())
}

/// No version `version_id` of policy `arn`.
pub(crate) fn missing(arn: &str, version_id: &str) -> StoreError {
    Missing::PolicyVersion {
        arn: arn.to_string(),
        version_id: version_id.to_string(),
    }
    .into()
}

/// Orders versions newest first.
pub(crate) fn newest_first(versions: &mut [PolicyVersion]) {
    versions.sort_by_key(|v| std::cmp::Reverse(version_number(&v.version_id)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_the_counter() {
        assert_eq!(version_id(AFTER_FIRST_VERSION), "v2");
        assert_eq!(version_number(FIRST_VERSION), Some(1));
        assert_eq!(version_number("v12"), Some(12));
        assert_eq!(version_number("12"), None);
        assert_eq!(
            new_version(1, 7, "v1", false).expect("allowed"),
            ("v7".to_string(), "v1".to_string())
        );
        assert_eq!(
            new_version(4, 7, "v1", true).expect("allowed"),
            ("v7".to_string(), "v7".to_string())
        );
        assert!(matches!(
            new_version(5, 7, "v1", true),
            Err(StoreError::LimitExceeded(crate::Quota::PolicyVersions(5)))
        ));
    }

    #[test]
    fn the_default_version_stays() {
        assert!(delete_version("v2", "v1").is_ok());
        assert!(matches!(
            delete_version("v2", "v2"),
            Err(StoreError::Conflict(Conflict::DefaultVersion))
        ));
    }

    #[test]
    fn versions_are_listed_newest_first_by_number() {
        let version = |id: &str| PolicyVersion {
            version_id: id.to_string(),
            document: String::new(),
            is_default: false,
            created_at: 0,
        };
        let mut versions = vec![version("v2"), version("v10"), version("v9")];
        newest_first(&mut versions);
        let ids: Vec<_> = versions.iter().map(|v| v.version_id.as_str()).collect();
        assert_eq!(ids, ["v10", "v9", "v2"]);
    }
}
