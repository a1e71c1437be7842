//! The page: header with time and sharing, the map, and a side panel with controls, nodes,
//! anomalies, the lag chart and the scenario's narrative.

use super::anomalies::Anomalies;
use super::bench::BenchView;
use super::charts::{Chart, ChartKind};
use super::controls::Controls;
use super::lesson::Lesson;
use super::map::MapView;
use super::monitor::MonitorPanel;
use super::nodes::NodeList;
use super::scaling::ScalingCompare;
use super::spacetime::SpaceTimeDiagram;
use super::storage::Storage;
use crate::hooks::use_animation_frame;
use crate::palette;
use crate::state::{Action, AppState, RedrawTurn};
use crate::url::Lang;
use replica_core::check::AnomalyKind;
use replica_core::i18n::Msg;
use replica_core::protocol::MessageKind;
use replica_core::scenario;
use std::rc::Rc;
use yew::prelude::*;

fn current_hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
        .is_some_and(|query| query.matches())
}

fn random_seed() -> u64 {
    (js_sys::Math::random() * 1e9) as u64 + 1
}

fn write_hash(hash: &str) {
    if let Some(window) = web_sys::window() {
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(hash));
        }
    }
}

thread_local! {
    /// The narrative last read from the document, by element id.
    static NARRATIVE: std::cell::RefCell<(String, String)> = const { std::cell::RefCell::new((String::new(), String::new())) };
}

/// A scenario's "What to try" in a language: page content in `index.html`, by id. Read from
/// the document when the scenario or language changes, not on every frame.
fn narrative(scenario: &str, hindi: bool) -> String {
    let id = format!("narrative-{scenario}-{}", if hindi { "hi" } else { "en" });
    NARRATIVE.with(|cell| {
        let mut cached = cell.borrow_mut();
        if cached.0 != id {
            let text = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(&id))
                .and_then(|element| element.text_content())
                .unwrap_or_default();
            *cached = (id, text);
        }
        cached.1.clone()
    })
}

/// The colours of the message kinds this run has sent so far (`sent` counts each kind, in
/// [`MessageKind::ALL`]'s order): a scenario's legend names only what it sends.
fn legend(sent: &[u64], lang: Lang) -> Html {
    html! {
        <ul class="legend" aria-label={Msg::MessageColours.get(lang)}>
            { for MessageKind::ALL.iter().zip(sent).filter(|(_, count)| **count > 0).map(|(kind, _)| html! {
                <li data-kind={kind.name()} translate="no"><span class="swatch" style={format!("background:{}", palette::message_colour(*kind))}></span>{ kind.name() }</li>
            }) }
        </ul>
    }
}

/// What a copy button did: copied, or refused by the browser (the text is then shown to
/// copy by hand).
#[derive(Debug, Clone, PartialEq)]
enum Copied {
    /// On the clipboard; says what.
    Done(Msg),
    /// Refused: the text to copy by hand.
    Refused(String),
}

/// Writes `text` to the clipboard and reports the outcome (a frame without clipboard
/// access, or a browser without the API, refuses).
fn copy_to_clipboard(text: String, what: Msg, report: Callback<Copied>) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsValue;
    let Some(window) = web_sys::window() else { return report.emit(Copied::Refused(text)) };
    let navigator = window.navigator();
    let has_clipboard =
        js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard")).is_ok_and(|v| !v.is_undefined());
    if !has_clipboard {
        return report.emit(Copied::Refused(text));
    }
    let ok = {
        let report = report.clone();
        Closure::once(move |_: JsValue| report.emit(Copied::Done(what)))
    };
    let promise = navigator.clipboard().write_text(&text);
    let refused = Closure::once(move |_: JsValue| report.emit(Copied::Refused(text)));
    let _ = promise.then2(&ok, &refused);
    ok.forget();
    refused.forget();
}

/// The iframe tag that embeds the current settings: the compact layout, 640 × 400, in a
/// sandbox that allows scripts, and popups for "Open the full lab" (a click opens it in a tab of its own).
pub fn embed_code(base: &str, state: &AppState, title: &str) -> String {
    let mut params = state.params.clone();
    params.embed = true;
    params.t_s = 0.0;
    let src = format!("{base}{}", crate::url::to_hash(&params, state.seed));
    let escape = |text: &str| text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    format!(
        "<iframe src=\"{}\" width=\"640\" height=\"400\" sandbox=\"allow-scripts allow-popups allow-popups-to-escape-sandbox\" loading=\"lazy\" title=\"Replica Lab: {}\"></iframe>",
        escape(&src),
        escape(title)
    )
}

