//! Typed Query members: each kind of parameter is read by one type, which
//! carries its constraints from botocore's IAM and STS models and answers a
//! bad value with AWS's validation error.
//!
//! A member's name in those errors is its wire name with the first letter
//! lower-cased (`UserName` → `userName`), as AWS writes it.

use super::Listing;
use crate::pattern::{TAG_KEY, TAG_VALUE, has_reserved_prefix, is_tag_text};
use crate::{
    AwsError,
    params::{Params, check_length, check_policy_characters, check_sensitive_length},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use std::cell::RefCell;
use std::ops::Deref;
use tessera_arn::{Arn, ArnKind};

/// A member read from a request's parameters.
pub trait Member: Sized {
    /// The member `name` (its wire name), `None` when the request leaves it
    /// out.
    fn read(params: &Params, name: &str) -> Result<Option<Self>, AwsError>;
}

/// A member held in one parameter, checked by its constraints.
pub trait Scalar: Sized {
    /// Checks `value` of the member called `member` in messages.
    fn parse(member: &str, value: &str) -> Result<Self, AwsError>;
}

impl<T: Scalar> Member for T {
    fn read(params: &Params, name: &str) -> Result<Option<Self>, AwsError> {
        params
            .get(name)
            .map(|value| T::parse(&member_name(name), value))
            .transpose()
    }
}

/// The name AWS's validation messages give the member `wire`.
pub fn member_name(wire: &str) -> String {
    let mut chars = wire.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

impl Params {
    /// The optional member `name`.
    pub fn member<T: Member>(&self, name: &str) -> Result<Option<T>, AwsError> {
        T::read(self, name)
    }

    /// The required member `name`, or AWS's `Member must not be null`.
    pub fn required_member<T: Member>(&self, name: &str) -> Result<T, AwsError> {
        T::read(self, name)?.ok_or_else(|| {
            AwsError::constraint(&member_name(name), None, "Member must not be null")
        })
    }
}

impl Params {
    /// A [`Decoder`] of this request's members.
    pub fn decoder(&self) -> Decoder<'_> {
        Decoder {
            params: self,
            errors: RefCell::new(Vec::new()),
        }
    }
}

/// Reads an input's members one after another and reports every member
/// that breaks its constraints in one `ValidationError`, as AWS does
/// (`2 validation errors detected: …; …`), instead of stopping at the first.
/// A member that fails reads as its default, which [`Decoder::finish`]
/// never lets out.
pub struct Decoder<'p> {
    params: &'p Params,
    errors: RefCell<Vec<AwsError>>,
}

impl Decoder<'_> {
    /// The optional member `name`; `None` when it is absent or fails.
    pub fn member<T: Member>(&self, name: &str) -> Option<T> {
        self.read(T::read(self.params, name)).flatten()
    }

    /// The required member `name`; a missing one is AWS's `Member must not
    /// be null`.
    pub fn required<T: Member + Default>(&self, name: &str) -> T {
        self.read(self.params.required_member(name))
            .unwrap_or_default()
    }

    /// The value of a reader of several parameters (a page, a nested
    /// input), its errors kept with the others.
    pub fn read<T>(&self, result: Result<T, AwsError>) -> Option<T> {
        result.map_err(|e| self.errors.borrow_mut().push(e)).ok()
    }

    /// `input`, when every member read well; otherwise the violations
    /// together, or the first error that is not a violation when there are
    /// none.
    pub fn finish<T>(&self, input: T) -> Result<T, AwsError> {
        let errors = self.errors.take();
        if errors.is_empty() {
            return Ok(input);
        }
        let violations: Vec<_> = errors
            .iter()
            .flat_map(|e| e.violations.iter().cloned())
            .collect();
        if violations.is_empty() {
            Err(errors.into_iter().next().unwrap_or_else(AwsError::internal))
        } else {
            Err(AwsError::violations(violations))
        }
    }
}

