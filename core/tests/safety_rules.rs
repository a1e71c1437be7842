//! Targeted, deterministic tests of the safety rules, each named after what it proves. The
//! Raft rules drive one node by hand (the strategies are sans-IO: inputs in, effects out), so
//! the exact situation a rule exists for happens every time instead of when a sweep draws it.

mod common;

use common::{assert_case, Case};
use replica_core::check::AnomalyKind;
use replica_core::crdt::{Crdt, OrSet};
use replica_core::protocol::{
    ClientRequest, Ctx, DiskDone, Effect, FailReason, NodeId, OpKind, Out, Protocol, Reply, Role,
};
use replica_core::rng::{Purpose, Stream};
use replica_core::strategy::log_shipping::{
    CommitMode, FailoverMode, LogShippingConfig, LogShippingNode, Msg, ReadRouting, Timer,
};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const NODES: usize = 5;
const LEASE_US: u64 = 1_000_000;

/// One Raft node of a five-node group, driven by hand.
struct Driven {
    node: LogShippingNode,
    rng: Stream,
    now_us: u64,
    /// Effects of the last input.
    effects: Vec<Effect<Msg, Timer>>,
}

impl Driven {
    fn new(primary: bool) -> Self {
        Self::committing(primary, CommitMode::On)
    }

    /// A node that commits as `commit` says.
    fn committing(primary: bool, commit: CommitMode) -> Self {
        Self::configured(primary, |config| config.commit = commit)
    }

    /// A node of the tests' configuration, adjusted.
    fn configured(primary: bool, adjust: impl FnOnce(&mut LogShippingConfig)) -> Self {
        let mut config = LogShippingConfig {
            commit: CommitMode::On,
            reads: ReadRouting::Primary,
            failover: FailoverMode::Auto,
            election_timeout_us: 1_500_000,
            lease_us: LEASE_US,
            ..LogShippingConfig::default()
        };
        adjust(&mut config);
        let mut driven = Driven {
            node: LogShippingNode::new(config, primary),
            rng: Stream::new(1, Purpose::Protocol),
            now_us: 0,
            effects: Vec::new(),
        };
        driven.input(0, |node, ctx, out| node.start(ctx, out));
        driven
    }

    fn input(&mut self, at_us: u64, feed: impl FnOnce(&mut LogShippingNode, &mut Ctx, &mut Out<Msg, Timer>)) {
        self.now_us = self.now_us.max(at_us);
        let mut out = Out::default();
        let mut ctx = Ctx {
            now_us: self.now_us,
            me: NodeId::new(0),
            nodes: NODES,
            rng: &mut self.rng,
            wall_clock_us: self.now_us as i64,
        };
        feed(&mut self.node, &mut ctx, &mut out);
        self.effects = out.drain().collect();
    }

    /// Completes every disk write and fsync the last input asked for (and those they ask for).
    fn finish_disk(&mut self, at_us: u64) {
        for _ in 0..10 {
            let done: Vec<DiskDone> = self
                .effects
                .iter()
                .filter_map(|effect| match effect {
                    Effect::DiskWrite { token, .. } => Some(DiskDone::Written(*token)),
                    Effect::DiskSync { token } => Some(DiskDone::Synced(*token)),
                    _ => None,
                })
                .collect();
            if done.is_empty() {
                return;
            }
            let mut next = Vec::new();
            for done in done {
                self.input(at_us, |node, ctx, out| node.on_disk(ctx, done, out));
                next.append(&mut self.effects);
            }
            self.effects = next;
        }
    }

    fn request(&mut self, at_us: u64, op: u64, kind: OpKind) -> Option<Reply> {
        let request = ClientRequest { op, client: 1, kind, key: 7, value: op, peer_key: 0, amount: 0 };
        self.input(at_us, |node, ctx, out| node.on_client(ctx, request, out));
        self.reply_to(op)
    }

    fn reply_to(&self, op: u64) -> Option<Reply> {
        self.effects.iter().find_map(|effect| match effect {
            Effect::Reply { op: answered, reply, .. } if *answered == op => Some(*reply),
            _ => None,
        })
    }

    fn message(&mut self, at_us: u64, from: usize, msg: Msg) {
        self.input(at_us, |node, ctx, out| node.on_message(ctx, NodeId::new(from), msg, out));
    }

    fn ack(&mut self, at_us: u64, from: usize, epoch: u64, position: u64, echo_sent_us: u64) {
        let reply = Msg::AppendReply {
            epoch,
            ok: true,
            need_snapshot: false,
            hint_lsn: 0,
            write_lsn: position,
            flush_lsn: position,
            apply_lsn: position,
            echo_sent_us,
        };
        self.message(at_us, from, reply);
    }

