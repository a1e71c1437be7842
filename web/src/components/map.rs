//! The map: India's outline, the seven cities, the nodes placed by the fitted projection,
//! the links between nodes (cut ones dashed), and a canvas of messages in flight. Pointing
//! at a message shows its kind, route and the vector clock it carries; the same facts are
//! listed, for keyboards and screen readers, under "Messages in flight". A node that has
//! just detected a conflict flashes.
//!
//! Faults by touch: a click, tap or Enter on a node crashes or restarts it; on a link, cuts
//! or heals it; a drag across the map cuts every link it crosses (a partition). Nodes and
//! links are buttons in the tab order, so no pointer is needed.

use crate::draw;
use crate::hooks::use_lang;
use crate::palette;
use crate::url::Lang;
use replica_core::geo::{city_index, city_position, segments_cross, CityId, MAP_HEIGHT, MAP_WIDTH};
use replica_core::i18n::Msg;
use replica_core::protocol::Role;
use replica_core::snapshot::{Glyph, NodeSnapshot, Snapshot};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Properties of [`MapView`].
#[derive(Properties, PartialEq)]
pub struct MapProps {
    /// What to draw.
    pub snapshot: Rc<Snapshot>,
    /// Crash or restart a node.
    pub on_toggle: Callback<String>,
    /// Cut or heal the link between two cities.
    pub on_link: Callback<(String, String)>,
    /// Cut the links between these pairs of cities.
    pub on_partition: Callback<Vec<(String, String)>>,
    /// The message selected in the space-time diagram (its send event), ringed on the map.
    #[prop_or_default]
    pub highlight: Option<u64>,
}

fn role_letter(role: Role) -> &'static str {
    match role {
        Role::Primary => "P",
        Role::Replica => "R",
        Role::Candidate => "C",
        Role::Coordinator => "TC",
    }
}

fn node_label(node: &NodeSnapshot, lang: Lang) -> String {
    if !node.up {
        return Msg::Down.get(lang).to_string();
    }
    if node.view.blocked > 0 {
        let longest = format!("{:.1}", node.view.in_doubt_longest_us as f64 / 1e6);
        return Msg::NodeBlocked.fill(lang, &[&node.view.blocked, &longest]);
    }
    if node.view.in_doubt > 0 {
        // Normal two-phase commit: prepared, waiting a round trip for the decision.
        return Msg::NodePrepared.fill(lang, &[&node.view.in_doubt]);
    }
    if node.view.role == Role::Coordinator {
        return Msg::RoleCoordinator.get(lang).to_string();
    }
    if let Some(quorum) = node.view.quorum {
        let waited = if quorum.writing { Msg::NodeQuorumWrite } else { Msg::NodeQuorumRead };
        let waited = waited.fill(lang, &[&quorum.needed, &quorum.asked]);
        if node.view.hints_held > 0 {
            return format!("{waited} · {}", Msg::NodeHints.fill(lang, &[&node.view.hints_held]));
        }
        return waited;
    }
    if !node.view.vector_clock.is_empty() {
        let entries: Vec<String> = node.view.vector_clock.iter().map(u64::to_string).collect();
        return format!("[{}]", entries.join(","));
    }
    match node.view.role {
        Role::Primary => Msg::NodePrimaryEpoch.fill(lang, &[&node.view.epoch]),
        _ if node.view.lag_us == 0 => Msg::InSync.get(lang).to_string(),
        _ => Msg::NodeLag.fill(lang, &[&format!("{:.0}", node.view.lag_us as f64 / 1000.0)]),
    }
}

/// A city's name in a language.
fn city_name(city: CityId, lang: Lang) -> &'static str {
    city.city().name_text().get(lang)
}