macro_rules! text_member {
    ($(#[$doc:meta])* $name:ident $(<const $param:ident: usize>)?) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name$(<const $param: usize>)?(String);

        impl$(<const $param: usize>)? From<$name$(<$param>)?> for String {
            fn from(value: $name$(<$param>)?) -> String {
                value.0
            }
        }

        impl$(<const $param: usize>)? Deref for $name$(<$param>)? {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl$(<const $param: usize>)? AsRef<str> for $name$(<$param>)? {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl$(<const $param: usize>)? std::fmt::Display for $name$(<$param>)? {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_member!(
    /// An entity name of 1 to `MAX` characters of `[\w+=,.@-]`
    /// (`userNameType` 64, `existingUserNameType` 128, `groupNameType` 128,
    /// `roleNameType` 64, `policyNameType` 128, …).
    Name<const MAX: usize>
);

impl<const MAX: usize> Scalar for Name<MAX> {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 1, MAX)?;
        if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
        {
            return Err(AwsError::constraint(
                member,
                Some(value),
                "Member must satisfy regular expression pattern: [\\w+=,.@-]+",
            ));
        }
        Ok(Self(value.to_string()))
    }
}

text_member!(
    /// An IAM path (`pathType`): `/`, or `/…/` of printable ASCII, at most
    /// 512 characters. Absent, it is `/`.
    IamPath
);

impl IamPath {
    /// The root path `/`.
    pub fn root() -> Self {
        Self("/".to_string())
    }
}

impl Scalar for IamPath {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 1, 512)?;
        let ok = value == "/"
            || (value.len() >= 2
                && value.starts_with('/')
                && value.ends_with('/')
                && value.bytes().all(|b| (0x21..=0x7e).contains(&b)));
        if !ok {
            return Err(AwsError::constraint(
                member,
                Some(value),
                "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
            ));
        }
        Ok(Self(value.to_string()))
    }
}

text_member!(
    /// A managed policy's path (`policyPathType`): an [`IamPath`] whose
    /// segments are `[A-Za-z0-9.,+@=_-]`.
    PolicyPath
);

impl Scalar for PolicyPath {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        let path: String = IamPath::parse(member, value)?.into();
        let valid = path == "/"
            || path[1..path.len() - 1].split('/').all(|segment| {
                !segment.is_empty()
                    && segment
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".,+@=_-".contains(c))
            });
        if !valid {
            return Err(AwsError::constraint(
                member,
                Some(&path),
                "Member must satisfy regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/",
            ));
        }
        Ok(Self(path))
    }
}

text_member!(
    /// A listing's `PathPrefix` (`pathPrefixType`): `/` then printable
    /// ASCII, 1 to 512 characters. Absent, it is `/`.
    PathPrefix
);

impl PathPrefix {
    /// The prefix of every path, `/`.
    pub fn root() -> Self {
        Self("/".to_string())
    }
}

impl Scalar for PathPrefix {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        if value.is_empty() || value.len() > 512 {
            return Err(AwsError::constraint(
                member,
                Some(value),
                "Member must have length less than or equal to 512",
            ));
        }
        if !value.starts_with('/') || !value.bytes().all(|b| (0x21..=0x7f).contains(&b)) {
            return Err(AwsError::constraint(
                member,
                Some(value),
                "Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*",
            ));
        }
        Ok(Self(value.to_string()))
    }
}

text_member!(
    /// A policy document (`policyDocumentType`): 1 to 131,072 characters of
    /// tab, line breaks and U+0020 to U+00FF. Whether it is a valid policy
    /// is the action's to decide, for the kind of policy it holds.
    PolicyDocument
);

impl Scalar for PolicyDocument {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 1, 131_072)?;
        check_policy_characters(member, value)?;
        Ok(Self(value.to_string()))
    }
}

text_member!(
    /// An ARN member (`arnType`): 20 to 2,048 characters, as the model
    /// constrains it.
    ArnText
);

impl Scalar for ArnText {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 20, 2048)?;
        Ok(Self(value.to_string()))
    }
}

text_member!(
    /// An ARN member that IAM also reads as an ARN (`PolicyArn`,
    /// `PolicySourceArn`): an [`ArnText`] of the `arn:` form, else
    /// `InvalidInput` "ARN … is not valid.".
    ArnValue
);

impl Scalar for ArnValue {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        ArnText::parse(member, value)?;
        if Arn::parse(value).is_err() {
            return Err(not_valid_arn(value));
        }
        Ok(Self(value.to_string()))
    }
}

text_member!(
    /// `PermissionsBoundary`: an [`ArnText`] naming a managed policy.
    BoundaryArn
);

impl Scalar for BoundaryArn {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        ArnText::parse(member, value)?;
        let valid = Arn::parse(value).is_ok_and(|arn| {
            arn.kind() == ArnKind::Policy && arn.resource().len() > "policy/".len()
        });
        if !valid {
            return Err(not_valid_arn(value));
        }
        Ok(Self(value.to_string()))
    }
}

