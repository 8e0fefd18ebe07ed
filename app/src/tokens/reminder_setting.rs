//! The profile's switch for the expiry reminder e-mails, shown when a mail server is set up.

use crate::error::AppError;
use crate::ui::Outcome;
use leptos::form::ActionForm;
use leptos::prelude::*;

/// Whether the signed-in user gets the reminders; `None` when no mail server is set up, so
/// there is nothing to switch.
#[server(prefix = "/rpc", endpoint = "tokens/reminders")]
pub async fn expiry_reminders() -> Result<Option<bool>, AppError> {
    crate::services::reply(server::reminders().await)
}

/// Turns the reminders on or off; a form's unticked box sends nothing, hence the default.
#[server(prefix = "/rpc", endpoint = "tokens/reminders-save")]
pub async fn save_expiry_reminders(#[server(default)] on: bool) -> Result<bool, AppError> {
    crate::services::reply(server::save(on).await)
}

#[cfg(feature = "ssr")]
mod server {
    use crate::error::AppError;
    use crate::services::{services, signed_in};

    pub async fn reminders() -> Result<Option<bool>, AppError> {
        let me = signed_in()?;
        let services = services()?;
        if services.mailer.is_none() {
            return Ok(None);
        }
        Ok(Some(services.store.expiry_emails_on(me.user.id).await?))
    }

    pub async fn save(on: bool) -> Result<bool, AppError> {
        let me = signed_in()?;
        let services = services()?;
        services.store.set_expiry_emails(me.user.id, on).await?;
        tracing::info!(user = %me.user.username, on, "expiry reminders switched");
        Ok(on)
    }
}

/// "E-mail me before my tokens expire", saved with its own button (a plain form too).
#[component]
pub fn ReminderSetting() -> impl IntoView {
    let save = ServerAction::<SaveExpiryReminders>::new();
    let setting = Resource::new(move || save.version().get(), |_| expiry_reminders());
    let saved = move || {
        Outcome::of(save)
            .succeeded()
            .then(|| view! { <span class="muted" role="status">"Saved."</span> })
    };
    view! {
        <Transition fallback=|| ()>
            {move || setting.get().and_then(Result::ok).flatten().map(|on| view! {
                <ActionForm action=save attr:class="reminder-setting">
                    <label class="check">
                        <input type="checkbox" name="on" value="true" checked=on/>
                        "E-mail me 7 days and 1 day before a token expires, and when it has expired"
                    </label>
                    <button type="submit">"Save"</button>
                    {saved}
                </ActionForm>
            })}
        </Transition>
    }
    .into_any()
}
