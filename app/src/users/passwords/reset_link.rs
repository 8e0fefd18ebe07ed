use super::{CreateResetLink, ResetDelivery};
use crate::ui::{CopyField, Outcome, Time};
use leptos::prelude::*;

/// Part of the admin's Edit User dialog: makes a single-use link for the user to choose a new
/// password, e-mails it when it can, and shows it once to pass on.
#[component]
pub fn ResetLinkSection(user_id: i64, display_name: String) -> impl IntoView {
    let action = ServerAction::<CreateResetLink>::new();
    let error = move || Outcome::of(action).error().map(|e| e.to_string());
    let issued = move || action.value().get().and_then(Result::ok);
    let name = StoredValue::new(display_name);

    view! {
        <section class="reset-link" aria-labelledby="reset-link-heading">
            <h3 id="reset-link-heading">"Password"</h3>
            {move || match issued() {
                None => view! {
                    <p class="muted">
                        {format!("A reset link lets {} choose a new password. It works once, for 72 hours; \
                                  making a new one breaks the old.", name.get_value())}
                    </p>
                    <button
                        type="button"
                        disabled=move || action.pending().get()
                        on:click=move |_| { action.dispatch(CreateResetLink { user_id }); }
                    >
                        "Create password reset link"
                    </button>
                }
                .into_any(),
                Some(reset) => {
                    let delivery = match reset.delivery {
                        ResetDelivery::Sent { to } => format!("The link was e-mailed to {to}."),
                        ResetDelivery::NoMailServer => {
                            "E-mail is not set up on this server: send this link yourself.".to_owned()
                        }
                        ResetDelivery::NoAddress => {
                            format!("{} has no e-mail address: send this link yourself.", name.get_value())
                        }
                        ResetDelivery::Failed => {
                            "The e-mail could not be sent: copy the link and send it yourself.".to_owned()
                        }
                    };
                    view! {
                        <p class="muted" role="status">{delivery}</p>
                        <CopyField text=reset.link what="the link" testid="reset-link"/>
                        <p class="muted">"Works once, until " <Time at=reset.expires_at/> "."</p>
                    }
                    .into_any()
                }
            }}
            <Show when=move || error().is_some()>
                <p class="form-error" role="alert">{error}</p>
            </Show>
        </section>
    }
}
