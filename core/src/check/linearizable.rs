//! Linearizability of one register's history, in the style of Knossos and Porcupine.
//!
//! The search is Wing and Gong's, with Lowe's memoisation ("Testing for linearizability",
//! 2017) as Porcupine implements it: the history becomes a linked list of call and return
//! entries in time order; the search lifts a call (linearizes its operation) when the
//! register allows it and the pair (operations linearized, register value) has not been seen
//! before, and backtracks when it meets a return whose operation it has not linearized. The
//! search is iterative; its stack holds at most one frame per operation.
//!
//! Registers are P-compositional, so callers split a history by key and check each key
//! alone. Every optimisation here is exact when write values are unique (a write's value is
//! its operation id):
//!
//! - an unknown-outcome write no read returns is dropped: it may take effect last, where no
//!   read can see it;
//! - an unknown-outcome write some read returns must take effect before the earliest of those
//!   reads completes, so it is given that completion;
//! - a read of a value no operation wrote, other than the initial one, is a witness alone;
//! - the memo stores the operations linearized as a count of leading operations (in
//!   invocation order) plus a short bitset for the concurrency window past them, so long,
//!   mostly sequential histories stay cheap.
//!
//! When no order exists the witness is shrunk: first to the operations the failed search
//! reached, then to the shortest suffix that still fails, then greedily, chunk by chunk and
//! finally one operation at a time. A witness is always *closed*: with every read it keeps
//! every write of the value that read returned. That is what makes it a proof about the
//! whole history: a linearization of the history, restricted to a closed subset, linearizes
//! the subset, so a closed subset with no linearization shows the history has none. (Dropping
//! only the write a read saw would leave a subset that fails for a reason the history does
//! not have.)

use std::collections::{HashMap, HashSet};

/// One operation on one register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisterOp {
    /// Operation id (unique).
    pub id: u64,
    /// Read or write, with the value read or written.
    pub action: Action,
    /// When the client invoked it, µs.
    pub invoke_us: u64,
    /// When the client got the answer; `None` when the outcome is unknown (timed out):
    /// it may take effect at any time after `invoke_us`, or never.
    pub complete_us: Option<u64>,
}

/// What an operation did to the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read, returning this value.
    Read(u64),
    /// Write of this value.
    Write(u64),
}

/// What the search concluded for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Some order of the operations, each taking effect between its invocation and its completion, explains every read.
    Linearizable,
    /// No such order exists; `ops` is a small set of operation ids (sorted) that already cannot be ordered on their own.
    NotLinearizable {
        /// The witness: operation ids, sorted, closed under "a read keeps the writes of the
        /// value it returned".
        ops: Vec<u64>,
    },
    /// The search hit its step budget before deciding.
    Unknown,
}

/// Checks one register that starts with `initial`, spending at most `steps_max` search steps (for the main search and for minimising the witness together).
///
/// A step is one entry the search examines (a lift, a call it cannot lift, or a backtrack);
/// each check run while minimising also costs one step to set up. Failed operations and
/// unknown-outcome reads carry no information and are ignored if passed. A completion before
/// the invocation is read as a completion at the invocation.
pub fn check_register(initial: u64, ops: &[RegisterOp], steps_max: u64) -> Verdict {
    let history = normalise(ops);
    let mut written: HashSet<u64> = HashSet::new();
    for op in history.iter().filter(|op| op.write) {
        written.insert(op.value);
    }
    if let Some(read) = history.iter().find(|op| !op.write && op.value != initial && !written.contains(&op.value)) {
        return Verdict::NotLinearizable { ops: vec![read.id] };
    }
    let mut budget = Budget { steps_left: steps_max };
    let everything: Vec<usize> = (0..history.len()).collect();
    match search(initial, &history, &everything, &mut budget) {
        SearchEnd::Linearizable => Verdict::Linearizable,
        SearchEnd::Exhausted => Verdict::Unknown,
        SearchEnd::Stuck { reached } => {
            let shrinker = Shrinker::new(initial, &history);
            let witness = shrinker.shrink(everything, reached, &mut budget);
            let mut ids: Vec<u64> = witness.iter().map(|&index| history[index].id).collect();
            ids.sort_unstable();
            ids.dedup();
            Verdict::NotLinearizable { ops: ids }
        }
    }
}

