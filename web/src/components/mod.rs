//! Components of the page. Each renders part of the model and dispatches actions; none
//! holds simulation state of its own.

pub mod anomalies;
pub mod app;
pub mod bench;
pub mod charts;
pub mod controls;
pub mod lesson;
pub mod map;
pub mod monitor;
pub mod nodes;
pub mod scaling;
pub mod slider;
pub mod spacetime;
pub mod storage;
