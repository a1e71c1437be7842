//! The vocabulary protocols, histories and checkers share: operation ids, keys and values,
//! operation kinds and what they returned, why a node refused, a node's role, and the data
//! a node's state holds beyond its store (version stamps, statements, changes in doubt).
//!
//! **Architecture Invariant:** this module depends on nothing in the crate; `protocol.rs`
//! (the contract strategies implement) and `check/` (the checkers) both build on it and
//! never import each other.

use serde::Serialize;

/// Id of a client operation, unique in a run, starting at 1.
pub type OpId = u64;

/// A key in the replicated store.
pub type Key = u32;

/// A value: in register workloads, the id of the write that wrote it (0 = initial).
pub type Value = u64;

/// What a client asks for. Register scenarios use `Read` and `Write`; the others are the
/// operations of inventory and cart scenarios. Every update carries a unique value (its
/// operation id), so a history can be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    /// Read one key.
    Read,
    /// Write a unique value to one key.
    Write,
    /// Buy one unit of an item (decrement its stock if any is left).
    Order,
    /// Add units of an item to its stock.
    Restock,
    /// Put an item in the client's cart.
    CartAdd,
    /// Take an item out of the client's cart.
    CartRemove,
    /// Set an item's price.
    SetPrice,
    /// Move money from one account (the key) to another (the peer key).
    Transfer,
    /// Withdraw from one holder's half of a joint account (the key; the other half is the
    /// peer key): allowed while the two halves together cover it.
    Withdraw,
}

impl FailReason {
    /// Its name in trace files (as serde writes it).
    pub fn name(self) -> &'static str {
        match self {
            FailReason::NotPrimary => "not_primary",
            FailReason::NotReady => "not_ready",
            FailReason::Overloaded => "overloaded",
            FailReason::Unreachable => "unreachable",
            FailReason::OutOfStock => "out_of_stock",
            FailReason::SerializationFailure => "serialization_failure",
            FailReason::InsufficientFunds => "insufficient_funds",
        }
    }
}

impl OpKind {
    /// Its name in reports and trace files.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Read => "read",
            OpKind::Write => "write",
            OpKind::Order => "order",
            OpKind::Restock => "restock",
            OpKind::CartAdd => "cart_add",
            OpKind::CartRemove => "cart_remove",
            OpKind::SetPrice => "set_price",
            OpKind::Transfer => "transfer",
            OpKind::Withdraw => "withdraw",
        }
    }

    /// Whether the operation only reads.
    pub fn is_read(self) -> bool {
        self == OpKind::Read
    }
}

/// What an operation returned besides a value read, where the history needs it to be
/// checked without the strategy's help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpResult {
    /// A transfer under last-writer-wins: the balance its leader wrote for each account,
    /// and which write's balance it built on.
    LwwTransfer {
        /// The leader's wall clock when it took the transfer (skew included).
        stamp_us: i64,
        /// Payer, then payee.
        sides: [LwwSide; 2],
    },
    /// A transaction: what it read (with the version of each value: the operation that
    /// wrote it, 0 for the initial value) and what it wrote.
    Transaction {
        /// `(key, value, version)` per read.
        reads: Vec<(Key, i64, OpId)>,
        /// `(key, value)` per write.
        writes: Vec<(Key, i64)>,
    },
}

/// One account a last-writer-wins transfer wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LwwSide {
    /// The account.
    pub account: Key,
    /// The balance written.
    pub balance: i64,
    /// The write whose balance this one was computed from (0: the initial balance).
    pub basis: OpId,
}

/// A change to one account by one operation: a line of an account statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Posting {
    /// The account (or counter).
    pub account: Key,
    /// The operation that made the change.
    pub op: OpId,
    /// Money (or units) into the account; negative out of it.
    pub delta: i64,
}

/// What a node's state holds beyond its key-value store, for checkers: the data itself —
/// version stamps, account statements, changes held in doubt — never the node's verdict on
/// what it did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StateExtras {
    /// Per key, the operation whose write the value came from (last-writer-wins stamps).
    pub versions: std::collections::BTreeMap<Key, OpId>,
    /// Every change applied to the store, oldest first: `store[k]` is the initial value plus
    /// the deltas posted to `k` (while nothing was dropped).
    pub ledger: Vec<Posting>,
    /// Oldest postings dropped to bound the ledger.
    pub ledger_dropped: u64,
    /// Changes prepared and not yet decided: held, not applied (two-phase commit).
    pub held: Vec<Posting>,
    /// Per key holding concurrent versions (siblings), every value it holds, smallest
    /// first; the store shows one of them. Keys with one version are absent.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub siblings: std::collections::BTreeMap<Key, Vec<Value>>,
}

impl StateExtras {
    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
            && self.ledger.is_empty()
            && self.held.is_empty()
            && self.ledger_dropped == 0
            && self.siblings.is_empty()
    }
}

/// Why a node refused an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailReason {
    /// The node is not (or no longer) the primary.
    NotPrimary,
    /// The node is recovering or promoting and not ready.
    NotReady,
    /// A queue is full.
    Overloaded,
    /// No node could be reached.
    Unreachable,
    /// The item is sold out (at this replica's knowledge).
    OutOfStock,
    /// A concurrent transaction committed a write to the same key first.
    SerializationFailure,
    /// The payer's balance (at this node's knowledge) is below the amount.
    InsufficientFunds,
}