/// An operation as the search sees it.
#[derive(Debug, Clone, Copy)]
struct Op {
    /// Operation id.
    id: u64,
    /// Write (else read).
    write: bool,
    /// Value written or read.
    value: u64,
    /// Invocation, µs.
    invoke_us: u64,
    /// Completion, µs, at least the invocation; `u64::MAX` when unknown.
    complete_us: u64,
    /// Outcome unknown (only writes).
    unknown: bool,
}

/// Drops unknown-outcome reads, clamps completions and sorts by invocation.
fn normalise(ops: &[RegisterOp]) -> Vec<Op> {
    let mut history: Vec<Op> = ops
        .iter()
        .filter_map(|op| {
            let (write, value) = match op.action {
                Action::Read(value) => (false, value),
                Action::Write(value) => (true, value),
            };
            if !write && op.complete_us.is_none() {
                return None;
            }
            Some(Op {
                id: op.id,
                write,
                value,
                invoke_us: op.invoke_us,
                complete_us: op.complete_us.map_or(u64::MAX, |complete| complete.max(op.invoke_us)),
                unknown: op.complete_us.is_none(),
            })
        })
        .collect();
    history.sort_by_key(|op| (op.invoke_us, op.complete_us, op.id));
    history
}

/// Steps left to spend.
#[derive(Debug)]
struct Budget {
    /// Remaining steps.
    steps_left: u64,
}

impl Budget {
    /// Takes one step; false when none is left.
    fn spend(&mut self) -> bool {
        if self.steps_left == 0 {
            return false;
        }
        self.steps_left -= 1;
        true
    }
}

/// How one search ended.
#[derive(Debug)]
enum SearchEnd {
    /// An order exists.
    Linearizable,
    /// No order exists; `reached` holds the operations (history indices, ascending) whose
    /// invocation the search got to.
    Stuck {
        /// Operations invoked no later than the furthest entry examined.
        reached: Vec<usize>,
    },
    /// The budget ran out.
    Exhausted,
}

/// The operations linearized so far: a bitset over ranks (invocation order) that also
/// tracks how many leading ranks are all set, for a compact memo key.
#[derive(Debug)]
struct Linearized {
    /// One bit per rank.
    words: Vec<u64>,
    /// Ranks.
    len: usize,
    /// Ranks `0..prefix` are all set and `prefix` is not.
    prefix: usize,
    /// No rank at or past this is set.
    top: usize,
}

/// A memo entry: the operations linearized and the register value after them.
#[derive(Debug, PartialEq, Eq, Hash)]
struct MemoKey {
    /// Leading ranks all linearized.
    prefix: usize,
    /// The bitset words from the one holding `prefix`, trailing zero words trimmed.
    window: Box<[u64]>,
    /// Register value.
    value: u64,
}

impl Linearized {
    /// Nothing linearized among `len` ranks.
    fn new(len: usize) -> Linearized {
        Linearized { words: vec![0; len.div_ceil(64)], len, prefix: 0, top: 0 }
    }

    /// Marks `rank` linearized.
    fn set(&mut self, rank: usize) {
        self.words[rank / 64] |= 1 << (rank % 64);
        self.top = self.top.max(rank + 1);
        // Each pass moves `prefix` forward or stops: at most len + len / 64 passes.
        while self.prefix < self.len {
            let ones = (self.words[self.prefix / 64] >> (self.prefix % 64)).trailing_ones() as usize;
            if ones == 0 {
                break;
            }
            self.prefix += ones;
        }
        self.prefix = self.prefix.min(self.len);
    }

    /// Marks `rank` not linearized.
    fn clear(&mut self, rank: usize) {
        self.words[rank / 64] &= !(1 << (rank % 64));
        self.prefix = self.prefix.min(rank);
    }

    /// The memo key for the current set with register value `value`.
    fn key(&mut self, value: u64) -> MemoKey {
        let start = self.prefix / 64;
        let mut end = self.top.div_ceil(64).max(start);
        while end > start && self.words[end - 1] == 0 {
            end -= 1;
        }
        self.top = self.top.min(end * 64);
        MemoKey { prefix: self.prefix, window: self.words[start..end].into(), value }
    }
}

/// No entry: the end of a link.
const NONE: usize = usize::MAX;

