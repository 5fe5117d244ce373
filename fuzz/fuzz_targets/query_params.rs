//! Fuzzes Query-protocol parameter decoding as the server does it
//! (`tessera-server`'s `Params::from_request`, which the fuzz crate cannot
//! reach without building the whole server): the query string and a form
//! body decoded with `form_urlencoded`, a body that is not UTF-8 refused,
//! duplicate names found, and the `.member.N` list and structure members
//! read. Nothing may panic, and decoded pairs encode back to text that
//! decodes to the same pairs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;

fn decode(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

fn encode(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn duplicate(pairs: &[(String, String)]) -> Option<&str> {
    let mut names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    names
        .windows(2)
        .find(|pair| pair[0] == pair[1])
        .map(|pair| pair[0])
}

fn list<'a>(pairs: &'a [(String, String)], prefix: &str) -> Vec<&'a str> {
    let head = format!("{prefix}.member.");
    let mut items: Vec<(u32, &str)> = pairs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(&head)
                .and_then(|n| n.parse().ok())
                .map(|n| (n, v.as_str()))
        })
        .collect();
    items.sort_by_key(|(n, _)| *n);
    items.into_iter().map(|(_, v)| v).collect()
}

fn structures(pairs: &[(String, String)], prefix: &str) -> Vec<BTreeMap<String, String>> {
    let head = format!("{prefix}.member.");
    let mut items: BTreeMap<u32, BTreeMap<String, String>> = BTreeMap::new();
    for (k, v) in pairs {
        if let Some((index, field)) = k.strip_prefix(&head).and_then(|rest| rest.split_once('.'))
            && let Ok(index) = index.parse::<u32>()
        {
            items
                .entry(index)
                .or_default()
                .insert(field.to_string(), v.clone());
        }
    }
    items.into_values().collect()
}

fuzz_target!(|data: &[u8]| {
    // The query string up to the first newline, the body after it.
    let (query, body) = match data.iter().position(|b| *b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b""[..]),
    };
    let query = String::from_utf8_lossy(query);
    let mut pairs = decode(query.as_bytes());
    if std::str::from_utf8(body).is_ok() {
        pairs.extend(decode(body));
    }
    assert_eq!(decode(encode(&pairs).as_bytes()), pairs);
    let _ = duplicate(&pairs);
    for prefix in ["PolicyArns", "Tags", "TransitiveTagKeys"] {
        let _ = list(&pairs, prefix);
        let _ = structures(&pairs, prefix);
    }
    if let Some(text) = pairs
        .iter()
        .find(|(k, _)| k == "DurationSeconds")
        .map(|(_, v)| v)
    {
        let _ = text.trim().parse::<i64>();
    }
});
