//! # replica-core
//!
//! A deterministic, sans-IO simulator of database replication across India.
//!
//! The crate is a pure function from (scenario, seed, control log) to a run: it never reads
//! a clock, never touches the network or the file system, and draws every random number
//! from one seeded generator split per purpose. The same inputs give the same trace digest
//! natively and in wasm32. Front ends — the `replica-lab` command line and the Yew page —
//! only build a [`scenario::Simulation`], feed it [`control::Control`]s, and read
//! [`snapshot::Snapshot`]s and [`report::RunReport`]s.
//!
//! Map of the crate:
//! - [`engine`]: virtual time, the event queue, the loop that feeds protocols.
//! - [`protocol`]: the contract between engine and strategies (inputs, effects).
//! - [`strategy`]: the replication strategies themselves.
//! - [`net`], [`geo`]: the network of India; [`workload`]: the clients.
//! - [`history`], [`check`]: what clients saw, and the named properties over it; [`jepsen`]:
//!   the history as Jepsen's EDN operation log; [`nemesis`]: hostile fault schedules and shrinking.
//! - [`clock`], [`crdt`]: vector clocks and conflict-free replicated data types.
//! - [`metrics`], [`snapshot`], [`report`]: what front ends show; [`spacetime`]: the
//!   space-time diagram's record of recent events with their vector clocks.
//! - [`scenario`]: the catalogue, knobs and validation of user input.
//! - [`control`]: controls and the fault-spec grammar.
//! - [`replay`]: reading a trace file back and making its run again; [`json`]: the trace
//!   files' JSON, small enough for the page.
//! - [`rng`]: the seeded random streams; [`compact`]: collection helpers that keep the wasm small.

// Collections inside `Box` on purpose: a B-tree whose values are boxed is one
// instantiation for every value type, which keeps the page's wasm inside its budget
// (see `compact`).
#![allow(clippy::box_collection)]

pub mod bench;
pub mod check;
pub mod clock;
pub mod compact;
pub mod control;
pub mod crdt;
pub mod engine;
pub mod geo;
pub mod history;
pub mod i18n;
pub mod jepsen;
pub mod json;
pub mod lesson;
pub mod merkle;
pub mod metrics;
pub mod monitor;
pub mod mvcc;
pub mod nemesis;
pub mod net;
pub mod protocol;
pub mod replay;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod self_report;
pub mod snapshot;
pub mod spacetime;
pub mod strategy;
pub mod vocabulary;
pub mod workload;
