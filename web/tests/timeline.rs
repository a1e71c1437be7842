//! The page's timeline through its model: a link's control log replays the run it came
//! from; the scrubber rewinds to any moment exactly and forward again, resuming the run it
//! left when the log is unchanged; "fork from here"
//! drops the future; links cut and heal and partitions follow a drag; a trace exported from
//! one page imports into another as the same run; and the space-time diagram on the mounted
//! page selects events by keyboard and shows their clocks.

use replica_core::control::{Control, TimedControl};
use replica_web::state::{Action, AppState};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test as test, wasm_bindgen_test_configure};
use yew::Reducible;

wasm_bindgen_test_configure!(run_in_browser);

fn open(hash: &str) -> Rc<AppState> {
    Rc::new(AppState::from_hash(hash, 1, true))
}

fn act(state: Rc<AppState>, action: Action) -> Rc<AppState> {
    state.reduce(action)
}

fn down(state: &AppState, node: &str) -> bool {
    state.snapshot.nodes.iter().any(|n| n.id == node && !n.up)
}

/// A crash made at 1.2 s, shared as a link at 2 s, opens as the same run: same digest, the
/// node down, and the control in the link's log.
#[test]
fn a_link_carries_the_crashes_made_since_the_start() {
    let mut state = open("#scenario=hdfc&seed=7&t=1.2");
    state = act(state, Action::ToggleNode("delhi".into()));
    assert!(down(&state, "delhi"));
    state = act(state, Action::Seek(2_000_000));
    assert_eq!(state.snapshot.now_us, 1_200_000, "seek never passes the furthest moment reached");
    let hash = state.hash();
    assert!(hash.contains("ctl=1200000:crash:delhi"), "{hash}");
    let reopened = open(&hash);
    assert_eq!(reopened.snapshot.digest, state.snapshot.digest, "{hash}");
    assert!(down(&reopened, "delhi"));
    assert_eq!(
        *reopened.controls,
        vec![TimedControl { at_us: 1_200_000, control: Control::Crash { node: "delhi".into() } }]
    );
}

/// A page's trace, imported into a page showing something else, gives the same run at the
/// same moment, with the controls and the digest; a damaged one changes nothing.
#[test]
fn an_exported_trace_imports_as_the_same_run() {
    let mut state = open("#scenario=flipkart&seed=4&t=1.5");
    state = act(state, Action::ToggleNode("delhi".into()));
    state = act(state, Action::ToggleLink("mumbai".into(), "chennai".into()));
    let text = state.trace_json();
    let other = open("#scenario=hdfc&seed=2&t=0.5");
    let imported = act(other.clone(), Action::ImportTrace(text.clone()));
    assert_eq!(imported.params.scenario, "flipkart");
    assert_eq!((imported.seed, imported.snapshot.now_us), (4, 1_500_000));
    assert_eq!(imported.snapshot.digest, state.snapshot.digest);
    assert_eq!(
        *imported.controls, *state.controls,
        "the same controls (a new value: shared values compare by identity)"
    );
    assert!(imported.notices.iter().any(|n| n.contains("matches the file's")), "{:?}", imported.notices);
    assert_eq!(open(&imported.hash()).snapshot.digest, state.snapshot.digest, "its link is the same run");

    let damaged = act(other.clone(), Action::ImportTrace(text[..text.len() / 2].to_string()));
    assert_eq!(damaged.snapshot.digest, other.snapshot.digest, "the run is left as it was");
    assert!(damaged.notices.iter().any(|n| n.starts_with("Could not import the trace: not a Replica Lab trace")));
}

/// Rewinding replays the log from the seed: a moment before the crash has the node up, and
/// going forward again reaches exactly the same state as before the rewind.
#[test]
fn the_scrubber_rewinds_exactly_and_forward_again() {
    let state = open("#scenario=upi&seed=3&t=1&ctl=500000:crash:delhi,800000:restart:delhi");
    let at_one_second = state.snapshot.digest.clone();
    assert!(!down(&state, "delhi"), "restarted at 0.8 s");
    let rewound = act(state, Action::Seek(600_000));
    assert_eq!(rewound.snapshot.now_us, 600_000);
    assert!(down(&rewound, "delhi"), "between the crash and the restart");
    assert!(!rewound.playing, "a rewind pauses");
    let earlier = act(rewound.clone(), Action::Seek(300_000));
    assert!(!down(&earlier, "delhi"), "before the crash");
    let again = act(earlier, Action::Seek(1_000_000));
    assert_eq!(again.snapshot.digest, at_one_second, "forward again is the same run");
    assert_eq!(again.controls.len(), 2, "rewinding keeps the controls still to come");
}

