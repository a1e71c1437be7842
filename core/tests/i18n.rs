//! Every text the page shows has both languages: the message table, the checkers' labels
//! and meanings, scenario titles, lesson steps and city names. A text lacks Hindi when its
//! Hindi is empty, has no Devanagari, or is the English again; a template's languages must
//! take the same number of arguments.

use replica_core::check::AnomalyKind;
use replica_core::geo::CITIES;
use replica_core::i18n::{fill, Msg, Text};
use replica_core::scenario::catalogue;

/// Every text of the page in the core, with where it comes from.
fn every_text() -> Vec<(String, Text)> {
    let mut texts: Vec<(String, Text)> = Msg::ALL.iter().map(|msg| (format!("{msg:?}"), msg.text())).collect();
    for kind in AnomalyKind::all() {
        let (label, meaning) = kind.words();
        texts.push((format!("{} label", kind.name()), label));
        texts.push((format!("{} meaning", kind.name()), meaning));
    }
    for info in catalogue() {
        texts.push((format!("{} title", info.id), info.title));
        for knob in info.knobs {
            texts.push((format!("{} knob {}", info.id, knob.name), knob.label));
        }
        for (index, step) in info.lesson.iter().enumerate() {
            for (part, text) in [("button", step.button), ("watch", step.watch), ("meaning", step.meaning)] {
                texts.push((format!("{} lesson step {} {part}", info.id, index + 1), text));
            }
        }
    }
    for city in CITIES {
        texts.push((format!("city {}", city.id), city.name_text()));
    }
    texts
}

fn has_devanagari(text: &str) -> bool {
    text.chars().any(|c| ('\u{0900}'..='\u{097F}').contains(&c))
}

#[test]
fn every_text_has_english_and_hindi() {
    let lacking: Vec<String> = every_text()
        .into_iter()
        .filter(|(_, text)| text.en.trim().is_empty() || !has_devanagari(text.hi) || text.hi == text.en)
        .map(|(name, text)| format!("{name}: {text:?}"))
        .collect();
    assert!(lacking.is_empty(), "texts lacking a language:\n{}", lacking.join("\n"));
}

#[test]
fn templates_take_the_same_arguments_in_both_languages() {
    let differing: Vec<String> = every_text()
        .into_iter()
        .filter(|(_, text)| text.en.matches("{}").count() != text.hi.matches("{}").count())
        .map(|(name, _)| name)
        .collect();
    assert!(differing.is_empty(), "templates whose languages differ in arguments: {differing:?}");
}

#[test]
fn fill_puts_arguments_in_order_and_leaves_missing_ones() {
    assert_eq!(fill("{} of {} s", &[&1.5, &"3"]), "1.5 of 3 s");
    assert_eq!(fill("{} and {}", &[&7]), "7 and {}");
    assert_eq!(fill("no arguments", &[&7]), "no arguments");
    assert_eq!(
        Msg::Stats.fill(replica_core::i18n::Lang::Hi, &[&1, &2, &3, &4]),
        "सफल ऑपरेशन 1 · विफल 2 · अज्ञात 3 · रास्ते में 4 संदेश"
    );
}
