#!/usr/bin/env bash
# Mutation testing of the checkers and the Raft-style safety rules with `cargo mutants`: every
# mutant (a small change to a function) should make a test fail. Not part of CI: the 410 mutants
# took 52 minutes on a 2-core machine (about 10 s to build each); use --shard K/N to split the
# run. Figures and the survivors are in docs/mutants.md.
#
#   scripts/mutants.sh            # the whole run; outcomes in target/mutants.out
#   scripts/mutants.sh --list     # what would be mutated
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPLICA_LAB_MUTANTS=1 . scripts/setup.sh

# Every function of the checkers (the linearizability search has its own exhaustive oracle
# test), and the functions of the Raft-style strategy its safety rests on.
safety='majority|lease_valid|lease_basis_us|advance_commit|commit_candidate|quorum_position|on_vote_request|on_vote_reply|heard_primary_recently|on_client_read|restart'
exec cargo mutants -p replica-core \
  -f core/src/check/mod.rs -f core/src/check/money.rs -f core/src/check/registers.rs \
  -f core/src/check/replicas.rs -f core/src/check/transactions.rs -f core/src/strategy/hdfc.rs \
  -F 'core/src/check/' -F "hdfc\.rs:.* in (<impl .*>::|HdfcNode::)?(${safety})\$" \
  --profile mutants --jobs 2 --timeout 120 --baseline skip --output target \
  --cargo-test-arg=--test=checkers --cargo-test-arg=--test=evidence --cargo-test-arg=--test=safety_rules \
  "$@"
