//! The internals panel: what a node says of its insides — the WAL tail, the last
//! checkpoint and version chains (`core-banking`), offsets, redeliveries and rebuilds
//! (`data-sync`), each region's replicas, demand and cost (`big-billion-day`) — for
//! strategies that expose them. Renders nothing for the others.

use crate::hooks::use_lang;
use replica_core::i18n::Msg;
use replica_core::snapshot::Snapshot;
use std::rc::Rc;
use yew::prelude::*;

/// Properties of [`Storage`].
#[derive(Properties, PartialEq)]
pub struct StorageProps {
    /// What to show.
    pub snapshot: Rc<Snapshot>,
}

/// The panel.
#[component]
pub fn Storage(props: &StorageProps) -> Html {
    let lang = use_lang();
    let nodes: Vec<_> = props.snapshot.nodes.iter().filter(|node| !node.view.detail.is_empty()).collect();
    if nodes.is_empty() {
        return html! {};
    }
    html! {
        <section class="storage" aria-label={Msg::Internals.get(lang)}>
            <h2>{ Msg::Internals.get(lang) }</h2>
            { for nodes.into_iter().map(|node| html! {
                <div class="storage-node" data-storage={node.id.clone()}>
                    <h3 translate="no">{ &node.id }</h3>
                    // What the strategy reports of its insides, in its own (English) words.
                    <ul lang="en">{ for node.view.detail.iter().map(|line| html! { <li>{ line }</li> }) }</ul>
                </div>
            }) }
        </section>
    }
}
