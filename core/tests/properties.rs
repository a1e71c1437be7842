//! Property tests of the replicated data types, over random cases drawn from the seeded
//! generator (so a failure names the seed that reproduces it, natively or in wasm):
//! - every CRDT's merge is commutative, associative and idempotent, and replicas that saw
//!   the same updates converge whatever the order of merges;
//! - for vector clocks, happened-before is a strict partial order and coincides with the
//!   causality of the execution (program order plus messages, transitively).

use replica_core::clock::{ClockOrder, VectorClock};
use replica_core::crdt::{Crdt, LwwRegister, OrSet, PnCounter};
use replica_core::rng::{Purpose, Stream};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(not(target_arch = "wasm32"))]
const CASES: u64 = 500;
#[cfg(target_arch = "wasm32")]
const CASES: u64 = 100;

/// Runs `property` on `CASES` seeds; a failure names its seed.
fn for_all(name: &str, property: impl Fn(&mut Stream) -> Result<(), String>) {
    for seed in 1..=CASES {
        let mut rng = Stream::new(seed, Purpose::Workload);
        if let Err(why) = property(&mut rng) {
            panic!("property '{name}' fails for seed {seed}: {why}");
        }
    }
}

/// Three replicas of a CRDT after random local updates and random one-way merges.
fn replicas<T: Crdt>(rng: &mut Stream, empty: T, update: impl Fn(&mut T, u32, &mut Stream)) -> [T; 3] {
    let mut states = [empty.clone(), empty.clone(), empty];
    for _ in 0..rng.below(30) {
        let replica = rng.below(3) as usize;
        if rng.chance(0.7) {
            update(&mut states[replica], replica as u32, rng);
        } else {
            let from = rng.below(3) as usize;
            let other = states[from].clone();
            states[replica].merge(&other);
        }
    }
    states
}

fn semilattice<T: Crdt + std::fmt::Debug>(states: &[T; 3]) -> Result<(), String> {
    let [a, b, c] = states;
    if a.merged(b) != b.merged(a) {
        return Err(format!("not commutative: {a:?} ⊔ {b:?}"));
    }
    if a.merged(b).merged(c) != a.merged(&b.merged(c)) {
        return Err(format!("not associative: {a:?}, {b:?}, {c:?}"));
    }
    if a.merged(a) != *a {
        return Err(format!("not idempotent: {a:?}"));
    }
    Ok(())
}

fn counter_update(counter: &mut PnCounter, replica: u32, rng: &mut Stream) {
    let amount = 1 + rng.below(5);
    if rng.chance(0.5) {
        counter.increment(replica, amount);
    } else {
        counter.decrement(replica, amount);
    }
}

fn set_update(set: &mut OrSet<u8>, replica: u32, rng: &mut Stream) {
    let element = rng.below(5) as u8;
    if rng.chance(0.6) {
        set.add(replica, element);
    } else {
        set.remove(&element);
    }
}

fn register_update(register: &mut LwwRegister<u64>, replica: u32, rng: &mut Stream) {
    let wall_clock = rng.below(50) as i64;
    register.set(replica, wall_clock, rng.next_u64());
}

#[test]
fn pn_counter_merge_is_a_semilattice() {
    for_all("pn-counter", |rng| semilattice(&replicas(rng, PnCounter::default(), counter_update)));
}

#[test]
fn or_set_merge_is_a_semilattice() {
    for_all("or-set", |rng| semilattice(&replicas(rng, OrSet::new(), set_update)));
}

#[test]
fn lww_register_merge_is_a_semilattice() {
    for_all("lww-register", |rng| semilattice(&replicas(rng, LwwRegister::new(0), register_update)));
}

#[test]
fn replicas_converge_whatever_the_merge_order() {
    for_all("convergence", |rng| {
        let states = replicas(rng, PnCounter::default(), counter_update);
        let forward = states[0].merged(&states[1]).merged(&states[2]);
        let backward = states[2].merged(&states[0]).merged(&states[1]).merged(&states[1]);
        if forward != backward || forward.value() != backward.value() {
            return Err(format!("{forward:?} vs {backward:?}"));
        }
        Ok(())
    });
}

#[test]
fn or_set_add_wins_over_a_concurrent_remove() {
    let (mut a, mut b) = (OrSet::new(), OrSet::new());
    a.add(0, "kurta");
    b.merge(&a);
    b.remove(&"kurta");
    a.add(0, "kurta");
    a.merge(&b);
    assert!(a.contains(&"kurta"), "the add b had not seen survives b's remove");
    let mut c = OrSet::new();
    c.add(2, "saree");
    c.remove(&"saree");
    assert!(!c.contains(&"saree"));
}

