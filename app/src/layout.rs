//! The frame around signed-in pages and the pages too small for a feature of their own.

use crate::error::AppError;
use crate::sessions::{whoami, CurrentUser, Logout, RecentAuthentications};
use crate::tokens::TokenBlock;
use crate::ui::browser;
use crate::users::passwords::ChangePasswordBlock;
use crate::users::two_factor::TwoFactorBlock;
use crate::users::Role;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};

type UserResource = Resource<Result<CurrentUser, AppError>>;

#[component]
pub fn SignedInLayout() -> impl IntoView {
    let user: UserResource = Resource::new(|| (), |_| whoami());
    provide_context(user);
    let logout = ServerAction::<Logout>::new();
    // On phones the links are a menu over the page; following one keeps this header, so the
    // menu closes itself, or it would cover the next page.
    let menu = NodeRef::<leptos::html::Details>::new();

    view! {
        <header class="topbar">
            <A href="/profile" attr:class="brand">"Tessera"</A>
            // A plain <details>, so the menu opens before the wasm has loaded too; on wide
            // screens the stylesheet keeps it open and hides "Menu".
            <details class="nav-menu" node_ref=menu>
                <summary>"Menu"</summary>
                <div class="nav-menu-panel">
                    <nav aria-label="Main" on:click=move |_| {
                        if let Some(menu) = menu.get_untracked() {
                            menu.set_open(false);
                        }
                    }>
                        <A href="/profile">"Profile"</A>
                        <Suspense>
                            {move || user.get().and_then(Result::ok).filter(|me| me.role == Role::Admin).map(|_| view! {
                                <A href="/admin" exact=true>"Overview"</A>
                                <A href="/admin/users">"System Users"</A>
                                <A href="/admin/invitations">"Invitations"</A>
                                <A href="/admin/permissions">"Permissions"</A>
                                <A href="/admin/security">"Security"</A>
                                <A href="/admin/audit">"Audit Log"</A>
                            })}
                        </Suspense>
                    </nav>
                    <div class="who">
                        <Suspense>
                            {move || user.get().map(|answer| match answer {
                                Ok(me) => view! { <span class="who-name">{me.display_name}</span> }.into_any(),
                                Err(AppError::Unauthenticated) => {
                                    browser::go_to_login();
                                    ().into_any()
                                }
                                Err(_) => ().into_any(),
                            })}
                        </Suspense>
                        <ActionForm action=logout attr:class="inline">
                            <button type="submit" class="link">"Sign out"</button>
                        </ActionForm>
                    </div>
                </div>
            </details>
        </header>
        <main class="page">
            <Outlet/>
        </main>
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let user = expect_context::<UserResource>();
    let sessions_changed = RwSignal::new(0_u32);
    view! {
        <Title text="Profile · Tessera"/>
        <Suspense fallback=|| view! { <h1>"Profile"</h1> }>
            {move || user.get().and_then(Result::ok).map(|me| view! {
                <h1>{me.display_name.clone()}</h1>
                <p class="muted">"Signed in as " <strong>{me.username}</strong> " · " {me.role.words()}</p>
            })}
        </Suspense>
        <TokenBlock/>
        // A password change signs out the other sessions the list shows.
        <ChangePasswordBlock on_changed=move || sessions_changed.update(|n| *n += 1)/>
        <TwoFactorBlock/>
        <RecentAuthentications refresh=sessions_changed/>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · Tessera"/>
        <main class="auth-page">
            <div class="card auth-card">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <a href="/profile">"Go to your profile"</a>
            </div>
        </main>
    }
}
