//! The lag chart: replication lag of every replica over simulated time, redrawn at a
//! bounded rate (when the model bumps its chart version), never every frame.

use crate::draw;
use replica_core::protocol::Role;
use replica_core::scenario::Simulation;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Properties of [`LagChart`].
#[derive(Properties)]
pub struct LagChartProps {
    /// The simulation whose metrics to draw.
    pub simulation: Rc<RefCell<Box<dyn Simulation>>>,
    /// Redraw when this changes.
    pub version: u64,
}

impl PartialEq for LagChartProps {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version && Rc::ptr_eq(&self.simulation, &other.simulation)
    }
}

/// The chart.
#[component]
pub fn LagChart(props: &LagChartProps) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        let simulation = props.simulation.clone();
        use_effect_with(props.version, move |_| {
            if let Some(canvas) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                let simulation = simulation.borrow();
                let series: Vec<_> = simulation.metrics().series.iter().cloned().collect();
                let names = simulation.node_names();
                let primaries: Vec<bool> = simulation.views().iter().map(|v| v.role == Role::Primary).collect();
                draw::lag_chart(&canvas, &series, &names, &primaries);
            }
        });
    }
    html! {
        <section class="chart" aria-label="Replication lag per replica over time">
            <h2>{ "Replication lag" }</h2>
            <canvas ref={canvas} class="lag-chart" role="img" aria-label="Line chart of replication lag in milliseconds per replica"></canvas>
        </section>
    }
}
