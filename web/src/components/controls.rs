//! The control panel: time (play, pause, step, speed, the rewind scrubber and "fork from
//! here", seed, reset), the latency and load sliders, healing links, the language, and the
//! scenario's knobs. Every slider is a native range input with a label, so arrows move it.

use super::slider::Slider;
use crate::state::{Action, AppState, SPEED_RANGE};
use crate::url::Lang;
use replica_core::i18n::Msg;
use replica_core::scenario::{KnobSpec, KnobValues, ScenarioInfo};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Properties of [`Controls`].
#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    /// The model.
    pub state: Rc<AppState>,
    /// Where actions go.
    pub dispatch: Callback<Action>,
    /// The scenario's catalogue entry.
    pub info: &'static ScenarioInfo,
}

fn input_value(event: &Event) -> Option<String> {
    event.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()).map(|input| input.value())
}

fn select_value(event: &Event) -> Option<String> {
    event.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()).map(|select| select.value())
}

fn number_callback(dispatch: &Callback<Action>, make: fn(f64) -> Action) -> Callback<InputEvent> {
    let dispatch = dispatch.clone();
    Callback::from(move |event: InputEvent| {
        if let Some(value) = input_value(&event).and_then(|v| v.parse::<f64>().ok()) {
            dispatch.emit(make(value));
        }
    })
}

/// A callback for a slider's release (or a key's move): one control per decision, not one
/// per pixel dragged, so the link's control log stays short.
fn change_callback(dispatch: &Callback<Action>, make: fn(f64) -> Action) -> Callback<String> {
    let dispatch = dispatch.clone();
    Callback::from(move |value: String| {
        if let Ok(value) = value.parse::<f64>() {
            dispatch.emit(make(value));
        }
    })
}

fn knob_callback(dispatch: &Callback<Action>, name: &str) -> Callback<String> {
    let (dispatch, name) = (dispatch.clone(), name.to_string());
    Callback::from(move |value: String| dispatch.emit(Action::SetKnob(name.clone(), value)))
}

fn knob_control(spec: &KnobSpec, value: String, dispatch: &Callback<Action>, lang: Lang) -> Html {
    let id = format!("knob-{}", spec.name);
    let name = spec.name.to_string();
    let control = match &spec.values {
        KnobValues::Choice(choices) => {
            let dispatch = dispatch.clone();
            let onchange = Callback::from(move |event: Event| {
                if let Some(v) = select_value(&event) {
                    dispatch.emit(Action::SetKnob(name.clone(), v));
                }
            });
            html! {
                <select id={id.clone()} name={spec.name} {onchange}>
                    { for choices.iter().map(|c| html! { <option value={*c} selected={*c == value} translate="no">{ *c }</option> }) }
                </select>
            }
        }
        KnobValues::Integer { min, max } if max - min <= 20 => html! {
            <Slider id={id.clone()} name={spec.name} min={min.to_string()} max={max.to_string()} step="1"
                    value={value.clone()} onchange={knob_callback(dispatch, spec.name)} />
        },
        KnobValues::Integer { min, max } => {
            let dispatch = dispatch.clone();
            let onchange = Callback::from(move |event: Event| {
                if let Some(v) = input_value(&event) {
                    dispatch.emit(Action::SetKnob(name.clone(), v));
                }
            });
            html! { <input id={id.clone()} type="number" name={spec.name} min={min.to_string()} max={max.to_string()} value={value.clone()} {onchange} /> }
        }
        KnobValues::Number { min, max } => html! {
            <Slider id={id.clone()} name={spec.name} min={min.to_string()} max={max.to_string()} step="0.05"
                    value={value.clone()} onchange={knob_callback(dispatch, spec.name)} />
        },
    };
    html! {
        <div class="field" title={spec.help}>
            <label for={id}>{ spec.label.get(lang) }<output>{ value }</output></label>
            { control }
        </div>
    }
}

/// What one Step ran, in words: the events it put on the nodes' lines, or a timer or disk
/// completion that sent nothing.
fn stepped_text(
    lang: Lang,
    at_us: u64,
    events: &[replica_core::spacetime::SpaceTimeEvent],
    snapshot: &replica_core::snapshot::Snapshot,
) -> String {
    let names: Vec<String> = snapshot.nodes.iter().map(|node| node.id.clone()).collect();
    if events.is_empty() {
        return Msg::SteppedNothing.fill(lang, &[&format!("{:.6}", at_us as f64 / 1e6)]);
    }
    let said: Vec<String> = events.iter().map(|event| super::spacetime::describe(event, &names, lang)).collect();
    Msg::SteppedRan.fill(lang, &[&said.join("; ")])
}

