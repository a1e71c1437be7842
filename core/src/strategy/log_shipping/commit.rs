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
/// without allocating or sorting: it runs on every acknowledgement and client request. The
/// `k` largest so far are kept in descending order, each value inserted from the end.
pub(super) fn kth_largest(values: impl Iterator<Item = u64>, k: usize) -> u64 {
    if k == 0 {
        return u64::MAX;
    }
    if k > NODES_MAX {
        return 0;
    }
    let mut largest = [0u64; NODES_MAX];
    let mut count = 0;
    for value in values.take(NODES_MAX) {
        let mut index = count.min(k);
        if index == k {
            if value <= largest[k - 1] {
                count += 1;
                continue;
            }
            index = k - 1;
        }
        while index > 0 && largest[index - 1] < value {
            largest[index] = largest[index - 1];
            index -= 1;
        }
        largest[index] = value;
        count += 1;
    }
    if count < k {
        0
    } else {
        largest[k - 1]
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
                .filter(|(id, _)| *id != me.index())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `kth_largest` agrees with sorting for every `k` over values with repeats, in every
    /// order of a few arrangements.
    #[test]
    fn kth_largest_agrees_with_a_sort() {
        let cases: [&[u64]; 6] =
            [&[], &[7], &[3, 3, 3], &[5, 1, 9, 1, 7], &[0, 2, 4, 6, 8, 10, 12, 14], &[9, 9, 2, 9, 2, 1, 0]];
        for values in cases {
            for rotation in 0..values.len().max(1) {
                let mut values = values.to_vec();
                let length = values.len();
                values.rotate_left(rotation.min(length));
                let mut sorted = values.clone();
                sorted.sort_unstable_by(|a, b| b.cmp(a));
                for k in 0..=NODES_MAX + 1 {
                    let expected = if k == 0 { u64::MAX } else { sorted.get(k - 1).copied().unwrap_or(0) };
                    assert_eq!(kth_largest(values.iter().copied(), k), expected, "{values:?}, k = {k}");
                }
            }
        }
    }
}
