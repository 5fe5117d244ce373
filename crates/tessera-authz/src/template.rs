//! Route templates: the path a route matches and the resource it names.

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// Matches exactly this text.
    Literal(String),
    /// Matches one non-empty segment and binds it to this name.
    Placeholder(String),
}

/// The segments of a path (`/a/b/` is `a`, `b` and a trailing slash; `/`
/// has none), or `None` when it does not start with `/`. Templates and
/// request paths are split alike, so that they match segment by segment.
pub(crate) fn split_path(path: &str) -> Option<(Vec<&str>, bool)> {
    let rest = path.strip_prefix('/')?;
    if rest.is_empty() {
        return Some((Vec::new(), false));
    }
    Some(match rest.strip_suffix('/') {
        Some(inner) => (inner.split('/').collect(), true),
        None => (rest.split('/').collect(), false),
    })
}

/// A parsed path template such as `/orders/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathTemplate {
    pub(crate) segments: Vec<Segment>,
    /// Whether the template ends in `/` (after at least one segment).
    pub(crate) trailing_slash: bool,
}

/// Names a path placeholder may not take: the resource template's own.
pub(crate) const RESERVED: [&str; 2] = ["region", "account"];

impl PathTemplate {
    /// Parses a template: `/`, then segments separated by `/`, each a
    /// literal of URI path characters or a whole `{ident}`; no empty
    /// segment but an optional trailing `/`, no placeholder twice.
    pub(crate) fn parse(text: &str) -> Result<PathTemplate, String> {
        let (raw_segments, trailing_slash) =
            split_path(text).ok_or_else(|| format!("path {text:?} does not start with '/'"))?;
        let mut segments = Vec::new();
        for raw in raw_segments {
            let segment = parse_segment(raw).map_err(|why| format!("path {text:?}: {why}"))?;
            if let Segment::Placeholder(name) = &segment {
                if segments.contains(&segment) {
                    return Err(format!(
                        "path {text:?}: placeholder {{{name}}} appears twice"
                    ));
                }
                if RESERVED.contains(&name.as_str()) {
                    return Err(format!(
                        "path {text:?}: {{{name}}} is reserved for the resource template"
                    ));
                }
            }
            segments.push(segment);
        }
        Ok(PathTemplate {
            segments,
            trailing_slash,
        })
    }

    /// The placeholder names, in order.
    pub(crate) fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Placeholder(name) => Some(name.as_str()),
            Segment::Literal(_) => None,
        })
    }
}

fn parse_segment(raw: &str) -> Result<Segment, String> {
    if raw.is_empty() {
        return Err("empty segment".into());
    }
    if let Some(inner) = raw.strip_prefix('{') {
        let name = inner
            .strip_suffix('}')
            .ok_or_else(|| format!("segment {raw:?} is neither a literal nor a whole {{name}}"))?;
        if !is_ident(name) {
            return Err(format!("placeholder {raw:?} is not {{identifier}}"));
        }
        return Ok(Segment::Placeholder(name.to_string()));
    }
    if raw == "." || raw == ".." {
        return Err(format!("segment {raw:?} is a dot segment"));
    }
    if !raw.bytes().all(is_literal_byte) {
        return Err(format!(
            "segment {raw:?} must be a whole {{name}} or unescaped URI path characters"
        ));
    }
    Ok(Segment::Literal(raw.to_string()))
}

/// RFC 3986 `pchar` without percent-escapes: unreserved, sub-delims, `:`, `@`.
fn is_literal_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b)
}

/// `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_ident(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// One part of a resource template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    Literal(String),
    Placeholder(String),
}

/// A parsed resource template such as
/// `arn:aws:orders:{region}:{account}:order/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceTemplate {
    pub(crate) parts: Vec<Part>,
}

impl ResourceTemplate {
    /// Parses literal text and `{ident}` placeholders; a stray brace is an
    /// error.
    pub(crate) fn parse(text: &str) -> Result<ResourceTemplate, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            match rest.find(['{', '}']) {
                None => {
                    parts.push(Part::Literal(rest.to_string()));
                    rest = "";
                }
                Some(at) => {
                    if at > 0 {
                        parts.push(Part::Literal(rest[..at].to_string()));
                    }
                    let tail = &rest[at..];
                    let close = tail
                        .strip_prefix('{')
                        .and_then(|t| t.find('}'))
                        .ok_or_else(|| format!("resource {text:?} has an unbalanced brace"))?;
                    let name = &tail[1..=close];
                    if !is_ident(name) {
                        return Err(format!(
                            "resource {text:?}: {{{name}}} is not {{identifier}}"
                        ));
                    }
                    parts.push(Part::Placeholder(name.to_string()));
                    rest = &tail[close + 2..];
                }
            }
        }
        Ok(ResourceTemplate { parts })
    }

    /// The placeholder names, in order.
    pub(crate) fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Placeholder(name) => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// Fills the placeholders; `None` if `value` knows one not.
    pub(crate) fn render<'v>(&self, value: impl Fn(&str) -> Option<&'v str>) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Placeholder(name) => out.push_str(value(name)?),
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paths() {
        let t = PathTemplate::parse("/orders/{id}/items/").expect("template");
        assert_eq!(
            t.segments,
            vec![
                Segment::Literal("orders".into()),
                Segment::Placeholder("id".into()),
                Segment::Literal("items".into())
            ]
        );
        assert!(t.trailing_slash);
        assert_eq!(PathTemplate::parse("/").expect("root").segments, vec![]);
        for bad in [
            "orders",
            "//",
            "/a//b",
            "/{id",
            "/x{id}",
            "/{a}/{a}",
            "/{1a}",
            "/a%20",
            "/..",
            "/{region}",
        ] {
            assert!(PathTemplate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_resources() {
        let t =
            ResourceTemplate::parse("arn:aws:o:{region}:{account}:order/{id}").expect("template");
        assert_eq!(
            t.placeholders().collect::<Vec<_>>(),
            ["region", "account", "id"]
        );
        let filled = t.render(|n| {
            Some(match n {
                "region" => "eu-west-1",
                "account" => "123456789012",
                _ => "7",
            })
        });
        assert_eq!(
            filled.as_deref(),
            Some("arn:aws:o:eu-west-1:123456789012:order/7")
        );
        for bad in ["a{b", "a}b", "{}", "{a-b}", "{{a}}"] {
            assert!(ResourceTemplate::parse(bad).is_err(), "{bad}");
        }
    }
}
