//! The node list: role, epoch, up/down, log positions and lag of every node, with a
//! button to crash or restart it.

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

/// The node list.
#[component]
pub fn NodeList(props: &NodeListProps) -> Html {
    let has_clocks = props.snapshot.nodes.iter().any(|node| !node.view.vector_clock.is_empty());
    // Switched-off auto-scaling slots serve nothing: counted, not listed.
    let dormant = |node: &&replica_core::snapshot::NodeSnapshot| node.up && node.view.status.starts_with("off");
    let switched_off = props.snapshot.nodes.iter().filter(dormant).count();
    let rows = props.snapshot.nodes.iter().filter(|node| !dormant(node)).map(|node| {
        let toggle = {
            let (id, on_toggle) = (node.id.clone(), props.on_toggle.clone());
            Callback::from(move |_: MouseEvent| on_toggle.emit(id.clone()))
        };
        let view = &node.view;
        html! {
            <tr class={classes!((!node.up).then_some("down"))}>
                <th scope="row">{ &node.id }</th>
                <td class={classes!("role", view.role.name())}>{ if node.up { view.role.name() } else { "down" } }</td>
                <td>{ view.epoch }</td>
                <td>{ view.log_end }</td>
                <td>{ view.applied }</td>
                <td>{ view.commit }</td>
                <td>{ format!("{:.1}", view.lag_us as f64 / 1000.0) }</td>
                if has_clocks {
                    <td class="clock">{ format!("[{}]", view.vector_clock.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")) }</td>
                }
                <td><button onclick={toggle} aria-label={format!("{} {}", if node.up { "Crash" } else { "Restart" }, node.id)}>{ if node.up { "Crash" } else { "Restart" } }</button></td>
            </tr>
        }
    });
    html! {
        <section class="nodes" aria-label="Nodes">
            <table>
                <thead><tr><th scope="col">{"node"}</th><th scope="col">{"role"}</th><th scope="col">{"epoch / term"}</th><th scope="col">{"log end"}</th><th scope="col">{"applied"}</th><th scope="col">{"commit"}</th><th scope="col">{"lag ms"}</th>if has_clocks { <th scope="col">{"vector clock"}</th> }<th scope="col"><span class="visually-hidden">{"action"}</span></th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            if switched_off > 0 {
                <p class="hint">{ format!("{switched_off} switched-off replica slots (cost nothing, serve nothing) are not listed.") }</p>
            }
        </section>
    }
}
