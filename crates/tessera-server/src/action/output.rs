//! Typed outputs: each encodes itself as the children of `<ActionResult>`.

use crate::{
    AppState,
    xml::{Xml, members},
};

/// An action's result, as botocore's model shapes it.
pub trait Encode {
    /// The children of `<ActionResult>`; `state` gives the partition of the
    /// ARNs it writes.
    fn encode(self, state: &AppState) -> Vec<Xml>;
}

/// The result of an action whose output has no members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Empty;

impl Encode for Empty {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        Vec::new()
    }
}

/// One page of a listing: its items, whether it is truncated, and the
/// marker of the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Whether more items follow.
    pub truncated: bool,
    /// Where the next page starts, when truncated.
    pub marker: Option<String>,
}

impl<T> Listing<T> {
    /// The same page with each item mapped.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Listing<U> {
        Listing {
            items: self.items.into_iter().map(f).collect(),
            truncated: self.truncated,
            marker: self.marker,
        }
    }

    /// `<list><member>…</member>…</list>`, then `IsTruncated` and, when
    /// truncated, `Marker`.
    pub fn xml(self, list: &'static str, item: impl FnMut(T) -> Vec<Xml>) -> Vec<Xml> {
        let list = members(list, self.items.into_iter().map(item).collect());
        tail(list, self.truncated, self.marker)
    }

    /// `<list><member>text</member>…</list>`, then the tail of
    /// [`Listing::xml`].
    pub fn texts(self, list: &'static str, item: impl FnMut(T) -> String) -> Vec<Xml> {
        let list = Xml::node(
            list,
            self.items
                .into_iter()
                .map(item)
                .map(|text| Xml::text("member", text))
                .collect(),
        );
        tail(list, self.truncated, self.marker)
    }
}

fn tail(list: Xml, truncated: bool, marker: Option<String>) -> Vec<Xml> {
    let mut out = vec![list, Xml::text("IsTruncated", truncated.to_string())];
    out.extend(marker.map(|marker| Xml::text("Marker", marker)));
    out
}