#[test]
fn lww_register_lets_a_skewed_clock_win() {
    let mut mumbai = LwwRegister::new(100u64);
    // Delhi's clock runs 50 ms ahead: its earlier write carries the later stamp.
    let mut delhi = mumbai.clone();
    delhi.set(1, 1_050_000, 120);
    mumbai.set(0, 1_020_000, 130);
    mumbai.merge(&delhi);
    assert_eq!(*mumbai.value(), 120, "the write made first (on the skewed clock) wins");
}

/// One event of a random execution: its process, its clock, and its causal predecessors.
struct Event {
    clock: VectorClock,
    predecessors: Vec<usize>,
}

/// A random execution of `processes` processes: local events, sends and receives.
fn execution(rng: &mut Stream, processes: usize) -> Vec<Event> {
    let mut clocks = vec![VectorClock::new(processes); processes];
    let mut last_event: Vec<Option<usize>> = vec![None; processes];
    let mut in_flight: Vec<(usize, VectorClock, usize)> = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    for _ in 0..(5 + rng.below(40)) {
        let process = rng.below(processes as u64) as usize;
        let mut predecessors: Vec<usize> = last_event[process].into_iter().collect();
        let receive = !in_flight.is_empty() && rng.chance(0.4);
        if receive {
            let (to, clock, send_event) = in_flight.swap_remove(rng.below(in_flight.len() as u64) as usize);
            clocks[to].observe(to, &clock);
            predecessors = last_event[to].into_iter().chain([send_event]).collect();
            events.push(Event { clock: clocks[to].clone(), predecessors });
            last_event[to] = Some(events.len() - 1);
            continue;
        }
        clocks[process].tick(process);
        events.push(Event { clock: clocks[process].clone(), predecessors: std::mem::take(&mut predecessors) });
        last_event[process] = Some(events.len() - 1);
        if rng.chance(0.5) {
            let to = rng.below(processes as u64) as usize;
            in_flight.push((to, clocks[process].clone(), events.len() - 1));
        }
    }
    events
}

/// reachable[a][b]: a happened before b in the execution (transitively).
fn causality(events: &[Event]) -> Vec<Vec<bool>> {
    let n = events.len();
    let mut reachable = vec![vec![false; n]; n];
    for (index, event) in events.iter().enumerate() {
        for &before in &event.predecessors {
            reachable[before][index] = true;
            for earlier in 0..n {
                if reachable[earlier][before] {
                    reachable[earlier][index] = true;
                }
            }
        }
    }
    reachable
}

#[test]
fn happened_before_matches_causality_and_is_a_strict_partial_order() {
    for_all("vector clocks", |rng| {
        let processes = 2 + rng.below(4) as usize;
        let events = execution(rng, processes);
        let causal = causality(&events);
        for (a, first) in events.iter().enumerate() {
            if first.clock.happened_before(&first.clock) {
                return Err(format!("event {a} happened before itself"));
            }
            for (b, second) in events.iter().enumerate() {
                let before = first.clock.happened_before(&second.clock);
                if before != causal[a][b] {
                    return Err(format!(
                        "events {a} {} and {b} {}: clocks say {before}, causality says {}",
                        first.clock, second.clock, causal[a][b]
                    ));
                }
                if before && second.clock.happened_before(&first.clock) {
                    return Err(format!("events {a} and {b} each happened before the other"));
                }
                let concurrent = a != b && !causal[a][b] && !causal[b][a];
                if concurrent != (first.clock.compare(&second.clock) == ClockOrder::Concurrent) {
                    return Err(format!("events {a} and {b}: concurrency disagrees"));
                }
            }
        }
        Ok(())
    });
}

#[test]
fn merge_changed_says_exactly_whether_the_state_changed() {
    for_all("merge_changed", |rng| {
        let [a, b, _] = replicas(rng, PnCounter::default(), counter_update);
        let mut merged = a.clone();
        let changed = merged.merge_changed(&b);
        if changed != (merged != a) || merged != a.merged(&b) {
            return Err(format!("{a:?} ⊔ {b:?}: changed = {changed}"));
        }
        let [x, y, _] = replicas(rng, LwwRegister::new(0), register_update);
        let mut merged = x.clone();
        let changed = merged.merge_changed(&y);
        if changed != (merged != x) || merged != x.merged(&y) {
            return Err(format!("{x:?} ⊔ {y:?}: changed = {changed}"));
        }
        Ok(())
    });
}
