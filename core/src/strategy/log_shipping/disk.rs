//! The write-ahead log on disk: group commit (writes, fsyncs), the WAL writer of
//! asynchronous commit, and applying flushed entries at the replicas' apply capacity.

use super::*;

impl LogShippingNode {
    pub(super) fn lazy_flush(&self) -> bool {
        self.role == Role::Primary && self.config.commit == CommitMode::Async
    }

    pub(super) fn pump_disk(&mut self, out: &mut Out<Msg, Timer>) {
        let last =
            if self.lazy_flush() { self.log.last_lsn().min(self.flush_requested_lsn) } else { self.log.last_lsn() };
        if !self.write_inflight && last > self.written_lsn {
            let count = (last - self.written_lsn) as u32;
            out.disk_write(count * ENTRY_BYTES, token(self.disk_generation, last));
            self.write_inflight = true;
        }
        if !self.sync_inflight && self.written_lsn > self.flushed_lsn {
            out.disk_sync(token(self.disk_generation, self.written_lsn));
            self.sync_inflight = true;
        }
    }

    pub(super) fn on_written(&mut self, target: u64, out: &mut Out<Msg, Timer>) {
        self.written_lsn = self.written_lsn.max(target.min(self.log.last_lsn()));
        if self.role != Role::Primary && matches!(self.config.commit, CommitMode::SemiSync | CommitMode::RemoteWrite) {
            self.send_position(out);
        }
        self.pump_disk(out);
    }

    pub(super) fn on_synced(&mut self, ctx: &mut Ctx, target: u64, out: &mut Out<Msg, Timer>) {
        self.flushed_lsn = self.flushed_lsn.max(target.min(self.written_lsn));
        let flushed = self.flushed_lsn;
        self.undo.retain(|(lsn, _, _)| *lsn > flushed);
        if self.role == Role::Primary {
            self.advance_commit(ctx, out);
            self.replicate(ctx, out, false);
        } else {
            self.send_position(out);
            self.schedule_apply(ctx, out);
        }
        self.pump_disk(out);
    }

    pub(super) fn truncate_log_from(&mut self, lsn: u64) {
        self.log.truncate_from(lsn);
        let last = self.log.last_lsn();
        self.written_lsn = self.written_lsn.min(last);
        self.flushed_lsn = self.flushed_lsn.min(last);
        self.apply_scheduled_lsn = self.apply_scheduled_lsn.min(last);
        self.verified_lsn = self.verified_lsn.min(last);
        self.disk_generation += 1;
    }

    // ----- replica side -----

    pub(super) fn schedule_apply(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        if self.flushed_lsn <= self.apply_scheduled_lsn {
            return;
        }
        let count = self.flushed_lsn - self.apply_scheduled_lsn.max(self.applied_lsn);
        let start = ctx.now_us.max(self.apply_busy_until_us);
        let done = start + count * self.config.apply_us;
        self.apply_busy_until_us = done;
        self.apply_scheduled_lsn = self.flushed_lsn;
        out.set_timer(done - ctx.now_us, Timer::Apply(self.flushed_lsn));
    }

    pub(super) fn apply_up_to(&mut self, lsn: u64) {
        // Only asynchronous commit makes entries visible before they are durable.
        let target = if self.lazy_flush() { lsn.min(self.log.last_lsn()) } else { lsn.min(self.flushed_lsn) };
        while self.applied_lsn < target {
            let next = self.applied_lsn + 1;
            let Some(entry) = self.log.get(next) else {
                break;
            };
            if let Some((key, value)) = entry.write {
                let previous = self.store.insert(key, value);
                if next > self.flushed_lsn {
                    self.undo.push((next, key, previous));
                }
            }
            self.applied_lsn = next;
        }
    }

    /// Rolls the store back to the durable log (after a crash under asynchronous commit).
    pub(super) fn undo_unflushed(&mut self) {
        while let Some((lsn, key, previous)) = self.undo.pop() {
            match previous {
                Some(value) => self.store.insert(key, value),
                None => self.store.remove(&key),
            };
            self.applied_lsn = self.applied_lsn.min(lsn - 1);
        }
        self.applied_lsn = self.applied_lsn.min(self.flushed_lsn.max(self.log.base_lsn()));
        self.commit_lsn = self.commit_lsn.min(self.flushed_lsn);
    }

    pub(super) fn on_apply_timer(&mut self, upto: u64, out: &mut Out<Msg, Timer>) {
        let before = self.applied_lsn;
        if self.role != Role::Primary {
            self.apply_up_to(upto);
        }
        if self.applied_lsn > before && self.config.commit == CommitMode::RemoteApply {
            self.send_position(out);
        }
    }

    pub(super) fn on_wal_writer(&mut self, out: &mut Out<Msg, Timer>) {
        out.set_timer(self.config.wal_writer_delay_us, Timer::WalWriter);
        self.flush_requested_lsn = self.log.last_lsn();
        self.pump_disk(out);
    }
}
