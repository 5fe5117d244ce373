//! Precompiled wildcard patterns with policy variables.
//!
//! A pattern is compiled once, when the policy is parsed: wildcards (`*`,
//! `?`) become tokens, policy variables (`${aws:username}`,
//! `${aws:PrincipalTag/team, 'none'}`) are pre-parsed, and the escapes
//! `${*}`, `${?}`, `${$}` become literal characters. Matching substitutes the
//! variables from the request and runs a linear-space wildcard matcher.

use std::borrow::Cow;

/// A policy variable: a context key (lower-cased) and an optional default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// The context key, lower-cased (keys are case-insensitive).
    pub key: String,
    /// The default used when the key has no single value.
    pub default: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Lit(String),
    Star,
    One,
    Var(Variable),
}

/// How a pattern's text is read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PatternOptions {
    /// `*` and `?` are wildcards.
    pub wildcards: bool,
    /// `${…}` is a policy variable (Version 2012-10-17 only).
    pub variables: bool,
    /// Compare case-insensitively (the text is lower-cased).
    pub lowercase: bool,
}

/// Looks up single-valued context keys for variable substitution.
pub trait Variables {
    /// The single value of a context key (given lower-cased), if it has exactly one.
    fn variable(&self, key_lc: &str) -> Option<&str>;
}

/// No variables at all.
pub(crate) struct NoVariables;

impl Variables for NoVariables {
    fn variable(&self, _: &str) -> Option<&str> {
        None
    }
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pieces: Vec<Piece>,
    has_vars: bool,
    lowercase: bool,
}

#[derive(Clone, Copy)]
enum P<'a> {
    Lit(&'a str),
    Star,
    One,
}

impl AsPiece for P<'_> {
    fn piece(&self) -> P<'_> {
        *self
    }
}

trait AsPiece {
    fn piece(&self) -> P<'_>;
}

impl AsPiece for Piece {
    fn piece(&self) -> P<'_> {
        match self {
            Piece::Lit(s) => P::Lit(s),
            Piece::Star => P::Star,
            Piece::One => P::One,
            // Never reached: patterns with variables are resolved first.
            Piece::Var(_) => P::Lit("\u{0}${unresolved}"),
        }
    }
}

enum Resolved<'a> {
    Lit(Cow<'a, str>),
    Star,
    One,
}

impl AsPiece for Resolved<'_> {
    fn piece(&self) -> P<'_> {
        match self {
            Resolved::Lit(s) => P::Lit(s),
            Resolved::Star => P::Star,
            Resolved::One => P::One,
        }
    }
}

fn push_lit(pieces: &mut Vec<Piece>, lit: &mut String) {
    if !lit.is_empty() {
        pieces.push(Piece::Lit(std::mem::take(lit)));
    }
}

enum VarToken {
    Escape(char),
    Var(Variable),
}

/// Parses the inside of `${…}`; `s` starts right after `${`.
/// Returns the token and the number of bytes consumed including `}`.
fn parse_variable(s: &str, lowercase: bool) -> Option<(VarToken, usize)> {
    let bytes = s.as_bytes();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while bytes.get(*i) == Some(&b' ') {
            *i += 1;
        }
    };
    skip_ws(&mut i);
    if let Some(&c @ (b'*' | b'?' | b'$')) = bytes.get(i) {
        let mut j = i + 1;
        skip_ws(&mut j);
        if bytes.get(j) == Some(&b'}') {
            return Some((VarToken::Escape(char::from(c)), j + 1));
        }
        return None;
    }
    let start = i;
    while let Some(&b) = bytes.get(i) {
        if matches!(b, b' ' | b',' | b'}' | b'{' | b'$' | b'\'' | b'\t' | b'\n') {
            break;
        }
        i += 1;
    }
    if i == start {
        return None;
    }
    let key = s.get(start..i)?.to_ascii_lowercase();
    skip_ws(&mut i);
    match bytes.get(i) {
        Some(b'}') => Some((VarToken::Var(Variable { key, default: None }), i + 1)),
        Some(b',') => {
            i += 1;
            skip_ws(&mut i);
            if bytes.get(i) != Some(&b'\'') {
                return None;
            }
            i += 1;
            let mut default = String::new();
            loop {
                let rest = s.get(i..)?;
                let q = rest.find('\'')?;
                default.push_str(&rest[..q]);
                i += q + 1;
                if bytes.get(i) == Some(&b'\'') {
                    default.push('\'');
                    i += 1;
                } else {
                    break;
                }
            }
            skip_ws(&mut i);
            if bytes.get(i) != Some(&b'}') {
                return None;
            }
            if lowercase {
                default = default.to_lowercase();
            }
            Some((
                VarToken::Var(Variable {
                    key,
                    default: Some(default),
                }),
                i + 1,
            ))
        }
        _ => None,
    }
}