/// Whose entry is which in the map's version vectors: the nodes' cities, in node order.
fn vector_order(snapshot: &replica_core::snapshot::Snapshot, lang: Lang) -> String {
    let city = |id: &str| {
        replica_core::geo::CITIES
            .iter()
            .find(|city| city.id == id)
            .map_or(id.to_string(), |city| city.name_text().get(lang).to_string())
    };
    snapshot.nodes.iter().map(|node| city(node.city)).collect::<Vec<_>>().join(", ")
}

/// The full page for the embed's settings, for "Open the full lab".
fn full_lab_url(state: &AppState) -> String {
    let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    let base = href.split('#').next().unwrap_or_default();
    let mut params = state.params.clone();
    params.embed = false;
    params.t_s = 0.0;
    params.controls = replica_core::control::encode_log(&state.controls);
    format!("{base}{}", crate::url::to_hash(&params, state.seed))
}

fn copied_view(outcome: &Copied, dismiss: Callback<MouseEvent>, lang: Lang) -> Html {
    match outcome {
        Copied::Done(what) => html! {
            <span class="copied" role="status">{ what.get(lang) }</span>
        },
        Copied::Refused(text) => html! {
            <div class="copy-by-hand" role="status">
                <label for="copy-text">{ Msg::ClipboardRefused.get(lang) }</label>
                <textarea id="copy-text" readonly=true rows="3" value={text.clone()} />
                <button onclick={dismiss}>{ Msg::Close.get(lang) }</button>
            </div>
        },
    }
}

