//! The space-time (Lamport) diagram: one line per node, the latest events on them with the
//! vector clock each had, and an arrow from each send to its receive. Pointing at an event
//! (or moving along them with the arrow keys) highlights its causal past and future, names
//! it and its clock in a line of text, and rings the matching message on the map if it is
//! still in flight. Operations an anomaly badge selected are ringed. "Export SVG" saves the
//! drawing as a standalone file (colours are attributes, not CSS, so it stands alone).
//!
//! It reads the simulation's [`Recorder`]; it never changes the simulation.

use crate::hooks::use_lang;
use crate::palette;
use crate::url::Lang;
use replica_core::i18n::Msg;
use replica_core::protocol::NodeId;
use replica_core::scenario::Simulation;
use replica_core::spacetime::{Recorder, SpaceTimeEvent, SpaceTimeKind};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Events drawn by default (the latest of those the recorder keeps).
pub const EVENTS_DRAWN: usize = 48;
/// The time windows a reader can choose, in events drawn: the widest is all the recorder
/// keeps.
pub const ZOOM_EVENTS: [usize; 3] = [EVENTS_DRAWN, 120, replica_core::spacetime::EVENTS_KEPT];
const WIDTH: f64 = 640.0;
/// A lane's height; scenarios with many nodes (auto-scaling slots) get narrower lanes.
const LANE_HEIGHT: f64 = 26.0;
const LANE_HEIGHT_MANY: f64 = 14.0;
/// Nodes above which lanes are narrow.
const LANES_WIDE_MAX: usize = 8;
const LEFT: f64 = 96.0;
const TOP: f64 = 14.0;

/// Properties of [`SpaceTimeDiagram`].
#[derive(Properties)]
pub struct SpaceTimeProps {
    /// The simulation whose record to draw.
    pub simulation: Rc<RefCell<Box<dyn Simulation>>>,
    /// Re-read when this changes (a bounded rate, not every frame).
    pub version: u64,
    /// Operations to ring (chosen from an anomaly badge).
    pub selected_ops: Rc<Vec<u64>>,
    /// The send id of the selected event's message (ringed on the map), or none.
    pub on_select_message: Callback<Option<u64>>,
}

impl PartialEq for SpaceTimeProps {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
            && Rc::ptr_eq(&self.simulation, &other.simulation)
            && self.selected_ops == other.selected_ops
    }
}

/// How an event relates to the selected one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// The selected event itself.
    Selected,
    /// Happened before it.
    Past,
    /// Happened after it.
    Future,
    /// Neither: concurrent.
    Concurrent,
}

/// How `event` relates to `selected`, by their vector clocks alone.
pub fn relation(event: &SpaceTimeEvent, selected: &SpaceTimeEvent) -> Relation {
    if event.id == selected.id {
        Relation::Selected
    } else if Recorder::happened_before(&event.clock, &selected.clock) {
        Relation::Past
    } else if Recorder::happened_before(&selected.clock, &event.clock) {
        Relation::Future
    } else {
        Relation::Concurrent
    }
}

fn clock_text(clock: &[u32]) -> String {
    let entries: Vec<String> = clock.iter().map(u32::to_string).collect();
    format!("[{}]", entries.join(","))
}

/// One event in words.
pub fn describe(event: &SpaceTimeEvent, names: &[String], lang: Lang) -> String {
    let name = |node: NodeId| names.get(node.index()).map_or("?", String::as_str);
    // Hindi puts the peer first ("{peer} को {message} भेजता है"), English the message.
    let hindi = lang == Lang::Hi;
    let pair = |message: &str, peer: &str| -> [String; 2] {
        if hindi {
            [peer.to_string(), message.to_string()]
        } else {
            [message.to_string(), peer.to_string()]
        }
    };
    let with_peer = |msg: Msg, message: replica_core::protocol::MessageKind, peer: NodeId| {
        let [a, b] = pair(message.name(), name(peer));
        msg.fill(lang, &[&a, &b])
    };
    let what = match &event.kind {
        SpaceTimeKind::Send { to, message, lost: false } => with_peer(Msg::EventSends, *message, *to),
        SpaceTimeKind::Send { to, message, lost: true } => with_peer(Msg::EventSendsLost, *message, *to),
        SpaceTimeKind::Receive { from, message, dropped: false, .. } => with_peer(Msg::EventReceives, *message, *from),
        SpaceTimeKind::Receive { from, message, dropped: true, .. } => with_peer(Msg::EventDropped, *message, *from),
        SpaceTimeKind::Request { op } => Msg::EventTakes.fill(lang, &[op]),
        SpaceTimeKind::Reply { op, ok: true } => Msg::EventAnswersOk.fill(lang, &[op]),
        SpaceTimeKind::Reply { op, ok: false } => Msg::EventAnswersRefused.fill(lang, &[op]),
        SpaceTimeKind::Crash => Msg::EventCrashes.get(lang).to_string(),
        SpaceTimeKind::Restart => Msg::EventRestarts.get(lang).to_string(),
    };
    let at_s = format!("{:.3}", event.t_us as f64 / 1e6);
    Msg::EventAt.fill(lang, &[&name(event.node), &what, &at_s, &clock_text(&event.clock)])
}