    fn commit(&self) -> u64 {
        self.node.view(self.now_us).commit
    }

    fn role(&self) -> Role {
        self.node.view(self.now_us).role
    }
}

/// The node as a candidate of `epoch`: deposed by a vote request of the epoch before, then
/// standing when its election timer fires.
fn candidate(driven: &mut Driven, at_us: u64) -> u64 {
    let epoch = driven.node.view(driven.now_us).epoch;
    let last_epoch = epoch;
    driven.message(at_us, 4, Msg::VoteRequest { epoch: epoch + 1, last_epoch, last_lsn: 0 });
    assert_eq!(driven.role(), Role::Replica, "a higher epoch deposes it");
    driven.input(at_us + 10_000_000, |node, ctx, out| node.on_timer(ctx, Timer::Election, out));
    assert_eq!(driven.role(), Role::Candidate, "its election timer makes it stand");
    driven.node.view(driven.now_us).epoch
}

/// Raft's Figure 8: a leader must not commit an entry of an earlier term by counting the
/// replicas that hold it — only an entry of its own term commits by counting (and the earlier
/// ones with it).
///
/// The rule holds for every mode that counts replicas: quorum commit and semi-synchronous
/// commit (one replica).
#[test]
fn figure_8_a_new_leader_does_not_commit_an_old_term_entry_by_counting() {
    for commit in [CommitMode::On, CommitMode::SemiSync] {
        figure_8(commit);
    }
}

fn figure_8(commit: CommitMode) {
    let mut leader = Driven::committing(true, commit);
    assert!(leader.request(1_000, 1, OpKind::Write).is_none(), "a write waits for its commit");
    leader.finish_disk(1_000);
    assert_eq!(leader.commit(), 0, "no replica has it yet");
    // Deposed before any replica acknowledged it; then elected again, in a later epoch.
    let epoch = candidate(&mut leader, 5_000_000);
    let elected_us = leader.now_us;
    for voter in [1, 2] {
        leader.message(elected_us, voter, Msg::VoteReply { epoch, granted: true });
    }
    assert_eq!(leader.role(), Role::Primary, "three votes of five elect it");
    // Its epoch's marker (LSN 2) is on its own disk.
    leader.finish_disk(elected_us);
    // Two followers now hold the old entry (LSN 1, epoch 1): with the leader, a majority.
    for follower in [1, 2] {
        leader.ack(elected_us + 1_000, follower, epoch, 1, elected_us);
    }
    assert_eq!(leader.commit(), 0, "{commit:?}: the epoch-1 entry on a majority is not committed by counting");
    // Its own epoch's entry (the marker at LSN 2) on a majority commits both.
    for follower in [1, 2] {
        leader.ack(elected_us + 3_000, follower, epoch, 2, elected_us);
    }
    assert_eq!(leader.commit(), 2, "{commit:?}: an entry of its own epoch commits by counting, and those before it");
}

/// Semi-synchronous commit acknowledges a write once its own disk and one replica have it —
/// not on its own fsync alone, and not on its own entry in the replica table.
#[test]
fn semi_sync_acknowledges_once_one_replica_has_the_write() {
    let mut leader = Driven::committing(true, CommitMode::SemiSync);
    assert!(leader.request(1_000, 1, OpKind::Write).is_none(), "a write waits");
    leader.finish_disk(1_000);
    assert_eq!(leader.reply_to(1), None, "its own fsync is not enough");
    assert_eq!(leader.commit(), 0);
    leader.ack(5_000, 3, 1, 1, 1_000);
    assert!(matches!(leader.reply_to(1), Some(Reply::Ok { .. })), "one replica has it: {:?}", leader.effects);
    assert_eq!(leader.commit(), 1);
}

/// A split vote in five nodes: two candidates of one term each get one vote besides their own.
/// Neither has a majority, so no term has two leaders.
#[test]
fn a_split_vote_in_five_nodes_elects_no_one() {
    let mut node = Driven::new(false);
    let epoch = candidate(&mut node, 5_000_000);
    let at = node.now_us;
    node.message(at, 1, Msg::VoteReply { epoch, granted: true });
    node.message(at, 2, Msg::VoteReply { epoch, granted: false });
    node.message(at, 3, Msg::VoteReply { epoch, granted: false });
    assert_eq!(node.role(), Role::Candidate, "two votes of five elect no one");
    node.message(at, 4, Msg::VoteReply { epoch, granted: true });
    assert_eq!(node.role(), Role::Primary, "the third vote does");
}