impl Pattern {
    pub(crate) fn compile(text: &str, opts: PatternOptions) -> Pattern {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if opts.variables
                && rest.starts_with("${")
                && let Some((tok, used)) = parse_variable(&rest[2..], opts.lowercase)
            {
                match tok {
                    VarToken::Escape(ch) => lit.push(ch),
                    VarToken::Var(v) => {
                        push_lit(&mut pieces, &mut lit);
                        pieces.push(Piece::Var(v));
                    }
                }
                rest = &rest[2 + used..];
                continue;
            }
            if opts.wildcards && c == '*' {
                push_lit(&mut pieces, &mut lit);
                if pieces.last() != Some(&Piece::Star) {
                    pieces.push(Piece::Star);
                }
            } else if opts.wildcards && c == '?' {
                push_lit(&mut pieces, &mut lit);
                pieces.push(Piece::One);
            } else if opts.lowercase {
                lit.extend(c.to_lowercase());
            } else {
                lit.push(c);
            }
            rest = &rest[c.len_utf8()..];
        }
        push_lit(&mut pieces, &mut lit);
        let has_vars = pieces.iter().any(|p| matches!(p, Piece::Var(_)));
        Pattern {
            pieces,
            has_vars,
            lowercase: opts.lowercase,
        }
    }

    /// True when the pattern is a lone `*`.
    pub fn is_any(&self) -> bool {
        self.pieces == [Piece::Star]
    }

    /// True when the pattern contains policy variables.
    pub fn has_variables(&self) -> bool {
        self.has_vars
    }

    /// The variables the pattern refers to.
    pub fn variables(&self) -> impl Iterator<Item = &Variable> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var(v) => Some(v),
            _ => None,
        })
    }

    /// Matches `text` (already lower-cased if the pattern is case-insensitive).
    /// A variable without a value and without a default never matches.
    pub fn matches(&self, text: &str, vars: &dyn Variables) -> bool {
        if !self.has_vars {
            return glob(&self.pieces, text);
        }
        // Case-sensitive patterns substitute borrowed values: no allocation.
        const INLINE: usize = 16;
        if !self.lowercase && self.pieces.len() <= INLINE {
            let mut buf = [P::Star; INLINE];
            for (slot, p) in buf.iter_mut().zip(&self.pieces) {
                *slot = match p {
                    Piece::Lit(s) => P::Lit(s),
                    Piece::Star => P::Star,
                    Piece::One => P::One,
                    Piece::Var(v) => match (vars.variable(&v.key), &v.default) {
                        (Some(val), _) => P::Lit(val),
                        (None, Some(d)) => P::Lit(d),
                        (None, None) => return false,
                    },
                };
            }
            return glob(&buf[..self.pieces.len()], text);
        }
        let mut resolved = Vec::with_capacity(self.pieces.len());
        for p in &self.pieces {
            resolved.push(match p {
                Piece::Lit(s) => Resolved::Lit(Cow::Borrowed(s)),
                Piece::Star => Resolved::Star,
                Piece::One => Resolved::One,
                Piece::Var(v) => match (vars.variable(&v.key), &v.default) {
                    (Some(val), _) if self.lowercase => {
                        Resolved::Lit(Cow::Owned(val.to_lowercase()))
                    }
                    (Some(val), _) => Resolved::Lit(Cow::Borrowed(val)),
                    (None, Some(d)) => Resolved::Lit(Cow::Borrowed(d)),
                    (None, None) => return false,
                },
            });
        }
        glob(&resolved, text)
    }

    /// Splits the pattern at its first `max - 1` literal colons (for ARN segments).
    fn split_segments(self, max: usize) -> Vec<Pattern> {
        let mut segs: Vec<Vec<Piece>> = vec![Vec::new()];
        for piece in self.pieces {
            match piece {
                Piece::Lit(s) => {
                    let mut rest = s.as_str();
                    while segs.len() < max {
                        match rest.find(':') {
                            Some(k) => {
                                if k > 0
                                    && let Some(cur) = segs.last_mut()
                                {
                                    cur.push(Piece::Lit(rest[..k].to_string()));
                                }
                                segs.push(Vec::new());
                                rest = &rest[k + 1..];
                            }
                            None => break,
                        }
                    }
                    if !rest.is_empty()
                        && let Some(cur) = segs.last_mut()
                    {
                        cur.push(Piece::Lit(rest.to_string()));
                    }
                }
                other => {
                    if let Some(cur) = segs.last_mut() {
                        cur.push(other);
                    }
                }
            }
        }
        segs.into_iter()
            .map(|pieces| {
                let has_vars = pieces.iter().any(|p| matches!(p, Piece::Var(_)));
                Pattern {
                    pieces,
                    has_vars,
                    lowercase: self.lowercase,
                }
            })
            .collect()
    }
}