fn node_glyph(node: &NodeSnapshot, index_in_city: usize, on_toggle: &Callback<String>, lang: Lang) -> Html {
    // A node's city comes from the engine: always one of the cities.
    let Some(city) = city_index(node.city) else { return Html::default() };
    let (x, y) = city_position(city);
    let (dx, dy, label_dy) = node_offset(node.city);
    // Up to three nodes side by side; a city with more (auto-scaling slots) wraps into rows.
    let (column, row) = ((index_in_city % 3) as f64, (index_in_city / 3) as f64);
    // Extra rows go to the side away from the label.
    let (x, y) = (x + dx + 22.0 * column, y + dy - 24.0 * row * label_dy.signum());
    // A switched-off slot is drawn small and without a label: it costs nothing and serves nothing.
    let dormant = node.view.switched_off;
    let id = node.id.clone();
    let click = {
        let (id, on_toggle) = (id.clone(), on_toggle.clone());
        Callback::from(move |_: MouseEvent| on_toggle.emit(id.clone()))
    };
    let key = {
        let (id, on_toggle) = (id.clone(), on_toggle.clone());
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Enter" || event.key() == " " {
                event.prevent_default();
                on_toggle.emit(id.clone());
            }
        })
    };
    let action = if node.up { Msg::ToCrash } else { Msg::ToRestart }.get(lang);
    let role = super::nodes::role_words(node.view.role, lang);
    let label = Msg::NodeAria.fill(lang, &[&city_name(city, lang), &node.id, &role, &node_label(node, lang), &action]);
    html! {
        <g class={classes!("node", (!node.up).then_some("down"), (node.view.in_doubt > 0).then_some("in-doubt"), (node.view.blocked > 0).then_some("blocked"))} data-node={id} data-role={node.view.role.name()} data-in-doubt={node.view.in_doubt.to_string()} data-blocked={node.view.blocked.to_string()}
           data-up={node.up.to_string()} tabindex="0" role="button" aria-label={label} onclick={click} onkeydown={key}>
            <title>{ format!("{} — {}", node.id, node.view.status) }</title>
            // A wide transparent target under the glyph: taps land on the node (drawn above the
            // links) from 44 px away, on a phone too (the stylesheet widens it there).
            <circle class="node-hit" cx={x.to_string()} cy={y.to_string()} r="22" fill="transparent" />
            if node.view.conflicts > 0 {
                <circle key={format!("flash-{}", node.view.conflicts)} class="conflict-flash" cx={x.to_string()} cy={y.to_string()} r="13" />
            }
            if dormant && node.up {
                <circle class="dormant" cx={x.to_string()} cy={y.to_string()} r="6" />
            } else {
                <circle cx={x.to_string()} cy={y.to_string()} r="13" fill={palette::role_colour(node.view.role, node.up)} />
                <text x={x.to_string()} y={(y + 4.5).to_string()} class="node-letter">{ if node.up { role_letter(node.view.role) } else { "✕" } }</text>
            }
            if !dormant && index_in_city < 3 {
                <text x={x.to_string()} y={(y + label_dy + 12.0 * index_in_city as f64 * label_dy.signum()).to_string()} class="node-label">{ node_label(node, lang) }</text>
            }
        </g>
    }
}

/// City pairs with a link drawn (one per pair of cities holding nodes), as indices.
fn linked_pairs(snapshot: &Snapshot) -> Vec<(CityId, CityId)> {
    let present: Vec<CityId> =
        CityId::all().filter(|city| snapshot.nodes.iter().any(|node| node.city == city.city().id)).collect();
    let mut pairs = Vec::new();
    for (i, a) in present.iter().enumerate() {
        for b in &present[i + 1..] {
            pairs.push((*a, *b));
        }
    }
    pairs
}

/// The links, one per pair of cities holding nodes. They carry no closures of their own:
/// the `links` group handles clicks and keys for all of them ([`link_of`]).
fn links(snapshot: &Snapshot, lang: Lang) -> Html {
    let mut lines = Vec::new();
    for (ai, bi) in linked_pairs(snapshot) {
        let (a, b) = (ai.city().id, bi.city().id);
        let cut = snapshot.cuts.iter().any(|(x, y)| (*x == a && *y == b) || (*x == b && *y == a));
        let ((x1, y1), (x2, y2)) = (city_position(ai), city_position(bi));
        let (state, action) = if cut { (Msg::LinkCut, Msg::ToHeal) } else { (Msg::LinkUp, Msg::ToCut) };
        let label = Msg::LinkAria
            .fill(lang, &[&city_name(ai, lang), &city_name(bi, lang), &state.get(lang), &action.get(lang)]);
        let (x1, y1, x2, y2) = (x1.to_string(), y1.to_string(), x2.to_string(), y2.to_string());
        lines.push(html! {
            <g class="link-group">
                <line class={classes!("link", cut.then_some("cut"))} x1={x1.clone()} y1={y1.clone()} x2={x2.clone()} y2={y2.clone()} />
                <line class="link-hit" {x1} {y1} {x2} {y2} data-cities={format!("{a}-{b}")} data-cut={cut.to_string()}
                      tabindex="0" role="button" aria-label={label} />
            </g>
        });
    }
    lines.into_iter().collect()
}

/// The two cities of the link an event happened on, from its `data-cities`.
fn link_of(event: &Event) -> Option<(String, String)> {
    let element = event.target()?.dyn_into::<web_sys::Element>().ok()?;
    let cities = element.closest(".link-hit").ok()??.get_attribute("data-cities")?;
    let (a, b) = cities.split_once('-')?;
    Some((a.to_string(), b.to_string()))
}

/// Where a city's nodes sit relative to it (Pune's are nudged off Mumbai's), and where
/// their label goes (above for Chennai, so it clears Bangalore's).
fn node_offset(city: &str) -> (f64, f64, f64) {
    match city {
        "pune" => (14.0, 16.0, 27.0),
        "mumbai" => (-4.0, -4.0, -19.0),
        "chennai" => (0.0, 0.0, -19.0),
        _ => (0.0, 0.0, 27.0),
    }
}

