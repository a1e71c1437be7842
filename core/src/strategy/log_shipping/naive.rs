//! Naive failover (`failover=naive`): a replica that misses heartbeats polls the replicas
//! it can reach and promotes itself if none is further ahead — no quorum, no lease.

use super::*;

impl LogShippingNode {
    pub(super) fn start_naive_poll(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        self.polling = true;
        self.poll_found_better = false;
        for peer in NodeId::all(ctx.nodes) {
            if peer != ctx.me {
                out.send(peer, Msg::StatusQuery);
            }
        }
        out.set_timer(self.config.naive_poll_us, Timer::NaiveDecide);
    }

    pub(super) fn on_status_reply(&mut self, ctx: &mut Ctx, from: NodeId, status: (u64, u64, bool)) {
        let (last_epoch, last_lsn, sees_primary) = status;
        let theirs = (last_epoch, last_lsn, std::cmp::Reverse(from));
        let mine = (self.log.last_epoch(), self.log.last_lsn(), std::cmp::Reverse(ctx.me));
        if self.polling && (sees_primary || theirs > mine) {
            self.poll_found_better = true;
        }
    }

    pub(super) fn naive_decide(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        let silent = ctx.now_us.saturating_sub(self.last_contact_us) >= self.config.naive_timeout_us;
        let should_promote = self.polling && !self.poll_found_better && silent && self.role == Role::Replica;
        self.polling = false;
        if should_promote {
            // Epochs unique per node, so two naive primaries never share one.
            let nodes = ctx.nodes as u64;
            self.epoch = (self.epoch / nodes + 1) * nodes + u64::from(ctx.me);
            self.become_primary(ctx, out);
        }
    }

    // ----- housekeeping -----
}