/// A scrub back and forward again to where the run was resumes the run left there (the
/// same simulation, not a replay from the seed); after a new control the kept run is
/// another run, and the scrub forward goes on from the rewound one instead — to the run a
/// link with the new control opens.
#[test]
fn a_scrub_back_and_forward_resumes_the_run_it_left_unless_the_log_changed() {
    let state = open("#scenario=hdfc&seed=5&t=2&ctl=700000:crash:delhi");
    let (digest, world) = (state.snapshot.digest.clone(), state.simulation.shared());
    let rewound = act(state, Action::Seek(400_000));
    assert!(!Rc::ptr_eq(&rewound.simulation.shared(), &world), "a rewind replays");
    let back = act(rewound.clone(), Action::Seek(2_000_000));
    assert_eq!(back.snapshot.digest, digest);
    assert!(Rc::ptr_eq(&back.simulation.shared(), &world), "the run left at 2 s resumed, not replayed");

    let changed = act(rewound, Action::ToggleNode("chennai".into()));
    let forward = act(changed, Action::Seek(2_000_000));
    assert_eq!(forward.snapshot.now_us, 2_000_000);
    assert!(!Rc::ptr_eq(&forward.simulation.shared(), &world), "the kept run is another run now");
    assert_ne!(forward.snapshot.digest, digest);
    let reopened = open(&forward.hash());
    assert_eq!(reopened.snapshot.now_us, 2_000_000);
    assert_eq!(reopened.snapshot.digest, forward.snapshot.digest, "{}", forward.hash());
}

/// Forking at 0.6 s drops the restart scheduled at 0.8 s: the node stays down afterwards.
#[test]
fn fork_from_here_drops_the_future() {
    let state = open("#scenario=upi&seed=3&t=1&ctl=500000:crash:delhi,800000:restart:delhi");
    let rewound = act(state, Action::Seek(600_000));
    let forked = act(rewound, Action::Fork);
    assert_eq!(forked.controls.len(), 1, "only the crash is left");
    assert_eq!(forked.horizon_us, 600_000);
    assert!(!forked.hash().contains("restart"), "{}", forked.hash());
    // Run on past the dropped restart: the node stays down.
    let mut state = act(forked, Action::TogglePlay);
    for frame in 0..200 {
        state = act(state, Action::Frame(f64::from(frame) * 100.0));
        if state.snapshot.now_us > 900_000 {
            break;
        }
    }
    assert!(state.snapshot.now_us > 900_000 || state.behind, "time went on");
    assert!(down(&state, "delhi"), "no restart after the fork");
}

/// A link toggles cut and healed; a partition cuts each pair; both are in the link.
#[test]
fn links_cut_heal_and_partition() {
    let state = open("#scenario=hdfc&seed=2&t=0.5");
    let cut = act(state, Action::ToggleLink("mumbai".into(), "delhi".into()));
    assert!(cut.snapshot.cuts.contains(&("mumbai", "delhi")) && cut.snapshot.cuts.contains(&("delhi", "mumbai")));
    assert!(cut.hash().contains(":cut:mumbai:delhi:1"), "{}", cut.hash());
    let healed = act(cut, Action::ToggleLink("delhi".into(), "mumbai".into()));
    assert!(healed.snapshot.cuts.is_empty(), "{:?}", healed.snapshot.cuts);
    let pairs = vec![("delhi".to_string(), "mumbai".to_string()), ("delhi".to_string(), "kolkata".to_string())];
    let parted = act(healed, Action::Partition(pairs));
    assert_eq!(parted.snapshot.cuts.len(), 4, "{:?}", parted.snapshot.cuts);
    let whole = act(parted, Action::HealAll);
    assert!(whole.snapshot.cuts.is_empty());
    assert_eq!(whole.controls.len(), 5, "cut, heal, two partition cuts, heal all");
}