/// The whole page.
#[component]
pub fn App() -> Html {
    let state = use_reducer(|| AppState::from_hash(&current_hash(), random_seed(), prefers_reduced_motion()));
    let dispatcher = state.dispatcher();
    let dispatch = Callback::from(move |action: Action| dispatcher.dispatch(action));
    use_animation_frame(dispatch.reform(Action::Frame), state.playing);
    {
        // The document's language is the page's (screen readers and fonts follow it).
        use_effect_with(state.params.lang.tag(), |lang| {
            if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
                let _ = root.set_attribute("lang", lang);
            }
        });
    }
    {
        // The link follows the settings (not every frame's time).
        use_effect_with(state.hash_without_time(), |hash| write_hash(hash));
    }
    {
        // A link pasted into this tab changes only the hash: start over from it.
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|window| {
                gloo::events::EventListener::new(&window, "hashchange", move |_| {
                    dispatcher.dispatch(Action::LoadHash(current_hash()))
                })
            });
            move || drop(listener)
        });
    }
    let info = scenario::info(&state.params.scenario).unwrap_or(&scenario::SCENARIOS[0].info);
    let (kinds, live, promises, names, measures_lag) = {
        let simulation = state.simulation.borrow();
        let live = simulation.live_checkers();
        (simulation.checkers(), live, simulation.promises(), simulation.node_names(), simulation.measures_lag())
    };
    // A scenario that adds replicas while it runs is the one judged for reads at replicas
    // not yet ready: it gets the replica chart and the policy comparison.
    let scales = kinds.contains(&AnomalyKind::UnreadyRead);
    let on_toggle = dispatch.reform(Action::ToggleNode);
    // These callbacks capture nothing that changes between renders (dispatchers and state
    // setters), so the components taking them ignore them when comparing props and
    // re-render only when their data changes, not on every animation frame.
    let on_link = dispatch.reform(|(a, b): (String, String)| Action::ToggleLink(a, b));
    let on_partition = dispatch.reform(Action::Partition);
    let highlight = use_state(|| None::<u64>);
    let selected_ops = use_state(|| Rc::new(Vec::<u64>::new()));
    let on_select_message = {
        let set = highlight.setter();
        Callback::from(move |send: Option<u64>| set.set(send))
    };
    let on_show = {
        let (set, dispatch) = (selected_ops.setter(), dispatch.clone());
        Callback::from(move |(ops, at_us): (Vec<u64>, u64)| {
            set.set(Rc::new(ops));
            // Seeking to now or later only pauses: the diagram already holds the moment.
            dispatch.emit(Action::Seek(at_us));
            // The diagram is far below the badges on a phone: bring it into view.
            if let Some(diagram) =
                web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector(".spacetime").ok().flatten())
            {
                diagram.scroll_into_view();
            }
        })
    };
    // While playing the diagram redraws once a second (it is read when paused); paused, at
    // every step.
    let diagram_version = if state.playing {
        state.chart_version_for(RedrawTurn::SpaceTime) / 4
    } else {
        state.chart_version + state.snapshot.events
    };
    let copied = use_state(|| None::<Copied>);
    let report_copy = {
        let set = copied.setter();
        Callback::from(move |outcome: Copied| set.set(Some(outcome)))
    };
    let page_base = || {
        let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
        href.split('#').next().unwrap_or_default().to_string()
    };
    let copy_link = {
        let (state, report) = (state.clone(), report_copy.clone());
        Callback::from(move |_: MouseEvent| {
            copy_to_clipboard(format!("{}{}", page_base(), state.hash()), Msg::CopiedLink, report.clone())
        })
    };
    let copy_embed = {
        let (state, report) = (state.clone(), report_copy.clone());
        let title = info.title.en;
        Callback::from(move |_: MouseEvent| {
            copy_to_clipboard(embed_code(&page_base(), &state, title), Msg::CopiedEmbed, report.clone())
        })
    };
    let dismiss_copied = {
        let set = copied.setter();
        Callback::from(move |_: MouseEvent| set.set(None))
    };
    let on_check_now = dispatch.reform(|()| Action::CheckNow);
    let on_step = dispatch.reform(Action::LessonStep);
    let dismiss = dispatch.reform(|_: MouseEvent| Action::DismissNotices);
    let export_trace = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            crate::files::download(&state.trace_file_name(), "application/json", &state.trace_json())
        })
    };
    let lang = state.params.lang;
    let import_trace = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            let dispatch = dispatch.clone();
            crate::files::read_chosen(&event, move |text| {
                dispatch.emit(match text {
                    Ok(text) => Action::ImportTrace(text),
                    Err(error) => Action::Notice(Msg::ImportFailed.fill(lang, &[&error])),
                })
            });
        })
    };
    let hindi = lang == Lang::Hi;
    let t = |msg: Msg| msg.get(lang);
    let snapshot = state.snapshot.rc();
    // Every fault and control so far, marked on the charts' time axes.
    let marks_s: Rc<Vec<f64>> = Rc::new(
        state
            .controls
            .iter()
            .filter(|timed| timed.at_us <= snapshot.now_us)
            .map(|timed| timed.at_us as f64 / 1e6)
            .collect(),
    );
    let whole = Rc::new((*state).clone());
    html! {
        <ContextProvider<Lang> context={lang}>
        <div class={classes!("app", state.params.embed.then_some("embed"))} lang={lang.tag()}>
            <header>
                <h1>{ "Replica Lab" }<span class="subtitle">{ info.title.get(lang) }</span></h1>
                <div class="clock">
                    <span>{ "t = " }</span><span id="sim-time" aria-live="off">{ format!("{:.3} s", snapshot.now_us as f64 / 1e6) }</span>
                    <span class="digest" title={t(Msg::DigestTitle)}>{ &snapshot.digest }</span>
                    if state.behind {
                        <span class="behind" role="status">{ t(Msg::Behind) }</span>
                    }
                </div>
                <button class="share" onclick={copy_link}>{ t(Msg::CopyLink) }</button>
                <button class="share" onclick={copy_embed} title={t(Msg::CopyEmbedTitle)}>{ t(Msg::CopyEmbed) }</button>
                <span class="embed-hint">{ t(Msg::TapCity) }</span>
                <a class="open-full" href={full_lab_url(&state)} target="_blank" rel="noopener">{ t(Msg::OpenFullLab) }</a>
                if let Some(outcome) = &*copied {
                    { copied_view(outcome, dismiss_copied, lang) }
                }
                if !state.params.embed {
                    <button id="export-trace" onclick={export_trace}
                            title={t(Msg::ExportTraceTitle)}>{ t(Msg::ExportTrace) }</button>
                    <label class="file-button" title={t(Msg::ImportTraceTitle)}>
                        { t(Msg::ImportTrace) }
                        <input id="import-trace" class="visually-hidden" type="file" accept=".json,application/json" onchange={import_trace} />
                    </label>
                }
            </header>
            <p class="about">{ t(Msg::About) }</p>
            if state.fast_forward.is_some() {
                <p class="fast-forward" role="status">{ Msg::FastForward.fill(lang, &[&crate::state::FAST_FORWARD_SPEED]) }</p>
            }
            <p class="visually-hidden" aria-live="polite" id="narration">{ state.announcements.last().cloned().unwrap_or_default() }</p>
            if !state.notices.is_empty() {
                <div class="notices" role="alert">
                    <ul>{ for state.notices.iter().map(|n| html! { <li>{ n }</li> }) }</ul>
                    <button onclick={dismiss}>{ t(Msg::Dismiss) }</button>
                </div>
            }
            <main>
                <div class="stage">
                    <MapView snapshot={snapshot.clone()} on_toggle={on_toggle.clone()} {on_link} {on_partition} highlight={*highlight} />
                    { legend(&state.simulation.borrow().metrics().messages_by_kind, lang) }
                    <ul class="anomaly-strip" aria-label={t(Msg::AnomalyCounts)}>
                        { for kinds.iter().map(|kind| {
                            let count = state.count_of(*kind);
                            html! {
                                <li class={classes!(count.is_some_and(|c| c > 0).then_some("found"))} data-strip={kind.name()}>
                                    { format!("{} {}", kind.words().0.get(lang), count.map_or("—".to_string(), |c| c.to_string())) }
                                </li>
                            }
                        }) }
                    </ul>
                    <p class="marks">{ t(Msg::Marks) }</p>
                    if snapshot.nodes.iter().any(|node| !node.view.vector_clock.is_empty()) {
                        <p class="marks map-clocks">{ Msg::ClocksMap.fill(lang, &[&vector_order(&snapshot, lang)]) }</p>
                    }
                    <p class="stats">
                        { Msg::Stats.fill(lang, &[&snapshot.ops_ok, &snapshot.ops_failed, &snapshot.ops_unknown, &snapshot.in_flight]) }
                    </p>
                    if !state.params.embed {
                        <SpaceTimeDiagram simulation={state.simulation.shared()} version={diagram_version}
                                          selected_ops={(*selected_ops).clone()} {on_select_message} />
                    }
                </div>
                <aside>
                    <Lesson steps={info.lesson} taken={state.params.lesson} compact={state.params.embed}
                            paused_because={state.paused_because} {on_step} />
                    <Controls state={whole.clone()} dispatch={dispatch.clone()} {info} />
                    <Anomalies checks={state.checks.rc()} kinds={kinds.clone()} {live} {promises} conflicts={state.conflicts.rc()} {names} {on_show}
                               quiet={state.quiet.rc()} {on_check_now} />
                    <NodeList snapshot={snapshot.clone()} on_toggle={on_toggle} />
                    <MonitorPanel simulation={state.simulation.shared()} version={state.chart_version_for(RedrawTurn::Monitor)} />
                    <Storage snapshot={snapshot.clone()} />
                    if scales {
                        <ScalingCompare state={whole} />
                    }
                    if scales {
                        <Chart kind={ChartKind::Replicas} simulation={state.simulation.shared()} anomalies={state.anomaly_series.rc()} marks_s={marks_s.clone()} version={state.chart_version_for(RedrawTurn::ReplicasOrLag)} />
                    }
                    if measures_lag && !scales {
                        <Chart kind={ChartKind::Lag} simulation={state.simulation.shared()} anomalies={state.anomaly_series.rc()} marks_s={marks_s.clone()} version={state.chart_version_for(RedrawTurn::ReplicasOrLag)} />
                    }
                    if kinds.contains(&AnomalyKind::Divergence) {
                        <Chart kind={ChartKind::Convergence} simulation={state.simulation.shared()} anomalies={state.anomaly_series.rc()} marks_s={marks_s.clone()} version={state.chart_version_for(RedrawTurn::Convergence)} />
                    }
                    <Chart kind={ChartKind::Throughput} simulation={state.simulation.shared()} anomalies={state.anomaly_series.rc()} marks_s={marks_s.clone()} version={state.chart_version_for(RedrawTurn::Throughput)} />
                    <Chart kind={ChartKind::Latency} simulation={state.simulation.shared()} anomalies={state.anomaly_series.rc()} marks_s={marks_s.clone()} version={state.chart_version_for(RedrawTurn::Latency)} />
                    <Chart kind={ChartKind::Anomalies} simulation={state.simulation.shared()} anomalies={state.anomaly_series.rc()} marks_s={marks_s.clone()} version={state.chart_version_for(RedrawTurn::Anomalies)} />
                    <section class="narrative" aria-label={t(Msg::WhatToTry)}>
                        <h2>{ t(Msg::WhatToTry) }</h2>
                        <p>{ narrative(info.id, hindi) }</p>
                    </section>
                </aside>
            </main>
            if !state.params.embed {
                <BenchView seed={state.seed} />
            }
            <footer>
                <p>
                    { t(Msg::FooterSimulates) }
                    { t(Msg::FooterMap) }<a href="https://mapsvg.com/maps/india" rel="noopener">{ "@svg-maps/india by MapSVG" }</a>
                    { ", " }<a href="https://creativecommons.org/licenses/by/4.0/" rel="noopener license">{ "CC BY 4.0" }</a>{ t(Msg::FooterSimplified) }
                </p>
            </footer>
        </div>
        </ContextProvider<Lang>>
    }
}
