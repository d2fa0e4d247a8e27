//! Browser glue the components need: collecting dropped files and folders, reading the file
//! picker, downloads, the URL fragment and the clock.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, DataTransfer, File, FileSystemDirectoryEntry, FileSystemEntry, FileSystemFileEntry,
};

/// A file to analyse: its display name (path inside a dropped folder) and contents.
pub type NamedBlob = (String, Blob);

/// The page's clock as RFC 3339.
pub fn now_rfc3339() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

/// The fragment without `#`, decoded by the caller.
pub fn location_hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default().trim_start_matches('#').to_string()
}

/// Replace the fragment without adding a history entry or firing `hashchange`.
pub fn replace_hash(fragment: &str) {
    let Some(window) = web_sys::window() else { return };
    let Ok(history) = window.history() else { return };
    let url = if fragment.is_empty() {
        window.location().pathname().unwrap_or_default() + &window.location().search().unwrap_or_default()
    } else {
        format!("#{fragment}")
    };
    let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
}

/// Offer text as a download, built locally from a Blob URL.
pub fn download(filename: &str, mime: &str, text: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options)?;
    download_blob(filename, &blob)
}

/// Offer a Blob (typed by whoever made it) as a download under `filename`.
pub fn download_blob(filename: &str, blob: &Blob) -> Result<(), JsValue> {
    let url = web_sys::Url::create_object_url_with_blob(blob)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(filename);
    a.click();
    web_sys::Url::revoke_object_url(&url)?;
    Ok(())
}

/// A pasted text as a named blob.
pub fn text_blob(name: &str, text: &str) -> Option<NamedBlob> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    Blob::new_with_str_sequence(&parts).ok().map(|b| (name.to_string(), b))
}

/// Files from a `FileList` (file picker, or a drop without folder entries).
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<NamedBlob> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).map(|f| (f.name(), Blob::from(f))).collect()
}

/// Everything a drop holds: files, and the files inside dropped folders (recursively, with
/// their relative paths as names). Falls back to `files` where entries are not available.
pub async fn dropped(transfer: DataTransfer) -> Vec<NamedBlob> {
    let items = transfer.items();
    let entries: Vec<FileSystemEntry> = (0..items.length())
        .filter_map(|i| items.get(i))
        .filter_map(|item| item.webkit_get_as_entry().ok().flatten())
        .collect();
    if entries.is_empty() {
        return files_of(transfer.files());
    }
    let mut out = Vec::new();
    let mut stack = entries;
    while let Some(entry) = stack.pop() {
        if entry.is_file() {
            let file_entry: FileSystemFileEntry = entry.unchecked_into();
            if let Some(file) = entry_file(&file_entry).await {
                let path = file_entry.full_path();
                let name = path.trim_start_matches('/').to_string();
                out.push((if name.is_empty() { file.name() } else { name }, Blob::from(file)));
            }
        } else if entry.is_directory() {
            let dir: FileSystemDirectoryEntry = entry.unchecked_into();
            stack.extend(read_directory(&dir).await);
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

async fn entry_file(entry: &FileSystemFileEntry) -> Option<File> {
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move |file: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &file);
        });
        let err = Closure::once_into_js(move |e: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        entry.file_with_callback_and_callback(ok.unchecked_ref(), err.unchecked_ref());
    });
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

async fn read_directory(dir: &FileSystemDirectoryEntry) -> Vec<FileSystemEntry> {
    let reader = dir.create_reader();
    let mut out = Vec::new();
    // readEntries returns batches (100 in Chromium) until an empty one.
    loop {
        let promise = Promise::new(&mut |resolve, reject| {
            let ok = Closure::once_into_js(move |entries: JsValue| {
                let _ = resolve.call1(&JsValue::NULL, &entries);
            });
            let err = Closure::once_into_js(move |e: JsValue| {
                let _ = reject.call1(&JsValue::NULL, &e);
            });
            let _ = reader.read_entries_with_callback_and_callback(ok.unchecked_ref(), err.unchecked_ref());
        });
        let Ok(batch) = JsFuture::from(promise).await else { break };
        let batch = js_sys::Array::from(&batch);
        if batch.length() == 0 {
            break;
        }
        out.extend(batch.iter().map(JsCast::unchecked_into::<FileSystemEntry>));
    }
    out
}

/// Post `{type, ...fields}` to the embedding page, if any, on our own origin only.
pub fn tell_host(kind: &str, fields: &[(&str, JsValue)]) {
    let Some(window) = web_sys::window() else { return };
    let Ok(Some(parent)) = window.parent() else { return };
    if js_sys::Object::is(&parent, &window) {
        return;
    }
    let Ok(origin) = window.location().origin() else { return };
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"type".into(), &kind.into());
    for (key, value) in fields {
        let _ = js_sys::Reflect::set(&message, &(*key).into(), value);
    }
    let _ = parent.post_message(&message, &origin);
}

/// Frames [`focus_later`] waits for its element. Yew's scheduler yields to the browser every
/// ~16 ms, so on a loaded machine the details can be drawn a frame or more after the click that
/// opened them: a single try then found no `#detail-title`, and the focus stayed on the row.
const FOCUS_FRAMES: u32 = 30;

/// Focus an element once Yew has drawn it: tried on each animation frame until it exists, for
/// at most [`FOCUS_FRAMES`] frames.
pub fn focus_later(selector: String) {
    focus_on_frame(selector, FOCUS_FRAMES);
}

fn focus_on_frame(selector: String, frames_left: u32) {
    let Some(window) = web_sys::window() else { return };
    let cb = Closure::once_into_js(move || {
        let found = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(&selector).ok().flatten())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        match found {
            Some(el) => {
                let _ = el.focus();
            }
            None if frames_left > 1 => focus_on_frame(selector, frames_left - 1),
            None => {}
        }
    });
    let _ = window.request_animation_frame(cb.unchecked_ref());
}

/// Put text on the clipboard (`navigator.clipboard.writeText`); `false` when the browser
/// refuses (an insecure origin, no permission), so the page can say so.
pub async fn copy_text(text: &str) -> bool {
    // Looked up by name: the page needs no more of web-sys's clipboard bindings than this call.
    let clipboard = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"navigator".into()).ok())
        .and_then(|n| js_sys::Reflect::get(&n, &"clipboard".into()).ok())
        .filter(|c| !c.is_undefined());
    let Some(clipboard) = clipboard else { return false };
    let Some(write) =
        js_sys::Reflect::get(&clipboard, &"writeText".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return false;
    };
    match write.call1(&clipboard, &JsValue::from_str(text)).map(|p| p.dyn_into::<Promise>()) {
        Ok(Ok(promise)) => JsFuture::from(promise).await.is_ok(),
        _ => false,
    }
}
