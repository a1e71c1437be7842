//! The coordinator: the node a client's operation reaches sends it to the key's replicas
//! (or, sloppy, to the healthy nodes standing in for them) and answers once a quorum has.

use super::{Msg, QuorumNode, Siblings, Timer, Version, Versioning, PENDING_MAX, RECENT_MAX};
use crate::protocol::{ClientRequest, Ctx, FailReason, NodeId, OpId, OpKind, Out, QuorumWait, Reply};

/// One operation a node coordinates.
#[derive(Debug, Clone)]
pub(super) struct Pending {
    request: ClientRequest,
    /// Bumped when a version-vector write moves from reading its context to writing, so a
    /// timer set in the first phase is ignored in the second.
    phase: u32,
    /// Whether it is writing (otherwise reading: a read, or a write's context).
    writing: bool,
    started_us: u64,
    /// Nodes asked, each with the preference node it stands in for (sloppy quorum).
    asked: Vec<(NodeId, Option<NodeId>)>,
    /// Nodes that answered, in order.
    answered: Vec<NodeId>,
    /// Silent nodes a fallback has already been asked in place of.
    replaced: Vec<NodeId>,
    /// Reading: what the answers hold, merged; and each answer's digest (read repair).
    held: Siblings,
    digests: Vec<(NodeId, u64)>,
    /// The next step of the ring walk a fallback is taken from.
    walk_next: usize,
    /// Whether the client has its answer.
    replied: bool,
    /// Writing: the version written.
    version: Option<Version>,
}

impl Pending {
    /// Whether every node asked has answered or been replaced by a fallback.
    fn all_in(&self) -> bool {
        self.asked.iter().all(|(node, _)| self.answered.contains(node) || self.replaced.contains(node))
    }
}

impl QuorumNode {
    /// A client's operation arrives: coordinate it.
    pub(super) fn coordinate(&mut self, ctx: &mut Ctx, request: ClientRequest, out: &mut Out<Msg, Timer>) {
        if self.pending.len() >= PENDING_MAX {
            out.reply(request.op, Reply::Fail(FailReason::Overloaded));
            return;
        }
        assert!(matches!(request.kind, OpKind::Read | OpKind::Write), "a register workload: reads and writes");
        self.counters.coordinated += 1;
        let mut pending = Pending {
            request,
            phase: 0,
            writing: false,
            started_us: ctx.now_us,
            asked: Vec::new(),
            answered: Vec::new(),
            replaced: Vec::new(),
            held: Siblings::default(),
            digests: Vec::new(),
            walk_next: 0,
            replied: false,
            version: None,
        };
        // Last writer wins needs no context: the write is stamped and sent at once.
        if request.kind == OpKind::Write && self.config.versioning == Versioning::LastWriterWins {
            pending.writing = true;
            pending.version = Some(Version { value: request.value, stamp_us: ctx.wall_clock_us, clock: Vec::new() });
        }
        self.pending.insert(request.op, Box::new(pending));
        self.begin_phase(ctx, request.op, out);
    }

    /// The nodes a phase asks: the key's preference list; sloppy, with every suspected
    /// preference node replaced by the next healthy node on the ring, standing in for it.
    fn choose_targets(&self, ctx: &Ctx, op: OpId) -> (Vec<(NodeId, Option<NodeId>)>, usize) {
        let key = self.pending[&op].request.key;
        let (ring, n) = (self.config.ring, self.config.replicas());
        let healthy = |node: NodeId| node == ctx.me || !self.suspected[node];
        let mut chosen = Vec::with_capacity(n);
        let mut skipped = std::collections::VecDeque::new();
        let mut step = 0;
        while step < ring.nodes as usize && chosen.len() < n {
            let node = NodeId::new(ring.walk(key, step));
            if step < n {
                if healthy(node) || !self.config.sloppy {
                    chosen.push((node, None));
                } else {
                    skipped.push_back(node);
                }
            } else if healthy(node) {
                chosen.push((node, skipped.pop_front()));
            }
            step += 1;
        }
        (chosen, step)
    }

    fn begin_phase(&mut self, ctx: &mut Ctx, op: OpId, out: &mut Out<Msg, Timer>) {
        let (targets, walk_next) = self.choose_targets(ctx, op);
        let pending = self.pending.get_mut(&op).expect("the operation being begun");
        pending.asked = targets.clone();
        pending.answered.clear();
        pending.replaced.clear();
        pending.walk_next = walk_next;
        let phase = pending.phase;
        out.set_timer(self.config.answer_timeout_us, Timer::Answers { op, phase });
        for (node, stands_for) in targets {
            // A local answer may have completed this phase and begun the next: stop asking.
            if self.pending.get(&op).is_none_or(|pending| pending.phase != phase) {
                break;
            }
            self.ask(ctx, op, node, stands_for, out);
        }
    }

