//! A range input that a running simulation does not fight. Yew writes an input's `value`
//! back to the DOM on every render, and the page renders every animation frame: a thumb
//! being dragged would snap back to the model's value each frame. While the user moves it,
//! the slider renders the value under their hand (its draft); on release (`change`) it
//! reports the value once and lets the model speak again.

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Properties of [`Slider`].
#[derive(Properties, PartialEq)]
pub struct SliderProps {
    /// Element id (for its label).
    pub id: AttrValue,
    /// Form name (test hook).
    pub name: AttrValue,
    /// Smallest value.
    pub min: AttrValue,
    /// Largest value.
    pub max: AttrValue,
    /// Step.
    pub step: AttrValue,
    /// The model's value.
    pub value: AttrValue,
    /// Released (or moved by a key) at this value.
    pub onchange: Callback<String>,
    /// Tooltip.
    #[prop_or_default]
    pub title: Option<AttrValue>,
}

fn value_of(event: &Event) -> Option<String> {
    event.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()).map(|input| input.value())
}

/// The slider.
#[component]
pub fn Slider(props: &SliderProps) -> Html {
    // The value under the user's hand, until it is released (`change`) or left (`blur`).
    let draft = use_state(|| None::<AttrValue>);
    let oninput = {
        let draft = draft.setter();
        Callback::from(move |event: InputEvent| {
            if let Some(value) = value_of(&event) {
                draft.set(Some(AttrValue::from(value)));
            }
        })
    };
    let onchange = {
        let (draft, report) = (draft.setter(), props.onchange.clone());
        Callback::from(move |event: Event| {
            draft.set(None);
            if let Some(value) = value_of(&event) {
                report.emit(value);
            }
        })
    };
    let onblur = {
        let draft = draft.setter();
        Callback::from(move |_: FocusEvent| draft.set(None))
    };
    let value = (*draft).clone().unwrap_or_else(|| props.value.clone());
    html! {
        <input id={props.id.clone()} type="range" name={props.name.clone()} min={props.min.clone()} max={props.max.clone()}
               step={props.step.clone()} {value} title={props.title.clone()} {oninput} {onchange} {onblur} />
    }
}