fn not_valid_arn(value: &str) -> AwsError {
    AwsError::invalid_input(format!("ARN {value} is not valid."))
}

text_member!(
    /// An access key id (`accessKeyIdType`): 16 to 128 word characters.
    AccessKeyId
);

impl Scalar for AccessKeyId {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 16, 128)?;
        if !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(AwsError::constraint(
                member,
                Some(value),
                "Member must satisfy regular expression pattern: [\\w]+",
            ));
        }
        Ok(Self(value.to_string()))
    }
}

text_member!(
    /// A description (`policyDescriptionType`): at most 1,000 characters.
    Description
);

impl Scalar for Description {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        if value.chars().count() > 1000 {
            return Err(AwsError::constraint(
                member,
                Some(value),
                "Member must have length less than or equal to 1000",
            ));
        }
        Ok(Self(value.to_string()))
    }
}

text_member!(
    /// A role's description (`roleDescriptionType`): a [`Description`] of
    /// tab, line breaks, printable ASCII and Latin-1.
    RoleDescription
);

impl Scalar for RoleDescription {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        let text: String = Description::parse(member, value)?.into();
        if !text
            .chars()
            .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{a1}'..='\u{ff}'))
        {
            return Err(AwsError::constraint(
                member,
                Some(&text),
                "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*",
            ));
        }
        Ok(Self(text))
    }
}

text_member!(
    /// A policy version id (`policyVersionIdType`): `v` then a number.
    VersionId
);

impl Scalar for VersionId {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        let valid = value
            .strip_prefix('v')
            .and_then(|rest| rest.split('.').next())
            .is_some_and(|n| {
                !n.is_empty() && !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit())
            });
        if !valid {
            return Err(AwsError::constraint(
                member,
                Some(value),
                "Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?",
            ));
        }
        Ok(Self(value.to_string()))
    }
}

text_member!(
    /// A string member the model leaves unconstrained, or whose checks the
    /// action makes itself (they depend on other members).
    Text
);

impl Scalar for Text {
    fn parse(_member: &str, value: &str) -> Result<Self, AwsError> {
        Ok(Self(value.to_string()))
    }
}

/// A password (`passwordType`, sensitive): 1 to 128 characters of tab,
/// line breaks and U+0020 to U+00FF. Its validation errors leave the value
/// out, as AWS's do for sensitive members, and so does its `Debug`; nothing
/// but [`Password::secret`] shows it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Password(String);

impl Password {
    /// The password itself, for hashing and checking only.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

impl Scalar for Password {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_sensitive_length(member, value, 1, 128)?;
        if !value
            .chars()
            .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'))
        {
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
            )));
        }
        Ok(Self(value.to_string()))
    }
}

/// A boolean member: `true` or `false`, in any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flag(pub bool);

impl Member for Flag {
    fn read(params: &Params, name: &str) -> Result<Option<Self>, AwsError> {
        match params.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(Self(true))),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(Self(false))),
            Some(v) => Err(AwsError::malformed_input(format!(
                "Invalid value for parameter {name}: '{v}' is not a boolean."
            ))),
        }
    }
}

/// An integer member within `MIN..=MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Integer<const MIN: i64, const MAX: i64>(pub i64);

impl<const MIN: i64, const MAX: i64> Member for Integer<MIN, MAX> {
    fn read(params: &Params, name: &str) -> Result<Option<Self>, AwsError> {
        Ok(params
            .integer(name, &member_name(name), MIN, MAX)?
            .map(Self))
    }
}

/// `Tags.member.N.Key/Value` (`tagListType`), as IAM checks them: at most
/// 50; keys of 1 to 128 and values of 0 to 256 characters of botocore's tag
/// patterns; no key with AWS's reserved `aws:` prefix; no key twice,
/// regardless of case. Absent, there are none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tags(pub Vec<(String, String)>);

impl Deref for Tags {
    type Target = [(String, String)];
    fn deref(&self) -> &[(String, String)] {
        &self.0
    }
}

