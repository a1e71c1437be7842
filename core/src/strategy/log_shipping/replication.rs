//! Log shipping: the primary sends flushed log (or a snapshot, to a replica too far
//! behind) and a replica appends it after checking the entry before it.

use super::*;

impl LogShippingNode {
    pub(super) fn send_position(&mut self, out: &mut Out<Msg, Timer>) {
        let Some(primary) = self.primary else { return };
        let cap = self.verified_lsn;
        out.send(
            primary,
            Msg::AppendReply {
                epoch: self.epoch,
                ok: true,
                need_snapshot: false,
                hint_lsn: 0,
                write_lsn: self.written_lsn.min(cap),
                flush_lsn: self.flushed_lsn.min(cap),
                apply_lsn: self.applied_lsn.min(cap),
                echo_sent_us: self.last_append_sent_us,
            },
        );
    }

    pub(super) fn refuse(&self, to: NodeId, need_snapshot: bool, hint_lsn: u64, out: &mut Out<Msg, Timer>) {
        out.send(
            to,
            Msg::AppendReply {
                epoch: self.epoch,
                ok: false,
                need_snapshot,
                hint_lsn,
                write_lsn: 0,
                flush_lsn: 0,
                apply_lsn: 0,
                echo_sent_us: 0,
            },
        );
    }

    pub(super) fn on_append(&mut self, ctx: &mut Ctx, from: NodeId, msg: AppendArgs, out: &mut Out<Msg, Timer>) {
        if msg.epoch < self.epoch {
            self.refuse(from, false, 0, out);
            return;
        }
        self.follow(ctx, from, msg.epoch);
        self.last_append_sent_us = msg.sent_us;
        self.known_end_lsn = msg.end_lsn;
        self.primary_next_unsent = msg.next_unsent;
        if let Err(refusal) = self.check_prev(msg.prev_lsn, msg.prev_epoch) {
            match refusal {
                Refusal::Snapshot => self.refuse(from, true, 0, out),
                Refusal::ResumeAt(hint) => self.refuse(from, false, hint, out),
            }
            return;
        }
        let heartbeat = msg.entries.is_empty();
        let matched = msg.prev_lsn + msg.entries.len() as u64;
        for entry in msg.entries {
            if entry.lsn <= self.log.base_lsn() {
                continue;
            }
            if entry.lsn <= self.log.last_lsn() {
                if self.log.epoch_at(entry.lsn) == Some(entry.epoch) {
                    continue;
                }
                if entry.lsn <= self.applied_lsn {
                    self.refuse(from, true, 0, out);
                    return;
                }
                self.truncate_log_from(entry.lsn);
            }
            self.log.push(entry);
        }
        self.verified_lsn = self.verified_lsn.max(matched.min(self.log.last_lsn()));
        self.pump_disk(out);
        if heartbeat {
            self.send_position(out);
        }
    }

    /// Checks that our log holds the primary's entry at `prev_lsn`.
    pub(super) fn check_prev(&mut self, prev_lsn: u64, prev_epoch: u64) -> Result<(), Refusal> {
        if prev_lsn > self.log.last_lsn() {
            return Err(Refusal::ResumeAt(self.log.last_lsn() + 1));
        }
        if prev_lsn < self.log.base_lsn() {
            return Ok(());
        }
        match self.log.epoch_at(prev_lsn) {
            Some(epoch) if epoch == prev_epoch => Ok(()),
            Some(_) => {
                let start = self.log.epoch_run_start(prev_lsn);
                if start <= self.applied_lsn || prev_lsn <= self.applied_lsn {
                    Err(Refusal::Snapshot)
                } else {
                    self.truncate_log_from(start);
                    Err(Refusal::ResumeAt(start))
                }
            }
            None => Err(Refusal::Snapshot),
        }
    }

    pub(super) fn on_snapshot(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        snapshot: SnapshotArgs,
        out: &mut Out<Msg, Timer>,
    ) {
        if snapshot.epoch < self.epoch {
            self.refuse(from, false, 0, out);
            return;
        }
        self.follow(ctx, from, snapshot.epoch);
        self.last_append_sent_us = snapshot.sent_us;
        self.store = crate::compact::map_from(snapshot.store);
        self.log.reset_to(snapshot.lsn, snapshot.last_epoch);
        self.written_lsn = snapshot.lsn;
        self.flushed_lsn = snapshot.lsn;
        self.applied_lsn = snapshot.lsn;
        self.apply_scheduled_lsn = snapshot.lsn;
        self.verified_lsn = snapshot.lsn;
        self.disk_generation += 1;
        self.write_inflight = false;
        self.sync_inflight = false;
        self.send_position(out);
    }

    // ----- primary side -----

    pub(super) fn replicate(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>, heartbeat_due: bool) {
        for peer in NodeId::all(self.peers.len()) {
            if peer != ctx.me {
                self.replicate_to(ctx, peer, out, heartbeat_due);
            }
        }
    }