/// Where a city's name sits relative to it, so neighbours (Mumbai and Pune, Bangalore and
/// Chennai) do not overlap.
fn label_offset(city: &str) -> (f64, f64, &'static str) {
    match city {
        "pune" => (32.0, 20.0, "start"),
        "mumbai" => (-20.0, -6.0, "end"),
        "chennai" => (16.0, 6.0, "start"),
        "bangalore" => (-16.0, -12.0, "end"),
        "kolkata" => (16.0, -10.0, "start"),
        _ => (0.0, -19.0, "middle"),
    }
}

/// One line on a message: kind, route, clock and time to arrival.
pub fn describe_glyph(glyph: &Glyph, now_us: u64, lang: Lang) -> String {
    let clock = if glyph.clock.is_empty() {
        String::new()
    } else {
        let entries: Vec<String> = glyph.clock.iter().map(u64::to_string).collect();
        Msg::CarryingClock.fill(lang, &[&entries.join(",")])
    };
    let arrives_ms = format!("{:.1}", glyph.arrive_us.saturating_sub(now_us) as f64 / 1000.0);
    Msg::MessageGlyph.fill(
        lang,
        &[&glyph.kind.name(), &city_name(glyph.from_city, lang), &city_name(glyph.to_city, lang), &clock, &arrives_ms],
    )
}

/// A pointer's position in map coordinates (the SVG's view box, fitted and centred).
fn map_point(svg: &NodeRef, event: &MouseEvent) -> Option<(f64, f64)> {
    let rect = svg.cast::<web_sys::Element>()?.get_bounding_client_rect();
    let scale = (rect.width() / MAP_WIDTH).min(rect.height() / MAP_HEIGHT);
    if scale <= 0.0 {
        return None;
    }
    let (offset_x, offset_y) = ((rect.width() - MAP_WIDTH * scale) / 2.0, (rect.height() - MAP_HEIGHT * scale) / 2.0);
    let x = (f64::from(event.client_x()) - rect.left() - offset_x) / scale;
    let y = (f64::from(event.client_y()) - rect.top() - offset_y) / scale;
    Some((x, y))
}

