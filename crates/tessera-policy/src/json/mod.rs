//! The JSON shape users write: `Version`, `Statement`, `Effect`, … exactly
//! as in an IAM policy document, with the position of every element kept for
//! error messages. Serializing a [`PolicyDocument`] writes the same shape back
//! (single values stay single, arrays stay arrays, member order is canonical).

pub mod err;
pub mod pos;
pub mod raw;

pub use err::JsonError;
pub use pos::Position;

use raw::{Member, Spanned, Value};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// A value together with the position where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where it starts in the policy text.
    pub pos: Position,
}

impl<T> Located<T> {
    /// Wraps a value with a default (unknown) position.
    pub fn new(value: T) -> Self {
        Located {
            value,
            pos: Position::default(),
        }
    }
}

impl<T: Serialize> Serialize for Located<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

/// An element written either as one value or as an array of values.
#[derive(Debug, Clone, PartialEq)]
pub enum OneOrMany<T> {
    /// A single value.
    One(T),
    /// An array (possibly empty).
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// The values, whichever way they were written.
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(v) => std::slice::from_ref(v),
            OneOrMany::Many(v) => v,
        }
    }
}

impl<T: Serialize> Serialize for OneOrMany<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            OneOrMany::One(v) => v.serialize(s),
            OneOrMany::Many(vs) => {
                let mut seq = s.serialize_seq(Some(vs.len()))?;
                for v in vs {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
        }
    }
}

/// A whole policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    /// `Version`, if written.
    pub version: Option<Located<String>>,
    /// `Id`, if written.
    pub id: Option<Located<String>>,
    /// `Statement`, if written.
    pub statement: Option<Located<OneOrMany<StatementDocument>>>,
    /// Where the document starts.
    pub pos: Position,
}

/// One statement as written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatementDocument {
    /// Where the statement starts.
    pub pos: Position,
    /// Just past the statement's closing brace.
    pub end: Position,
    /// `Sid`
    pub sid: Option<Located<String>>,
    /// `Effect`
    pub effect: Option<Located<String>>,
    /// `Principal`
    pub principal: Option<Located<PrincipalDocument>>,
    /// `NotPrincipal`
    pub not_principal: Option<Located<PrincipalDocument>>,
    /// `Action`
    pub action: Option<Located<StringList>>,
    /// `NotAction`
    pub not_action: Option<Located<StringList>>,
    /// `Resource`
    pub resource: Option<Located<StringList>>,
    /// `NotResource`
    pub not_resource: Option<Located<StringList>>,
    /// `Condition`
    pub condition: Option<Located<ConditionDocument>>,
}

/// A string or an array of strings, each with its position.
pub type StringList = OneOrMany<Located<String>>;

/// A `Principal` / `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq)]
pub enum PrincipalDocument {
    /// A bare string (only `"*"` is valid).
    Str(String),
    /// `{"AWS": …, "Service": …, "Federated": …, "CanonicalUser": …}` in source order.
    Map(Vec<PrincipalEntry>),
}

/// One `"AWS": […]`-style member of a principal map.
#[derive(Debug, Clone, PartialEq)]
pub struct PrincipalEntry {
    /// `AWS`, `Service`, `Federated` or `CanonicalUser`.
    pub kind: Located<String>,
    /// The principals of that kind.
    pub values: StringList,
}

/// A `Condition` element: operator blocks in source order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConditionDocument {
    /// `{"StringEquals": {…}, …}`
    pub blocks: Vec<ConditionBlock>,
}

/// One operator block, e.g. `"StringEquals": {"aws:username": "bob"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionBlock {
    /// The operator as written, e.g. `ForAnyValue:StringLike`.
    pub operator: Located<String>,
    /// Key/values pairs in source order.
    pub entries: Vec<ConditionEntry>,
}

/// One condition key with its values.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionEntry {
    /// The condition key as written.
    pub key: Located<String>,
    /// The values (ORed at evaluation).
    pub values: OneOrMany<Located<ConditionValue>>,
}

/// A condition value: AWS accepts strings, numbers and booleans.
#[derive(Debug, Clone, PartialEq)]
pub enum ConditionValue {
    /// A JSON string.
    String(String),
    /// A JSON number, as written.
    Number(String),
    /// A JSON boolean.
    Bool(bool),
}

impl ConditionValue {
    /// The value as the string the evaluator compares.
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            ConditionValue::String(s) | ConditionValue::Number(s) => s.as_str().into(),
            ConditionValue::Bool(true) => "true".into(),
            ConditionValue::Bool(false) => "false".into(),
        }
    }
}

impl Serialize for ConditionValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ConditionValue::String(v) => s.serialize_str(v),
            ConditionValue::Bool(b) => s.serialize_bool(*b),
            // Numbers are written back exactly as they were read (the reader
            // checked the JSON number grammar), so sizes and values never drift.
            ConditionValue::Number(n) => {
                match serde_json::value::RawValue::from_string(n.clone()) {
                    Ok(raw) => raw.serialize(s),
                    Err(_) => s.serialize_str(n),
                }
            }
        }
    }
}