    pub(super) fn replicate_to(
        &mut self,
        ctx: &mut Ctx,
        peer_id: NodeId,
        out: &mut Out<Msg, Timer>,
        heartbeat_due: bool,
    ) {
        let now = ctx.now_us;
        let stalled = now.saturating_sub(self.peers[peer_id].last_send_us) >= self.config.heartbeat_us;
        let peer = &mut self.peers[peer_id];
        if stalled && peer.inflight > 0 {
            // Appends or their answers were lost: resend from the last written position.
            peer.inflight = 0;
            peer.next_lsn = peer.write_lsn + 1;
        }
        if peer.needs_snapshot || peer.next_lsn <= self.log.base_lsn() {
            if stalled || peer.inflight == 0 {
                self.send_snapshot(ctx, peer_id, out);
            }
            return;
        }
        let peer = self.peers[peer_id];
        let unacknowledged = peer.next_lsn.saturating_sub(peer.write_lsn + 1);
        let window = self.config.window_entries.max(1);
        let has_entries = peer.next_lsn <= self.flushed_lsn && unacknowledged < window;
        if !(has_entries || heartbeat_due && stalled) {
            return;
        }
        let prev_lsn = peer.next_lsn - 1;
        let window_end = peer.write_lsn + window;
        let to =
            if has_entries { self.flushed_lsn.min(prev_lsn + BATCH_ENTRIES_MAX).min(window_end) } else { prev_lsn };
        let entries = if has_entries { self.log.slice(peer.next_lsn, to) } else { Vec::new() };
        out.send(
            peer_id,
            Msg::Append {
                epoch: self.epoch,
                prev_lsn,
                prev_epoch: self.log.epoch_at(prev_lsn).unwrap_or(0),
                entries,
                commit_lsn: self.commit_lsn,
                end_lsn: self.flushed_lsn,
                sent_us: now,
                next_unsent: self.log.get(to + 1).map(|entry| (entry.lsn, entry.appended_us)),
            },
        );
        let peer = &mut self.peers[peer_id];
        peer.next_lsn = to + 1;
        peer.inflight += u32::from(has_entries);
        peer.last_send_us = now;
    }

    pub(super) fn send_snapshot(&mut self, ctx: &mut Ctx, peer_id: NodeId, out: &mut Out<Msg, Timer>) {
        let lsn = self.applied_lsn;
        out.send(
            peer_id,
            Msg::Snapshot {
                epoch: self.epoch,
                lsn,
                last_epoch: self.log.epoch_at(lsn).unwrap_or(self.epoch),
                store: self.store.iter().map(|(k, v)| (*k, *v)).collect(),
                sent_us: ctx.now_us,
            },
        );
        let peer = &mut self.peers[peer_id];
        peer.needs_snapshot = false;
        peer.next_lsn = lsn + 1;
        peer.inflight = 1;
        peer.last_send_us = ctx.now_us;
    }

    pub(super) fn on_append_reply(&mut self, ctx: &mut Ctx, from: NodeId, reply: ReplyArgs, out: &mut Out<Msg, Timer>) {
        if reply.epoch > self.epoch {
            self.epoch = reply.epoch;
            self.voted_for = None;
            self.become_replica();
            self.last_contact_us = ctx.now_us;
            self.reset_election_deadline(ctx);
            return;
        }
        if self.role != Role::Primary || reply.epoch < self.epoch || from.index() >= self.peers.len() {
            return;
        }
        let peer = &mut self.peers[from];
        peer.inflight = peer.inflight.saturating_sub(1);
        if reply.ok {
            peer.write_lsn = reply.write_lsn;
            peer.flush_lsn = reply.flush_lsn;
            peer.apply_lsn = reply.apply_lsn;
            peer.acked_sent_us = peer.acked_sent_us.max(reply.echo_sent_us);
            peer.next_lsn = peer.next_lsn.max(reply.write_lsn + 1);
        } else if reply.need_snapshot {
            peer.needs_snapshot = true;
            peer.inflight = 0;
        } else {
            peer.next_lsn = reply.hint_lsn.clamp(1, self.log.last_lsn() + 1);
            peer.inflight = 0;
        }
        self.advance_commit(ctx, out);
        self.replicate_to(ctx, from, out, false);
    }

    pub(super) fn compact_primary_log(&mut self) {
        let needed = self.peers.iter().map(|peer| peer.next_lsn.saturating_sub(1)).min().unwrap_or(self.commit_lsn);
        let mut target = self.commit_lsn.min(needed);
        let overflow = self.log.len().saturating_sub(LOG_RETAINED_MAX) as u64;
        target = target.max((self.log.base_lsn() + overflow).min(self.commit_lsn));
        self.log.compact_to(target);
    }
}

pub(super) enum Refusal {
    Snapshot,
    ResumeAt(u64),
}

pub(super) struct AppendArgs {
    pub(super) epoch: u64,
    pub(super) prev_lsn: u64,
    pub(super) prev_epoch: u64,
    pub(super) entries: Vec<Entry>,
    pub(super) end_lsn: u64,
    pub(super) sent_us: u64,
    pub(super) next_unsent: Option<(u64, u64)>,
}

pub(super) struct SnapshotArgs {
    pub(super) epoch: u64,
    pub(super) lsn: u64,
    pub(super) last_epoch: u64,
    pub(super) store: Vec<(Key, Value)>,
    pub(super) sent_us: u64,
}

pub(super) struct ReplyArgs {
    pub(super) epoch: u64,
    pub(super) ok: bool,
    pub(super) need_snapshot: bool,
    pub(super) hint_lsn: u64,
    pub(super) write_lsn: u64,
    pub(super) flush_lsn: u64,
    pub(super) apply_lsn: u64,
    pub(super) echo_sent_us: u64,
}
