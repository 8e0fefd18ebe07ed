use super::{
    get_two_factor_status, BeginTwoFactor, ConfirmTwoFactor, DisableTwoFactor, NewRecoveryCodes,
    RecoveryCodes, TwoFactorStatus,
};
use crate::error::Field;
use crate::ui::{FormErrors, LoadError, Outcome, Time};
use leptos::prelude::*;

/// The profile's Two-Factor Authentication block: set it up with an authenticator app, see
/// how many recovery codes are left, get new ones, or turn it off.
#[component]
pub fn TwoFactorBlock() -> impl IntoView {
    let begin = ServerAction::<BeginTwoFactor>::new();
    let confirm = ServerAction::<ConfirmTwoFactor>::new();
    let disable = ServerAction::<DisableTwoFactor>::new();
    let renew = ServerAction::<NewRecoveryCodes>::new();
    let status = Resource::new(
        move || {
            (
                confirm.version().get(),
                disable.version().get(),
                renew.version().get(),
            )
        },
        |_| get_two_factor_status(),
    );
    // Codes from turning it on or from renewing them, shown until dismissed.
    let shown_codes = RwSignal::new(None::<RecoveryCodes>);
    Effect::new(move |_| {
        if let Some(Ok(codes)) = confirm.value().get() {
            shown_codes.set(Some(codes));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(codes)) = renew.value().get() {
            shown_codes.set(Some(codes));
        }
    });

    view! {
        <section class="card block" aria-labelledby="two-factor-heading">
            <header class="block-header">
                <h2 id="two-factor-heading">"Two-Factor Authentication"</h2>
            </header>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || status.get().map(|answer| match answer {
                    Err(error) => view! { <LoadError error/> }.into_any(),
                    Ok(status) => match shown_codes.get() {
                        Some(codes) => view! {
                            <ShownCodes codes on_done=move || shown_codes.set(None)/>
                        }
                        .into_any(),
                        None if status.on_since.is_some() => view! {
                            <TurnedOn status disable renew/>
                        }
                        .into_any(),
                        None => view! { <SetUp begin confirm required=status.required/> }.into_any(),
                    },
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SetUp(
    begin: ServerAction<BeginTwoFactor>,
    confirm: ServerAction<ConfirmTwoFactor>,
    required: bool,
) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let errors = FormErrors::of(confirm);
    let begin_error = move || Outcome::of(begin).error().map(|e| e.to_string());
    let general_error = move || errors.outcome.general_message();
    let set_up = move || begin.value().get().and_then(Result::ok);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        confirm.dispatch(ConfirmTwoFactor {
            code: code.get_untracked(),
        });
    };
    view! {
        <p class="muted">
            {if required {
                "Your organisation requires two-factor authentication. "
            } else {
                "Two-factor authentication is off. "
            }}
            "With it on, signing in also asks for a six-digit code from an authenticator app on your phone."
        </p>
        {move || match set_up() {
            None => view! {
                <button class="primary" disabled=move || begin.pending().get()
                    on:click=move |_| { begin.dispatch(BeginTwoFactor {}); }>
                    "Set up two-factor authentication"
                </button>
                <Show when=move || begin_error().is_some()>
                    <p class="form-error" role="alert">{begin_error}</p>
                </Show>
            }
            .into_any(),
            Some(set_up) => view! {
                <div class="two-factor-setup">
                    <img class="qr-code" src=set_up.qr_code alt="QR code for your authenticator app" width="200" height="200"/>
                    <div class="stack">
                        <p>"Scan the QR code with your authenticator app, or type in this key:"</p>
                        <code class="secret" data-testid="two-factor-secret">{set_up.secret}</code>
                        <form class="stack narrow" on:submit=submit novalidate>
                            <div class="field">
                                <label for="two-factor-code">"Code from the app"</label>
                                <input id="two-factor-code" type="text" name="code" inputmode="numeric"
                                    autocomplete="one-time-code" prop:value=code
                                    on:input=move |ev| { code.set(event_target_value(&ev)); errors.outcome.forget(); }
                                    aria-invalid=errors.invalid(Field::Code)/>
                                {errors.view_for(Field::Code)}
                            </div>
                            <Show when=move || general_error().is_some()>
                                <p class="form-error" role="alert">{general_error}</p>
                            </Show>
                            <div>
                                <button type="submit" class="primary" disabled=move || confirm.pending().get()>
                                    "Turn on"
                                </button>
                            </div>
                        </form>
                    </div>
                </div>
            }
            .into_any(),
        }}
    }
}

#[component]
fn ShownCodes(codes: RecoveryCodes, #[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let items = codes
        .0
        .into_iter()
        .map(|code| view! { <li><code>{code}</code></li> })
        .collect_view();
    view! {
        <p class="notice" role="status">"Two-factor authentication is on. These are your recovery codes."</p>
        <p>
            "If you lose your phone, sign in with one of these instead of a code. Each works once. "
            <strong>"Save them somewhere safe now: they are not shown again."</strong>
        </p>
        <ul class="recovery-codes" data-testid="recovery-codes">{items}</ul>
        <button class="primary" on:click=move |_| on_done.run(())>"I have saved them"</button>
    }
}

#[component]
fn TurnedOn(
    status: TwoFactorStatus,
    disable: ServerAction<DisableTwoFactor>,
    renew: ServerAction<NewRecoveryCodes>,
) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let disable_errors = FormErrors::of(disable);
    let renew_errors = FormErrors::of(renew);
    let error = move || {
        disable_errors
            .message(Field::Password)
            .or_else(|| renew_errors.message(Field::Password))
            .or_else(|| disable_errors.outcome.general_message())
            .or_else(|| renew_errors.outcome.general_message())
    };
    let busy = move || disable.pending().get() || renew.pending().get();
    let left = status.recovery_codes_left;
    view! {
        <p>
            <span class="badge active">"On"</span>
            {status.on_since.map(|at| view! { " since " <Time at/> })}
            {format!(". {left} of 10 recovery codes left.")}
        </p>
        {status.required.then(|| view! {
            <p class="muted">"Your organisation requires it, so it cannot be turned off."</p>
        })}
        <div class="stack narrow">
            <div class="field">
                <label for="two-factor-password">"Password"</label>
                <input id="two-factor-password" type="password" autocomplete="current-password"
                    prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
                <span class="hint-text">"Needed for new recovery codes or to turn two-factor off."</span>
            </div>
            <Show when=move || error().is_some()>
                <p class="form-error" role="alert">{error}</p>
            </Show>
            <div class="row-actions">
                <button disabled=busy on:click=move |_| {
                    renew.dispatch(NewRecoveryCodes { password: password.get_untracked() });
                }>"New recovery codes"</button>
                {(!status.required).then(|| view! {
                    <button class="danger" disabled=busy on:click=move |_| {
                        disable.dispatch(DisableTwoFactor { password: password.get_untracked() });
                    }>"Turn off"</button>
                })}
            </div>
        </div>
    }
}
