//! Replication strategies, named by mechanism: one module per strategy, each a set of
//! sans-IO node state machines implementing [`crate::protocol::Protocol`]. The scenarios
//! (`crate::scenario`) place them in Indian settings.
//!
//! A strategy must not reach into the engine, the network or another node: it only
//! handles inputs and emits effects.

pub mod autoscaling;
pub mod change_stream;
pub mod crdt_gossip;
pub mod leaderless;
pub mod log;
pub mod log_shipping;
pub mod multi_leader;
pub mod mvcc_wal;
pub mod two_phase_commit;
