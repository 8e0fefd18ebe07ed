use super::{ReportUserView, UpdateUser};
use crate::ui::Modal;
use crate::users::passwords::ResetLinkSection;
use crate::users::Role;
use leptos::prelude::*;

/// Role, Login Active and Current. Deactivating does not expire tokens (seed 000), so the
/// dialog says so and offers to expire them too.
#[component]
pub fn EditUserModal(
    user: ReportUserView,
    viewer_id: i64,
    action: ServerAction<UpdateUser>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let is_self = user.id == viewer_id;
    let role = RwSignal::new(user.role);
    let login_active = RwSignal::new(user.login_active);
    let current = RwSignal::new(user.current);
    let also_expire = RwSignal::new(false);
    let active_tokens = user.active_tokens;
    let deactivating = move || !login_active.get() || !current.get();
    let warn_about_tokens = move || deactivating() && active_tokens != 0;
    let error = move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };

    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            on_close.run(());
        }
    });
    let user_id = user.id;
    let reset_name = user.display_name.clone();
    let save = move |_| {
        action.dispatch(UpdateUser {
            user_id,
            role: role.get_untracked(),
            login_active: login_active.get_untracked(),
            current: current.get_untracked(),
            expire_active_tokens: deactivating() && also_expire.get_untracked(),
        });
    };
    action.value().set(None);
    let tokens_words = if active_tokens == 1 {
        "active token"
    } else {
        "active tokens"
    };
    let expire_words = format!("Also expire their {active_tokens} {tokens_words}");

    view! {
        <Modal title=format!("Edit {}", user.display_name) on_close>
            <div class="stack">
                <label class="field">
                    <span>"Role"</span>
                    <select
                        disabled=is_self
                        on:change=move |ev| role.set(Role::parse(&event_target_value(&ev)).unwrap_or(Role::User))
                    >
                        <option value="user" selected=user.role == Role::User>"User"</option>
                        <option value="admin" selected=user.role == Role::Admin>"Admin"</option>
                    </select>
                </label>
                <label class="check">
                    <input type="checkbox" disabled=is_self prop:checked=move || login_active.get()
                        on:change=move |ev| login_active.set(event_target_checked(&ev))/>
                    "Login Active"
                </label>
                <label class="check">
                    <input type="checkbox" disabled=is_self prop:checked=move || current.get()
                        on:change=move |ev| current.set(event_target_checked(&ev))/>
                    "Current"
                </label>
                <Show when=move || is_self>
                    <p class="muted">"You cannot remove your own admin role or deactivate yourself."</p>
                </Show>
                <Show when=warn_about_tokens>
                    <div class="warning" role="note">
                        <p>
                            {format!("{} has {active_tokens} {tokens_words}. ", user.display_name)}
                            "Setting Login Active or Current to No blocks sign-in but does not expire tokens: they keep working until they expire or are expired."
                        </p>
                        <label class="check">
                            <input type="checkbox" prop:checked=move || also_expire.get()
                                on:change=move |ev| also_expire.set(event_target_checked(&ev))/>
                            {expire_words.clone()}
                        </label>
                    </div>
                </Show>
                {move || error().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
                <ResetLinkSection user_id display_name=reset_name.clone()/>
                <div class="modal-actions">
                    <button on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button class="primary" disabled=move || action.pending().get() on:click=save>"Save"</button>
                </div>
            </div>
        </Modal>
    }
}