/// A drag across the north of the map crosses exactly Delhi's links.
#[test]
fn a_drag_across_the_map_finds_the_links_it_crosses() {
    use replica_core::geo::project;
    let state = open("#scenario=hdfc&seed=2");
    let crossed =
        replica_web::components::map::crossed_links(&state.snapshot, project(27.2, 60.0), project(27.2, 100.0));
    assert!(!crossed.is_empty());
    assert!(crossed.iter().all(|(a, b)| a == "delhi" || b == "delhi"), "{crossed:?}");
    let tiny = replica_web::components::map::crossed_links(&state.snapshot, (100.0, 100.0), (101.0, 101.0));
    assert!(tiny.is_empty(), "a click is not a drag");
}

/// Sliders at time zero change the run's starting settings (a clean link); later, they are
/// controls at their moment.
#[test]
fn sliders_are_settings_at_the_start_and_controls_later() {
    let state = open("#scenario=hdfc&seed=2");
    let state = act(state, Action::SetLoad(3000.0));
    assert!(state.controls.is_empty() && state.hash().contains("load=3000"), "{}", state.hash());
    let state = act(state, Action::Step);
    let state = act(state, Action::SetLatency(4.0));
    assert_eq!(state.controls.len(), 1);
    assert!(state.hash().contains(":latency:4"), "{}", state.hash());
}

/// Hostile control logs in a link fall back cleanly with a message.
#[test]
fn bad_controls_in_a_link_are_reported_and_dropped() {
    let state = open("#scenario=hdfc&seed=2&ctl=abc,5:crash:atlantis,9:crash:<script>,10:crash:delhi");
    assert_eq!(state.controls.len(), 1, "{:?}", state.controls);
    assert_eq!(state.notices.len(), 3, "{:?}", state.notices);
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// On the mounted page (paused at a link's moment): the diagram draws events on node lines;
/// the arrow keys select one, name it with its vector clock and colour its causal past; a
/// badge's "show" rings its operations.
#[test]
async fn the_space_time_diagram_selects_events_by_keyboard() {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("#scenario=upi&seed=4&t=1.5"));
    }
    let document = gloo::utils::document();
    let root = document.create_element("div").expect("a div");
    gloo::utils::body().append_child(&root).expect("appended");
    yew::Renderer::<replica_web::components::app::App>::with_root(root.clone()).render();
    sleep(400).await;
    let count = |selector: &str| root.query_selector_all(selector).map(|list| list.length()).unwrap_or(0);
    assert!(count(".spacetime-svg .st-event") >= 20, "events drawn");
    assert!(document.get_element_by_id("panic-overlay").is_none(), "drawing the diagram does not panic");
    assert!(count(".spacetime-svg line[data-send]") >= 1, "message arrows");
    let frame = root.query_selector(".spacetime-frame").ok().flatten().expect("the diagram");
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("End");
    init.set_bubbles(true);
    let event = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("an event");
    frame.dispatch_event(&event).expect("dispatched");
    sleep(200).await;
    assert_eq!(count(".spacetime-svg .st-event.selected"), 1, "End selects the latest event");
    assert!(count(".spacetime-svg .st-event.past") >= 1, "its causal past is marked");
    let summary = root.query_selector(".st-selected").ok().flatten().and_then(|e| e.text_content()).unwrap_or_default();
    assert!(summary.contains("clock [") && summary.contains("Causal past"), "{summary}");
    let button = root.query_selector(".show-ops").ok().flatten().expect("upi's conflict badge shows its writes");
    button.dyn_into::<web_sys::HtmlElement>().expect("a button").click();
    sleep(400).await;
    assert!(count(".spacetime-svg .st-event.op-selected") >= 1, "the badge's operations are ringed");
    assert!(document.get_element_by_id("panic-overlay").is_none(), "no panic on the way");
}

