//! `trace --format jepsen`: the history as Jepsen's EDN operation log, parsed back. Each
//! operation is one invocation and one completion on a single-threaded process (never
//! reused after `:info`), in time order; and the log alone is enough to check: the
//! linearizability search run on the parsed log agrees with the run's own verdict.

mod common;

use common::{assert_case, Case};
use replica_core::check::linearizable::{check_register, Action, RegisterOp, Verdict};
use replica_core::check::AnomalyKind;
use std::collections::BTreeMap;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// The EDN this log uses: maps, vectors, keywords, integers, strings, nil.
#[derive(Debug, Clone, PartialEq)]
enum Edn {
    Nil,
    Integer(i64),
    Keyword(String),
    Text(String),
    Vector(Vec<Edn>),
    Map(Vec<(Edn, Edn)>),
}

impl Edn {
    fn get(&self, key: &str) -> Option<&Edn> {
        match self {
            Edn::Map(pairs) => pairs.iter().find(|(k, _)| *k == Edn::Keyword(key.to_string())).map(|(_, v)| v),
            _ => None,
        }
    }

    fn integer(&self, key: &str) -> i64 {
        match self.get(key) {
            Some(Edn::Integer(value)) => *value,
            other => panic!("{key} is not an integer: {other:?}"),
        }
    }

    fn keyword(&self, key: &str) -> String {
        match self.get(key) {
            Some(Edn::Keyword(value)) => value.clone(),
            other => panic!("{key} is not a keyword: {other:?}"),
        }
    }
}

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn skip(&mut self) {
        while self.at < self.text.len() && (self.text[self.at].is_ascii_whitespace() || self.text[self.at] == b',') {
            self.at += 1;
        }
    }

    fn token(&mut self) -> &str {
        let start = self.at;
        while self.at < self.text.len() && !b" ,\n\t}]".contains(&self.text[self.at]) {
            self.at += 1;
        }
        std::str::from_utf8(&self.text[start..self.at]).expect("utf-8")
    }

    fn value(&mut self) -> Edn {
        self.skip();
        match self.text[self.at] {
            b'{' => {
                self.at += 1;
                let mut pairs = Vec::new();
                loop {
                    self.skip();
                    if self.text[self.at] == b'}' {
                        self.at += 1;
                        return Edn::Map(pairs);
                    }
                    let key = self.value();
                    let value = self.value();
                    pairs.push((key, value));
                }
            }
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                loop {
                    self.skip();
                    if self.text[self.at] == b']' {
                        self.at += 1;
                        return Edn::Vector(items);
                    }
                    items.push(self.value());
                }
            }
            b'"' => {
                self.at += 1;
                let start = self.at;
                while self.text[self.at] != b'"' {
                    self.at += 1;
                }
                self.at += 1;
                Edn::Text(String::from_utf8_lossy(&self.text[start..self.at - 1]).into_owned())
            }
            b':' => {
                self.at += 1;
                Edn::Keyword(self.token().to_string())
            }
            _ => match self.token() {
                "nil" => Edn::Nil,
                number => Edn::Integer(number.parse().unwrap_or_else(|_| panic!("not EDN: {number}"))),
            },
        }
    }
}

fn parse(line: &str) -> Edn {
    let mut parser = Parser { text: line.as_bytes(), at: 0 };
    let value = parser.value();
    parser.skip();
    assert_eq!(parser.at, line.len(), "one map per line: {line}");
    value
}

fn edn_of(case: &Case) -> (Vec<Edn>, replica_core::report::Finished) {
    let finished = case.run();
    let simulation = finished.simulation.as_ref();
    let text = replica_core::jepsen::history_edn(simulation.history(), &simulation.node_names(), simulation.now_us());
    (text.lines().map(parse).collect(), finished)
}

