#!/usr/bin/env bash
# Mutation testing of the checkers and the Raft-style safety rules with `cargo mutants`: every
# mutant (a small change to a function) should make a test fail. Not part of CI. Two passes,
# each with the tests that judge its code:
#
#   checkers  every function of core/src/check/ (the linearizability search has its own
#             exhaustive oracle test), against the hand-written histories (`checkers`), the
#             whole-run cross-checks (`evidence`) and the isolation cases (`hermitage`);
#   raft      the functions of log shipping's Raft-style failover its safety rests on
#             (core/src/strategy/log_shipping/), against the
#             hand-driven nodes (`safety_rules`), the golden digests (`evidence`) and the
#             whole-run behaviour under faults (`hdfc`, `consensus`, `nemesis`).
#
# Figures and the survivors are in docs/mutants.md.
#
#   scripts/mutants.sh               # both passes; outcomes in target/mutants-{checkers,raft}
#   scripts/mutants.sh checkers      # one pass
#   scripts/mutants.sh raft --list   # what it would mutate (arguments after the pass pass through)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPLICA_LAB_MUTANTS=1 . scripts/setup.sh

common=(-p replica-core --profile mutants --jobs 2 --timeout 120 --baseline skip)

checkers() {
  cargo mutants "${common[@]}" --output target/mutants-checkers \
    -f core/src/check/mod.rs -f core/src/check/money.rs -f core/src/check/registers.rs \
    -f core/src/check/replicas.rs -f core/src/check/transactions.rs -F 'core/src/check/' \
    --cargo-test-arg=--test=checkers --cargo-test-arg=--test=evidence --cargo-test-arg=--test=hermitage \
    "$@"
}

raft() {
  local safety='majority|lease_valid|lease_basis_us|advance_commit|commit_candidate|quorum_position|on_vote_request|on_vote_reply|heard_primary_recently|on_client_read|restart'
  cargo mutants "${common[@]}" --output target/mutants-raft \
    -f 'core/src/strategy/log_shipping/*.rs' \
    -F "log_shipping/[a-z_]+\.rs:.* in (<impl .*>::|LogShippingNode::)?(${safety})\$" \
    --cargo-test-arg=--test=safety_rules --cargo-test-arg=--test=evidence --cargo-test-arg=--test=hdfc \
    --cargo-test-arg=--test=consensus --cargo-test-arg=--test=nemesis \
    "$@"
}

case "${1:-both}" in
  checkers) shift; checkers "$@" ;;
  raft) shift; raft "$@" ;;
  both)
    status=0
    checkers || status=$?
    raft || status=$?
    exit "$status"
    ;;
  *) echo "usage: scripts/mutants.sh [checkers|raft|both] [cargo mutants arguments]" >&2; exit 2 ;;
esac
