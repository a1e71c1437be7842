//! Size-conscious collection helpers: the page ships every strategy in one wasm module,
//! and each `collect()` into a `BTreeMap` instantiates a whole stable sort for its iterator
//! type. Building maps by insertion shares one `insert` per key and value type instead.
//!
//! This module must stay free of simulation logic: it only builds collections.

use std::collections::{BTreeMap, BTreeSet};

/// A map from pairs, later pairs winning as with `collect()`, without a sort per call site.
pub fn map_from<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (key, value) in pairs {
        map.insert(key, value);
    }
    map
}

/// A set from items, without the stable sort `collect()` instantiates per item type.
pub fn set_from<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    for item in items {
        set.insert(item);
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_pairs_win_like_collect() {
        let pairs = vec![(2u32, 'a'), (1, 'b'), (2, 'c')];
        let collected: BTreeMap<u32, char> = pairs.clone().into_iter().collect();
        assert_eq!(map_from(pairs), collected);
    }
}
