//! Replication strategies: one module per strategy, each a set of sans-IO node state
//! machines implementing [`crate::protocol::Protocol`].
//!
//! A strategy must not reach into the engine, the network or another node: it only
//! handles inputs and emits effects.

pub mod banking;
pub mod flipkart;
pub mod hdfc;
pub mod log;
pub mod neft;
pub mod scaling;
pub mod sync;
pub mod upi;
