//! Failover by election (`failover=auto`), the Raft rules: epochs (terms), votes granted
//! once per epoch and only to a log at least as up to date, leases renewed by a majority's
//! acknowledgements, and voters that refuse while they heard a primary within a lease.

use super::*;

impl LogShippingNode {
    pub(super) fn follow(&mut self, ctx: &mut Ctx, from: NodeId, epoch: u64) {
        if epoch > self.epoch {
            self.epoch = epoch;
            self.voted_for = None;
        }
        if self.role != Role::Replica {
            self.become_replica();
        }
        if self.primary != Some(from) {
            self.primary = Some(from);
            self.verified_lsn = 0;
        }
        self.last_contact_us = ctx.now_us;
        self.polling = false;
        self.reset_election_deadline(ctx);
    }

    pub(super) fn reset_election_deadline(&mut self, ctx: &mut Ctx) {
        let jitter = ctx.rng.below(self.config.election_timeout_us / 5 + 1);
        self.election_deadline_us = ctx.now_us + self.config.election_timeout_us + jitter;
    }

    /// After a split vote: retry sooner, with fresh randomness.
    pub(super) fn reset_retry_deadline(&mut self, ctx: &mut Ctx) {
        let base = self.config.election_timeout_us / 5;
        self.election_deadline_us = ctx.now_us + base + ctx.rng.below(base + 1);
    }

    pub(super) fn lease_basis_us(&self, nodes: usize, me: NodeId) -> u64 {
        let needed = majority(nodes) - 1;
        if needed == 0 {
            return u64::MAX;
        }
        kth_largest(self.other_peers(me).map(|peer| peer.acked_sent_us), needed)
    }

    pub(super) fn other_peers(&self, me: NodeId) -> impl Iterator<Item = &Peer> {
        self.peers.iter().enumerate().filter(move |(id, _)| *id != me.index()).map(|(_, peer)| peer)
    }

    pub(super) fn lease_valid(&self, now_us: u64, nodes: usize, me: NodeId) -> bool {
        if self.config.failover != FailoverMode::Auto {
            return true;
        }
        let basis = self.lease_basis_us(nodes, me);
        basis == u64::MAX || now_us < basis + self.config.lease_us
    }

    pub(super) fn serves_as_primary(&self, now_us: u64, nodes: usize, me: NodeId) -> bool {
        self.role == Role::Primary && now_us >= self.ready_at_us && self.lease_valid(now_us, nodes, me)
    }

    pub(super) fn heard_primary_recently(&self, now_us: u64, nodes: usize, me: NodeId) -> bool {
        if now_us < self.votes_withheld_until_us {
            return true;
        }
        match self.role {
            Role::Primary => self.lease_valid(now_us, nodes, me),
            _ => self.primary.is_some() && now_us.saturating_sub(self.last_contact_us) < self.config.lease_us,
        }
    }

    pub(super) fn start_election(&mut self, ctx: &mut Ctx, out: &mut Out<Msg, Timer>) {
        self.epoch += 1;
        self.role = Role::Candidate;
        self.primary = None;
        self.voted_for = Some(ctx.me);
        self.votes = 1 << ctx.me.index();
        self.reset_retry_deadline(ctx);
        if majority(ctx.nodes) == 1 {
            self.become_primary(ctx, out);
            return;
        }
        for peer in NodeId::all(ctx.nodes) {
            if peer != ctx.me {
                out.send(
                    peer,
                    Msg::VoteRequest {
                        epoch: self.epoch,
                        last_epoch: self.log.last_epoch(),
                        last_lsn: self.log.last_lsn(),
                    },
                );
            }
        }
    }

    pub(super) fn on_vote_request(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        args: (u64, u64, u64),
        out: &mut Out<Msg, Timer>,
    ) {
        let (epoch, last_epoch, last_lsn) = args;
        if self.config.failover != FailoverMode::Auto
            || self.heard_primary_recently(ctx.now_us, ctx.nodes, ctx.me)
            || epoch < self.epoch
        {
            out.send(from, Msg::VoteReply { epoch: self.epoch, granted: false });
            return;
        }
        if epoch > self.epoch {
            self.epoch = epoch;
            self.voted_for = None;
            if self.role != Role::Replica {
                self.become_replica();
            }
        }
        let up_to_date = (last_epoch, last_lsn) >= (self.log.last_epoch(), self.log.last_lsn());
        let granted = up_to_date && self.voted_for.is_none_or(|v| v == from);
        if granted {
            self.voted_for = Some(from);
            self.reset_election_deadline(ctx);
        } else if !up_to_date {
            // We are further ahead than the candidate: stand ourselves, soon.
            self.election_deadline_us = self.election_deadline_us.min(ctx.now_us + self.config.heartbeat_us);
        }
        out.send(from, Msg::VoteReply { epoch: self.epoch, granted });
    }

    pub(super) fn on_vote_reply(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        epoch: u64,
        granted: bool,
        out: &mut Out<Msg, Timer>,
    ) {
        if epoch > self.epoch {
            self.epoch = epoch;
            self.voted_for = None;
            self.become_replica();
            self.reset_election_deadline(ctx);
            return;
        }
        if self.role != Role::Candidate || epoch != self.epoch || !granted {
            return;
        }
        self.votes |= 1 << from.index();
        if self.votes.count_ones() as usize >= majority(ctx.nodes) {
            self.become_primary(ctx, out);
        }
    }

    // ----- naive failover -----

    /// Less up-to-date replicas wait longer before standing for election.
    pub(super) fn lag_penalty_us(&self) -> u64 {
        let behind = self.known_end_lsn.saturating_sub(self.log.last_lsn()).min(1000);
        behind * 2_000
    }
}
