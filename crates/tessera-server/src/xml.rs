//! XML responses in the shapes of botocore's Query-protocol models, written
//! with quick-xml so every value is escaped.

use crate::AwsError;
use quick_xml::{
    Writer,
    escape::partial_escape,
    events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event},
};
use std::borrow::Cow;

/// The STS namespace.
pub const STS_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// An element of a response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Xml {
    /// `<name>text</name>`.
    Text(Cow<'static, str>, String),
    /// `<name>children</name>`.
    Node(Cow<'static, str>, Vec<Xml>),
}

impl Xml {
    /// A text element.
    pub fn text(name: &'static str, value: impl Into<String>) -> Self {
        Self::Text(Cow::Borrowed(name), value.into())
    }

    /// An element holding other elements.
    pub fn node(name: &'static str, children: Vec<Xml>) -> Self {
        Self::Node(Cow::Borrowed(name), children)
    }
}

fn write_node(writer: &mut Writer<Vec<u8>>, node: &Xml) -> std::io::Result<()> {
    match node {
        Xml::Text(name, value) => {
            writer.write_event(Event::Start(BytesStart::new(name.as_ref())))?;
            // Text content needs only `<`, `>` and `&` escaped; quotes stay as AWS writes them.
            writer.write_event(Event::Text(BytesText::from_escaped(partial_escape(value))))?;
            writer.write_event(Event::End(BytesEnd::new(name.as_ref())))?;
        }
        Xml::Node(name, children) => {
            writer.write_event(Event::Start(BytesStart::new(name.as_ref())))?;
            for child in children {
                write_node(writer, child)?;
            }
            writer.write_event(Event::End(BytesEnd::new(name.as_ref())))?;
        }
    }
    Ok(())
}

fn document(root: &str, namespace: &str, children: &[Xml]) -> String {
    // Room for the common answers, so that writing them never grows it.
    let mut writer = Writer::new_with_indent(Vec::with_capacity(4096), b' ', 2);
    let written = (|| -> std::io::Result<()> {
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let mut start = BytesStart::new(root);
        if !namespace.is_empty() {
            start.push_attribute(("xmlns", namespace));
        }
        writer.write_event(Event::Start(start))?;
        for child in children {
            write_node(&mut writer, child)?;
        }
        writer.write_event(Event::End(BytesEnd::new(root)))?;
        Ok(())
    })();
    debug_assert!(written.is_ok(), "writing to a Vec cannot fail");
    String::from_utf8(writer.into_inner()).unwrap_or_default()
}

/// The IAM namespace.
pub const IAM_NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…`.
/// The result element is written even when empty: botocore expects it for
/// actions whose output shape has no members (e.g. `UpdateRole`), and
/// ignores it for actions without output.
pub fn response(action: &str, namespace: &str, result: Vec<Xml>, request_id: &str) -> String {
    document(
        &format!("{action}Response"),
        namespace,
        &[
            Xml::Node(Cow::Owned(format!("{action}Result")), result),
            Xml::node("ResponseMetadata", vec![Xml::text("RequestId", request_id)]),
        ],
    )
}

/// A Unix time as AWS writes dates: ISO 8601 in UTC with a `Z`.
pub fn iso8601(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// `<name><member>…</member>…</name>`, the Query protocol's list shape.
pub fn members(name: &'static str, items: Vec<Vec<Xml>>) -> Xml {
    Xml::node(
        name,
        items
            .into_iter()
            .map(|item| Xml::node("member", item))
            .collect(),
    )
}

/// `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`.
/// An error without a message (`ReportNotPresent`) has no `<Message>`, as
/// AWS writes it.
pub fn error(namespace: &str, error: &AwsError, request_id: &str) -> String {
    let mut fields = vec![
        Xml::text("Type", error.fault_type()),
        Xml::text("Code", error.code.to_string()),
    ];
    if !error.message.is_empty() {
        fields.push(Xml::text("Message", error.message.clone()));
    }
    document(
        "ErrorResponse",
        namespace,
        &[
            Xml::node("Error", fields),
            Xml::text("RequestId", request_id),
        ],
    )
}

/// `<Error><Code/><Message/><RequestId/></Error>`, S3's error shape.
pub fn s3_error(error: &AwsError, request_id: &str) -> String {
    document(
        "Error",
        "",
        &[
            Xml::text("Code", error.code.to_string()),
            Xml::text("Message", error.message.clone()),
            Xml::text("RequestId", request_id),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        let body = response(
            "GetCallerIdentity",
            STS_NAMESPACE,
            vec![Xml::text("Arn", "<a&b>\"")],
            "req-1",
        );
        assert!(body.contains("<Arn>&lt;a&amp;b&gt;\"</Arn>"), "{body}");
        assert!(body.contains("<GetCallerIdentityResult>"));
        assert!(body.contains("<RequestId>req-1</RequestId>"));
    }

    #[test]
    fn error_shape() {
        let body = error(STS_NAMESPACE, &AwsError::invalid_client_token_id(), "r");
        assert!(
            body.contains("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">")
        );
        assert!(body.contains("<Type>Sender</Type>"));
        assert!(body.contains("<Code>InvalidClientTokenId</Code>"));
        assert!(body.contains("<RequestId>r</RequestId>"));
    }
}