fn event_colour(kind: &SpaceTimeKind) -> &'static str {
    match kind {
        SpaceTimeKind::Send { message, .. } | SpaceTimeKind::Receive { message, .. } => {
            palette::message_colour(*message)
        }
        SpaceTimeKind::Request { .. } => palette::message_colour(replica_core::protocol::MessageKind::Request),
        SpaceTimeKind::Reply { .. } => palette::message_colour(replica_core::protocol::MessageKind::Reply),
        SpaceTimeKind::Crash | SpaceTimeKind::Restart => "#6b6b6b",
    }
}

fn op_of(kind: &SpaceTimeKind) -> Option<u64> {
    match kind {
        SpaceTimeKind::Request { op } | SpaceTimeKind::Reply { op, .. } => Some(*op),
        _ => None,
    }
}

/// The drawing's geometry: which events, which lanes, and the time scale.
struct Layout<'a> {
    events: Vec<&'a SpaceTimeEvent>,
    /// One line per node of the scenario, in node order, whether or not it did anything in
    /// the window: the lanes stay put while the run goes on.
    lanes: Vec<NodeId>,
    lane_height: f64,
    t0_us: u64,
    t1_us: u64,
}

impl<'a> Layout<'a> {
    /// The latest `drawn` events; with operations selected, the window that holds all of
    /// their events the recorder still keeps (wider than `drawn` if it must), and a few after.
    fn new(kept: Vec<&'a SpaceTimeEvent>, selected_ops: &[u64], nodes: usize, drawn: usize) -> Option<Self> {
        let is_selected = |event: &&SpaceTimeEvent| op_of(&event.kind).is_some_and(|op| selected_ops.contains(&op));
        let first_selected = kept.iter().position(is_selected);
        let last_selected = kept.iter().rposition(is_selected);
        let end = last_selected.map_or(kept.len(), |index| (index + 9).min(kept.len()));
        let start = end.saturating_sub(drawn).min(first_selected.map_or(usize::MAX, |index| index.saturating_sub(4)));
        let events: Vec<&SpaceTimeEvent> = kept[start..end].to_vec();
        let lanes = NodeId::all(nodes).collect();
        let lane_height = if nodes > LANES_WIDE_MAX { LANE_HEIGHT_MANY } else { LANE_HEIGHT };
        // Not in time order: a send is stamped when its handler's work ends, which can be
        // after a later-recorded receive.
        let t0_us = events.iter().map(|event| event.t_us).min()?;
        let t1_us = events.iter().map(|event| event.t_us).max()?;
        Some(Self { events, lanes, lane_height, t0_us, t1_us: t1_us.max(t0_us + 1) })
    }

    fn height(&self) -> f64 {
        TOP + self.lane_height * self.lanes.len() as f64
    }

    /// The selected operations none of whose events is drawn (older than the record).
    fn missing(&self, selected_ops: &[u64]) -> Vec<u64> {
        let drawn = |op: &u64| self.events.iter().any(|event| op_of(&event.kind) == Some(*op));
        selected_ops.iter().filter(|op| !drawn(op)).copied().collect()
    }

    fn point(&self, event: &SpaceTimeEvent) -> (f64, f64) {
        let x = LEFT + (WIDTH - LEFT - 12.0) * (event.t_us - self.t0_us) as f64 / (self.t1_us - self.t0_us) as f64;
        let lane = self.lanes.iter().position(|node| *node == event.node).unwrap_or(0);
        (x, TOP + self.lane_height * lane as f64)
    }
}

