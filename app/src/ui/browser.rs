//! The few things only a browser can do. On the server these are never called (they run
//! from event handlers), but they must still compile there.

/// Minutes east of UTC that the browser's time zone has at the given local date and time
/// (`YYYY-MM-DDTHH:MM`), so daylight saving on that date is taken into account.
pub fn utc_offset_minutes_at(local: &str) -> i32 {
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(local));
        let west = date.get_timezone_offset();
        if west.is_nan() {
            0
        } else {
            -(west as i32)
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = local;
        0
    }
}

/// Writes `text` to the clipboard; `false` when the browser refused.
pub async fn copy_to_clipboard(text: String) -> bool {
    #[cfg(feature = "hydrate")]
    {
        let Some(window) = web_sys::window() else {
            return false;
        };
        let promise = window.navigator().clipboard().write_text(&text);
        wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        false
    }
}

pub async fn sleep_ms(ms: u32) {
    #[cfg(feature = "hydrate")]
    gloo_timers::future::TimeoutFuture::new(ms).await;
    #[cfg(not(feature = "hydrate"))]
    let _ = ms;
}

/// A full page load of `/login`: the session is gone, so nothing on this page is valid.
pub fn go_to_login() {
    go_to("/login");
}

/// A full page load of `path`, so every part of the page starts afresh (a new session).
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}