/// A node's role, shared by all strategies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Accepts writes and ships its log.
    Primary,
    /// Follows a primary (and what a node is when it says nothing else).
    #[default]
    Replica,
    /// Asking for votes.
    Candidate,
    /// Runs a distributed transaction (two-phase commit).
    Coordinator,
}

impl Role {
    /// Stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Primary => "primary",
            Role::Replica => "replica",
            Role::Candidate => "candidate",
            Role::Coordinator => "coordinator",
        }
    }
}

/// Where keys live when a store is partitioned by consistent hashing: every key hashes to a
/// position on a ring of `nodes` nodes and is stored on the `replicas` nodes that follow
/// it, in ring order (its preference list). A configuration fact the strategy places keys
/// by and the checkers compare replicas by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ring {
    /// Nodes on the ring.
    pub nodes: u32,
    /// Copies of every key.
    pub replicas: u32,
}

impl Ring {
    /// The key's position on the ring: the first node of its preference list.
    pub fn position(self, key: Key) -> usize {
        assert!(self.nodes > 0, "a ring needs a node");
        // SplitMix64's finaliser: neighbouring keys land on unrelated positions.
        let mut mixed = u64::from(key).wrapping_add(0x9E37_79B9_7F4A_7C15);
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^= mixed >> 31;
        (mixed % u64::from(self.nodes)) as usize
    }

    /// The `step`-th node of the ring walk that starts at the key's position (its preference
    /// list is the first `replicas` steps; the steps after are the fallbacks a sloppy quorum
    /// takes).
    pub fn walk(self, key: Key, step: usize) -> usize {
        (self.position(key) + step) % self.nodes as usize
    }

    /// The nodes that store the key, in preference order.
    pub fn replicas_of(self, key: Key) -> impl Iterator<Item = usize> {
        (0..self.replicas.min(self.nodes) as usize).map(move |step| self.walk(key, step))
    }

    /// Whether `node` is one of the key's replicas.
    pub fn stores(self, key: Key, node: usize) -> bool {
        let steps = (node + self.nodes as usize - self.position(key)) % self.nodes as usize;
        steps < self.replicas.min(self.nodes) as usize
    }
}

/// A knob's choices as an enum: its values, parsing and name come from its variants
/// (strum's `VariantNames`, `EnumString` and `IntoStaticStr` derives), provided once here.
pub trait Choice: Sized + Copy + strum::VariantNames + std::str::FromStr + Into<&'static str> {
    /// Knob values, in order of declaration.
    const VALUES: &'static [&'static str] = <Self as strum::VariantNames>::VARIANTS;

    /// Parses a knob value.
    fn parse(value: &str) -> Option<Self> {
        value.parse().ok()
    }

    /// The knob value naming it.
    fn name(self) -> &'static str {
        self.into()
    }
}

/// A node: its place in the world's list of nodes (the order a scenario builds them in).
/// A type of its own, so a node cannot be mistaken for a city, a count or an operation.
/// Written as its number (in reports, debug output and the digest alike).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct NodeId(usize);

impl NodeId {
    /// The node at `index` in the world's list.
    pub const fn new(index: usize) -> Self {
        Self(index)
    }

    /// Its place in the world's list (and in every per-node table).
    pub const fn index(self) -> usize {
        self.0
    }

    /// The first `count` nodes, in order.
    pub fn all(count: usize) -> impl Iterator<Item = NodeId> {
        (0..count).map(NodeId::new)
    }
}

impl std::fmt::Debug for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::fmt::Display for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<NodeId> for u64 {
    fn from(node: NodeId) -> u64 {
        node.0 as u64
    }
}

impl<T> std::ops::Index<NodeId> for [T] {
    type Output = T;
    fn index(&self, node: NodeId) -> &T {
        &self[node.index()]
    }
}

impl<T> std::ops::IndexMut<NodeId> for [T] {
    fn index_mut(&mut self, node: NodeId) -> &mut T {
        &mut self[node.index()]
    }
}

impl<T> std::ops::Index<NodeId> for Vec<T> {
    type Output = T;
    fn index(&self, node: NodeId) -> &T {
        &self[node.index()]
    }
}

impl<T> std::ops::IndexMut<NodeId> for Vec<T> {
    fn index_mut(&mut self, node: NodeId) -> &mut T {
        &mut self[node.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A node id is written as its bare number wherever the run's output or digest shows it
    /// (so making it a type changed no report, trace or golden digest), and indexes per-node
    /// tables by its place.
    #[test]
    fn a_node_id_reads_and_writes_as_its_number() {
        let node = NodeId::new(3);
        assert_eq!(format!("{node:?} {node}"), "3 3");
        assert_eq!(u64::from(node), 3);
        assert_eq!(serde_json::to_string(&(Some(node), [NodeId::new(0)])).ok().as_deref(), Some("[3,[0]]"));
        let mut table: Vec<char> = "abcd".chars().collect();
        table[node] = 'z';
        assert_eq!((table[node], table[..][NodeId::new(1)]), ('z', 'b'));
        assert_eq!(NodeId::all(3).map(NodeId::index).collect::<Vec<_>>(), [0, 1, 2]);
    }
}