/// Links drawn on the map that the segment `start`–`end` crosses and that are not cut yet.
pub fn crossed_links(snapshot: &Snapshot, start: (f64, f64), end: (f64, f64)) -> Vec<(String, String)> {
    if (end.0 - start.0).hypot(end.1 - start.1) < 8.0 {
        return Vec::new();
    }
    linked_pairs(snapshot)
        .into_iter()
        .filter(|(a, b)| segments_cross(start, end, city_position(*a), city_position(*b)))
        .map(|(a, b)| (a.city().id, b.city().id))
        .filter(|(a, b)| !snapshot.cuts.iter().any(|(x, y)| x == a && y == b))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Messages listed under the map.
const LISTED_GLYPHS_MAX: usize = 12;

fn in_flight_list(snapshot: &Snapshot, lang: Lang) -> Html {
    let items = snapshot.glyphs.iter().filter(|glyph| glyph.from_city != glyph.to_city).take(LISTED_GLYPHS_MAX);
    html! {
        <details class="in-flight">
            <summary>{ Msg::InFlight.fill(lang, &[&snapshot.in_flight]) }</summary>
            <ul>{ for items.map(|glyph| html! { <li>{ describe_glyph(glyph, snapshot.now_us, lang) }</li> }) }</ul>
        </details>
    }
}

/// The map view.
#[component]
pub fn MapView(props: &MapProps) -> Html {
    let lang = use_lang();
    let canvas = use_node_ref();
    let tooltip = use_state(|| None::<(f64, f64, String)>);
    let on_move = {
        let (canvas, tooltip, snapshot) = (canvas.clone(), tooltip.clone(), props.snapshot.clone());
        Callback::from(move |event: MouseEvent| {
            let Some(canvas) = canvas.cast::<web_sys::HtmlCanvasElement>() else { return };
            let rect = canvas.get_bounding_client_rect();
            let point = (f64::from(event.client_x()) - rect.left(), f64::from(event.client_y()) - rect.top());
            let size = (rect.width(), rect.height());
            let hit = draw::glyph_at(&snapshot.glyphs, snapshot.now_us, size, point, 10.0);
            tooltip.set(
                hit.map(|index| (point.0, point.1, describe_glyph(&snapshot.glyphs[index], snapshot.now_us, lang))),
            );
        })
    };
    let on_leave = {
        let tooltip = tooltip.clone();
        Callback::from(move |_: MouseEvent| tooltip.set(None))
    };
    {
        let (canvas, snapshot) = (canvas.clone(), props.snapshot.clone());
        use_effect_with((snapshot, props.highlight), move |(snapshot, highlight)| {
            if let Some(canvas) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                draw::messages(&canvas, &snapshot.glyphs, snapshot.now_us, *highlight);
            }
        });
    }
    let link_click = {
        let on_link = props.on_link.clone();
        Callback::from(move |event: MouseEvent| {
            if let Some(pair) = link_of(&event) {
                on_link.emit(pair);
            }
        })
    };
    let link_key = {
        let on_link = props.on_link.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Enter" || event.key() == " " {
                if let Some(pair) = link_of(&event) {
                    event.prevent_default();
                    on_link.emit(pair);
                }
            }
        })
    };
    let svg = use_node_ref();
    // A drag across the map, in map coordinates: where it started and where it is now.
    let drag = use_state(|| None::<((f64, f64), (f64, f64))>);
    let on_down = {
        let (svg, drag) = (svg.clone(), drag.clone());
        Callback::from(move |event: PointerEvent| {
            let on_control = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|element| element.closest(".node, .link-hit").ok().flatten())
                .is_some();
            if on_control || event.button() != 0 {
                return;
            }
            if let Some(point) = map_point(&svg, &event) {
                if let Some(element) = svg.cast::<web_sys::Element>() {
                    let _ = element.set_pointer_capture(event.pointer_id());
                }
                drag.set(Some((point, point)));
            }
        })
    };
    let on_drag = {
        let (svg, drag) = (svg.clone(), drag.clone());
        Callback::from(move |event: PointerEvent| {
            if let (Some((start, _)), Some(point)) = (*drag, map_point(&svg, &event)) {
                drag.set(Some((start, point)));
            }
        })
    };
    let on_up = {
        let (drag, snapshot, on_partition) = (drag.clone(), props.snapshot.clone(), props.on_partition.clone());
        Callback::from(move |_: PointerEvent| {
            if let Some((start, end)) = *drag {
                let crossed = crossed_links(&snapshot, start, end);
                if !crossed.is_empty() {
                    on_partition.emit(crossed);
                }
            }
            drag.set(None);
        })
    };
    let on_cancel = {
        let drag = drag.clone();
        Callback::from(move |_: PointerEvent| drag.set(None))
    };
    let snapshot = &props.snapshot;
    let cities = CityId::all().map(|index| {
        let (city, (x, y)) = (index.city(), city_position(index));
        let nodes: Html = snapshot
            .nodes
            .iter()
            .filter(|node| node.city == city.id)
            .enumerate()
            .map(|(i, node)| node_glyph(node, i, &props.on_toggle, lang))
            .collect();
        let (dx, dy, anchor) = label_offset(city.id);
        // A name to the right of its city starts past the city's nodes (up to three side by
        // side), so no node covers it.
        let in_city = snapshot.nodes.iter().filter(|node| node.city == city.id).count();
        let dx = if anchor == "start" { dx + 22.0 * in_city.clamp(1, 3).saturating_sub(1) as f64 } else { dx };
        // A name above its city goes above the extra rows of nodes (auto-scaling slots).
        let rows_above = in_city.saturating_sub(1) / 3;
        let dy = if anchor == "middle" { dy - 24.0 * rows_above as f64 } else { dy };
        html! {
            <g class="city" data-city={city.id}>
                <circle class="city-dot" cx={x.to_string()} cy={y.to_string()} r="3.5" />
                <text class="city-name" x={(x + dx).to_string()} y={(y + dy).to_string()} text-anchor={anchor}>{ city_name(index, lang) }</text>
                { nodes }
            </g>
        }
    });
    html! {
        <>
        <div class="map" role="region" aria-label={Msg::Map.get(lang)} onmousemove={on_move} onmouseleave={on_leave}>
            <img class="map-outline" src="india.svg" alt="" aria-hidden="true" />
            <svg class="map-overlay" viewBox={format!("0 0 {MAP_WIDTH} {MAP_HEIGHT}")} preserveAspectRatio="xMidYMid meet" ref={svg}
                 onpointerdown={on_down} onpointermove={on_drag} onpointerup={on_up} onpointercancel={on_cancel}>
                <g class="links" onclick={link_click} onkeydown={link_key}>{ links(snapshot, lang) }</g>
                { for cities }
                if let Some(((x1, y1), (x2, y2))) = *drag {
                    <line class="knife" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} />
                }
            </svg>
            <canvas class="map-dots" ref={canvas} aria-hidden="true"></canvas>
            if let Some((x, y, text)) = (*tooltip).clone() {
                <div class="glyph-tip" role="tooltip" style={format!("left:{:.0}px;top:{:.0}px", x + 12.0, y + 12.0)}>{ text }</div>
            }
        </div>
        { in_flight_list(snapshot, lang) }
        </>
    }
}
