//! The catalog of every action Tessera authorizes, gathered from the
//! declarations of the STS and IAM actions ([`crate::action::Action::SPEC`])
//! and of the actions checked alongside them: `tessera actions` prints it,
//! so that it can be held against AWS's Service Authorization Reference.

use crate::actions::ActionSpec;

/// Every action Tessera authorizes, sorted by name.
pub fn actions() -> &'static [ActionSpec] {
    static ACTIONS: std::sync::LazyLock<Vec<ActionSpec>> = std::sync::LazyLock::new(|| {
        let mut all: Vec<ActionSpec> = crate::iam::specs()
            .chain(crate::sts::SPECS)
            .chain(crate::sts::UNSIGNED_SPECS)
            .chain(crate::sts::ALONGSIDE)
            .chain(crate::iam::ALONGSIDE)
            .copied()
            .collect();
        all.sort_by_key(|s| s.action.to_ascii_lowercase());
        all
    });
    &ACTIONS
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The declaration of `action` (`service:Action`, case-insensitive).
    fn spec_of(action: &str) -> Option<&'static ActionSpec> {
        let actions = actions();
        actions
            .binary_search_by(|s| {
                s.action
                    .bytes()
                    .map(|b| b.to_ascii_lowercase())
                    .cmp(action.bytes().map(|b| b.to_ascii_lowercase()))
            })
            .ok()
            .map(|i| &actions[i])
    }

    #[test]
    fn table_is_sorted_and_unique() {
        for pair in actions().windows(2) {
            assert!(
                pair[0].action.to_ascii_lowercase() < pair[1].action.to_ascii_lowercase(),
                "{} before {}",
                pair[0].action,
                pair[1].action
            );
        }
        for spec in actions() {
            assert_eq!(spec_of(spec.action), Some(spec));
            assert_eq!(spec_of(&spec.action.to_ascii_uppercase()), Some(spec));
        }
        assert_eq!(spec_of("iam:NoSuchAction"), None);
    }

    #[test]
    fn carries_declared_global_and_resource_keys() {
        let create = spec_of("iam:CreateUser").expect("declared");
        assert!(create.carries("aws:RequestTag/team"));
        assert!(create.carries("iam:PermissionsBoundary"));
        assert!(create.carries("aws:SourceIp"));
        assert!(create.carries("aws:PrincipalTag/team"));
        assert!(create.carries("iam:ResourceTag/team"));
        assert!(!create.carries("iam:PolicyARN"));
        assert!(!create.carries("aws:RequestTag/"));
        let web = spec_of("sts:AssumeRoleWithWebIdentity").expect("declared");
        assert!(web.carries("oidc.example.test/realms/x:aud"));
        assert!(!web.carries("aws:aud"));
        let tag = spec_of("sts:TagSession").expect("declared");
        assert!(tag.carries("sts:ExternalId"));
        let pass = spec_of("iam:PassRole").expect("declared");
        assert!(pass.carries("iam:PassedToService"));
        assert!(pass.carries("iam:ResourceTag/team"));
        let group = spec_of("iam:AttachGroupPolicy").expect("declared");
        assert!(group.carries("iam:PolicyARN"));
        assert!(!group.carries("aws:ResourceTag/team"));
    }
}
