//! Client routing for the three read policies: writes to the primary, reads to it, a random
//! replica or the nearest one.

use super::*;

/// Writes go to the nearest node that claims to be primary (highest epoch on a tie).
fn route_to_primary(candidates: &[RouteCandidate]) -> Option<NodeId> {
    candidates
        .iter()
        .filter(|c| c.info.role == Role::Primary)
        .min_by(|a, b| a.one_way_us.total_cmp(&b.one_way_us).then(b.info.epoch.cmp(&a.info.epoch)))
        .map(|c| c.node)
}

fn replicas(candidates: &[RouteCandidate]) -> impl Iterator<Item = &RouteCandidate> {
    candidates.iter().filter(|c| c.info.role != Role::Primary)
}

/// Router for `reads=primary`.
pub fn route_reads_primary(_kind: OpKind, candidates: &[RouteCandidate], _rng: &mut Stream) -> Option<NodeId> {
    route_to_primary(candidates)
}

/// Router for `reads=any`: reads to a random replica.
pub fn route_reads_any(kind: OpKind, candidates: &[RouteCandidate], rng: &mut Stream) -> Option<NodeId> {
    if !kind.is_read() {
        return route_to_primary(candidates);
    }
    let count = replicas(candidates).count();
    if count == 0 {
        return route_to_primary(candidates);
    }
    replicas(candidates).nth(rng.below(count as u64) as usize).map(|c| c.node)
}

/// Router for `reads=nearest`: reads to the nearest replica.
pub fn route_reads_nearest(kind: OpKind, candidates: &[RouteCandidate], _rng: &mut Stream) -> Option<NodeId> {
    if !kind.is_read() {
        return route_to_primary(candidates);
    }
    replicas(candidates)
        .min_by(|a, b| a.one_way_us.total_cmp(&b.one_way_us))
        .map(|c| c.node)
        .or_else(|| route_to_primary(candidates))
}
