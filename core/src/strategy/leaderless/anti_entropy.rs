//! What repairs replicas in the background: hinted handoff (a node holding writes for
//! another hands them over once it answers) and anti-entropy (two replicas of a key range
//! compare Merkle trees and exchange the keys under the leaves that differ).

use super::{hint_parts, hint_slot, Msg, QuorumNode, Siblings, Timer, ENTRIES_PER_MESSAGE_MAX};
use crate::merkle::{self, MerkleTree};
use crate::protocol::{Ctx, Key, NodeId, Out};

impl QuorumNode {
    /// Sends every node it holds hints for (up to a message's worth each) what it holds.
    /// Nodes still unreachable drop the message; the next round tries again.
    pub(super) fn hand_off(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        let mut per_node: Vec<Vec<(Key, Siblings)>> = vec![Vec::new(); self.names.len()];
        for (slot, held) in &self.hints {
            let (key, intended) = hint_parts(*slot);
            if per_node[intended].len() < ENTRIES_PER_MESSAGE_MAX {
                per_node[intended].push((key, (**held).clone()));
            }
        }
        for (node, entries) in NodeId::all(per_node.len()).zip(per_node).filter(|(_, entries)| !entries.is_empty()) {
            debug_assert_ne!(node, ctx.me, "hints are never held for oneself");
            out.send(node, Msg::Handoff { entries });
        }
    }

    /// The intended node stored what it was handed: drop each hint it acknowledged,
    /// unless a newer write for it arrived meanwhile.
    pub(super) fn on_handoff_ack(&mut self, from: NodeId, keys: Vec<(Key, u64)>) {
        for (key, digest) in keys {
            if self.hints.get(&hint_slot(key, from)).is_some_and(|held| held.digest() == digest) {
                self.hints.remove(&hint_slot(key, from));
                self.counters.hints_handed_off += 1;
            }
        }
    }

    /// The nodes storing a range (the keys whose ring position is `range`).
    fn range_members(&self, range: usize) -> impl Iterator<Item = NodeId> {
        let nodes = self.config.ring.nodes as usize;
        (0..self.config.replicas()).map(move |step| NodeId::new((range + step) % nodes))
    }

    fn stores_range(&self, range: usize, node: NodeId) -> bool {
        self.range_members(range).any(|member| member == node)
    }

    /// The ranges both nodes store.
    fn shared_ranges(&self, me: NodeId, peer: NodeId) -> Vec<usize> {
        (0..self.config.ring.nodes as usize)
            .filter(|range| self.stores_range(*range, me) && self.stores_range(*range, peer))
            .collect()
    }

    /// One anti-entropy round: with the next peer in turn that shares a range, compare the
    /// root of each shared range's tree.
    pub(super) fn anti_entropy_round(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        let me = ctx.me;
        let peers: Vec<NodeId> = NodeId::all(self.config.ring.nodes as usize)
            .filter(|peer| *peer != me && !self.shared_ranges(me, *peer).is_empty())
            .collect();
        let Some(&peer) = peers.get(self.peer_turn % peers.len().max(1)) else { return };
        self.peer_turn += 1;
        for range in self.shared_ranges(me, peer) {
            let tree = self.tree(range);
            out.send(peer, Msg::Tree { range, level: 0, hashes: vec![(0, tree.root())] });
        }
    }

    /// The Merkle tree of the keys it stores in a range.
    fn tree(&self, range: usize) -> MerkleTree {
        let ring = self.config.ring;
        MerkleTree::build(
            self.data
                .iter()
                .filter(|(key, _)| ring.position(**key as Key) == range)
                .map(|(key, held)| (*key as Key, held.digest())),
        )
    }

    /// Its keys (with their versions) in a range under the given leaves.
    fn entries_under(&self, range: usize, leaves: &[usize]) -> Vec<(Key, Siblings)> {
        let ring = self.config.ring;
        self.data
            .iter()
            .map(|(key, held)| (*key as Key, held))
            .filter(|(key, _)| ring.position(*key) == range && leaves.contains(&merkle::leaf_of(*key)))
            .take(ENTRIES_PER_MESSAGE_MAX)
            .map(|(key, held)| (key, (**held).clone()))
            .collect()
    }

    /// A peer's hashes of one level: where they differ, answer with the next level's hashes
    /// under them, or at the leaves with the keys under them.
    pub(super) fn on_tree(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        range: usize,
        level: usize,
        hashes: Vec<(usize, u64)>,
        out: &mut Out<Msg, Timer>,
    ) {
        if !self.stores_range(range, ctx.me) || level > merkle::DEPTH {
            return;
        }
        let tree = self.tree(range);
        let differing = merkle::differing(&tree, level, &hashes);
        if differing.is_empty() {
            return;
        }
        if level == merkle::DEPTH {
            let entries = self.entries_under(range, &differing);
            out.send(from, Msg::Leaves { range, leaves: differing, entries, wants_reply: true });
            return;
        }
        let below = differing
            .into_iter()
            .flat_map(merkle::children)
            .map(|child| (child, tree.hash(level + 1, child)))
            .collect();
        out.send(from, Msg::Tree { range, level: level + 1, hashes: below });
    }

    /// A peer's keys under leaves that differ: answer with its own (if asked), then merge.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_leaves(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        range: usize,
        leaves: Vec<usize>,
        entries: Vec<(Key, Siblings)>,
        wants_reply: bool,
        out: &mut Out<Msg, Timer>,
    ) {
        if !self.stores_range(range, ctx.me) {
            return;
        }
        if wants_reply {
            let mine = self.entries_under(range, &leaves);
            out.send(from, Msg::Leaves { range, leaves, entries: mine, wants_reply: false });
        }
        let ring = self.config.ring;
        for (key, held) in entries {
            if ring.position(key) == range && self.store_versions(key, &held).changed {
                self.counters.keys_repaired_by_anti_entropy += 1;
            }
        }
    }
}