/// The control panel.
#[component]
pub fn Controls(props: &ControlsProps) -> Html {
    let state = &props.state;
    let dispatch = &props.dispatch;
    let lang = state.params.lang;
    let toggle = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(Action::TogglePlay))
    };
    let step = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(Action::Step))
    };
    let reset = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(Action::Reset))
    };
    let new_seed = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(Action::SetSeed((js_sys::Math::random() * 1e9) as u64 + 1)))
    };
    let seed_change = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            if let Some(seed) = input_value(&event).and_then(|v| v.trim().parse::<u64>().ok()) {
                dispatch.emit(Action::SetSeed(seed));
            }
        })
    };
    let speed_input = number_callback(dispatch, |log| Action::SetSpeed(10f64.powf(log)));
    let latency_change = change_callback(dispatch, Action::SetLatency);
    let load_change = change_callback(dispatch, Action::SetLoad);
    let seek = change_callback(dispatch, |seconds| Action::Seek((seconds.max(0.0) * 1e6) as u64));
    let fork = dispatch.reform(|_: MouseEvent| Action::Fork);
    let heal_all = dispatch.reform(|_: MouseEvent| Action::HealAll);
    let hindi = lang == Lang::Hi;
    let t = |msg: Msg| msg.get(lang);
    let switch_lang = dispatch.reform(move |_: MouseEvent| Action::SetLang(if hindi { Lang::En } else { Lang::Hi }));
    let now_s = state.snapshot.now_us as f64 / 1e6;
    let horizon_s = state.horizon_us.max(state.snapshot.now_us) as f64 / 1e6;
    let future = state.controls.iter().filter(|timed| timed.at_us > state.snapshot.now_us).count();
    let load = state.snapshot.load_ops_s;
    let latency = state.snapshot.latency_multiplier;
    let knobs = props.info.knobs.iter().map(|spec| {
        let value = state.params.knobs.get(spec.name).cloned().unwrap_or_else(|| spec.default.to_string());
        knob_control(spec, value, dispatch, lang)
    });
    let scenario_change = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            if let Some(id) = select_value(&event) {
                dispatch.emit(Action::SetScenario(id));
            }
        })
    };
    let scenarios = replica_core::scenario::catalogue();
    html! {
        <section class="controls" aria-label={t(Msg::Controls)}>
            <div class="field scenario">
                <label for="scenario">{ t(Msg::Scenario) }</label>
                <select id="scenario" name="scenario" onchange={scenario_change}>
                    { for scenarios.map(|s| html! {
                        <option value={s.id} selected={s.id == props.info.id}>{ format!("{} — {}", s.id, s.title.get(lang)) }</option>
                    }) }
                </select>
            </div>
            <div class="buttons">
                <button id="play" onclick={toggle} aria-pressed={state.playing.to_string()}>{ t(if state.playing { Msg::Pause } else { Msg::Play }) }</button>
                <button onclick={step} title={t(Msg::StepTitle)}>{ t(Msg::Step) }</button>
                if let Some((at_us, events)) = &state.stepped {
                    <span class="stepped" role="status">{ stepped_text(lang, *at_us, events, &state.snapshot) }</span>
                }
                <button onclick={reset} title={t(Msg::ResetTitle)}>{ t(Msg::Reset) }</button>
                <button onclick={switch_lang} lang={if hindi { "en" } else { "hi" }} title={t(Msg::LanguageTitle)}>{ if hindi { "English" } else { "हिन्दी" } }</button>
            </div>
            <div class="field scrubber">
                <label for="scrubber">{ t(Msg::Rewind) }<output>{ Msg::RewindValue.fill(lang, &[&format!("{now_s:.3}"), &format!("{horizon_s:.3}")]) }</output></label>
                <Slider id="scrubber" name="scrubber" min="0" max={format!("{horizon_s:.3}")} step="0.001"
                        value={format!("{now_s:.3}")} onchange={seek}
                        title={t(Msg::RewindTitle)} />
                <button onclick={fork} disabled={future == 0 && state.horizon_us <= state.snapshot.now_us}
                        title={t(Msg::ForkTitle)}>
                    { if future > 0 { Msg::ForkDropping.fill(lang, &[&future]) } else { t(Msg::ForkHere).to_string() } }
                </button>
            </div>
            <div class="field">
                <label for="speed">{ t(Msg::Speed) }<output>{ Msg::SpeedValue.fill(lang, &[&format!("{:.4}", state.speed)]) }</output></label>
                <input id="speed" type="range" name="speed" min={SPEED_RANGE.0.log10().to_string()} max={SPEED_RANGE.1.log10().to_string()}
                       step="0.01" value={state.speed.log10().to_string()} oninput={speed_input} />
            </div>
            <div class="field">
                <label for="latency">{ t(Msg::Latency) }<output>{ format!("×{latency:.1}") }</output></label>
                <Slider id="latency" name="latency" min="0.5" max="20" step="0.5" value={latency.to_string()} onchange={latency_change} />
            </div>
            <div class="field">
                <label for="load">{ t(Msg::Load) }<output>{ Msg::LoadValue.fill(lang, &[&format!("{load:.0}")]) }</output></label>
                <Slider id="load" name="load" min="0" max="20000" step="100" value={load.to_string()} onchange={load_change} />
            </div>
            <div class="buttons">
                <button onclick={heal_all} disabled={state.snapshot.cuts.is_empty()} title={t(Msg::HealAllTitle)}>{ t(Msg::HealAll) }</button>
                <span class="hint">{ t(Msg::LinkHint) }</span>
            </div>
            { for knobs }
            <div class="field seed">
                <label for="seed">{ t(Msg::Seed) }</label>
                <input id="seed" type="number" name="seed" min="0" value={state.seed.to_string()} onchange={seed_change} />
                <button onclick={new_seed}>{ t(Msg::NewSeed) }</button>
            </div>
        </section>
    }
}