impl Member for Tags {
    fn read(params: &Params, name: &str) -> Result<Option<Self>, AwsError> {
        let items = params.structures(name);
        if items.is_empty() {
            return Ok(None);
        }
        let list = member_name(name);
        if items.len() > 50 {
            // The model's bound on the list (`tagListType`): a request's own
            // tags; a total past 50 on an entity is the store's quota.
            let shown: Vec<String> = items
                .iter()
                .map(|item| {
                    let field = |k: &str| item.get(k).map_or("null", String::as_str).to_string();
                    format!("{{Key: {},Value: {}}}", field("Key"), field("Value"))
                })
                .collect();
            return Err(AwsError::constraint(
                &list,
                Some(&format!("[{}]", shown.join(", "))),
                "Member must have length less than or equal to 50",
            ));
        }
        let mut tags: Vec<(String, String)> = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let key_member = format!("{list}.{}.member.key", index + 1);
            let value_member = format!("{list}.{}.member.value", index + 1);
            let key = item.get("Key").ok_or_else(|| {
                AwsError::constraint(&key_member, None, "Member must not be null")
            })?;
            let value = item.get("Value").ok_or_else(|| {
                AwsError::constraint(&value_member, None, "Member must not be null")
            })?;
            if key.is_empty() {
                return Err(AwsError::constraint(
                    &key_member,
                    Some(key),
                    "Member must have length greater than or equal to 1",
                ));
            }
            if key.chars().count() > 128 {
                return Err(AwsError::constraint(
                    &key_member,
                    Some(key),
                    "Member must have length less than or equal to 128",
                ));
            }
            if value.chars().count() > 256 {
                return Err(AwsError::constraint(
                    &value_member,
                    Some(value),
                    "Member must have length less than or equal to 256",
                ));
            }
            if !is_tag_text(key) {
                return Err(AwsError::constraint(
                    &key_member,
                    Some(key),
                    &format!("Member must satisfy regular expression pattern: {TAG_KEY}"),
                ));
            }
            if !is_tag_text(value) {
                return Err(AwsError::constraint(
                    &value_member,
                    Some(value),
                    &format!("Member must satisfy regular expression pattern: {TAG_VALUE}"),
                ));
            }
            if has_reserved_prefix(key) {
                return Err(AwsError::invalid_input(format!(
                    "The tag key {key} uses the prefix 'aws:', which is reserved for AWS use."
                )));
            }
            if tags.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
                return Err(AwsError::invalid_input(
                    "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
                ));
            }
            tags.push((key.clone(), value.clone()));
        }
        Ok(Some(Self(tags)))
    }
}

/// `TagKeys.member.N` of an Untag call (`tagKeyListType`): 1 to 50 keys
/// of 1 to 128 characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagKeys(pub Vec<String>);

impl Deref for TagKeys {
    type Target = [String];
    fn deref(&self) -> &[String] {
        &self.0
    }
}

impl Member for TagKeys {
    fn read(params: &Params, name: &str) -> Result<Option<Self>, AwsError> {
        let keys: Vec<String> = params.list(name).into_iter().map(str::to_string).collect();
        if keys.is_empty() {
            return Ok(None);
        }
        let list = member_name(name);
        if keys.len() > 50 {
            return Err(AwsError::constraint(
                &list,
                None,
                "Member must have length less than or equal to 50",
            ));
        }
        if let Some(key) = keys
            .iter()
            .find(|k| k.is_empty() || k.chars().count() > 128)
        {
            return Err(AwsError::constraint(
                &format!("{list}.member"),
                Some(key),
                "Member must have length less than or equal to 128",
            ));
        }
        Ok(Some(Self(keys)))
    }
}

/// A list of text members, `NAME.member.N`, in index order. Absent, it is
/// empty; the action checks its items.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextList(pub Vec<String>);

impl Member for TextList {
    fn read(params: &Params, name: &str) -> Result<Option<Self>, AwsError> {
        let items = params.list(name);
        Ok((!items.is_empty()).then(|| Self(items.into_iter().map(str::to_string).collect())))
    }
}

/// `Marker` / `MaxItems` of a List call. The marker is opaque to clients: it
/// carries the sort key of the last item returned, so a page is "the next
/// `MaxItems` items after that key", stable while other items are
/// inserted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The sort key after which this page starts.
    pub after: Option<String>,
    /// How many items the page holds at most.
    pub max_items: usize,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            after: None,
            max_items: 100,
        }
    }
}

