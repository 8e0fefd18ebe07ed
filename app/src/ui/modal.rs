use super::browser::FocusReturn;
use leptos::prelude::*;

/// A dialog over the page. Escape and the backdrop close it, like every dialog people know,
/// and the focus goes back to where it was when it opened: the button that opened it.
#[component]
pub fn Modal(
    #[prop(into)] title: String,
    #[prop(into)] on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let title_id = format!(
        "modal-{}",
        title
            .to_lowercase()
            .replace(|c: char| !c.is_alphanumeric(), "-")
    );
    let labelled_by = title_id.clone();
    let opener = FocusReturn::remember();
    on_cleanup(move || opener.restore());
    // Keyboard users land in the dialog, so Escape and Tab work at once; a field that
    // asked for focus itself (autofocus) keeps it.
    let dialog = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(dialog) = dialog.get() {
            let focus_inside = document()
                .active_element()
                .is_some_and(|active| dialog.contains(Some(&active)));
            if !focus_inside {
                let _ = dialog.focus();
            }
        }
    });
    view! {
        <div class="modal-backdrop" on:click=move |_| on_close.run(())>
            <div
                class="modal"
                role="dialog"
                tabindex="-1"
                node_ref=dialog
                aria-modal="true"
                aria-labelledby=labelled_by
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        on_close.run(());
                    }
                }
            >
                <h2 id=title_id>{title}</h2>
                {children()}
            </div>
        </div>
    }
}