/// A leader whose appends sent at the returned time a majority acknowledged: its lease runs
/// from then.
fn leased_leader() -> (Driven, u64) {
    let mut leader = Driven::new(true);
    leader.finish_disk(0);
    let sent_us = 2_000_000;
    for follower in [1, 2] {
        leader.ack(sent_us + 20_000, follower, 1, 0, sent_us);
    }
    (leader, sent_us)
}

/// A leader serves reads only inside its lease: a majority's acknowledgements of appends it sent
/// at `t` keep it until `t + lease`, not after.
#[test]
fn a_lease_runs_out_a_lease_after_the_majority_last_acknowledged() {
    let (mut leader, sent_us) = leased_leader();
    let inside = leader.request(sent_us + LEASE_US - 1, 10, OpKind::Read);
    assert!(matches!(inside, Some(Reply::Ok { .. })), "inside the lease: {inside:?}");
    let at_end = leader.request(sent_us + LEASE_US, 11, OpKind::Read);
    assert_eq!(at_end, Some(Reply::Fail(FailReason::NotReady)), "the lease ends at t + lease, exclusive");
    let after = leader.request(sent_us + LEASE_US + 1, 12, OpKind::Read);
    assert_eq!(after, Some(Reply::Fail(FailReason::NotReady)), "past the lease, with no newer acknowledgement");
}

/// An isolated leader's acknowledgements never overlap its successor's, measured from the
/// moment of isolation: it stops answering within a lease of being cut off, and the successor
/// acknowledges nothing before that.
#[test]
fn an_isolated_leader_stops_before_its_successor_starts() {
    const ISOLATED_US: u64 = 5_000_000;
    for seed in 1..=4 {
        let case = Case::new("consensus", seed).duration(15).fault("isolate:mumbai@5s..12s");
        let finished = case.run();
        let history = finished.simulation.history();
        let mumbai = NodeId::new(0);
        let last_old = history
            .iter()
            .filter(|op| op.node == Some(mumbai) && op.epoch == Some(1) && op.acked_us.is_some())
            .filter_map(|op| op.acked_us)
            .max()
            .unwrap_or(0);
        let first_new = history
            .iter()
            .filter(|op| op.epoch.is_some_and(|epoch| epoch > 1) && op.acked_us.is_some())
            .filter_map(|op| op.acked_us)
            .min()
            .unwrap_or(u64::MAX);
        assert_case(&case, last_old < ISOLATED_US + LEASE_US, &format!("Mumbai answered until {last_old} µs"));
        assert_case(&case, first_new > last_old, &format!("successor from {first_new} µs, Mumbai until {last_old} µs"));
        assert_case(&case, first_new < 12_000_000, "a successor is elected while Mumbai is cut off");
    }
}

/// Two-phase commit: the decision reaches one bank and not the other, then the coordinator
/// crashes. Its commit records are durable, so after it restarts the second bank learns commit
/// too — presuming abort instead would split the transfer.
#[test]
fn a_decision_lost_to_one_bank_survives_a_coordinator_crash() {
    for seed in 1..=3 {
        let case = Case::new("neft-rtgs", seed)
            .duration(12)
            .fault("partition:mumbai>chennai@3s..6s")
            .fault("crash:clearing@3050ms")
            .fault("restart:clearing@4s");
        let finished = case.run();
        for kind in [AnomalyKind::Atomicity, AnomalyKind::MoneyNotConserved] {
            assert_case(
                &case,
                finished.checks.count(kind) == 0,
                &format!("{} = {}", kind.name(), finished.checks.count(kind)),
            );
        }
        let blocked = finished
            .report
            .sections
            .get::<replica_core::report::TwoPhaseReport>()
            .map_or(0, |two_phase| two_phase.blocked);
        assert_case(&case, blocked > 0, "transfers were left in doubt at bank-b (what the test is about)");
    }
}

/// An OR-set remove survives a merge with a replica that had the element but did not add it
/// again concurrently: the remove has seen that add.
#[test]
fn an_or_set_remove_survives_merging_with_a_replica_that_saw_the_add() {
    let mut a: OrSet<u32> = OrSet::new();
    a.add(1, 42);
    let mut b = a.clone();
    a.remove(&42);
    b.merge(&a);
    assert!(!b.contains(&42), "b had only the add a's remove saw");
    a.merge(&b);
    assert!(!a.contains(&42), "and merging back does not resurrect it");
    // A concurrent add a's remove had not seen survives: add wins.
    let mut c = b.clone();
    c.add(3, 42);
    a.merge(&c);
    assert!(a.contains(&42), "an add the remove did not see is kept");
}