    /// Sends the phase's request to `node` (handled at once when it is this node).
    fn ask(&mut self, ctx: &mut Ctx, op: OpId, node: NodeId, stands_for: Option<NodeId>, out: &mut Out<Msg, Timer>) {
        let Some(pending) = self.pending.get(&op) else { return };
        let key = pending.request.key;
        let write = pending.version.clone().filter(|_| pending.writing);
        match (write, node == ctx.me) {
            (None, false) => out.send(node, Msg::Read { op, key }),
            (None, true) => {
                let held = self.held(key);
                self.on_read_answer(ctx, node, op, held, out);
            }
            (Some(version), false) => out.send(node, Msg::Write { op, key, version, hint_for: stands_for }),
            (Some(version), true) => {
                if self.take_write(ctx.me, key, version, stands_for) {
                    self.on_write_ack(ctx, node, op, out);
                }
            }
        }
    }

    /// A replica's versions, for a read or a write's context.
    pub(super) fn on_read_answer(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        op: OpId,
        held: Siblings,
        out: &mut Out<Msg, Timer>,
    ) {
        let versioning = self.config.versioning;
        let quorum = self.config.read_quorum.min(self.config.replicas());
        let Some(pending) = self.pending.get_mut(&op) else { return };
        if pending.writing || pending.answered.contains(&from) || !pending.asked.iter().any(|(node, _)| *node == from) {
            return;
        }
        pending.answered.push(from);
        pending.digests.push((from, held.digest()));
        pending.held.merge(&held, versioning);
        let everyone = pending.all_in();
        if pending.replied || pending.answered.len() < quorum {
            if everyone && pending.replied {
                self.finish(ctx, op, out);
            }
            return;
        }
        pending.replied = true;
        match pending.request.kind {
            OpKind::Read => {
                let value = pending.held.shown();
                out.reply(op, Reply::Ok { read_value: Some(value), epoch: 0 });
                self.remember(op, Outcome::Read(value));
                if everyone {
                    self.finish(ctx, op, out);
                }
            }
            _ => self.begin_write(ctx, op, out),
        }
    }

    /// A version-vector write has read its context: write a version that supersedes it.
    fn begin_write(&mut self, ctx: &mut Ctx, op: OpId, out: &mut Out<Msg, Timer>) {
        let me = ctx.me;
        let pending = self.pending.get_mut(&op).expect("the write being begun");
        let mut clock = pending.held.context();
        if clock.len() <= me.index() {
            clock.resize(me.index() + 1, 0);
        }
        self.dots = self.dots.max(clock[me]) + 1;
        clock[me] = self.dots;
        pending.version = Some(Version { value: pending.request.value, stamp_us: ctx.wall_clock_us, clock });
        pending.writing = true;
        pending.replied = false;
        pending.phase += 1;
        self.begin_phase(ctx, op, out);
    }

    /// A node stored the write.
    pub(super) fn on_write_ack(&mut self, ctx: &mut Ctx, from: NodeId, op: OpId, out: &mut Out<Msg, Timer>) {
        let quorum = self.config.write_quorum.min(self.config.replicas());
        let Some(pending) = self.pending.get_mut(&op) else { return };
        if !pending.writing || pending.answered.contains(&from) || !pending.asked.iter().any(|(node, _)| *node == from)
        {
            return;
        }
        pending.answered.push(from);
        let everyone = pending.all_in();
        if !pending.replied && pending.answered.len() >= quorum {
            pending.replied = true;
            out.reply(op, Reply::Ok { read_value: None, epoch: 0 });
            self.remember(op, Outcome::Written);
        }
        if everyone && self.pending[&op].replied {
            self.finish(ctx, op, out);
        }
    }

    /// The wait for answers ran out: suspect who did not answer; sloppy, ask the next
    /// healthy nodes in their place; past the request timeout, give up.
    pub(super) fn on_answers_timeout(&mut self, ctx: &mut Ctx, op: OpId, phase: u32, out: &mut Out<Msg, Timer>) {
        let Some(pending) = self.pending.get(&op) else { return };
        if pending.phase != phase {
            return;
        }
        let silent: Vec<(NodeId, Option<NodeId>)> = pending
            .asked
            .iter()
            .filter(|(node, _)| !pending.answered.contains(node) && !pending.replaced.contains(node))
            .copied()
            .collect();
        for (node, _) in &silent {
            if *node != ctx.me {
                self.suspected[*node] = true;
            }
        }
        if ctx.now_us.saturating_sub(pending.started_us) >= self.config.request_timeout_us {
            self.finish(ctx, op, out);
            return;
        }
        if self.config.sloppy {
            for (node, stands_for) in silent {
                if let Some(fallback) = self.next_fallback(ctx, op) {
                    let pending = self.pending.get_mut(&op).expect("still pending");
                    pending.asked.push((fallback, stands_for.or(Some(node))));
                    pending.replaced.push(node);
                    self.ask(ctx, op, fallback, stands_for.or(Some(node)), out);
                }
            }
        }
        if self.pending.get(&op).is_some_and(|pending| pending.phase == phase) {
            out.set_timer(self.config.answer_timeout_us, Timer::Answers { op, phase });
        }
    }

