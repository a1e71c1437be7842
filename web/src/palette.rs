//! Colours: the Okabe–Ito palette, safe for the common kinds of colour blindness. Each
//! message kind also differs in shape on the map legend, so colour is never the only cue.

use replica_core::protocol::{MessageKind, Role};

/// Colour of a message kind.
pub fn message_colour(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Request => "#0072B2",
        MessageKind::Reply => "#009E73",
        MessageKind::Replicate => "#E69F00",
        MessageKind::Ack => "#56B4E9",
        MessageKind::Heartbeat => "#8c8c8c",
        MessageKind::Vote => "#CC79A7",
        MessageKind::Snapshot => "#D55E00",
        MessageKind::Status => "#b8a600",
        MessageKind::Gossip => "#000000",
        MessageKind::Reserve => "#882255",
        MessageKind::Prepare => "#44AA99",
        MessageKind::Decide => "#332288",
        MessageKind::Stream => "#AA4499",
        MessageKind::Quorum => "#117733",
        MessageKind::Handoff => "#999933",
    }
}

/// Colour of a node's role.
pub fn role_colour(role: Role, up: bool) -> &'static str {
    if !up {
        return "#6b6b6b";
    }
    match role {
        Role::Primary => "#D55E00",
        Role::Replica => "#0072B2",
        Role::Candidate => "#CC79A7",
        Role::Coordinator => "#009E73",
    }
}

/// Colours of the lag chart's lines, one per node.
pub const SERIES: [&str; 8] = ["#D55E00", "#0072B2", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000", "#b8a600"];