/// Wing–Gong–Lowe search over the operations `members` (history indices, ascending) of
/// `history`, starting from `initial`.
fn search(initial: u64, history: &[Op], members: &[usize], budget: &mut Budget) -> SearchEnd {
    if !budget.spend() {
        return SearchEnd::Exhausted;
    }
    // Per value: writes of it, and the earliest completion of a read of it.
    let mut by_value: HashMap<u64, (u32, u64)> = HashMap::new();
    for &index in members {
        let op = history[index];
        let slot = by_value.entry(op.value).or_insert((0, u64::MAX));
        if op.write {
            slot.0 += 1;
        } else {
            slot.1 = slot.1.min(op.complete_us);
        }
    }
    // The operations the search orders: rank = position here (invocation order).
    let mut ops: Vec<(usize, Op)> = Vec::with_capacity(members.len());
    for &index in members {
        let mut op = history[index];
        if op.unknown {
            let (writes, first_read_complete_us) = by_value.get(&op.value).copied().unwrap_or((0, u64::MAX));
            if first_read_complete_us == u64::MAX {
                continue;
            }
            if writes == 1 && op.value != initial {
                op.complete_us = first_read_complete_us.max(op.invoke_us);
            }
        }
        ops.push((index, op));
    }
    let count = ops.len();
    // Entries: call of rank r at 2r, its return at 2r + 1, put in time order (calls before
    // returns at the same µs: touching operations are concurrent).
    let mut order: Vec<(u64, usize)> = Vec::with_capacity(2 * count);
    for (rank, (_, op)) in ops.iter().enumerate() {
        order.push((op.invoke_us, 2 * rank));
        order.push((op.complete_us, 2 * rank + 1));
    }
    order.sort_unstable_by_key(|&(time_us, entry)| (time_us, entry % 2, entry));
    let head = 2 * count;
    let mut next = vec![NONE; 2 * count + 1];
    let mut prev = vec![NONE; 2 * count + 1];
    // Position of each entry in time order, to tell how far the search got.
    let mut position = vec![0; 2 * count];
    let mut last = head;
    for (place, &(_, entry)) in order.iter().enumerate() {
        position[entry] = place;
        next[last] = entry;
        prev[entry] = last;
        last = entry;
    }

    let mut linearized = Linearized::new(count);
    let mut memo: HashSet<MemoKey> = HashSet::new();
    // Frames: (call entry lifted, register value before it).
    let mut stack: Vec<(usize, u64)> = Vec::with_capacity(count);
    let mut value = initial;
    let mut entry = next[head];
    let mut furthest = 0;
    while entry != NONE {
        if !budget.spend() {
            return SearchEnd::Exhausted;
        }
        furthest = furthest.max(position[entry]);
        let rank = entry / 2;
        if entry % 2 == 0 {
            let op = ops[rank].1;
            let allowed = op.write || op.value == value;
            let value_after = if op.write { op.value } else { value };
            if allowed {
                linearized.set(rank);
                if memo.insert(linearized.key(value_after)) {
                    stack.push((entry, value));
                    value = value_after;
                    lift(&mut next, &mut prev, entry);
                    entry = next[head];
                    continue;
                }
                linearized.clear(rank);
            }
            entry = next[entry];
        } else {
            let Some((call, value_before)) = stack.pop() else {
                let reached = ops.iter().enumerate().filter(|(rank, _)| position[2 * rank] <= furthest);
                return SearchEnd::Stuck { reached: reached.map(|(_, &(index, _))| index).collect() };
            };
            value = value_before;
            linearized.clear(call / 2);
            unlift(&mut next, &mut prev, call);
            entry = next[call];
        }
    }
    SearchEnd::Linearizable
}

/// Unlinks a call entry and its return (`call + 1`).
fn lift(next: &mut [usize], prev: &mut [usize], call: usize) {
    for entry in [call, call + 1] {
        let (before, after) = (prev[entry], next[entry]);
        next[before] = after;
        if after != NONE {
            prev[after] = before;
        }
    }
}

/// Links back what [`lift`] unlinked (last lifted first).
fn unlift(next: &mut [usize], prev: &mut [usize], call: usize) {
    for entry in [call + 1, call] {
        let (before, after) = (prev[entry], next[entry]);
        next[before] = entry;
        if after != NONE {
            prev[after] = entry;
        }
    }
}

