//! The context keys a policy refers to, as IAM's
//! `GetContextKeysForCustomPolicy` and `GetContextKeysForPrincipalPolicy`
//! list them.

use super::pattern::{Pattern, PatternOptions};
use super::{Operator, Policy, Version};
use crate::json::StatementDocument;

/// The context keys `policies` refer to: each statement's condition keys
/// and the keys of the policy variables in its `Resource` / `NotResource`
/// and in the values of its conditions (where the operator substitutes
/// variables, in a `2012-10-17` policy), statement by statement, resources
/// before conditions. Each key is listed once, regardless of case, as first
/// written.
pub fn context_keys<'a>(policies: impl IntoIterator<Item = &'a Policy>) -> Vec<String> {
    let mut keys = Keys::default();
    for policy in policies {
        let variables = policy.version() == Version::V2012_10_17;
        let Some(statements) = &policy.document().statement else {
            continue;
        };
        for statement in statements.value.as_slice() {
            keys.statement(statement, variables);
        }
    }
    keys.0
}

/// Keys in order of first appearance, without repeats regardless of case.
#[derive(Default)]
struct Keys(Vec<String>);

impl Keys {
    fn add(&mut self, key: &str) {
        if !self.0.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            self.0.push(key.to_string());
        }
    }

    /// The keys of the variables in `text`, when variables are read.
    fn variables_in(&mut self, text: &str, variables: bool) {
        if !variables || !text.contains("${") {
            return;
        }
        let pattern = Pattern::compile(
            text,
            PatternOptions {
                wildcards: false,
                variables: true,
                lowercase: false,
            },
        );
        // The compiled variables' keys are lower-cased: each is listed as
        // written, found after its `${` in the text.
        let lower = text.to_ascii_lowercase();
        let mut from = 0;
        for variable in pattern.variables() {
            let written = lower[from..].match_indices("${").find_map(|(at, _)| {
                let start = from + at + 2;
                let start =
                    start + lower[start..].len() - lower[start..].trim_start_matches(' ').len();
                lower[start..]
                    .starts_with(variable.key.as_str())
                    .then(|| start..start + variable.key.len())
            });
            match written {
                Some(range) => {
                    from = range.end;
                    self.add(&text[range]);
                }
                None => self.add(&variable.key),
            }
        }
    }

    fn statement(&mut self, statement: &StatementDocument, variables: bool) {
        for resources in [&statement.resource, &statement.not_resource]
            .into_iter()
            .flatten()
        {
            for resource in resources.value.as_slice() {
                self.variables_in(&resource.value, variables);
            }
        }
        let Some(condition) = &statement.condition else {
            return;
        };
        for block in &condition.value.blocks {
            let substitutes = Operator::parse(&block.operator.value)
                .is_some_and(|operator| operator.base.supports_variables());
            for entry in &block.entries {
                self.add(&entry.key.value);
                for value in entry.values.as_slice() {
                    self.variables_in(&value.value.as_text(), variables && substitutes);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PolicyKind;

    fn policy(text: &str) -> Policy {
        Policy::parse(text, PolicyKind::inline_role()).expect("valid policy")
    }

    #[test]
    fn resource_variables_come_before_condition_keys() {
        // AWS's example for GetContextKeysForCustomPolicy.
        let p = policy(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2015-08-16T12:00:00Z"}}}}"#,
        );
        assert_eq!(context_keys([&p]), ["aws:username", "aws:CurrentTime"]);
    }

    #[test]
    fn keys_are_listed_once_regardless_of_case_across_policies() {
        let a = policy(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}/*",
                 "Condition":{"StringEquals":{"s3:prefix":"${aws:username}/"},"Bool":{"aws:SecureTransport":"true"}}},
                {"Effect":"Deny","Action":"*","Resource":"*",
                 "Condition":{"ForAnyValue:StringLike":{"AWS:USERNAME":"x"},"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#,
        );
        let b = policy(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:sourceip":"1.2.3.4","s3:x-amz-acl":"private"}}}}"#,
        );
        assert_eq!(
            context_keys([&a, &b]),
            [
                "aws:PrincipalTag/team",
                "s3:prefix",
                "aws:username",
                "aws:SecureTransport",
                "aws:SourceIp",
                "s3:x-amz-acl",
            ]
        );
    }

    #[test]
    fn variables_are_read_only_where_iam_substitutes_them() {
        // 2008-10-17 has no policy variables; numeric and date values take
        // none; escapes are no variable.
        let old = policy(
            r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::${aws:username}"}}"#,
        );
        assert!(context_keys([&old]).is_empty());
        let typed = policy(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${*}",
                "Condition":{"NumericLessThan":{"s3:max-keys":"${aws:EpochTime}"}}}}"#,
        );
        assert_eq!(context_keys([&typed]), ["s3:max-keys"]);
        let none = policy(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
        );
        assert!(context_keys([&none]).is_empty());
    }
}
