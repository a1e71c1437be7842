//! Commit levels: when a write is committed (a quorum's write, flush or apply position,
//! semi-sync's one replica), the rule that a primary commits only entries of its own epoch
//! by counting (Raft's Figure 8), and acknowledging clients once committed.

use super::*;

pub(super) fn majority(nodes: usize) -> usize {
    nodes / 2 + 1
}

/// Most nodes in an hdfc cluster (a primary and six replicas, one per city), with room.
pub const NODES_MAX: usize = 8;

/// The `k`-th largest of at most [`NODES_MAX`] values (0 if there are fewer than `k`),
/// without allocating: it runs on every acknowledgement and client request.
pub(super) fn kth_largest(values: impl Iterator<Item = u64>, k: usize) -> u64 {
    let mut buffer = [0u64; NODES_MAX];
    let mut count = 0;
    for value in values.take(NODES_MAX) {
        buffer[count] = value;
        count += 1;
    }
    let slice = &mut buffer[..count];
    // Ascending (the plain sort other code already instantiates): the k-th largest is k from the end.
    slice.sort_unstable();
    if k == 0 {
        u64::MAX
    } else {
        count.checked_sub(k).and_then(|index| slice.get(index)).copied().unwrap_or(0)
    }
}

impl LogShippingNode {
    pub(super) fn quorum_position(&self, nodes: usize, me: NodeId, position: impl Fn(&Peer) -> u64) -> u64 {
        let k = nodes / 2;
        if k == 0 {
            return u64::MAX;
        }
        kth_largest(self.other_peers(me).map(position), k)
    }

    pub(super) fn commit_candidate(&self, nodes: usize, me: NodeId) -> u64 {
        let replicated = match self.config.commit {
            CommitMode::Async => return self.log.last_lsn(),
            CommitMode::Local => u64::MAX,
            CommitMode::SemiSync if self.semi_sync_degraded || nodes == 1 => u64::MAX,
            CommitMode::SemiSync => self
                .peers
                .iter()
                .enumerate()
                .filter(|(id, _)| *id != me)
                .map(|(_, peer)| peer.write_lsn)
                .max()
                .unwrap_or(0),
            CommitMode::RemoteWrite => self.quorum_position(nodes, me, |peer| peer.write_lsn),
            CommitMode::On => self.quorum_position(nodes, me, |peer| peer.flush_lsn),
            CommitMode::RemoteApply => self.quorum_position(nodes, me, |peer| peer.apply_lsn),
        };
        self.flushed_lsn.min(replicated)
    }

    pub(super) fn advance_commit(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        if self.role != Role::Primary {
            return;
        }
        let candidate = self.commit_candidate(ctx.nodes, ctx.me);
        // Only an entry of our own epoch can be committed by counting replicas (Raft's rule).
        let counted = self.config.commit.needs_quorum() || self.config.commit == CommitMode::SemiSync;
        if candidate > self.commit_lsn && (!counted || self.log.epoch_at(candidate) == Some(self.epoch)) {
            self.commit_lsn = candidate;
            self.apply_up_to(candidate);
        }
        self.acknowledge_committed(ctx, out);
    }

    pub(super) fn acknowledge_committed(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        if !self.lease_valid(ctx.now_us, ctx.nodes, ctx.me) {
            return;
        }
        while let Some(&(lsn, op)) = self.waiting.front() {
            if lsn > self.commit_lsn {
                break;
            }
            self.waiting.pop_front();
            out.reply(op, Reply::Ok { read_value: None, epoch: self.epoch });
        }
    }

    pub(super) fn update_semi_sync(&mut self, now_us: u64) {
        if self.config.commit != CommitMode::SemiSync {
            return;
        }
        if self.semi_sync_degraded {
            let caught_up = self.peers.iter().any(|peer| peer.write_lsn >= self.flushed_lsn && self.flushed_lsn > 0);
            if caught_up {
                self.semi_sync_degraded = false;
            }
        } else if let Some(&(lsn, _)) = self.waiting.front() {
            let waited = self.log.get(lsn).map_or(0, |entry| now_us.saturating_sub(entry.appended_us));
            if waited >= self.config.semi_sync_timeout_us {
                self.semi_sync_degraded = true;
            }
        }
    }
}
