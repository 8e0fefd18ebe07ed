use super::{expire_token_path, find_token_to_expire, ExpireToken, TokenToExpire, TokenView};
use crate::error::AppError;
use crate::rules::expiry::TokenStatus;
use crate::ui::{LoadError, Time};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The Expire Token item of a row's Actions menu. Once the page has hydrated it opens the confirmation
/// dialog; before that, and without JavaScript, its form opens the Expire Token page.
#[component]
pub fn ExpireTokenButton(
    token: TokenView,
    #[prop(into)] on_click: Callback<TokenView>,
) -> impl IntoView {
    let path = expire_token_path(token.id);
    view! {
        <form method="get" action=path class="inline">
            <button
                type="submit"
                role="menuitem"
                class="link danger"
                on:click=move |ev| {
                    ev.prevent_default();
                    on_click.run(token.clone());
                }
            >
                "Expire Token"
            </button>
        </form>
    }
}

/// Expire Token's confirmation as a page: expiring cannot be undone. Its form is posted by
/// the browser itself where no script runs, and brings the browser back here, to the token
/// now expired.
#[component]
pub fn ExpireTokenPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let expire = ServerAction::<ExpireToken>::new();
    let token = Resource::new(
        move || (id(), expire.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => find_token_to_expire(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Expire Token · Tessera"/>
        <section class="card block narrow-page" aria-labelledby="expire-heading">
            <h1 id="expire-heading">"Expire Token"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading the token…"</p> }>
                {move || token.get().map(|answer| match answer {
                    Ok(found) => view! { <ExpireTokenConfirmation found expire/> }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ExpireTokenConfirmation(
    found: TokenToExpire,
    expire: ServerAction<ExpireToken>,
) -> impl IntoView {
    let TokenToExpire { token, mine } = found;
    let (back, back_words) = if mine {
        ("/profile", "Back to your tokens")
    } else {
        ("/admin/users", "Back to System Users")
    };
    let whose = (!mine).then_some(" It belongs to another user.");
    let error = move || {
        expire
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    let question = view! {
        <p>
            "Expire the token “" <strong>{token.label.clone()}</strong> "” (…" {token.hint.clone()} ")?"
            {whose}
            " Anything that uses it stops working at once. This cannot be undone."
        </p>
    };
    if token.status != TokenStatus::Active {
        let by = token.expired_by.clone().map(|name| format!(" by {name}"));
        let reason = token.expiry_reason().map(|reason| format!(" ({reason})"));
        let when = token
            .expired_at
            .or(token.expires_at)
            .map(|at| view! { " on " <Time at/> {by} });
        return view! {
            <p role="status">
                "The token “" <strong>{token.label.clone()}</strong> "” (…" {token.hint.clone()} ") "
                "was " {token.status.words().to_lowercase()} {reason} {when} "."
            </p>
            <div class="modal-actions">
                <a class="button primary" href=back>{back_words}</a>
            </div>
        }
        .into_any();
    }
    view! {
        {question}
        {move || error().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
        <ActionForm action=expire attr:class="modal-actions">
            <input type="hidden" name="id" value=token.id/>
            <a class="button" href=back>"Cancel"</a>
            <button type="submit" class="danger" disabled=move || expire.pending().get()>"Expire"</button>
        </ActionForm>
    }
    .into_any()
}