impl Driven {
    /// The vote this node answered `from` with, if it answered.
    fn vote_to(&self, to: usize) -> Option<bool> {
        self.effects.iter().find_map(|effect| match effect {
            Effect::Send { to: peer, msg: Msg::VoteReply { granted, .. }, .. } if *peer == NodeId::new(to) => {
                Some(*granted)
            }
            _ => None,
        })
    }

    fn vote_request(&mut self, at_us: u64, from: usize, epoch: u64) -> Option<bool> {
        self.message(at_us, from, Msg::VoteRequest { epoch, last_epoch: 1, last_lsn: 0 });
        self.vote_to(from)
    }

    fn heartbeat(&mut self, at_us: u64, from: usize, epoch: u64) {
        let append = Msg::Append {
            epoch,
            prev_lsn: 0,
            prev_epoch: 0,
            entries: Vec::new(),
            commit_lsn: 0,
            end_lsn: 0,
            sent_us: at_us,
            next_unsent: None,
        };
        self.message(at_us, from, append);
    }
}

/// A voter that heard the primary within a lease refuses to vote — the primary may still be
/// serving reads on its acknowledgement — and votes once a lease has passed (the boundary
/// exclusive), whatever the candidate's epoch.
#[test]
fn a_voter_refuses_votes_for_a_lease_after_it_heard_the_primary() {
    let mut voter = Driven::new(false);
    let heard_us = 3_000_000;
    voter.heartbeat(heard_us, 4, 1);
    assert_eq!(voter.vote_request(heard_us + 1, 2, 2), Some(false), "just heard the primary");
    assert_eq!(voter.vote_request(heard_us + LEASE_US - 1, 2, 2), Some(false), "still inside the lease");
    assert_eq!(voter.vote_request(heard_us + LEASE_US, 2, 2), Some(true), "a lease has passed");
}

/// A primary inside its lease refuses votes and stays primary; after the lease it votes.
#[test]
fn a_primary_refuses_votes_inside_its_lease() {
    let (mut leader, sent_us) = leased_leader();
    assert_eq!(leader.vote_request(sent_us + 500_000, 3, 2), Some(false), "inside its lease");
    assert_eq!(leader.role(), Role::Primary, "and it stays primary");
    assert_eq!(leader.vote_request(sent_us + LEASE_US + 1, 3, 2), Some(true), "past its lease it votes");
    assert_eq!(leader.role(), Role::Replica, "and steps down to the higher epoch");
}

/// One vote per epoch: a voter grants its candidate again (a retransmitted request), refuses
/// a second candidate of the same epoch, and refuses any candidate of an older epoch.
#[test]
fn a_voter_grants_one_candidate_per_epoch_and_none_of_an_older_one() {
    let mut voter = Driven::new(false);
    let at = 5_000_000;
    assert_eq!(voter.vote_request(at, 1, 3), Some(true), "the first candidate of epoch 3");
    assert_eq!(voter.vote_request(at + 10, 1, 3), Some(true), "the same candidate, asking again");
    assert_eq!(voter.vote_request(at + 20, 2, 3), Some(false), "another candidate of epoch 3");
    assert_eq!(voter.vote_request(at + 30, 3, 2), Some(false), "a candidate of an older epoch");
}

/// A restarted voter withholds its vote for a whole lease from the restart (the boundary
/// exclusive): what it acknowledged before the crash may still hold up a primary's lease.
#[test]
fn a_restarted_voter_withholds_its_vote_for_a_lease() {
    let mut voter = Driven::new(false);
    let restart_us = 4_000_000;
    voter.input(restart_us, |node, _, _| node.crash());
    voter.input(restart_us, |node, ctx, out| node.restart(ctx, out));
    assert_eq!(voter.vote_request(restart_us + 1, 2, 2), Some(false), "just restarted");
    assert_eq!(voter.vote_request(restart_us + LEASE_US - 1, 2, 2), Some(false), "inside the lease");
    assert_eq!(voter.vote_request(restart_us + LEASE_US, 2, 2), Some(true), "a lease after the restart");
}