impl Page {
    /// Reads `Marker` and `MaxItems` (1 to 1000, default 100).
    pub fn read(params: &Params) -> Result<Self, AwsError> {
        let max_items = params
            .member::<Integer<1, 1000>>("MaxItems")?
            .map_or(100, |n| n.0 as usize);
        let after = match params.get("Marker") {
            None => None,
            Some(marker) => Some(
                URL_SAFE_NO_PAD
                    .decode(marker)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .ok_or_else(|| AwsError::invalid_input("Invalid Marker."))?,
            ),
        };
        Ok(Self { after, max_items })
    }

    /// How many rows to fetch: one more than a page, to know whether the
    /// listing is truncated.
    pub fn fetch_limit(&self) -> usize {
        self.max_items + 1
    }

    /// Cuts `rows` (fetched with [`Page::fetch_limit`], sorted by `key`) to
    /// the page, with whether more follow and from where.
    pub fn finish<T>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> String) -> Listing<T> {
        let truncated = rows.len() > self.max_items;
        rows.truncate(self.max_items);
        let marker = truncated
            .then(|| rows.last().map(|last| URL_SAFE_NO_PAD.encode(key(last))))
            .flatten();
        Listing {
            items: rows,
            truncated,
            marker,
        }
    }
}

text_member!(
    /// An OpenID Connect provider's URL as given
    /// (`OpenIDConnectProviderUrlType`): 1 to 255 characters. Whether it is
    /// a provider's URL is the action's to decide.
    OidcUrl
);

impl Scalar for OidcUrl {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 1, 255)?;
        Ok(Self(value.to_string()))
    }
}

text_member!(
    /// An audience of an OpenID Connect provider (`clientIDType`): 1 to
    /// 255 characters.
    ClientId
);

impl Scalar for ClientId {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 1, 255)?;
        Ok(Self(value.to_string()))
    }
}

/// A list of scalar members, `NAME.member.N`, in index order, each read as
/// `T` (called `name.member` in messages). Absent, it is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List<T>(pub Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> Deref for List<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: Scalar> Member for List<T> {
    fn read(params: &Params, name: &str) -> Result<Option<Self>, AwsError> {
        let items = params.list(name);
        if items.is_empty() {
            return Ok(None);
        }
        let member = format!("{}.member", member_name(name));
        let items = items
            .into_iter()
            .map(|item| T::parse(&member, item))
            .collect::<Result<_, _>>()?;
        Ok(Some(Self(items)))
    }
}

/// The most thumbprints an OpenID Connect provider may have.
pub const MAX_THUMBPRINTS: usize = 5;

/// `ThumbprintList` (`thumbprintListType`), as IAM checks it: at most
/// [`MAX_THUMBPRINTS`] thumbprints of 40 hex digits, kept lower-cased.
/// Absent, there are none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Thumbprints(pub Vec<String>);

impl Deref for Thumbprints {
    type Target = [String];
    fn deref(&self) -> &[String] {
        &self.0
    }
}

impl Member for Thumbprints {
    fn read(params: &Params, name: &str) -> Result<Option<Self>, AwsError> {
        let list = params.list(name);
        if list.is_empty() {
            return Ok(None);
        }
        if list.len() > MAX_THUMBPRINTS {
            return Err(AwsError::invalid_input(format!(
                "Thumbprint list must contain fewer than {} entries.",
                MAX_THUMBPRINTS + 1
            )));
        }
        for thumbprint in &list {
            if thumbprint.chars().count() != 40 {
                return Err(AwsError::constraint(
                    &member_name(name),
                    Some(&format!("[{}]", list.join(", "))),
                    "Member must satisfy constraint: [Member must have length less than or equal to 40, Member must have length greater than or equal to 40]",
                ));
            }
            if !thumbprint.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(AwsError::invalid_input(format!(
                    "Thumbprint {thumbprint} is not a valid hex string."
                )));
            }
        }
        Ok(Some(Self(
            list.into_iter().map(str::to_ascii_lowercase).collect(),
        )))
    }
}

text_member!(
    /// A SAML provider's name (`SAMLProviderNameType`): 1 to 128 characters
    /// of `[\w._-]`.
    SamlProviderName
);

impl Scalar for SamlProviderName {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 1, 128)?;
        if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        {
            return Err(AwsError::constraint(
                member,
                Some(value),
                "Member must satisfy regular expression pattern: [\\w._-]+",
            ));
        }
        Ok(Self(value.to_string()))
    }
}

text_member!(
    /// A SAML metadata document (`SAMLMetadataDocumentType`): 1,000 to
    /// 10,000,000 characters; the length error does not echo it back.
    /// Whether it is IdP metadata is the action's to decide.
    SamlMetadataDocument
);