/// Linear-space wildcard match with single-star backtracking.
fn glob<T: AsPiece>(pieces: &[T], text: &str) -> bool {
    let n = pieces.len();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if pi < n {
            match pieces[pi].piece() {
                P::Star => {
                    pi += 1;
                    if pi == n {
                        return true;
                    }
                    star = Some((pi, ti));
                    continue;
                }
                P::One => {
                    if let Some(c) = text[ti..].chars().next() {
                        ti += c.len_utf8();
                        pi += 1;
                        continue;
                    }
                }
                P::Lit(s) => {
                    if text[ti..].starts_with(s) {
                        ti += s.len();
                        pi += 1;
                        continue;
                    }
                }
            }
        } else if ti == text.len() {
            return true;
        }
        let Some((sp, st)) = star else {
            return false;
        };
        let Some(c) = text[st..].chars().next() else {
            return false;
        };
        let next = st + c.len_utf8();
        star = Some((sp, next));
        pi = sp;
        ti = next;
    }
}

/// An ARN pattern matched segment by segment: a wildcard never crosses one
/// of the first five colons; the last segment takes the rest of the ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArnPattern {
    /// `*`: everything.
    Any,
    /// Colon-separated segments (at most six).
    Segments {
        /// The segment patterns.
        segments: Vec<Pattern>,
        /// The literal text before the first wildcard or variable: every
        /// matching ARN starts with it (a cheap first test).
        prefix: String,
        /// The pattern has neither wildcards nor variables: it matches
        /// exactly the ARN equal to `prefix`.
        literal: bool,
    },
}

impl ArnPattern {
    pub(crate) fn compile(text: &str, opts: PatternOptions) -> ArnPattern {
        if text == "*" {
            return ArnPattern::Any;
        }
        let whole = Pattern::compile(text, opts);
        let mut prefix = String::new();
        let mut literal = true;
        for p in &whole.pieces {
            match p {
                Piece::Lit(s) => prefix.push_str(s),
                _ => {
                    literal = false;
                    break;
                }
            }
        }
        ArnPattern::Segments {
            segments: whole.split_segments(6),
            prefix,
            literal,
        }
    }

