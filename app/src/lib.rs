//! Tessera's pages and server functions, shared by the server (`ssr`) and the browser
//! (`hydrate`). Each feature keeps its components and server functions side by side.

pub mod error;
pub mod report;
pub mod rules;
pub mod security;
pub mod sessions;
pub mod tokens;
pub mod ui;
pub mod users;

#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod services;
#[cfg(feature = "ssr")]
pub mod store;

mod layout;

use layout::{NotFound, ProfilePage, SignedInLayout};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{path, SsrMode};
use report::SystemUsersPage;
use security::{PermissionsPage, SecurityPage};
use sessions::LoginPage;
use users::invitations::{AcceptInvitationPage, InvitationsPage};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // No icon file to fetch: browsers otherwise ask for /favicon.ico on every page.
                <link rel="icon" href="data:,"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="tessera" href="/pkg/tessera.css"/>
        <Title text="Tessera"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage/>
                // Async: a broken link's 404 reaches the status line.
                <Route path=path!("/invite/:secret") view=AcceptInvitationPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=SignedInLayout>
                    <Route path=path!("/profile") view=ProfilePage/>
                    // Async: the server waits for the report, so a 403 reaches the status line.
                    <Route path=path!("/admin/users") view=SystemUsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/security") view=SecurityPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/permissions") view=PermissionsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/invitations") view=InvitationsPage ssr=SsrMode::Async/>
                    <Route path=path!("") view=|| view! { <Redirect path="/profile"/> }/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