impl Serialize for PolicyDocument {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(v) = &self.version {
            m.serialize_entry("Version", v)?;
        }
        if let Some(v) = &self.id {
            m.serialize_entry("Id", v)?;
        }
        if let Some(v) = &self.statement {
            m.serialize_entry("Statement", v)?;
        }
        m.end()
    }
}

impl Serialize for StatementDocument {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(v) = &self.sid {
            m.serialize_entry("Sid", v)?;
        }
        if let Some(v) = &self.effect {
            m.serialize_entry("Effect", v)?;
        }
        if let Some(v) = &self.principal {
            m.serialize_entry("Principal", v)?;
        }
        if let Some(v) = &self.not_principal {
            m.serialize_entry("NotPrincipal", v)?;
        }
        if let Some(v) = &self.action {
            m.serialize_entry("Action", v)?;
        }
        if let Some(v) = &self.not_action {
            m.serialize_entry("NotAction", v)?;
        }
        if let Some(v) = &self.resource {
            m.serialize_entry("Resource", v)?;
        }
        if let Some(v) = &self.not_resource {
            m.serialize_entry("NotResource", v)?;
        }
        if let Some(v) = &self.condition {
            m.serialize_entry("Condition", v)?;
        }
        m.end()
    }
}

impl Serialize for PrincipalDocument {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            PrincipalDocument::Str(v) => s.serialize_str(v),
            PrincipalDocument::Map(entries) => {
                let mut m = s.serialize_map(Some(entries.len()))?;
                for e in entries {
                    m.serialize_entry(&e.kind.value, &e.values)?;
                }
                m.end()
            }
        }
    }
}

impl Serialize for ConditionDocument {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.blocks.len()))?;
        for b in &self.blocks {
            m.serialize_entry(&b.operator.value, &ConditionEntries(&b.entries))?;
        }
        m.end()
    }
}

struct ConditionEntries<'a>(&'a [ConditionEntry]);

impl Serialize for ConditionEntries<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for e in self.0 {
            m.serialize_entry(&e.key.value, &e.values)?;
        }
        m.end()
    }
}

impl PolicyDocument {
    /// Reads a policy document from its text, keeping positions.
    ///
    /// Only the JSON shape is checked here (types of elements, unknown or
    /// duplicate members); the IAM rules are checked by [`crate::ast`].
    pub fn parse(text: &str) -> Result<PolicyDocument, JsonError> {
        let root = raw::parse(text)?;
        document(root)
    }

    /// Like [`PolicyDocument::parse`], telling apart text that is not JSON
    /// (`Err(Ok(_))`) from JSON that is not a policy's shape (`Err(Err(_))`).
    pub(crate) fn parse_split(text: &str) -> Result<PolicyDocument, Result<JsonError, JsonError>> {
        let root = raw::parse(text).map_err(Ok)?;
        document(root).map_err(Err)
    }

