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

/// Tells the server the browser's time zone, so that the pages it renders from now on show
/// times as the hydrated page does (see `ui::time`).
pub fn remember_time_zone() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let format =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
        let zone = js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
            .ok()
            .and_then(|zone| zone.as_string());
        let document = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.dyn_into::<web_sys::HtmlDocument>().ok());
        if let (Some(zone), Some(document)) = (zone, document) {
            let secure = if document
                .location()
                .is_some_and(|at| at.protocol().as_deref() == Ok("https:"))
            {
                "; secure"
            } else {
                ""
            };
            let cookie = format!(
                "{}={zone}; path=/; max-age=31536000; samesite=lax{secure}",
                super::ZONE_COOKIE
            );
            let _ = document.set_cookie(&cookie);
        }
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

/// The element that has the keyboard focus now, to give it back later: a dialog gives it
/// back to the button that opened it. Holds nothing on the server.
pub struct FocusReturn {
    #[cfg(feature = "hydrate")]
    element: send_wrapper::SendWrapper<Option<web_sys::HtmlElement>>,
}

impl FocusReturn {
    pub fn remember() -> Self {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let element = web_sys::window()
                .and_then(|window| window.document())
                .and_then(|document| document.active_element())
                .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
            Self {
                element: send_wrapper::SendWrapper::new(element),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        Self {}
    }

    /// Focuses the remembered element again, if it is still on the page.
    pub fn restore(self) {
        #[cfg(feature = "hydrate")]
        if let Some(element) = self.element.take() {
            if element.is_connected() {
                let _ = element.focus();
            }
        }
    }
}