/// A voter further ahead than its candidate refuses and stands itself soon — a heartbeat
/// from now, not at once and not after its whole election timeout.
#[test]
fn a_voter_ahead_of_its_candidate_refuses_and_stands_soon() {
    let heartbeat_us = LogShippingConfig::default().heartbeat_us;
    // A primary once, with one entry of epoch 1 in its log, and no lease left at 5 s.
    let mut voter = Driven::new(true);
    assert!(voter.request(1_000, 1, OpKind::Write).is_none());
    voter.finish_disk(1_000);
    let at = 5_000_000;
    // Granting a vote to an up-to-date candidate puts its own election a whole timeout away.
    voter.message(at, 1, Msg::VoteRequest { epoch: 2, last_epoch: 1, last_lsn: 1 });
    assert_eq!(voter.vote_to(1), Some(true));
    // A candidate of a later epoch whose log is behind the voter's.
    voter.message(at + 10, 2, Msg::VoteRequest { epoch: 3, last_epoch: 1, last_lsn: 0 });
    assert_eq!(voter.vote_to(2), Some(false), "a candidate behind it gets no vote");
    voter.input(at + 11, |node, ctx, out| node.on_timer(ctx, Timer::Election, out));
    assert_eq!(voter.role(), Role::Replica, "not at once");
    voter.input(at + 10 + heartbeat_us, |node, ctx, out| node.on_timer(ctx, Timer::Election, out));
    assert_eq!(voter.role(), Role::Candidate, "a heartbeat later it stands");
}

/// A candidate answered from a later epoch steps down to it; an answer from an earlier epoch
/// changes nothing.
#[test]
fn a_candidate_steps_down_only_for_a_later_epoch() {
    let mut node = Driven::new(false);
    let epoch = candidate(&mut node, 5_000_000);
    let at = node.now_us;
    node.message(at, 1, Msg::VoteReply { epoch: epoch - 1, granted: false });
    assert_eq!((node.role(), node.node.view(at).epoch), (Role::Candidate, epoch), "an older answer is stale");
    node.message(at, 2, Msg::VoteReply { epoch: epoch + 1, granted: false });
    assert_eq!((node.role(), node.node.view(at).epoch), (Role::Replica, epoch + 1), "a later epoch deposes it");
}

/// A candidate that follows another leader of its own epoch (it lost the race) ignores the
/// votes that arrive late for it: counting them would make two leaders in one term.
#[test]
fn late_votes_do_not_elect_a_candidate_that_already_follows() {
    let mut node = Driven::new(false);
    let epoch = candidate(&mut node, 5_000_000);
    let at = node.now_us;
    node.heartbeat(at + 1_000, 4, epoch);
    assert_eq!(node.role(), Role::Replica, "it follows the winner of its epoch");
    // Three late votes: a majority of five even without its own.
    for voter in [1, 2, 3] {
        node.message(at + 2_000, voter, Msg::VoteReply { epoch, granted: true });
    }
    assert_eq!(node.role(), Role::Replica, "late votes of the same epoch elect no second leader");
}

/// A restarted primary: under automatic failover it comes back a replica (an election, not
/// its old configuration, decides who leads); under manual failover it resumes as primary,
/// serving nothing until it has replayed its durable log; under asynchronous commit it
/// starts its WAL writer again (nothing it acknowledges would become durable otherwise).
#[test]
fn a_restarted_primary_rejoins_as_its_failover_mode_says() {
    let restarted = |failover: FailoverMode, commit: CommitMode| {
        let mut node = Driven::configured(true, |config| {
            config.failover = failover;
            config.commit = commit;
        });
        node.request(1_000, 1, OpKind::Write);
        node.finish_disk(1_000);
        node.input(2_000_000, |node, _, _| node.crash());
        node.input(2_000_000, |node, ctx, out| node.restart(ctx, out));
        node
    };
    let wal_writer = |node: &Driven| {
        node.effects.iter().any(|effect| matches!(effect, Effect::SetTimer { timer: Timer::WalWriter, .. }))
    };
    let auto = restarted(FailoverMode::Auto, CommitMode::On);
    assert_eq!(auto.role(), Role::Replica, "automatic failover: back as a replica");
    assert!(!wal_writer(&auto), "no WAL writer without asynchronous commit");
    let mut manual = restarted(FailoverMode::Manual, CommitMode::On);
    assert_eq!(manual.role(), Role::Primary, "manual failover: it resumes");
    let replay_us = LogShippingConfig::default().apply_us;
    assert_eq!(manual.request(2_000_000, 2, OpKind::Read), Some(Reply::Fail(FailReason::NotReady)), "replaying");
    let served = manual.request(2_000_000 + replay_us, 3, OpKind::Read);
    assert!(matches!(served, Some(Reply::Ok { .. })), "its log replayed: {served:?}");
    assert!(wal_writer(&restarted(FailoverMode::Auto, CommitMode::Async)), "asynchronous commit: the WAL writer again");
}
