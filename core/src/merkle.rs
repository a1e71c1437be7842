//! A Merkle tree over a set of keyed items, for anti-entropy: two replicas compare the root
//! of the same key range, and only where it differs descend to the children, level by
//! level, until the leaves that differ name the few keys worth sending. Replicas that agree
//! exchange one hash; replicas that differ on one key exchange `FANOUT × DEPTH` hashes and
//! that key, not the whole range.
//!
//! The tree has a fixed shape: [`LEAVES`] leaves, each hashing the items whose key falls in
//! it ([`leaf_of`]); an inner node hashes its [`FANOUT`] children. Hashes are 64-bit
//! SplitMix-style mixes: deterministic on every platform, not cryptographic (the replicas
//! trust each other; the hash only has to differ when the contents do).

use crate::vocabulary::Key;

/// Children per inner node.
pub const FANOUT: usize = 4;
/// Levels below the root.
pub const DEPTH: usize = 2;
/// Leaves: `FANOUT ^ DEPTH`.
pub const LEAVES: usize = FANOUT.pow(DEPTH as u32);

/// Mixes `value` into `hash`.
pub fn mix(hash: u64, value: u64) -> u64 {
    let mut mixed = hash ^ value.wrapping_add(0x9E37_79B9_7F4A_7C15).wrapping_add(hash << 6).wrapping_add(hash >> 2);
    mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    mixed ^ (mixed >> 31)
}

/// The leaf a key falls in.
pub fn leaf_of(key: Key) -> usize {
    (mix(0x5EED, u64::from(key)) % LEAVES as u64) as usize
}

/// A tree's hashes, level by level: `levels[0]` is the root, `levels[DEPTH]` the leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleTree {
    levels: Vec<Vec<u64>>,
}

impl MerkleTree {
    /// The tree of items given as `(key, hash of the key's contents)`, in any order (a leaf
    /// combines its items order-independently, so two replicas holding the same items in a
    /// different order build the same tree).
    pub fn build(items: impl IntoIterator<Item = (Key, u64)>) -> Self {
        let mut leaves = vec![0u64; LEAVES];
        for (key, contents) in items {
            // Addition commutes: the leaf does not depend on the order items come in.
            leaves[leaf_of(key)] = leaves[leaf_of(key)].wrapping_add(mix(u64::from(key), contents));
        }
        let mut levels = vec![leaves];
        for _ in 0..DEPTH {
            let below = levels.last().expect("the leaves are there");
            let above: Vec<u64> = below
                .chunks(FANOUT)
                .map(|children| children.iter().fold(0x4D45_524B, |hash, child| mix(hash, *child)))
                .collect();
            levels.push(above);
        }
        levels.reverse();
        debug_assert_eq!(levels[0].len(), 1);
        Self { levels }
    }

    /// The hash of node `index` at `level` (0: the root); 0 outside the tree.
    pub fn hash(&self, level: usize, index: usize) -> u64 {
        self.levels.get(level).and_then(|hashes| hashes.get(index)).copied().unwrap_or(0)
    }

    /// The root hash.
    pub fn root(&self) -> u64 {
        self.hash(0, 0)
    }
}

/// The children of node `index` (at any level but the leaves), as indices one level down.
pub fn children(index: usize) -> std::ops::Range<usize> {
    index * FANOUT..(index + 1) * FANOUT
}

/// Of `theirs` — `(index, hash)` pairs of one level — the indices where `mine` differs.
pub fn differing(mine: &MerkleTree, level: usize, theirs: &[(usize, u64)]) -> Vec<usize> {
    theirs.iter().filter(|(index, hash)| mine.hash(level, *index) != *hash).map(|(index, _)| *index).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_contents_give_equal_trees_in_any_order_and_one_change_one_path() {
        let items: Vec<(Key, u64)> = (0..200).map(|key| (key, u64::from(key) * 7)).collect();
        let forward = MerkleTree::build(items.iter().copied());
        let backward = MerkleTree::build(items.iter().rev().copied());
        assert_eq!(forward, backward);
        let mut changed = items.clone();
        changed[42].1 += 1;
        let other = MerkleTree::build(changed);
        assert_ne!(forward.root(), other.root());
        // Exactly one leaf differs, and it is the changed key's, reached by descending.
        let leaves: Vec<(usize, u64)> = (0..LEAVES).map(|leaf| (leaf, other.hash(DEPTH, leaf))).collect();
        assert_eq!(differing(&forward, DEPTH, &leaves), vec![leaf_of(42)]);
        let mut level_index = 0;
        for level in 1..=DEPTH {
            let below: Vec<(usize, u64)> = children(level_index).map(|i| (i, other.hash(level, i))).collect();
            let differ = differing(&forward, level, &below);
            assert_eq!(differ.len(), 1, "one path differs at level {level}");
            level_index = differ[0];
        }
        assert_eq!(level_index, leaf_of(42));
    }
}