#[test]
fn every_operation_is_an_invocation_and_a_completion_on_a_single_threaded_process() {
    let cases = [
        Case::new("hdfc", 1).duration(4).fault("crash:mumbai@2s").fault("restart:mumbai@3s"),
        Case::new("upi", 2).duration(3),
        Case::new("core-banking", 3).duration(3).fault("crash:primary@1s").fault("restart:primary@2s"),
    ];
    for case in cases {
        let (log, finished) = edn_of(&case);
        let history = finished.simulation.history();
        assert_case(&case, log.len() == 2 * history.len(), "two lines per operation");
        let mut open: BTreeMap<i64, i64> = BTreeMap::new();
        let mut crashed: Vec<i64> = Vec::new();
        let mut last_time = 0;
        for (index, line) in log.iter().enumerate() {
            assert_case(&case, line.integer("index") == index as i64, "indexed in order");
            let time = line.integer("time");
            assert_case(&case, time >= last_time && time % 1000 == 0, "time in ns, in order");
            last_time = time;
            let (process, op) = (line.integer("process"), line.integer("op-id"));
            let recorded = history.get(op as u64).expect("the op is in the history");
            assert_case(&case, !crashed.contains(&process), "a process is not used after :info");
            match line.keyword("type").as_str() {
                "invoke" => {
                    assert_case(&case, open.insert(process, op).is_none(), "one operation at a time per process");
                    assert_case(&case, time as u64 == recorded.invoke_us * 1000, "invoked when the history says");
                }
                kind => {
                    assert_case(&case, open.remove(&process) == Some(op), "completes what the process invoked");
                    let expected = match recorded.outcome {
                        replica_core::history::Outcome::Ok => "ok",
                        replica_core::history::Outcome::Fail => "fail",
                        _ => "info",
                    };
                    assert_case(&case, kind == expected, &format!("#{op} ended {kind}"));
                    if kind == "info" {
                        crashed.push(process);
                    }
                }
            }
        }
        assert_case(&case, open.is_empty(), "every invocation completes");
    }
}

/// The linearizability search run on the parsed log (per key, the `[key value]` tuples)
/// reaches the run's verdict: the log says everything a register checker needs.
#[test]
fn the_log_alone_gives_the_linearizability_verdict() {
    let cases = [
        Case::new("hdfc", 4).duration(6).knob("commit", "async").fault("crash:mumbai@3s").fault("restart:mumbai@4s"),
        Case::new("consensus", 5).duration(6).fault("isolate:mumbai@2s..4s"),
    ];
    for case in cases {
        let (log, finished) = edn_of(&case);
        let mut by_key: BTreeMap<i64, Vec<RegisterOp>> = BTreeMap::new();
        let mut invoked: BTreeMap<i64, (i64, String, i64, Option<i64>)> = BTreeMap::new();
        for line in &log {
            let op = line.integer("op-id");
            let Some(Edn::Vector(tuple)) = line.get("value") else { continue };
            let (Edn::Integer(key), value) = (&tuple[0], &tuple[1]) else { continue };
            let value = if let Edn::Integer(v) = value { Some(*v) } else { None };
            match line.keyword("type").as_str() {
                "invoke" => {
                    invoked.insert(op, (line.integer("time"), line.keyword("f"), *key, value));
                }
                outcome => {
                    let Some((invoke_ns, f, key, written)) = invoked.remove(&op) else { continue };
                    let complete_us = (outcome == "ok").then(|| line.integer("time") as u64 / 1000);
                    let action = match (f.as_str(), outcome) {
                        ("read", "ok") => Action::Read(value.unwrap_or(0) as u64),
                        ("write", "ok" | "info") => Action::Write(written.unwrap_or(0) as u64),
                        _ => continue,
                    };
                    by_key.entry(key).or_default().push(RegisterOp {
                        id: op as u64,
                        action,
                        invoke_us: invoke_ns as u64 / 1000,
                        complete_us,
                    });
                }
            }
        }
        let failed = by_key
            .values()
            .filter(|ops| matches!(check_register(0, ops, 2_000_000), Verdict::NotLinearizable { .. }))
            .count() as u64;
        let run = finished.checks.count(AnomalyKind::Nonlinearizable);
        assert_case(&case, failed == run, &format!("the log gives {failed} keys, the run {run}"));
        let expected_failures = case.scenario == "hdfc";
        assert_case(
            &case,
            (failed > 0) == expected_failures,
            "async commit with a crash is not linearizable; consensus is",
        );
    }
}
