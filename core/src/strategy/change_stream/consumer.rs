//! The consumers of the change log: applying changes (idempotently by offset, or
//! naively), the WAL replica's push, the CDC consumer's fetch and offset commits, and the
//! event-sourced projection's snapshots and rebuild by replay.

use super::*;

impl StreamNode {
    /// Applies delivered records in order; returns whether anything was applied.
    pub(super) fn consume(&mut self, changes: &[Change], now_us: u64) -> bool {
        let mut applied_any = false;
        for change in changes {
            let have = change.offset <= self.consumer.applied;
            if have {
                self.consumer.log.duplicates_delivered += 1;
            }
            let skip = have && (self.part != Part::Cdc || self.config.apply == ApplyMode::Idempotent);
            if skip || change.offset > self.consumer.applied + 1 && !have {
                continue;
            }
            if change.offset <= self.consumer.ledger_durable {
                self.record_duplicate(change, now_us);
            }
            Self::add(&mut self.store, change, true);
            self.ledger.post(change.key, change.op, change.amount as i64);
            self.consumer.undo.push(*change);
            self.consumer.applied = self.consumer.applied.max(change.offset);
            applied_any = true;
        }
        applied_any
    }

    pub(super) fn record_duplicate(&mut self, change: &Change, now_us: u64) {
        let log = &mut self.consumer.log;
        log.duplicates_applied += 1;
        if log.duplicates.len() < DUPLICATES_LISTED_MAX {
            log.duplicates.push(DuplicateApplied {
                offset: change.offset,
                op: change.op,
                key: change.key,
                amount: change.amount,
                at_us: now_us,
                committed_offset: log.committed_offset,
            });
        }
    }

    pub(super) fn note_stream(&mut self, end: u64, next: Option<(u64, u64)>) {
        self.consumer.known_end = self.consumer.known_end.max(end);
        self.consumer.next_unseen = next;
    }

    pub(super) fn replica_ship(
        &mut self,
        changes: Vec<Change>,
        next: Option<(u64, u64)>,
        end: u64,
        now_us: u64,
        out: &mut Out<Msg, Timer>,
    ) {
        self.note_stream(end, next);
        let gap = changes.first().is_some_and(|first| first.offset > self.consumer.applied + 1);
        if gap {
            // A shipment after a lost one: ask for everything from our position again, once
            // per resend interval (the shipments behind the lost one all show the gap).
            let asked = self.consumer.resend_asked_us;
            if asked.is_none_or(|at| now_us.saturating_sub(at) >= RESEND_US) {
                self.consumer.resend_asked_us = Some(now_us);
                out.send(self.source_node, Msg::ShipAck { offset: self.consumer.durable, resend: true });
            }
            return;
        }
        if self.consume(&changes, now_us) {
            self.make_durable(out);
        }
    }

    pub(super) fn make_durable(&mut self, out: &mut Out<Msg, Timer>) {
        if !self.consumer.write_inflight && !self.consumer.undo.is_empty() {
            self.consumer.write_inflight = true;
            let bytes = RECORD_BYTES * self.consumer.undo.len() as u32;
            out.disk_write(bytes, self.consumer.applied);
        }
    }

    pub(super) fn consumer_synced(&mut self, offset: u64, out: &mut Out<Msg, Timer>) {
        if self.part == Part::Projection {
            self.snapshot_synced(offset);
            return;
        }
        self.consumer.write_inflight = false;
        self.consumer.undo.retain(|change| change.offset > offset);
        self.consumer.durable = self.consumer.durable.max(offset);
        self.consumer.ledger_durable = self.consumer.ledger_durable.max(offset);
        if self.part == Part::WalReplica {
            out.send(self.source_node, Msg::ShipAck { offset: self.consumer.durable, resend: false });
        }
        self.make_durable(out);
    }

    pub(super) fn fetch(&mut self, now_us: u64, out: &mut Out<Msg, Timer>) {
        let Some(position) = self.consumer.position else {
            out.send(self.source_node, Msg::OffsetQuery);
            self.consumer.fetch_outstanding_since = Some(now_us);
            return;
        };
        let max = if self.consumer.rebuilding.is_some() { REPLAY_BATCH_MAX } else { BATCH_RECORDS_MAX };
        out.send(self.source_node, Msg::Fetch { from: position + 1, max });
        self.consumer.fetch_outstanding_since = Some(now_us);
    }