impl Scalar for SamlMetadataDocument {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        let n = value.chars().count();
        let constraint = if n < 1000 {
            "Member must have length greater than or equal to 1000"
        } else if n > 10_000_000 {
            "Member must have length less than or equal to 10000000"
        } else {
            return Ok(Self(value.to_string()));
        };
        Err(AwsError::constraint(member, None, constraint))
    }
}

text_member!(
    /// An MFA device's serial number as IAM takes it (`serialNumberType`):
    /// 9 to 256 characters of `[\w+=/:,.@-]`.
    SerialNumber
);

impl Scalar for SerialNumber {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 9, 256)?;
        if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=/:,.@-".contains(c))
        {
            return Err(AwsError::constraint(
                member,
                Some(value),
                "Member must satisfy regular expression pattern: [\\w+=/:,.@-]+",
            ));
        }
        Ok(Self(value.to_string()))
    }
}

text_member!(
    /// A code of an MFA device (`authenticationCodeType`): 6 digits.
    AuthenticationCode
);

impl Scalar for AuthenticationCode {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 6, 6)?;
        if !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AwsError::constraint(
                member,
                Some(value),
                "Member must satisfy regular expression pattern: [\\d]+",
            ));
        }
        Ok(Self(value.to_string()))
    }
}

/// `AssignmentStatus` (`assignmentStatusType`): which virtual MFA devices
/// a listing returns. Absent, it is `Any`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AssignmentStatus {
    /// Every device.
    #[default]
    Any,
    /// Devices enabled for a user.
    Assigned,
    /// Devices enabled for no user.
    Unassigned,
}

impl Scalar for AssignmentStatus {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        match value {
            "Any" => Ok(Self::Any),
            "Assigned" => Ok(Self::Assigned),
            "Unassigned" => Ok(Self::Unassigned),
            other => Err(AwsError::constraint(
                member,
                Some(other),
                "Member must satisfy enum value set: [Any, Assigned, Unassigned]",
            )),
        }
    }
}

text_member!(
    /// A service-linked role's deletion task (`DeletionTaskIdType`): 1 to
    /// 1,000 characters.
    DeletionTaskId
);

impl Scalar for DeletionTaskId {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 1, 1000)?;
        Ok(Self(value.to_string()))
    }
}

/// `GlobalEndpointTokenVersion` (`globalEndpointTokenVersion`): the token
/// version of the global STS endpoint, 1 or 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenVersion(pub i64);

impl Scalar for TokenVersion {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        match value {
            "v1Token" => Ok(Self(1)),
            "v2Token" => Ok(Self(2)),
            other => Err(AwsError::constraint(
                member,
                Some(other),
                "Member must satisfy enum value set: [v1Token, v2Token]",
            )),
        }
    }
}

text_member!(
    /// An account alias (`accountAliasType`): 3 to 63 characters of
    /// `^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`.
    AccountAlias
);

impl Scalar for AccountAlias {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 3, 63)?;
        let bytes = value.as_bytes();
        let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        let ok = bytes.first().copied().is_some_and(edge)
            && bytes.last().copied().is_some_and(edge)
            && bytes.iter().all(|&b| edge(b) || b == b'-')
            && !value.contains("--");
        if !ok {
            return Err(AwsError::constraint(
                member,
                Some(value),
                "Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$",
            ));
        }
        Ok(Self(value.to_string()))
    }
}

/// An access key's `Status` (`statusType`) as a call may set it: `Active`
/// or `Inactive` (`Expired` is IAM's own to set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyStatus(pub tessera_store::AccessKeyStatus);

/// `Inactive`: what a [`Decoder`] holds for a status that failed to read
/// (never let out).
impl Default for KeyStatus {
    fn default() -> Self {
        Self(tessera_store::AccessKeyStatus::Inactive)
    }
}

impl Scalar for KeyStatus {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        if value == "Expired" {
            return Err(AwsError::invalid_input(
                "The status of an access key can only be set to Active or Inactive.",
            ));
        }
        tessera_store::AccessKeyStatus::parse(value)
            .map(Self)
            .ok_or_else(|| {
                AwsError::constraint(
                    member,
                    Some(value),
                    "Member must satisfy enum value set: [Active, Inactive, Expired]",
                )
            })
    }
}

/// `PolicyUsageFilter` (`PolicyUsageType`): `PermissionsPolicy` or
/// `PermissionsBoundary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyUsageFilter(pub tessera_store::PolicyUsage);

