//! The node list: role, epoch, up/down, log positions and lag of every node, with a
//! button to crash or restart it.

use crate::hooks::use_lang;
use crate::url::Lang;
use replica_core::i18n::Msg;
use replica_core::protocol::Role;
use replica_core::snapshot::Snapshot;
use std::rc::Rc;
use yew::prelude::*;

/// Properties of [`NodeList`].
#[derive(Properties, PartialEq)]
pub struct NodeListProps {
    /// What to show.
    pub snapshot: Rc<Snapshot>,
    /// Crash or restart a node.
    pub on_toggle: Callback<String>,
}

/// A role in words.
pub fn role_words(role: Role, lang: Lang) -> &'static str {
    match role {
        Role::Primary => Msg::RolePrimary,
        Role::Replica => Msg::RoleReplica,
        Role::Candidate => Msg::RoleCandidate,
        Role::Coordinator => Msg::RoleCoordinator,
    }
    .get(lang)
}

/// The node list.
#[component]
pub fn NodeList(props: &NodeListProps) -> Html {
    let lang = use_lang();
    let t = |msg: Msg| msg.get(lang);
    let has_clocks = props.snapshot.nodes.iter().any(|node| !node.view.vector_clock.is_empty());
    // Switched-off auto-scaling slots serve nothing: counted, not listed.
    let dormant = |node: &&replica_core::snapshot::NodeSnapshot| node.up && node.view.switched_off;
    let switched_off = props.snapshot.nodes.iter().filter(dormant).count();
    let rows = props.snapshot.nodes.iter().filter(|node| !dormant(node)).map(|node| {
        let toggle = {
            let (id, on_toggle) = (node.id.clone(), props.on_toggle.clone());
            Callback::from(move |_: MouseEvent| on_toggle.emit(id.clone()))
        };
        let view = &node.view;
        let crash = if node.up { Msg::Crash } else { Msg::Restart };
        html! {
            <tr class={classes!((!node.up).then_some("down"))}>
                <th scope="row" translate="no">{ &node.id }</th>
                <td class={classes!("role", view.role.name())}>{ if node.up { role_words(view.role, lang) } else { t(Msg::Down) } }</td>
                <td>{ view.epoch }</td>
                <td>{ view.log_end }</td>
                <td>{ view.applied }</td>
                <td>{ view.commit }</td>
                <td>{ format!("{:.1}", view.lag_us as f64 / 1000.0) }</td>
                if has_clocks {
                    <td class="clock">{ format!("[{}]", view.vector_clock.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")) }</td>
                }
                <td><button onclick={toggle} aria-label={format!("{} {}", t(crash), node.id)}>{ t(crash) }</button></td>
            </tr>
        }
    });
    html! {
        <section class="nodes" aria-label={t(Msg::Nodes)}>
            <table>
                <thead><tr>
                    { for [Msg::Node, Msg::Role, Msg::EpochTerm, Msg::LogEnd, Msg::Applied, Msg::Commit, Msg::LagMs].into_iter().map(|msg| html! { <th scope="col">{ t(msg) }</th> }) }
                    if has_clocks { <th scope="col" class="clock">{ t(Msg::VectorClock) }</th> }
                    <th scope="col"><span class="visually-hidden">{ t(Msg::Action) }</span></th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            if switched_off > 0 {
                <p class="hint">{ Msg::SwitchedOff.fill(lang, &[&switched_off]) }</p>
            }
        </section>
    }
}
