//! Tags of an entity: one value per key, keys compared regardless of case,
//! at most [`TAGS_PER_ENTITY`].

use super::names::name_key;
use crate::{Quota, StoreError};
use std::collections::{BTreeMap, BTreeSet};

/// The most tags an entity may carry.
pub const TAGS_PER_ENTITY: usize = 50;

/// The tags to write when `new` is put on an entity whose tags have the
/// keys `existing`: one per key regardless of case, the last of `new` with
/// that key winning, and taking its spelling as well as its value (a key
/// the entity has already is replaced). `Quota::Tags` if the entity would
/// have more than [`TAGS_PER_ENTITY`].
pub(crate) fn put<'a>(
    existing: impl IntoIterator<Item = &'a str>,
    new: &[(String, String)],
) -> Result<Vec<(String, String)>, StoreError> {
    let mut writes: BTreeMap<String, &(String, String)> = BTreeMap::new();
    for tag in new {
        writes.insert(name_key(&tag.0), tag);
    }
    let mut keys: BTreeSet<String> = existing.into_iter().map(name_key).collect();
    keys.extend(writes.keys().cloned());
    if keys.len() > TAGS_PER_ENTITY {
        return Err(Quota::Tags.into());
    }
    Ok(writes.into_values().cloned().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(key: &str, value: &str) -> (String, String) {
        (key.to_string(), value.to_string())
    }

    #[test]
    fn the_last_spelling_and_value_of_a_key_win() {
        let writes = put(
            ["Env"],
            &[tag("team", "a"), tag("ENV", "prod"), tag("Team", "b")],
        )
        .expect("allowed");
        assert_eq!(writes, vec![tag("ENV", "prod"), tag("Team", "b")]);
    }

    #[test]
    fn at_most_fifty_tags_in_all() {
        let existing: Vec<String> = (0..49).map(|i| format!("k{i}")).collect();
        let keys = || existing.iter().map(String::as_str);
        // A key present already (in another case) adds nothing.
        assert!(put(keys(), &[tag("K0", "x"), tag("new", "x")]).is_ok());
        assert!(matches!(
            put(keys(), &[tag("new", "x"), tag("other", "x")]),
            Err(StoreError::LimitExceeded(Quota::Tags))
        ));
    }
}