impl Scalar for PolicyUsageFilter {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        use tessera_store::PolicyUsage;
        match value {
            "PermissionsPolicy" => Ok(Self(PolicyUsage::Permissions)),
            "PermissionsBoundary" => Ok(Self(PolicyUsage::Boundary)),
            other => Err(AwsError::constraint(
                member,
                Some(other),
                "Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]",
            )),
        }
    }
}

/// `EntityFilter` of `ListEntitiesForPolicy` (`EntityType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityFilter {
    /// `User`.
    User,
    /// `Role`.
    Role,
    /// `Group`.
    Group,
    /// `LocalManagedPolicy`.
    LocalManagedPolicy,
    /// `AWSManagedPolicy`.
    AwsManagedPolicy,
}

impl Scalar for EntityFilter {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        match value {
            "User" => Ok(Self::User),
            "Role" => Ok(Self::Role),
            "Group" => Ok(Self::Group),
            "LocalManagedPolicy" => Ok(Self::LocalManagedPolicy),
            "AWSManagedPolicy" => Ok(Self::AwsManagedPolicy),
            other => Err(AwsError::constraint(
                member,
                Some(other),
                "Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]",
            )),
        }
    }
}

/// `Scope` of `ListPolicies` (`policyScopeType`). Absent, it is `All`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PolicyScope {
    /// Every policy.
    #[default]
    All,
    /// AWS managed policies (`AWS`).
    Aws,
    /// The account's own policies.
    Local,
}

impl Scalar for PolicyScope {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        match value {
            "All" => Ok(Self::All),
            "AWS" => Ok(Self::Aws),
            "Local" => Ok(Self::Local),
            _ => Err(AwsError::constraint(
                member,
                Some(value),
                "Member must satisfy enum value set: [All, AWS, Local]",
            )),
        }
    }
}

text_member!(
    /// An action name of the simulator (`ActionNameType`): 3 to 128
    /// characters.
    ActionName
);

impl Scalar for ActionName {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 3, 128)?;
        Ok(Self(value.to_string()))
    }
}

/// The simulator's `ContextEntries.member.N.{ContextKeyName,
/// ContextKeyType, ContextKeyValues.member.M}` (`ContextEntryListType`):
/// each key with its value, a list for the `…List` types. Absent, there
/// are none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContextEntryList(pub Vec<(String, tessera_policy::ContextValue)>);

impl Member for ContextEntryList {
    fn read(params: &Params, name: &str) -> Result<Option<Self>, AwsError> {
        use tessera_policy::ContextValue;
        const TYPES: [&str; 12] = [
            "string",
            "stringList",
            "numeric",
            "numericList",
            "boolean",
            "booleanList",
            "ip",
            "ipList",
            "binary",
            "binaryList",
            "date",
            "dateList",
        ];
        let structures = params.structures(name);
        if structures.is_empty() {
            return Ok(None);
        }
        let mut entries = Vec::with_capacity(structures.len());
        for entry in structures {
            let key = entry.get("ContextKeyName").ok_or_else(|| {
                AwsError::invalid_input("ContextKeyName is required for every context entry.")
            })?;
            let kind = entry
                .get("ContextKeyType")
                .map(String::as_str)
                .unwrap_or("string");
            if !TYPES.contains(&kind) {
                return Err(AwsError::constraint(
                    &format!("{}.member.contextKeyType", member_name(name)),
                    Some(kind),
                    &format!("Member must satisfy enum value set: [{}]", TYPES.join(", ")),
                ));
            }
            let mut values: Vec<(u32, &String)> = entry
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("ContextKeyValues.member.")
                        .and_then(|n| n.parse().ok())
                        .map(|n| (n, v))
                })
                .collect();
            values.sort_by_key(|(n, _)| *n);
            let mut values = values.into_iter().map(|(_, v)| v.clone());
            let value = if kind.ends_with("List") {
                ContextValue::Multi(values.collect())
            } else {
                match values.next() {
                    Some(v) => ContextValue::Single(v),
                    None => ContextValue::Multi(Vec::new()),
                }
            };
            entries.push((key.clone(), value));
        }
        Ok(Some(Self(entries)))
    }
}