    /// The next healthy node on the key's ring walk not yet asked.
    fn next_fallback(&mut self, ctx: &Ctx, op: OpId) -> Option<NodeId> {
        let ring = self.config.ring;
        let pending = self.pending.get_mut(&op)?;
        while pending.walk_next < ring.nodes as usize {
            let node = NodeId::new(ring.walk(pending.request.key, pending.walk_next));
            pending.walk_next += 1;
            let asked = pending.asked.iter().any(|(asked, _)| *asked == node);
            if !asked && (node == ctx.me || !self.suspected[node]) {
                return Some(node);
            }
        }
        None
    }

    /// The operation is over: answer the client if it has no answer yet (a read or a
    /// context that found no quorum is refused — it changed nothing; a write that found no
    /// quorum is left unanswered, for it may have been stored: its client times out and
    /// cannot know), and repair the replicas a read found behind.
    fn finish(&mut self, ctx: &mut Ctx, op: OpId, out: &mut Out<Msg, Timer>) {
        let Some(pending) = self.pending.get(&op) else { return };
        if !pending.replied {
            let writing = pending.writing;
            if !writing {
                out.reply(op, Reply::Fail(FailReason::Unreachable));
            }
            self.remember(op, if writing { Outcome::Unknown } else { Outcome::Refused });
            self.pending.remove(&op);
            return;
        }
        let pending = self.pending.remove(&op).expect("looked up above");
        if pending.request.kind == OpKind::Read && self.config.read_repair {
            self.repair(ctx, &pending, out);
        }
    }

    /// Read repair: every replica of the key that answered with less than the read found
    /// is sent what it found.
    fn repair(&mut self, ctx: &mut Ctx, pending: &Pending, out: &mut Out<Msg, Timer>) {
        let key = pending.request.key;
        let newest = pending.held.digest();
        for &(node, digest) in &pending.digests {
            if digest == newest || !self.config.ring.stores(key, node.index()) {
                continue;
            }
            self.counters.repairs_sent += 1;
            if node == ctx.me {
                self.store_versions(key, &pending.held);
            } else {
                out.send(node, Msg::Repair { key, held: pending.held.clone() });
            }
        }
    }
    /// Records how an operation ended, for the node's panel and its map label (formatted
    /// only when the page asks for a view, not on every operation).
    fn remember(&mut self, op: OpId, outcome: Outcome) {
        let Some(pending) = self.pending.get(&op) else { return };
        let quorum = if pending.writing { self.config.write_quorum } else { self.config.read_quorum };
        let record = Coordinated {
            op,
            key: pending.request.key,
            writing: pending.writing,
            asked: pending.asked.clone(),
            answered: pending.answered.clone(),
            needed: quorum.min(self.config.replicas()),
            outcome,
        };
        self.recent.insert(0, record);
        self.recent.truncate(RECENT_MAX);
    }
}

/// How a coordinated operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// A read answered with this value.
    Read(crate::protocol::Value),
    /// A write acknowledged.
    Written,
    /// A write that found no quorum: left unanswered.
    Unknown,
    /// A read (or a write's context) that found no quorum: refused.
    Refused,
}

/// An operation a node coordinated, as its panel recalls it.
#[derive(Debug, Clone)]
pub(super) struct Coordinated {
    op: OpId,
    key: crate::protocol::Key,
    writing: bool,
    asked: Vec<(NodeId, Option<NodeId>)>,
    answered: Vec<NodeId>,
    needed: usize,
    outcome: Outcome,
}

impl Coordinated {
    /// The quorum it waited for, for the map's label.
    pub(super) fn quorum(&self) -> QuorumWait {
        QuorumWait { writing: self.writing, needed: self.needed as u32, asked: self.asked.len() as u32 }
    }

    /// One line for the node's panel: whom it asked, for whom they stood in, and the quorum
    /// it waited for.
    pub(super) fn line(&self, name: impl Fn(NodeId) -> String, replicas: usize) -> String {
        let asked: Vec<String> = self
            .asked
            .iter()
            .map(|(node, stands_for)| match stands_for {
                Some(intended) => format!("{} (for {})", name(*node), name(*intended)),
                None => name(*node),
            })
            .collect();
        let answered: Vec<String> = self.answered.iter().map(|node| name(*node)).collect();
        let outcome = match self.outcome {
            Outcome::Read(value) => format!("read {value}"),
            Outcome::Written => "written".to_string(),
            Outcome::Unknown => "no quorum: outcome unknown".to_string(),
            Outcome::Refused => "no quorum: refused".to_string(),
        };
        format!(
            "#{} {} key {}: asked {}; waited for {} of {}: {} — {outcome}",
            self.op,
            if self.writing { "write" } else { "read" },
            self.key,
            asked.join(", "),
            self.needed,
            replicas,
            if answered.is_empty() { "none".to_string() } else { answered.join(", ") }
        )
    }
}