    /// True when the pattern contains policy variables.
    pub fn has_variables(&self) -> bool {
        match self {
            ArnPattern::Any => false,
            ArnPattern::Segments { segments, .. } => segments.iter().any(Pattern::has_variables),
        }
    }

    /// Matches an ARN (or any string, for `*`).
    pub fn matches(&self, arn: &str, vars: &dyn Variables) -> bool {
        let (segs, prefix, literal) = match self {
            ArnPattern::Any => return true,
            ArnPattern::Segments {
                segments,
                prefix,
                literal,
            } => (segments, prefix, *literal),
        };
        if literal {
            return arn == prefix;
        }
        if !arn.starts_with(prefix.as_str()) {
            return false;
        }
        let mut rest = arn;
        let n = segs.len();
        for (i, seg) in segs.iter().enumerate() {
            if i + 1 == n {
                return seg.matches(rest, vars);
            }
            let Some(k) = rest.find(':') else {
                return false;
            };
            if !seg.matches(&rest[..k], vars) {
                return false;
            }
            rest = &rest[k + 1..];
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const WILD: PatternOptions = PatternOptions {
        wildcards: true,
        variables: true,
        lowercase: false,
    };

    struct Map(HashMap<String, String>);
    impl Variables for Map {
        fn variable(&self, key_lc: &str) -> Option<&str> {
            self.0.get(key_lc).map(String::as_str)
        }
    }

    fn vars() -> Map {
        Map(HashMap::from([(
            "aws:username".to_string(),
            "bob".to_string(),
        )]))
    }

    #[test]
    fn wildcards() {
        let p = Pattern::compile("a*b?c", WILD);
        assert!(p.matches("ab_c", &NoVariables));
        assert!(p.matches("axxxbyc", &NoVariables));
        assert!(!p.matches("abc", &NoVariables));
        assert!(Pattern::compile("*", WILD).matches("", &NoVariables));
        assert!(Pattern::compile("é?", WILD).matches("éü", &NoVariables));
        assert!(Pattern::compile("*a*a*a*b", WILD).matches("aaaaaaaaaaab", &NoVariables));
        assert!(!Pattern::compile("*a*a*a*b", WILD).matches("aaaaaaaaaaaa", &NoVariables));
    }

    #[test]
    fn variables_and_escapes() {
        let v = vars();
        assert!(Pattern::compile("home/${aws:username}/*", WILD).matches("home/bob/x", &v));
        assert!(Pattern::compile("home/${AWS:UserName}", WILD).matches("home/bob", &v));
        assert!(!Pattern::compile("home/${aws:userid}", WILD).matches("home/", &v));
        assert!(Pattern::compile("${aws:userid, 'none'}", WILD).matches("none", &v));
        assert!(Pattern::compile("${x, 'it''s'}", WILD).matches("it's", &v));
        assert!(Pattern::compile("a${*}b", WILD).matches("a*b", &v));
        assert!(!Pattern::compile("a${*}b", WILD).matches("axb", &v));
        assert!(Pattern::compile("${?}${$}", WILD).matches("?$", &v));
        assert!(Pattern::compile("${unterminated", WILD).matches("${unterminated", &v));
    }

    #[test]
    fn arn_segments() {
        let p = ArnPattern::compile("arn:aws:iam::*:user/*", WILD);
        assert!(p.matches("arn:aws:iam::123456789012:user/a/b", &NoVariables));
        assert!(!p.matches("arn:aws:iam::123:456:user/a", &NoVariables));
        let p = ArnPattern::compile("arn:aws:s3:::b/${aws:username}/*", WILD);
        assert!(p.matches("arn:aws:s3:::b/bob/k:1", &vars()));
        let p = ArnPattern::compile("arn:aws:*", WILD);
        assert!(p.matches("arn:aws:s3:::x", &NoVariables));
    }
}
