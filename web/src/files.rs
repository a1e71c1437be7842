//! Files the user saves or opens: a download made from text in memory (a `blob:` URL,
//! revoked once clicked) and the text of a file chosen in a file input. No network: nothing
//! here fetches or sends anything.

use wasm_bindgen::JsCast;

/// Offers `text` as a file named `name` of type `mime` (the browser's download).
pub fn download(name: &str, mime: &str, text: &str) {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    let link = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|document| document.create_element("a").ok())
        .and_then(|link| link.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(link) = link {
        let _ = link.set_attribute("href", &url);
        let _ = link.set_attribute("download", name);
        link.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// The text of the first file chosen in a file input's `change` event, read in the
/// background and handed to `done` (an error in words if it cannot be read).
pub fn read_chosen(event: &web_sys::Event, done: impl FnOnce(Result<String, String>) + 'static) {
    let input = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
    let Some(file) = input.as_ref().and_then(|input| input.files()).and_then(|files| files.get(0)) else { return };
    // The same file chosen again must fire `change` again.
    if let Some(input) = input {
        input.set_value("");
    }
    wasm_bindgen_futures::spawn_local(async move {
        let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
        done(text.ok().and_then(|value| value.as_string()).ok_or_else(|| format!("cannot read {}", file.name())));
    });
}
