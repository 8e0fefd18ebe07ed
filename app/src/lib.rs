//! Tessera's pages and server functions, shared by the server (`ssr`) and the browser
//! (`hydrate`). Each feature keeps its components and server functions side by side.

pub mod audit;
pub mod dashboard;
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

use audit::AuditLogPage;
use dashboard::DashboardPage;
use layout::{NotFound, ProfilePage, SignedInLayout};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{lazy_route, path, Lazy, LazyRoute, SsrMode};
use report::SystemUsersPage;
use security::{PermissionsPage, SecurityPage};
use sessions::LoginPage;
use tokens::{ExpireTokenPage, NewTokenPage};
use users::invitations::{AcceptInvitationPage, InvitationsPage};
use users::passwords::ResetPasswordPage;
use users::two_factor::{SignInCodePage, TwoFactorSetUpPage};

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
                <HashedStylesheet id="tessera" options=options.clone()/>
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
        <Title text="Tessera"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()}/>
                <Route path=path!("/login/code") view={Lazy::<SignInCodeRoute>::new()}/>
                // Async: a broken link's 404 reaches the status line.
                <Route path=path!("/invite/:secret") view={Lazy::<AcceptInvitationRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/reset/:secret") view={Lazy::<ResetPasswordRoute>::new()} ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view={Lazy::<SignedInRoute>::new()}>
                    // Async: the page arrives whole, for browsers without scripts too.
                    <Route path=path!("/profile") view={Lazy::<ProfileRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/profile/tokens/new") view={Lazy::<NewTokenRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/tokens/:id/expire") view={Lazy::<ExpireTokenRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view={Lazy::<DashboardRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/two-factor") view={Lazy::<TwoFactorSetUpRoute>::new()}/>
                    // Async: the server waits for the report, so a 403 reaches the status line.
                    <Route path=path!("/admin/users") view={Lazy::<SystemUsersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/security") view={Lazy::<SecurityRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view={Lazy::<AuditLogRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/permissions") view={Lazy::<PermissionsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/invitations") view={Lazy::<InvitationsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("") view=|| view! { <Redirect path="/profile"/> }/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// With `make build` (which passes `--split`) each page, and the signed-in frame around
/// them, is a wasm chunk of its own fetched when first shown: the bundle every page load
/// pays for holds little more than the framework and the router.
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    };
}

/// Fetches the code of the signed-in frame and the profile while someone types their
/// password, so that the profile replaces the sign-in form as soon as the server says yes.
pub(crate) async fn preload_profile_code() {
    SignedInRoute::preload().await;
    ProfileRoute::preload().await;
}

lazy_page!(SignedInRoute, SignedInLayout);
lazy_page!(LoginRoute, LoginPage);
lazy_page!(SignInCodeRoute, SignInCodePage);
lazy_page!(TwoFactorSetUpRoute, TwoFactorSetUpPage);
lazy_page!(ProfileRoute, ProfilePage);
lazy_page!(NewTokenRoute, NewTokenPage);
lazy_page!(ExpireTokenRoute, ExpireTokenPage);
lazy_page!(AcceptInvitationRoute, AcceptInvitationPage);
lazy_page!(ResetPasswordRoute, ResetPasswordPage);
lazy_page!(DashboardRoute, DashboardPage);
lazy_page!(SystemUsersRoute, SystemUsersPage);
lazy_page!(SecurityRoute, SecurityPage);
lazy_page!(AuditLogRoute, AuditLogPage);
lazy_page!(PermissionsRoute, PermissionsPage);
lazy_page!(InvitationsRoute, InvitationsPage);