/// Events are not recorded in time order (a send is stamped when its handler's work ends):
/// at this link's moment the diagram's window starts with a later event than some after it,
/// and it still draws, without a panic.
#[test]
async fn the_diagram_draws_events_recorded_out_of_time_order() {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ =
            history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("#scenario=neft-rtgs&seed=2&t=1"));
    }
    let document = gloo::utils::document();
    let root = document.create_element("div").expect("a div");
    gloo::utils::body().append_child(&root).expect("appended");
    yew::Renderer::<replica_web::components::app::App>::with_root(root.clone()).render();
    sleep(300).await;
    assert!(document.get_element_by_id("panic-overlay").is_none(), "drawing the diagram does not panic");
    let drawn = root.query_selector_all(".spacetime-svg .st-event").map(|list| list.length()).unwrap_or(0);
    assert!(drawn >= 20, "events drawn: {drawn}");
}

/// The throughput and latency charts draw the run's series: operations complete, and the
/// 99th percentile is never below the median.
#[test]
fn throughput_and_latency_lines_follow_the_series() {
    use replica_web::components::charts::{chart_lines, ChartKind};
    let state = open("#scenario=hdfc&seed=2&t=3");
    let simulation = state.simulation.borrow();
    let throughput =
        chart_lines(ChartKind::Throughput, simulation.as_ref(), &state.anomaly_series, replica_web::url::Lang::En);
    assert_eq!(throughput.len(), 1);
    assert!(throughput[0].points.iter().any(|(_, ops_s)| *ops_s > 100.0), "{:?}", throughput[0].points);
    let latency =
        chart_lines(ChartKind::Latency, simulation.as_ref(), &state.anomaly_series, replica_web::url::Lang::En);
    assert_eq!(latency.len(), 2, "p50 and p99");
    assert!(latency[0].points.iter().zip(&latency[1].points).all(|(p50, p99)| p99.1 >= p50.1));
    assert!(latency[1].points.iter().any(|(_, ms)| *ms > 0.0));
}

/// A crash of the primary at the default speed fast-forwards the failover wait: the speed
/// jumps while no primary is up and goes back once a new one takes over.
#[test]
fn a_failover_wait_is_fast_forwarded_and_the_speed_restored() {
    use replica_web::state::{FAST_FORWARD_SPEED, SPEED_DEFAULT};
    let mut state = act(open("#scenario=hdfc&seed=3&t=1"), Action::TogglePlay);
    assert_eq!(state.speed, SPEED_DEFAULT);
    state = act(state, Action::ToggleNode("mumbai".into()));
    let mut fast = false;
    for frame in 0..2000 {
        state = act(state, Action::Frame(f64::from(frame) * 50.0));
        fast |= state.fast_forward.is_some() && state.speed == FAST_FORWARD_SPEED;
        if fast && state.fast_forward.is_none() {
            break;
        }
    }
    assert!(fast, "the wait was fast-forwarded");
    assert!(state.fast_forward.is_none(), "and stopped by {:.3} s", state.snapshot.now_us as f64 / 1e6);
    assert_eq!(state.speed, SPEED_DEFAULT, "the reader's speed is back");
    let primaries =
        state.snapshot.nodes.iter().filter(|n| n.up && n.view.role == replica_core::protocol::Role::Primary).count();
    assert_eq!(primaries, 1, "because a new primary took over");
}

/// The state is plain data: a speed or language change while paused makes a state unequal
/// to the one before (so every label showing it redraws), a step changes the simulation's
/// generation, and a state is equal to its own clone.
#[test]
fn a_state_is_equal_only_to_one_that_shows_the_same() {
    let paused = open("#scenario=irctc-tatkal&seed=3&t=0.5");
    assert!(!paused.playing);
    assert_eq!(*paused, (*paused).clone());
    let faster = act(paused.clone(), Action::SetSpeed(1.0));
    assert_ne!(*faster, *paused, "a new speed while paused is a new state");
    let hindi = act(paused.clone(), Action::SetLang(replica_web::url::Lang::Hi));
    assert_ne!(*hindi, *paused, "a new language while paused is a new state");
    let stepped = act(paused.clone(), Action::Step);
    assert!(stepped.simulation.generation() > paused.simulation.generation(), "a step is a new generation");
    assert_ne!(*stepped, *paused);
}