text_member!(
    /// PEM text as IAM's models take it (`certificateBodyType` and
    /// `publicKeyMaterialType` 16,384, `certificateChainType` 2,097,152):
    /// 1 to `MAX` characters of tab, line breaks and U+0020 to U+00FF.
    /// Whether it holds what it should is the action's to decide.
    PemText<const MAX: usize>
);

impl<const MAX: usize> Scalar for PemText<MAX> {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 1, MAX)?;
        check_policy_characters(member, value)?;
        Ok(Self(value.to_string()))
    }
}

/// A server certificate's `PrivateKey` (`privateKeyType`, sensitive): 1 to
/// 16,384 characters of tab, line breaks and U+0020 to U+00FF. Errors and
/// its `Debug` never show it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct PrivateKeyPem(String);

impl Deref for PrivateKeyPem {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PrivateKeyPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKeyPem(..)")
    }
}

impl Scalar for PrivateKeyPem {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        crate::params::check_sensitive_length(member, value, 1, 16_384)?;
        if !value
            .chars()
            .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'))
        {
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
            )));
        }
        Ok(Self(value.to_string()))
    }
}

text_member!(
    /// The id of a signing certificate (`certificateIdType`, `MIN` 24) or an
    /// SSH public key (`publicKeyIdType`, `MIN` 20): `MIN` to 128 word
    /// characters.
    CredentialId<const MIN: usize>
);

impl<const MIN: usize> Scalar for CredentialId<MIN> {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, MIN, 128)?;
        if !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(AwsError::constraint(
                member,
                Some(value),
                "Member must satisfy regular expression pattern: [\\w]+",
            ));
        }
        Ok(Self(value.to_string()))
    }
}

/// `Encoding` of `GetSSHPublicKey` (`encodingType`): the key as OpenSSH's
/// `ssh-rsa` line or as PEM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PublicKeyEncoding {
    /// `ssh-rsa BASE64` (what a decoder holds for one that failed to read).
    #[default]
    Ssh,
    /// `-----BEGIN PUBLIC KEY-----…`.
    Pem,
}

impl Scalar for PublicKeyEncoding {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        match value {
            "SSH" => Ok(Self::Ssh),
            "PEM" => Ok(Self::Pem),
            other => Err(AwsError::constraint(
                member,
                Some(other),
                "Member must satisfy enum value set: [SSH, PEM]",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::testing::params;

    /// Reads a user name, a path and tags, as `CreateUser` does.
    fn create_user(pairs: &[(&str, &str)]) -> Result<(Name<64>, IamPath, Tags), AwsError> {
        let p = params(pairs);
        let d = p.decoder();
        let name = d.required("UserName");
        let path = d.member("Path").unwrap_or_else(IamPath::root);
        let tags = d.member("Tags").unwrap_or_default();
        d.finish((name, path, tags))
    }

    #[test]
    fn every_broken_member_is_reported_in_one_error_in_the_order_read() {
        let error = create_user(&[
            ("UserName", "bad name"),
            ("Path", "no-slashes"),
            ("Tags.member.1.Key", "ok"),
            ("Tags.member.1.Value", "bad\u{7}"),
        ])
        .expect_err("three violations");
        assert_eq!(error.code.as_ref(), "ValidationError");
        assert_eq!(error.violations.len(), 3);
        assert_eq!(
            error.message,
            "3 validation errors detected: \
             Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+; \
             Value 'no-slashes' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F); \
             Value 'bad\u{7}' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"
        );

        let missing = create_user(&[("Path", "/ok/")]).expect_err("missing");
        assert_eq!(
            missing.message,
            "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"
        );
        let (name, path, tags) =
            create_user(&[("UserName", "alice"), ("Path", "/ok/")]).expect("valid");
        assert_eq!((&*name, &*path, tags.0.len()), ("alice", "/ok/", 0));
    }

    #[test]
    fn an_error_that_is_no_violation_comes_out_when_no_member_is_broken() {
        let p = params(&[("UserName", "alice")]);
        let d = p.decoder();
        let _: Option<Name<64>> = d.member("UserName");
        d.read::<()>(Err(AwsError::invalid_input("not a violation")));
        let error = d.finish(()).expect_err("invalid input");
        assert_eq!(error.code.as_ref(), "InvalidInput");

        let d = p.decoder();
        d.read::<()>(Err(AwsError::invalid_input("not a violation")));
        let _: Name<3> = d.required("UserName");
        let error = d.finish(()).expect_err("violation first");
        assert_eq!(error.code.as_ref(), "ValidationError");
    }
}
