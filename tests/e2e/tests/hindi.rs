//! In Hindi the page shows no English text of its message table: every scenario, opened in
//! `lang=hi` at a moment with anomalies found and a lesson step taken, is read as a person
//! sees it (the text of rendered, visible elements), and no English entry of the table —
//! messages, checker labels and meanings, knob labels, scenario titles, lesson steps, city
//! names — shows: a phrase of two or more words nowhere, a single word not as a text of its
//! own (a button, a heading, a cell). Hindi technical writing borrows single words —
//! commit, replica, primary — inside its sentences, as the lessons do; an English phrase
//! or an English label standing alone is a string left untranslated. Text a page marks `lang="en"` is English on
//! purpose and is left out: a checker's proof (it names operations and values in the
//! checker's own sentence), a strategy's internals, the benchmark's method, the language
//! switch's "English". So is what a page marks `translate="no"`: identifiers shared with the
//! link and the command line — node ids, knob values, message kinds.

use replica_core::check::AnomalyKind;
use replica_core::geo::CITIES;
use replica_core::i18n::{Msg, Text};
use replica_core::scenario::catalogue;
use replica_e2e::webdriver::Browser;
use replica_e2e::{dist, scenarios, serve};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// The visible text of the page outside `lang="en"` subtrees, one text node a line.
const VISIBLE_TEXT: &str = r#"
const lines = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode;
  const element = node.parentElement;
  if (!element || element.closest('[lang="en"], [translate="no"], script, style, noscript, template')) continue;
  if (!element.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
  if (node.textContent.trim()) lines.push(node.textContent.trim());
}
for (const input of document.querySelectorAll('select option:checked, input[type=submit], input[type=button]')) {
  if (!input.closest('[lang="en"], [translate="no"]')) lines.push(input.textContent || input.value);
}
return lines.join('\n');
"#;

/// Every English text of the table that differs from its Hindi, as the fragments between
/// a template's `{}` (fragments of fewer than three letters say nothing on their own).
fn english_fragments() -> Vec<String> {
    let mut texts: Vec<Text> = Msg::ALL.iter().map(|msg| msg.text()).collect();
    for kind in AnomalyKind::all() {
        let (label, meaning) = kind.words();
        texts.extend([label, meaning]);
    }
    for info in catalogue() {
        texts.push(info.title);
        texts.extend(info.knobs.iter().map(|knob| knob.label));
        texts.extend(info.lesson.iter().flat_map(|step| [step.button, step.watch, step.meaning]));
    }
    texts.extend(CITIES.iter().map(|city| city.name_text()));
    let mut fragments: Vec<String> = texts
        .iter()
        .filter(|text| text.en != text.hi)
        .flat_map(|text| text.en.split("{}"))
        .map(|fragment| fragment.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .filter(|fragment| fragment.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .collect();
    fragments.sort();
    fragments.dedup();
    fragments
}

/// Whether `word` occurs in `text` with no letter or digit right before or after it.
fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Whether `fragment` shows untranslated in `text` (one visible text a line): a phrase
/// anywhere, a single word as a line of its own (bar digits and punctuation).
fn untranslated(text: &str, fragment: &str) -> bool {
    if fragment.split_whitespace().count() >= 2 {
        return contains_word(text, fragment);
    }
    text.lines().any(|line| line.trim_matches(|c: char| !c.is_alphabetic()) == fragment)
}

#[test]
fn the_word_finder_matches_whole_words_only() {
    assert!(untranslated("x\nCrash\ny", "Crash"));
    assert!(untranslated("x\n12 commit:\ny", "commit"));
    assert!(!untranslated("leader किसी write को commit करता है", "commit"));
    assert!(untranslated("अभी Check now दबाएँ", "Check now"));
    assert!(contains_word("a Crash b", "Crash"));
    assert!(contains_word("Crash", "Crash"));
    assert!(!contains_word("Crashes", "Crash"));
    assert!(!contains_word("crash", "Crash"));
    assert!(!contains_word("xCrash", "Crash"));
    assert!(english_fragments().iter().any(|fragment| fragment == "Copy embed code"));
    assert!(english_fragments().iter().any(|fragment| fragment == "Mumbai"));
}

#[test]
fn in_hindi_no_english_text_of_the_message_table_is_visible() {
    let base = serve(dist());
    let fragments = english_fragments();
    let browser = Browser::start_with(1280, 900, &["--force-prefers-reduced-motion"]);
    let mut shown = Vec::new();
    for (scenario, _) in scenarios() {
        browser.goto("about:blank");
        browser.goto(&format!("{base}/#scenario={scenario}&seed=7&t=6&lesson=1&lang=hi"));
        assert!(
            browser.wait_for("return document.getElementById('sim-time')?.textContent === '6.000 s'", WAIT),
            "{scenario} reached t = 6 s"
        );
        assert_eq!(browser.eval("return document.documentElement.lang").as_str(), Some("hi"));
        let text = browser.eval(VISIBLE_TEXT).as_str().unwrap_or_default().to_string();
        assert!(text.chars().filter(|c| ('\u{0900}'..='\u{097f}').contains(c)).count() > 500, "{scenario}: {text}");
        for fragment in fragments.iter().filter(|fragment| untranslated(&text, fragment)) {
            let line = text.lines().find(|line| contains_word(line, fragment)).unwrap_or_default();
            let line: String = line.chars().take(100).collect();
            shown.push(format!("{scenario}: {fragment:?} in {line:?}"));
        }
    }
    assert!(shown.is_empty(), "English shown in Hindi:\n{}", shown.join("\n"));
}