/// Shrinks a non-linearizable set of operations to a small closed one.
#[derive(Debug)]
struct Shrinker<'a> {
    /// Initial register value.
    initial: u64,
    /// The whole (normalised) history.
    history: &'a [Op],
    /// Per value, the writes of it (history indices).
    writes_of: HashMap<u64, Vec<usize>>,
    /// Per value, the reads of it (history indices).
    reads_of: HashMap<u64, Vec<usize>>,
}

/// One check while shrinking.
#[derive(Debug, PartialEq, Eq)]
enum Probe {
    /// The set has no linearization.
    Fails,
    /// The set has one.
    Holds,
    /// The budget ran out.
    Exhausted,
}

impl<'a> Shrinker<'a> {
    /// Indexes `history` by value.
    fn new(initial: u64, history: &'a [Op]) -> Shrinker<'a> {
        let mut writes_of: HashMap<u64, Vec<usize>> = HashMap::new();
        let mut reads_of: HashMap<u64, Vec<usize>> = HashMap::new();
        for (index, op) in history.iter().enumerate() {
            let map = if op.write { &mut writes_of } else { &mut reads_of };
            map.entry(op.value).or_default().push(index);
        }
        Shrinker { initial, history, writes_of, reads_of }
    }

    /// Whether `members` fails to linearize.
    fn probe(&self, members: &[usize], budget: &mut Budget) -> Probe {
        match search(self.initial, self.history, members, budget) {
            SearchEnd::Linearizable => Probe::Holds,
            SearchEnd::Stuck { .. } => Probe::Fails,
            SearchEnd::Exhausted => Probe::Exhausted,
        }
    }

    /// `members` (ascending) plus every write of a value one of its reads returned.
    fn close(&self, members: &[usize]) -> Vec<usize> {
        let mut closed: Vec<usize> = members.to_vec();
        for &index in members {
            let op = self.history[index];
            if !op.write {
                closed.extend(self.writes_of.get(&op.value).into_iter().flatten());
            }
        }
        closed.sort_unstable();
        closed.dedup();
        closed
    }

    /// `members` without `dropped` and without the reads of any value a dropped write wrote,
    /// so a closed set stays closed.
    fn without(&self, members: &[usize], dropped: &[usize]) -> Vec<usize> {
        let mut gone: HashSet<usize> = dropped.iter().copied().collect();
        for &index in dropped {
            let op = self.history[index];
            if op.write {
                gone.extend(self.reads_of.get(&op.value).into_iter().flatten());
            }
        }
        members.iter().copied().filter(|index| !gone.contains(index)).collect()
    }

    /// A small closed failing subset of `failing` (closed, known to fail); `reached` is what
    /// the failed search over `failing` got to. Stops early, with the smallest failing set
    /// found, when the budget runs out.
    fn shrink(&self, failing: Vec<usize>, reached: Vec<usize>, budget: &mut Budget) -> Vec<usize> {
        let mut best = failing;
        // 1. The operations the search reached already fail on their own, as a rule.
        let reached = self.close(&reached);
        if reached.len() < best.len() {
            match self.probe(&reached, budget) {
                Probe::Fails => best = reached,
                Probe::Holds => {}
                Probe::Exhausted => return best,
            }
        }
        // 2. The shortest failing suffix (in invocation order), closed. Invariant: the
        // suffix from `low` fails, the one from `high` holds (the empty one does).
        let (mut low, mut high) = (0, best.len());
        while high - low > 1 {
            let middle = low + (high - low) / 2;
            match self.probe(&self.close(&best[middle..]), budget) {
                Probe::Fails => low = middle,
                Probe::Holds => high = middle,
                Probe::Exhausted => return self.close(&best[low..]),
            }
        }
        best = self.close(&best[low..]);
        // 3. Greedy: drop chunks that can go, halving the chunk, then single operations
        // until none can go. Each kept drop shrinks `best`, so this ends.
        let mut chunk = (best.len() / 2).max(1);
        loop {
            let mut dropped_any = false;
            let mut start = 0;
            while start < best.len() {
                let end = (start + chunk).min(best.len());
                let trial = self.without(&best, &best[start..end]);
                match self.probe(&trial, budget) {
                    Probe::Fails => {
                        best = trial;
                        dropped_any = true;
                    }
                    Probe::Holds => start = end,
                    Probe::Exhausted => return best,
                }
            }
            if chunk > 1 {
                chunk /= 2;
            } else if !dropped_any {
                return best;
            }
        }
    }
}