/// The diagram as a standalone SVG document: colours are attributes, so the text is also
/// the exported file. Node names come from the scenario catalogue, never from a link.
fn svg_text(
    layout: &Layout,
    names: &[String],
    chosen: Option<&SpaceTimeEvent>,
    selected_ops: &[u64],
    lang: Lang,
) -> String {
    use std::fmt::Write;
    let height = layout.height();
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"spacetime-svg\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" font-family=\"sans-serif\">\
         <defs><marker id=\"st-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#33414e\"/></marker></defs>\
         <rect width=\"{WIDTH}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );
    for node in &layout.lanes {
        let y = TOP + layout.lane_height * layout.lanes.iter().position(|n| n == node).unwrap_or(0) as f64;
        let name = names.get(node.index()).map_or("?", String::as_str);
        let _ = write!(
            svg,
            "<text x=\"4\" y=\"{}\" font-size=\"11\" fill=\"#1d2733\" translate=\"no\">{name}</text><line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#9fb2c3\"/>",
            y + 4.0,
            WIDTH - 6.0
        );
    }
    for event in &layout.events {
        let SpaceTimeKind::Receive { send, message, .. } = event.kind else { continue };
        let Some(sent) = layout.events.iter().find(|e| e.id == send) else { continue };
        let faded = chosen.is_some_and(|c| c.id != event.id && c.id != sent.id);
        let ((x1, y1), (x2, y2)) = (layout.point(sent), layout.point(event));
        let _ = write!(
            svg,
            "<line x1=\"{x1:.1}\" y1=\"{y1}\" x2=\"{x2:.1}\" y2=\"{y2}\" stroke=\"{}\" stroke-width=\"{}\" opacity=\"{}\" marker-end=\"url(#st-arrow)\" data-send=\"{send}\"/>",
            palette::message_colour(message),
            if faded { 0.8 } else { 1.6 },
            if faded { 0.35 } else { 0.9 }
        );
    }
    for event in &layout.events {
        let relation = chosen.map(|c| relation(event, c));
        let (radius, stroke, class) = match relation {
            Some(Relation::Selected) => (6.5, "#e69f00", "selected"),
            Some(Relation::Past) => (5.0, "#0072b2", "past"),
            Some(Relation::Future) => (5.0, "#d55e00", "future"),
            Some(Relation::Concurrent) => (4.0, "#ffffff", "concurrent"),
            None => (4.0, "#ffffff", "plain"),
        };
        let (x, y) = layout.point(event);
        let op_selected = op_of(&event.kind).is_some_and(|op| selected_ops.contains(&op));
        let _ = write!(
            svg,
            "<g class=\"st-event {class}{}\" data-event=\"{}\">",
            if op_selected { " op-selected" } else { "" },
            event.id
        );
        if let Some(op) = op_of(&event.kind).filter(|_| op_selected) {
            // Ringed and labelled with the operation's id, as the finding names it.
            let _ = write!(
                svg,
                "<circle cx=\"{x:.1}\" cy=\"{y}\" r=\"9\" fill=\"none\" stroke=\"#cc79a7\" stroke-width=\"2.5\"/>\
                 <text class=\"op-label\" x=\"{x:.1}\" y=\"{}\" font-size=\"10\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#8e3f72\">#{op}</text>",
                y - 12.0
            );
        }
        let _ = write!(
            svg,
            "<circle cx=\"{x:.1}\" cy=\"{y}\" r=\"{radius}\" fill=\"{}\" stroke=\"{stroke}\" stroke-width=\"2\" opacity=\"{}\"><title>{}</title></circle></g>",
            event_colour(&event.kind),
            if relation == Some(Relation::Concurrent) { 0.35 } else { 1.0 },
            describe(event, names, lang)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Saves the drawing as an SVG file.
fn export(text: &str) {
    let text = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{text}");
    crate::files::download("replica-lab-spacetime.svg", "image/svg+xml", &text);
}

fn choose(
    selected: &UseStateHandle<Option<u64>>,
    on_select_message: &Callback<Option<u64>>,
    event: Option<&SpaceTimeEvent>,
) {
    selected.set(event.map(|e| e.id));
    on_select_message.emit(event.and_then(|e| match e.kind {
        SpaceTimeKind::Send { lost: false, .. } => Some(e.id),
        SpaceTimeKind::Receive { send, .. } if send > 0 => Some(send),
        _ => None,
    }));
}

/// The diagram.
#[component]
pub fn SpaceTimeDiagram(props: &SpaceTimeProps) -> Html {
    let lang = use_lang();
    let t = |msg: Msg| msg.get(lang);
    let selected = use_state(|| None::<u64>);
    let zoom = use_state(|| EVENTS_DRAWN);
    let frame = use_node_ref();
    let simulation = props.simulation.borrow();
    let Some(recorder) = simulation.spacetime() else { return html! {} };
    let names = simulation.node_names();
    let Some(layout) = Layout::new(recorder.events().collect(), &props.selected_ops, names.len(), *zoom) else {
        return html! { <section class="spacetime" aria-label={t(Msg::Diagram)}><h2>{ t(Msg::Diagram) }</h2><p class="hint">{ t(Msg::DiagramEmpty) }</p></section> };
    };
    let chosen = (*selected).and_then(|id| layout.events.iter().find(|event| event.id == id).copied());
    let text = svg_text(&layout, &names, chosen, &props.selected_ops, lang);
    let owned: Rc<Vec<SpaceTimeEvent>> = Rc::new(layout.events.iter().map(|event| (*event).clone()).collect());
    let on_move = {
        let (selected, on_select, frame, height) =
            (selected.clone(), props.on_select_message.clone(), frame.clone(), layout.height());
        let points: Vec<(f64, f64)> = layout.events.iter().map(|event| layout.point(event)).collect();
        let owned = owned.clone();
        Callback::from(move |event: MouseEvent| {
            let Some(element) = frame.cast::<web_sys::Element>() else { return };
            let rect = element.get_bounding_client_rect();
            let scale = rect.width() / WIDTH;
            if scale <= 0.0 || rect.height() <= 0.0 {
                return;
            }
            let (x, y) = (
                (f64::from(event.client_x()) - rect.left()) / scale,
                (f64::from(event.client_y()) - rect.top()) / scale,
            );
            let nearest = points
                .iter()
                .enumerate()
                .map(|(index, (px, py))| (index, (px - x).hypot(py - y)))
                .filter(|(_, distance)| *distance <= 12.0 && y <= height + 12.0)
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(index, _)| &owned[index]);
            if nearest.is_some() {
                choose(&selected, &on_select, nearest);
            }
        })
    };
    let on_key = {
        let (selected, on_select) = (selected.clone(), props.on_select_message.clone());
        let current = chosen.and_then(|c| owned.iter().position(|e| e.id == c.id));
        Callback::from(move |key: KeyboardEvent| {
            let last = owned.len().saturating_sub(1);
            let next = match (key.key().as_str(), current) {
                ("ArrowRight", Some(index)) => Some((index + 1).min(last)),
                ("ArrowLeft", Some(index)) => Some(index.saturating_sub(1)),
                ("ArrowRight" | "ArrowLeft" | "End", _) => Some(last),
                ("Home", _) => Some(0),
                ("Escape", _) => None,
                _ => return,
            };
            key.prevent_default();
            choose(&selected, &on_select, next.and_then(|index| owned.get(index)));
        })
    };
    let export_click = {
        let text = text.clone();
        Callback::from(move |_: MouseEvent| export(&text))
    };
    let missing = layout.missing(&props.selected_ops).iter().map(|op| format!("#{op}")).collect::<Vec<_>>().join(", ");
    let summary = match chosen {
        Some(chosen) => {
            let count = |wanted: Relation| layout.events.iter().filter(|e| relation(e, chosen) == wanted).count();
            Msg::DiagramChosen.fill(
                lang,
                &[
                    &describe(chosen, &names, lang),
                    &count(Relation::Past),
                    &count(Relation::Future),
                    &count(Relation::Concurrent),
                ],
            )
        }
        None => Msg::DiagramLatest.fill(
            lang,
            &[
                &layout.events.len(),
                &format!("{:.3}", layout.t0_us as f64 / 1e6),
                &format!("{:.3}", layout.t1_us as f64 / 1e6),
            ],
        ),
    };
    html! {
        <section class="spacetime" aria-label={t(Msg::Diagram)}>
            <h2>{ t(Msg::Diagram) }</h2>
            <p class="hint rule">{ t(Msg::DiagramRule) }</p>
            <div class="spacetime-frame" ref={frame} tabindex="0" role="img" onmousemove={on_move} onkeydown={on_key}
                 aria-label={t(Msg::DiagramAria)}>
                { Html::from_html_unchecked(text.into()) }
            </div>
            <p class="st-selected" aria-live="polite">{ summary }</p>
            if !missing.is_empty() {
                <p class="hint st-missing">{ Msg::DiagramMissing.fill(lang, &[&missing, &replica_core::spacetime::EVENTS_KEPT]) }</p>
            }
            <p class="hint st-clocks">{ Msg::ClocksDiagram.fill(lang, &[&names.join(", ")]) }</p>
            <div class="st-zoom" role="group" aria-label={t(Msg::DiagramZoom)}>
                { t(Msg::DiagramZoom) }
                { for ZOOM_EVENTS.iter().map(|events| {
                    let (zoom, events) = (zoom.clone(), *events);
                    let pressed = *zoom == events;
                    html! {
                        <button aria-pressed={pressed.to_string()} onclick={Callback::from(move |_: MouseEvent| zoom.set(events))}>
                            { Msg::ZoomEvents.fill(lang, &[&events]) }
                        </button>
                    }
                }) }
            </div>
            <button onclick={export_click} title={t(Msg::ExportSvgTitle)}>{ t(Msg::ExportSvg) }</button>
        </section>
    }
}
