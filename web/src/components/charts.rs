//! The charts: replication lag per node; throughput; latency percentiles; conflicts and
//! divergence; anomalies over time; replicas (auto-scaling).
//! Each is redrawn at a bounded rate (when the model bumps its chart version), never every
//! frame, through [`draw::line_chart`]; this module only turns the model's series into lines.

use crate::draw::{self, ChartMarks, Line};
use crate::hooks::use_lang;
use crate::palette;
use crate::state::AnomalyPoint;
use crate::url::Lang;
use replica_core::check::AnomalyKind;
use replica_core::i18n::Msg;
use replica_core::metrics::{SeriesPoint, SERIES_INTERVAL_US};
use replica_core::protocol::Role;
use replica_core::scenario::Simulation;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use yew::prelude::*;

/// Which chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Replication lag per node.
    Lag,
    /// Conflicts detected per second and keys on which replicas disagree.
    Convergence,
    /// Each checker's count over time.
    Anomalies,
    /// Replicas serving and bootstrapping (auto-scaling).
    Replicas,
    /// Operations completed per second.
    Throughput,
    /// Latency percentiles of the operations completed in each interval.
    Latency,
}

impl ChartKind {
    fn title(self) -> Msg {
        match self {
            ChartKind::Lag => Msg::ChartLag,
            ChartKind::Convergence => Msg::ChartConvergence,
            ChartKind::Anomalies => Msg::ChartAnomalies,
            ChartKind::Replicas => Msg::ChartReplicas,
            ChartKind::Throughput => Msg::ChartThroughput,
            ChartKind::Latency => Msg::ChartLatency,
        }
    }

    fn description(self) -> Msg {
        match self {
            ChartKind::Lag => Msg::ChartLagAria,
            ChartKind::Convergence => Msg::ChartConvergenceAria,
            ChartKind::Anomalies => Msg::ChartAnomaliesAria,
            ChartKind::Replicas => Msg::ChartReplicasAria,
            ChartKind::Throughput => Msg::ChartThroughputAria,
            ChartKind::Latency => Msg::ChartLatencyAria,
        }
    }

    fn y_label(self) -> Msg {
        match self {
            ChartKind::Lag => Msg::AxisLag,
            ChartKind::Convergence => Msg::AxisCount,
            ChartKind::Anomalies => Msg::AxisFound,
            ChartKind::Replicas => Msg::AxisReplicas,
            ChartKind::Throughput => Msg::AxisOps,
            ChartKind::Latency => Msg::AxisLatency,
        }
    }

    /// Whether its values are counts (whole-number ticks).
    fn counts(self) -> bool {
        matches!(self, ChartKind::Convergence | ChartKind::Anomalies | ChartKind::Replicas)
    }

    fn css_class(self) -> &'static str {
        match self {
            ChartKind::Lag => "lag-chart",
            ChartKind::Convergence => "convergence-chart",
            ChartKind::Anomalies => "anomaly-chart",
            ChartKind::Replicas => "replicas-chart",
            ChartKind::Throughput => "throughput-chart",
            ChartKind::Latency => "latency-chart",
        }
    }
}

/// Properties of [`Chart`].
#[derive(Properties)]
pub struct ChartProps {
    /// Which chart.
    pub kind: ChartKind,
    /// The simulation whose metrics to draw.
    pub simulation: Rc<RefCell<Box<dyn Simulation>>>,
    /// Checker counts over time (for [`ChartKind::Anomalies`]).
    pub anomalies: Rc<VecDeque<AnomalyPoint>>,
    /// Moments of faults and controls (simulated seconds), marked on the time axis.
    pub marks_s: Rc<Vec<f64>>,
    /// Redraw when this changes.
    pub version: u64,
}

impl PartialEq for ChartProps {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.version == other.version
            && Rc::ptr_eq(&self.simulation, &other.simulation)
            && self.marks_s == other.marks_s
    }
}

fn seconds(point: &SeriesPoint) -> f64 {
    point.t_us as f64 / 1e6
}

/// Lag of every node that is not a primary.
pub fn lag_lines(series: &[SeriesPoint], names: &[String], primaries: &[bool]) -> Vec<Line> {
    names
        .iter()
        .enumerate()
        .filter(|(index, _)| !primaries.get(*index).copied().unwrap_or(false) || primaries.iter().all(|p| *p))
        .map(|(index, name)| Line {
            name: name.clone(),
            colour: palette::SERIES[index % palette::SERIES.len()],
            points: series
                .iter()
                .map(|p| (seconds(p), f64::from(p.lag_ms.get(index).copied().unwrap_or(0.0))))
                .collect(),
        })
        .collect()
}

/// Conflicts detected per second (multi-leader) and divergent keys (replicated state).
pub fn convergence_lines(series: &[SeriesPoint], lang: Lang) -> Vec<Line> {
    let per_second = 1e6 / SERIES_INTERVAL_US as f64;
    let rates = series
        .windows(2)
        .map(|pair| (seconds(&pair[1]), pair[1].conflicts.saturating_sub(pair[0].conflicts) as f64 * per_second));
    let mut lines = vec![Line {
        name: Msg::SeriesDivergent.get(lang).into(),
        colour: palette::SERIES[1],
        points: series.iter().map(|p| (seconds(p), f64::from(p.divergent_keys))).collect(),
    }];
    if series.iter().any(|p| p.conflicts > 0) {
        lines.push(Line {
            name: Msg::SeriesConflicts.get(lang).into(),
            colour: palette::SERIES[0],
            points: rates.collect(),
        });
    }
    lines
}

