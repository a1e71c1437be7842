#!/usr/bin/env python3
"""Applies, one at a time, the hand-made mutants the test review found surviving (each a
plausible one-line bug in a safety rule or a checker), runs the core's native tests, and
prints which tests failed for each: a mutant no test catches is a hole in the suite.

Usage: python3 scripts/table-mutants.py [NAME...]   (from the repository root; the working
tree must be clean: every file is restored after each mutant, even on interruption)."""

import os
import re
import subprocess
import sys

MUTANTS = [
    # (name, file, original text, mutated text, what it breaks)
    ("uncommitted_effects returns nothing", "core/src/check/money.rs",
     "    let Some(node) = authoritative(state) else { return Vec::new() };\n    let mut posted",
     "    let Some(node) = authoritative(state) else { return Vec::new() };\n    if true { return Vec::new(); }\n    let mut posted",
     "core-banking's no commit lost"),
    ("uncommitted_effects ignores acknowledged-but-missing commits", "core/src/check/money.rs",
     "            Outcome::Ok if got != wanted =>", "            Outcome::Ok if false && got != wanted =>",
     "core-banking's no commit lost"),
    ("uncommitted_effects without the balance recomputation", "core/src/check/money.rs",
     "    findings\n        .extend(statement_mismatch(node).map(|mismatch| Finding { kind: AnomalyKind::UncommittedEffect, ..mismatch }));\n",
     "",
     "balances that do not add up after recovery"),
    ("unready_reads returns nothing", "core/src/check/replicas.rs",
     "    let mut findings = Vec::new();\n    for op in ok_reads(history) {",
     "    let mut findings = Vec::new();\n    for op in ok_reads(history).take(0) {",
     "big-billion-day's serves only when caught up"),
    ("a new replica serves before catching up", "core/src/strategy/autoscaling/mod.rs",
     "let caught_up = self.lag_us(now_us).unwrap_or(u64::MAX) < self.config.ready_lag_us;",
     "let caught_up = true;",
     "big-billion-day's serves only when caught up"),
    ("hysteresis_respected without its timing condition", "core/src/monitor.rs",
     "if previous.raised == event.raised || gap_ms < samples * interval_ms {",
     "if previous.raised == event.raised || (gap_ms < samples * interval_ms && false) {",
     "lag-monitor alert flapping"),
    ("Raft: a leader commits entries of earlier terms by counting replicas", "core/src/strategy/log_shipping/commit.rs",
     "(!counted || self.log.epoch_at(candidate) == Some(self.epoch))",
     "(!counted || self.log.epoch_at(candidate).is_some())",
     "the Figure 8 safety rule"),
    ("the restarted 2PC coordinator forgets its commit records", "core/src/strategy/two_phase_commit/mod.rs",
     "                node.forcing.clear();\n                for entry in node.committed.values_mut() {",
     "                node.forcing.clear();\n                node.committed.clear();\n                for entry in node.committed.values_mut() {",
     "atomicity after a coordinator crash"),
    ("OR-set merge becomes a plain union", "core/src/crdt.rs",
     ".filter(|dot| theirs.contains(dot) || !Self::seen(&other.context, dot))",
     ".filter(|_| true)",
     "cart removes"),
    ("majority = n/2", "core/src/strategy/log_shipping/commit.rs",
     "fn majority(nodes: usize) -> usize {\n    nodes / 2 + 1\n}",
     "fn majority(nodes: usize) -> usize {\n    nodes / 2\n}",
     "consensus safety"),
    ("a lease that never expires", "core/src/strategy/log_shipping/election.rs",
     "basis == u64::MAX || now_us < basis + self.config.lease_us",
     "basis == u64::MAX || now_us < basis + self.config.lease_us || true",
     "consensus safety"),
]


def run_tests():
    result = subprocess.run(
        ["cargo", "test", "-p", "replica-core", "--tests", "--no-fail-fast"],
        capture_output=True, text=True)
    failed = sorted(set(re.findall(r"^test (\S+) \.\.\. FAILED", result.stdout + result.stderr, re.M)))
    targets = re.findall(r"error: test failed, to rerun pass `-p replica-core --test (\S+)`", result.stderr)
    built = "error[E" not in result.stderr
    return built, failed, targets, result


def main():
    wanted = set(sys.argv[1:])
    rows = []
    for name, path, original, mutated, breaks in MUTANTS:
        if wanted and name not in wanted:
            continue
        text = open(path).read()
        if text.count(original) != 1:
            rows.append((name, "NOT APPLIED: the original text is not found exactly once", []))
            print(f"{name}: NOT APPLIED: the original text is not found exactly once in {path}", flush=True)
            continue
        try:
            open(path, "w").write(text.replace(original, mutated))
            built, failed, targets, _ = run_tests()
        except KeyboardInterrupt:
            open(path, "w").write(text)
            raise
        finally:
            open(path, "w").write(text)
        verdict = "unviable (does not build)" if not built else ("caught" if failed else "MISSED")
        rows.append((name, verdict, failed))
        print(f"{name}: {verdict}: {', '.join(failed[:6])}", flush=True)
    missed = [row for row in rows if row[1].startswith(("MISSED", "NOT"))]
    print(f"\n{len(rows)} mutants: {len(rows) - len(missed)} caught or unviable, {len(missed)} missed")
    return 1 if missed else 0


if __name__ == "__main__":
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    sys.exit(main())
