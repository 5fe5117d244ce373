//! What never reaches the trail: the request parameters and response
//! elements that carry secrets are replaced by [`HIDDEN`], as CloudTrail
//! replaces them; the signature's own query parameters are left out.

use serde_json::{Map, Value};

/// What stands in for a secret, as CloudTrail writes it.
pub const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// Request parameters that carry a secret: passwords, tokens and
/// assertions that prove an identity, one-time codes, private keys.
const SECRET_PARAMETERS: &[&str] = &[
    "Password",
    "OldPassword",
    "NewPassword",
    "WebIdentityToken",
    "SAMLAssertion",
    "TokenCode",
    "AuthenticationCode1",
    "AuthenticationCode2",
    "PrivateKey",
    "SecretAccessKey",
    "SessionToken",
];

/// Response elements that carry a secret.
const SECRET_ELEMENTS: &[&str] = &[
    "SecretAccessKey",
    "SessionToken",
    "Password",
    "PrivateKey",
    "Base32StringSeed",
    "QRCodePNG",
];

/// Whether the request parameter `name` (its last part, for a member of a
/// list or map) carries a secret.
pub fn is_secret_parameter(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    SECRET_PARAMETERS
        .iter()
        .any(|s| s.eq_ignore_ascii_case(last))
}

/// Whether the response element `name` carries a secret.
pub fn is_secret_element(name: &str) -> bool {
    SECRET_ELEMENTS.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// A name as CloudTrail writes it: its first letter lower-cased
/// (`RoleSessionName` → `roleSessionName`, `VirtualMFADeviceName` →
/// `virtualMFADeviceName`).
pub fn camel(name: &str) -> String {
    Camel(name).to_string()
}

/// A name written as [`camel`] writes it, without building a string (for
/// serializing names straight into a record).
#[derive(Debug, Clone, Copy)]
pub struct Camel<'a>(pub &'a str);

impl std::fmt::Display for Camel<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write;
        let mut chars = self.0.chars();
        if let Some(first) = chars.next() {
            for lower in first.to_lowercase() {
                f.write_char(lower)?;
            }
        }
        f.write_str(chars.as_str())
    }
}

impl serde::Serialize for Camel<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The Query parameters of a request as CloudTrail's `requestParameters`:
/// `Action`, `Version` and the signature's `X-Amz-*` parameters left out,
/// names in camel case, `Name.member.N` lists as arrays and `Name.N.Key`
/// maps as objects, secrets [`HIDDEN`].
pub fn request_parameters<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    let mut root = Value::Object(Map::new());
    for (name, value) in params {
        if name == "Action" || name == "Version" || name.to_ascii_lowercase().starts_with("x-amz-")
        {
            continue;
        }
        let shown = if is_secret_parameter(name) {
            HIDDEN.to_string()
        } else {
            value.to_string()
        };
        let path: Vec<&str> = name.split('.').filter(|part| *part != "member").collect();
        insert(&mut root, &path, Value::String(shown));
    }
    finish(root)
}

/// Puts `value` at `path`: numeric parts index lists (1-based), the others
/// name members.
fn insert(node: &mut Value, path: &[&str], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        *node = value;
        return;
    };
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    let Value::Object(map) = node else { return };
    let key = if first.bytes().all(|b| b.is_ascii_digit()) {
        // Kept as `#N` until `finish` turns the object into a list.
        format!("#{first:0>6}")
    } else {
        camel(first)
    };
    let child = map.entry(key).or_insert(Value::Null);
    insert(child, rest, value);
}

/// Objects whose every key is `#N` become lists, in order.
fn finish(node: Value) -> Value {
    match node {
        Value::Object(map) if !map.is_empty() && map.keys().all(|k| k.starts_with('#')) => {
            let mut items: Vec<(String, Value)> = map.into_iter().collect();
            items.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Array(items.into_iter().map(|(_, v)| finish(v)).collect())
        }
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, finish(v))).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_are_camel_cased_as_cloudtrail_writes_them() {
        assert_eq!(camel("RoleArn"), "roleArn");
        assert_eq!(camel("VirtualMFADeviceName"), "virtualMFADeviceName");
        assert_eq!(camel("SAMLAssertion"), "sAMLAssertion");
        assert_eq!(camel(""), "");
        assert_eq!(camel("Émile"), "émile");
    }

    #[test]
    fn parameters_nest_and_secrets_are_hidden() {
        let params = [
            ("Action", "AssumeRole"),
            ("Version", "2011-06-15"),
            ("RoleArn", "arn:aws:iam::111122223333:role/r"),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "blue"),
            ("Tags.member.2.Key", "env"),
            ("Tags.member.2.Value", "dev"),
            ("TokenCode", "123456"),
            ("X-Amz-Signature", "abc"),
            ("X-Amz-Security-Token", "tok"),
        ];
        assert_eq!(
            request_parameters(params),
            json!({
                "roleArn": "arn:aws:iam::111122223333:role/r",
                "tags": [{"key": "team", "value": "blue"}, {"key": "env", "value": "dev"}],
                "tokenCode": HIDDEN,
            })
        );
        let login = [("UserName", "bob"), ("Password", "Sup3r$ecret!")];
        let shown = request_parameters(login).to_string();
        assert!(!shown.contains("Sup3r$ecret!"), "{shown}");
        // Lists of more than nine keep their order.
        let many: Vec<(String, String)> = (1..=12)
            .map(|n| (format!("ClientIDList.member.{n}"), format!("c{n}")))
            .collect();
        let list = request_parameters(many.iter().map(|(a, b)| (a.as_str(), b.as_str())));
        assert_eq!(list["clientIDList"][9], json!("c10"));
        assert_eq!(list["clientIDList"].as_array().map(Vec::len), Some(12));
    }
}
