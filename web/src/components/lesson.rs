//! The scenario's lesson at the top of the page: numbered steps, each an action with one
//! button, what to watch, and — once taken — what it means. The step taken last is marked;
//! the embed shows only the next one. Test hook: `data-lesson-step="N"` on each step.

use crate::hooks::use_lang;
use crate::url::Lang;
use replica_core::check::AnomalyKind;
use replica_core::i18n::Msg;
use replica_core::lesson::LessonStep;
use yew::prelude::*;

/// Properties of [`Lesson`].
#[derive(Properties, PartialEq)]
pub struct LessonProps {
    /// The scenario's steps.
    pub steps: &'static [LessonStep],
    /// The step taken last (from 1; 0 before the first).
    pub taken: usize,
    /// Only the next step (the embed).
    pub compact: bool,
    /// Why the run paused by itself, if it did.
    pub paused_because: Option<AnomalyKind>,
    /// Take step N.
    pub on_step: Callback<usize>,
}

fn step_view(number: usize, step: &LessonStep, props: &LessonProps, lang: Lang) -> Html {
    let onclick = props.on_step.reform(move |_: MouseEvent| number);
    let taken = number <= props.taken;
    let next = number == props.taken + 1;
    html! {
        <li data-lesson-step={number.to_string()}
            class={classes!("lesson-step", taken.then_some("taken"), (number == props.taken).then_some("current"), next.then_some("next"))}>
            <button {onclick}>{ step.button.get(lang) }</button>
            <p class="watch">{ step.watch.get(lang) }</p>
            if taken {
                <p class="meaning">{ step.meaning.get(lang) }</p>
            }
        </li>
    }
}

/// The lesson panel.
#[component]
pub fn Lesson(props: &LessonProps) -> Html {
    if props.steps.is_empty() {
        return Html::default();
    }
    let lang = use_lang();
    let shown: Vec<(usize, &LessonStep)> = props
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| (index + 1, step))
        .filter(|(number, _)| !props.compact || *number == (props.taken + 1).min(props.steps.len()))
        .collect();
    html! {
        <section class={classes!("lesson", props.compact.then_some("compact"))} aria-label={Msg::Lesson.get(lang)}>
            <h2>{ Msg::LessonTitle.get(lang) }</h2>
            if let Some(kind) = &props.paused_because {
                <p class="paused-because" role="status">
                    { Msg::PausedAtFirst.fill(lang, &[&kind.words().0.get(lang)]) }
                </p>
            }
            <ol start={shown.first().map_or(1, |(number, _)| *number).to_string()}>
                { for shown.into_iter().map(|(number, step)| step_view(number, step, props, lang)) }
            </ol>
        </section>
    }
}