    /// Compact JSON text of this document.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Indented JSON text of this document.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

fn shape_err(pos: Position, detail: impl Into<String>) -> JsonError {
    JsonError {
        detail: detail.into(),
        pos,
    }
}

fn document(root: Spanned) -> Result<PolicyDocument, JsonError> {
    let pos = root.pos;
    let Value::Object(members) = root.value else {
        return Err(shape_err(pos, "a policy document must be a JSON object"));
    };
    let mut doc = PolicyDocument {
        version: None,
        id: None,
        statement: None,
        pos,
    };
    for Member {
        key,
        key_pos,
        value,
    } in members
    {
        match key.as_str() {
            "Version" => doc.version = Some(string(value, "Version")?),
            "Id" => doc.id = Some(string(value, "Id")?),
            "Statement" => {
                let vpos = value.pos;
                let st = match value.value {
                    Value::Object(_) => OneOrMany::One(statement(value)?),
                    Value::Array(items) => OneOrMany::Many(
                        items
                            .into_iter()
                            .map(statement)
                            .collect::<Result<Vec<_>, _>>()?,
                    ),
                    other => {
                        return Err(shape_err(
                            vpos,
                            format!(
                                "Statement must be an object or an array, not {}",
                                other.type_name()
                            ),
                        ));
                    }
                };
                doc.statement = Some(Located {
                    value: st,
                    pos: vpos,
                });
            }
            _ => return Err(shape_err(key_pos, format!("unknown field {key}"))),
        }
    }
    Ok(doc)
}

fn string(v: Spanned, what: &str) -> Result<Located<String>, JsonError> {
    match v.value {
        Value::String(s) => Ok(Located {
            value: s,
            pos: v.pos,
        }),
        other => Err(shape_err(
            v.pos,
            format!("{what} must be a string, not {}", other.type_name()),
        )),
    }
}

fn string_list(v: Spanned, what: &str) -> Result<Located<StringList>, JsonError> {
    list_of_strings(v, what, false)
}

/// `Resource` / `NotResource`: IAM takes `null` members of the array and
/// ignores them.
fn resource_list(v: Spanned, what: &str) -> Result<Located<StringList>, JsonError> {
    list_of_strings(v, what, true)
}

fn list_of_strings(
    v: Spanned,
    what: &str,
    skip_null: bool,
) -> Result<Located<StringList>, JsonError> {
    let pos = v.pos;
    let value = match v.value {
        Value::String(s) => OneOrMany::One(Located { value: s, pos }),
        Value::Array(items) => OneOrMany::Many(
            items
                .into_iter()
                .filter(|i| !(skip_null && i.value == Value::Null))
                .map(|i| string(i, what))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        other => {
            return Err(shape_err(
                pos,
                format!(
                    "{what} must be a string or an array of strings, not {}",
                    other.type_name()
                ),
            ));
        }
    };
    Ok(Located { value, pos })
}

fn statement(v: Spanned) -> Result<StatementDocument, JsonError> {
    let (pos, end) = (v.pos, v.end);
    let Value::Object(members) = v.value else {
        return Err(shape_err(
            pos,
            format!("a statement must be an object, not {}", v.value.type_name()),
        ));
    };
    let mut st = StatementDocument {
        pos,
        end,
        ..Default::default()
    };
    for Member {
        key,
        key_pos,
        value,
    } in members
    {
        match key.as_str() {
            "Sid" => st.sid = Some(string(value, "Sid")?),
            "Effect" => st.effect = Some(string(value, "Effect")?),
            "Principal" => st.principal = Some(principal(value, "Principal")?),
            "NotPrincipal" => st.not_principal = Some(principal(value, "NotPrincipal")?),
            "Action" => st.action = Some(string_list(value, "Action")?),
            "NotAction" => st.not_action = Some(string_list(value, "NotAction")?),
            "Resource" => st.resource = Some(resource_list(value, "Resource")?),
            "NotResource" => st.not_resource = Some(resource_list(value, "NotResource")?),
            "Condition" => st.condition = Some(condition(value)?),
            _ => return Err(shape_err(key_pos, format!("unknown field {key}"))),
        }
    }
    Ok(st)
}

fn principal(v: Spanned, what: &str) -> Result<Located<PrincipalDocument>, JsonError> {
    let pos = v.pos;
    let value = match v.value {
        Value::String(s) => PrincipalDocument::Str(s),
        Value::Object(members) => {
            let mut entries = Vec::with_capacity(members.len());
            for Member {
                key,
                key_pos,
                value,
            } in members
            {
                let values = string_list(value, &key)?.value;
                entries.push(PrincipalEntry {
                    kind: Located {
                        value: key,
                        pos: key_pos,
                    },
                    values,
                });
            }
            PrincipalDocument::Map(entries)
        }
        other => {
            return Err(shape_err(
                pos,
                format!(
                    "{what} must be \"*\" or an object, not {}",
                    other.type_name()
                ),
            ));
        }
    };
    Ok(Located { value, pos })
}

fn condition_value(v: Spanned) -> Result<Located<ConditionValue>, JsonError> {
    let value = match v.value {
        Value::String(s) => ConditionValue::String(s),
        Value::Number(n) => ConditionValue::Number(n),
        Value::Bool(b) => ConditionValue::Bool(b),
        other => {
            return Err(shape_err(
                v.pos,
                format!(
                    "a condition value must be a string, number or boolean, not {}",
                    other.type_name()
                ),
            ));
        }
    };
    Ok(Located { value, pos: v.pos })
}

fn condition(v: Spanned) -> Result<Located<ConditionDocument>, JsonError> {
    let pos = v.pos;
    let Value::Object(blocks) = v.value else {
        return Err(shape_err(
            pos,
            format!("Condition must be an object, not {}", v.value.type_name()),
        ));
    };
    let mut doc = ConditionDocument::default();
    for Member {
        key,
        key_pos,
        value,
    } in blocks
    {
        let bpos = value.pos;
        let Value::Object(entries) = value.value else {
            return Err(shape_err(
                bpos,
                format!(
                    "the block of condition operator {key} must be an object, not {}",
                    value.value.type_name()
                ),
            ));
        };
        let mut out = Vec::with_capacity(entries.len());
        for Member {
            key: ckey,
            key_pos: ckey_pos,
            value: cval,
        } in entries
        {
            let vpos = cval.pos;
            let values = match cval.value {
                Value::Array(items) => OneOrMany::Many(
                    items
                        .into_iter()
                        .map(condition_value)
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                other => OneOrMany::One(condition_value(Spanned {
                    value: other,
                    pos: vpos,
                    end: cval.end,
                })?),
            };
            out.push(ConditionEntry {
                key: Located {
                    value: ckey,
                    pos: ckey_pos,
                },
                values,
            });
        }
        doc.blocks.push(ConditionBlock {
            operator: Located {
                value: key,
                pos: key_pos,
            },
            entries: out,
        });
    }
    Ok(Located { value: doc, pos })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_shape() {
        let text = r#"{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":["s3:Get*"],"Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":1e1},"Bool":{"aws:SecureTransport":true}}}}"#;
        let doc = PolicyDocument::parse(text).expect("parses");
        assert_eq!(doc.to_json(), text);
    }

    #[test]
    fn unknown_field_has_position() {
        let err = PolicyDocument::parse("{\n \"Statment\": []}").expect_err("unknown");
        assert_eq!(err.pos, Position { line: 2, column: 2 });
    }
}
