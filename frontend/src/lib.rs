//! The browser half of Tessera: hydrates the server-rendered pages.

use leptos::prelude::document;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes need asynchronous hydration: a page's own chunk may still be on its way.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        app::ui::browser::remember_time_zone();
        // Lets people and tests tell a page that reacts to clicks from the plain server HTML.
        let _ = body.set_attribute("data-hydrated", "");
    });
}