    pub(super) fn on_poll(&mut self, now_us: u64, out: &mut Out<Msg, Timer>) {
        let outstanding = self.consumer.fetch_outstanding_since;
        let stuck = outstanding.is_some_and(|since| now_us.saturating_sub(since) >= RESEND_US);
        // While a projection rebuilds, its replay timer asks for the next batch.
        let replaying = self.consumer.rebuilding.is_some() && outstanding.is_none();
        if (outstanding.is_none() && !replaying) || stuck {
            self.fetch(now_us, out);
        }
        out.set_timer(self.config.poll_interval_us, Timer::Poll);
    }

    pub(super) fn on_records(&mut self, records: Records, now_us: u64, out: &mut Out<Msg, Timer>) {
        let Records { from, changes, next, end } = records;
        if self.consumer.position.map(|position| position + 1) != Some(from) {
            // The answer to a fetch from before a crash or a resend: not what we asked for.
            return;
        }
        self.consumer.fetch_outstanding_since = None;
        self.note_stream(end, next);
        let count = changes.len() as u64;
        if let Some(last) = changes.last() {
            self.consumer.position = Some(self.consumer.position.unwrap_or(0).max(last.offset));
        }
        let applied = self.consume(&changes, now_us);
        match self.part {
            Part::Cdc if applied => self.make_durable(out),
            Part::Projection => self.projection_applied(count, out),
            _ => {}
        }
        // More waiting: fetch again at once (a rebuilding projection after replaying the batch).
        let more = self.consumer.position.unwrap_or(0) < end;
        if more && self.consumer.rebuilding.is_none() {
            self.fetch(now_us, out);
        }
    }

    pub(super) fn on_commit_offset(&mut self, out: &mut Out<Msg, Timer>) {
        let offset = self.consumer.durable;
        if offset > self.consumer.committed_sent {
            out.send(self.source_node, Msg::Commit { offset });
            self.consumer.committed_sent = offset;
            self.consumer.log.committed_offset = offset;
        }
        out.set_timer(self.config.commit_interval_us, Timer::CommitOffset);
    }

    // ---- projection ----

    pub(super) fn projection_applied(&mut self, count: u64, out: &mut Out<Msg, Timer>) {
        // Events are folded in memory; only snapshots reach the disk.
        self.consumer.undo.clear();
        let every = self.config.snapshot_every;
        let since_snapshot = self.consumer.applied - self.consumer.snapshot.as_ref().map_or(0, |(_, offset)| *offset);
        if every > 0 && since_snapshot >= every && !self.consumer.write_inflight && self.consumer.rebuilding.is_none() {
            self.consumer.write_inflight = true;
            self.consumer.snapshot = Some((self.store.clone(), self.consumer.applied));
            self.consumer.snapshot_ledger = self.ledger.position();
            out.disk_write(16 * self.store.len() as u32 + 64, self.consumer.applied);
        }
        if let Some((started_us, from_offset, events)) = self.consumer.rebuilding {
            // Replaying the batch takes time; the timer then asks for more or ends the rebuild.
            self.consumer.rebuilding = Some((started_us, from_offset, events + count));
            out.set_timer(count.max(1) * self.config.replay_us, Timer::Replayed);
        }
    }

    pub(super) fn on_replayed(&mut self, now_us: u64, out: &mut Out<Msg, Timer>) {
        if self.consumer.rebuilding.is_some() && self.consumer.applied >= self.consumer.known_end {
            self.finish_rebuild(now_us);
        } else {
            self.fetch(now_us, out);
        }
    }

    pub(super) fn finish_rebuild(&mut self, now_us: u64) {
        let Some((started_us, from_offset, events)) = self.consumer.rebuilding.take() else { return };
        if self.consumer.log.rebuilds.len() < REBUILDS_MAX {
            self.consumer.log.rebuilds.push(SyncRebuild {
                from_offset,
                events,
                duration_us: now_us.saturating_sub(started_us),
            });
        }
    }

    pub(super) fn snapshot_synced(&mut self, offset: u64) {
        self.consumer.write_inflight = false;
        self.consumer.durable = self.consumer.durable.max(offset);
        self.consumer.ledger_durable = self.consumer.ledger_durable.max(offset);
        self.consumer.log.snapshot_offset = offset;
    }
}