/// One line per checker that has ever found something.
pub fn anomaly_lines(points: &VecDeque<AnomalyPoint>, lang: Lang) -> Vec<Line> {
    AnomalyKind::all()
        .enumerate()
        .filter(|(_, kind)| points.iter().any(|p| p.counts.iter().any(|(k, count)| *k == *kind && *count > 0)))
        .map(|(index, kind)| Line {
            name: kind.words().0.get(lang).to_string(),
            colour: palette::SERIES[index % palette::SERIES.len()],
            points: points
                .iter()
                .map(|p| {
                    let count = p.counts.iter().find(|(k, _)| *k == kind).map_or(0, |(_, count)| *count);
                    (p.t_us as f64 / 1e6, count as f64)
                })
                .collect(),
        })
        .collect()
}

/// The lines a chart draws now.
pub fn chart_lines(
    kind: ChartKind,
    simulation: &dyn Simulation,
    anomalies: &VecDeque<AnomalyPoint>,
    lang: Lang,
) -> Vec<Line> {
    let series: Vec<SeriesPoint> = simulation.metrics().series.iter().cloned().collect();
    match kind {
        ChartKind::Lag => {
            let primaries: Vec<bool> = simulation.views().iter().map(|v| v.role == Role::Primary).collect();
            lag_lines(&series, &simulation.node_names(), &primaries)
        }
        ChartKind::Convergence => convergence_lines(&series, lang),
        ChartKind::Anomalies => anomaly_lines(anomalies, lang),
        ChartKind::Replicas => simulation.scaling().map(|log| replica_lines(&log, lang)).unwrap_or_default(),
        ChartKind::Throughput => {
            field_lines(&series, &[(Msg::SeriesCompleted.get(lang), 2, |p| f64::from(p.throughput_ops_s))])
        }
        ChartKind::Latency => field_lines(
            &series,
            &[("p50", 0, |p| f64::from(p.latency_p50_ms)), ("p99", 3, |p| f64::from(p.latency_p99_ms))],
        ),
    }
}

/// One line per field of the series: (name, colour index, value).
type Field = (&'static str, usize, fn(&SeriesPoint) -> f64);

/// Lines of fields of the series over simulated time.
pub fn field_lines(series: &[SeriesPoint], fields: &[Field]) -> Vec<Line> {
    fields
        .iter()
        .map(|(name, colour, value)| Line {
            name: (*name).to_string(),
            colour: palette::SERIES[*colour % palette::SERIES.len()],
            points: series.iter().map(|p| (seconds(p), value(p))).collect(),
        })
        .collect()
}

/// Replicas serving and bootstrapping over time, summed over regions.
pub fn replica_lines(log: &replica_core::self_report::ScalingLog, lang: Lang) -> Vec<Line> {
    let total = |counts: &[u8; 5]| counts.iter().map(|n| f64::from(*n)).sum::<f64>();
    vec![
        Line {
            name: Msg::SeriesServing.get(lang).into(),
            colour: palette::SERIES[1],
            points: log.timeline.iter().map(|p| (p.t_ms as f64 / 1000.0, total(&p.serving))).collect(),
        },
        Line {
            name: Msg::SeriesBootstrapping.get(lang).into(),
            colour: palette::SERIES[3],
            points: log.timeline.iter().map(|p| (p.t_ms as f64 / 1000.0, total(&p.booting))).collect(),
        },
    ]
}

/// A chart: its title, what its axes show, the plot (a canvas), and its legend below it.
#[component]
pub fn Chart(props: &ChartProps) -> Html {
    let lang = use_lang();
    let canvas = use_node_ref();
    let lines = Rc::new(chart_lines(props.kind, props.simulation.borrow().as_ref(), &props.anomalies, lang));
    {
        let (canvas, lines) = (canvas.clone(), lines.clone());
        let marks = ChartMarks { counts: props.kind.counts(), marks_s: props.marks_s.as_ref().clone() };
        use_effect_with((props.version, lang, props.marks_s.clone()), move |_| {
            if let Some(canvas) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                draw::line_chart(&canvas, &lines, &marks);
            }
        });
    }
    let title = props.kind.title().get(lang);
    html! {
        <section class="chart" aria-label={title}>
            <h2>{ title }</h2>
            <p class="chart-axes">{ format!("↑ {} · → {}", props.kind.y_label().get(lang), Msg::AxisTime.get(lang)) }</p>
            <canvas ref={canvas} class={classes!("chart-canvas", props.kind.css_class())} role="img" aria-label={props.kind.description().get(lang)}></canvas>
            <ul class="chart-legend">
                // The lag chart's lines are nodes, named by their ids.
                { for lines.iter().map(|line| html! {
                    <li translate={(props.kind == ChartKind::Lag).then_some("no")}><span class="swatch" style={format!("background:{}", line.colour)}></span>{ &line.name }</li>
                }) }
                if !props.marks_s.is_empty() {
                    <li class="mark-key"><span class="dash"></span>{ Msg::MarkFault.get(lang) }</li>
                }
            </ul>
        </section>
    }
}
