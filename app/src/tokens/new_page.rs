use super::create_form::{CreateTokenForm, Sending};
use super::modals::NewSecret;
use super::{create_token, token_options, CreateToken, CreatedToken, TokenFormOptions};
use crate::error::AppError;
use crate::ui::LoadError;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// What the Create Token page was posted, and what the server answered.
#[derive(Clone, Serialize, Deserialize)]
pub struct PostedToken {
    pub asked: CreateToken,
    pub answer: Result<CreatedToken, AppError>,
}

/// The form the server's handler of this page's post put in the page's context.
#[cfg(feature = "ssr")]
fn posted_form() -> Option<CreateToken> {
    use_context::<super::PostedTokenForm>().map(|posted| posted.0)
}

/// In the browser the page is never an answer to its post: the server rendered that one.
#[cfg(not(feature = "ssr"))]
fn posted_form() -> Option<CreateToken> {
    None
}

/// Create Token as a page of its own, for browsers that post the form themselves (before
/// the profile hydrates, or without JavaScript). The page that answers the post shows the
/// new secret, or the form again with what was typed and what is wrong with it.
#[component]
pub fn NewTokenPage() -> impl IntoView {
    let asked = posted_form();
    let options = Resource::new(|| (), |_| token_options());
    // A resource, so that the answer travels with the page: hydrating does not ask again.
    let posted = Resource::new(
        || (),
        move |_| {
            let asked = asked.clone();
            async move {
                let asked = asked?;
                let answer = create_token(
                    asked.label.clone(),
                    asked.description.clone(),
                    asked.length.clone(),
                    asked.custom_expiry.clone(),
                    asked.utc_offset_minutes,
                    asked.permissions.clone(),
                    asked.ip_whitelist.clone(),
                    asked.domain_whitelist.clone(),
                )
                .await;
                Some(PostedToken { asked, answer })
            }
        },
    );
    view! {
        <Title text="Create Token · Tessera"/>
        <section class="card block narrow-page" aria-labelledby="new-token-heading">
            <Suspense fallback=|| view! { <h1 id="new-token-heading">"Create Token"</h1> }>
                {move || Suspend::new(async move {
                    match (posted.await, options.await) {
                        (Some(PostedToken { answer: Ok(created), .. }), _) => {
                            view! { <CreatedPage created/> }.into_any()
                        }
                        (posted, Ok(options)) => {
                            let (asked, error) = match posted {
                                Some(PostedToken { asked, answer }) => (Some(asked), answer.err()),
                                None => (None, None),
                            };
                            view! { <FormPage options asked error/> }.into_any()
                        }
                        (_, Err(error)) => view! {
                            <h1 id="new-token-heading">"Create Token"</h1>
                            <LoadError error/>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The form, with the server's verdict on what was posted, if anything was.
#[component]
fn FormPage(
    options: TokenFormOptions,
    asked: Option<CreateToken>,
    error: Option<AppError>,
) -> impl IntoView {
    // The form reads its errors from an action's answer; here the answer came with the page.
    let action = ServerAction::<CreateToken>::new();
    if let Some(error) = error {
        action.value().set(Some(Err(error)));
    }
    view! {
        <h1 id="new-token-heading">"Create Token"</h1>
        <CreateTokenForm options action sending=Sending::Post asked/>
    }
}

#[component]
fn CreatedPage(created: CreatedToken) -> impl IntoView {
    view! {
        <h1 id="new-token-heading">"Your new personal access token"</h1>
        <NewSecret created/>
        <div class="modal-actions">
            <a class="button primary" href="/profile">"Done"</a>
        </div>
    }
}
