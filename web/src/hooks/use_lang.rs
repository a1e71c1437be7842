//! `use_lang`: the page's language, from the context the app provides, so a component
//! re-renders when the language switches (and only then, for that reason).

use crate::url::Lang;
use yew::prelude::*;

/// The page's language (English outside the app's provider).
#[hook]
pub fn use_lang() -> Lang {
    use_context::<Lang>().unwrap_or_default()
}
