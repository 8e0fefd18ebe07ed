use super::bulk::{BulkBar, BulkRequest, Chosen, ExpireSelected, ExpireSelectedModal, TokenTick};
use super::lookup::TokenLookup;
use super::query::PAGE_SIZES;
use super::user_editor::EditUserModal;
use super::{
    system_users_report, Preset, ReportQuery, ReportUserView, ReportView, SortColumn, StatusFilter,
    UpdateUser,
};
use crate::audit::{audit_href, AuditQuery};
use crate::error::AppError;
use crate::rules::expiry::TokenStatus;
use crate::tokens::{
    RecentAddresses, TokenActionDialogs, TokenActions, TokenActionsMenu, TokenLabelCell,
    TokenPermissionsCell, TokenStatusCell, TokenView,
};
use crate::ui::{browser, Forbidden, MaybeTime, Sparkline, Time};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

const PATH: &str = "/admin/users";

/// Where the report with this query is.
pub fn report_href(query: &ReportQuery) -> String {
    format!("{PATH}{}", query.to_query_string())
}

/// The System Users report. Its whole state is in the URL, so any view can be bookmarked.
#[component]
pub fn SystemUsersPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let params = params.get();
        ReportQuery::from_params(params.latest_values().map(|(k, v)| (k.as_ref(), v)))
    });
    let actions = TokenActions::new();
    let update = ServerAction::<UpdateUser>::new();
    let bulk = ServerAction::<ExpireSelected>::new();
    let report = Resource::new(
        move || {
            (
                query.get(),
                actions.version(),
                update.version().get(),
                bulk.version().get(),
            )
        },
        |(query, ..)| {
            system_users_report(query.to_query_string().trim_start_matches('?').to_owned())
        },
    );
    let editing = RwSignal::new(None::<(ReportUserView, i64)>);
    let chosen = RwSignal::new(Chosen::default());
    let confirming = RwSignal::new(None::<BulkRequest>);
    // A selection belongs to one report: another filter, or a bulk expiry done, clears it.
    Effect::new(move |first: Option<()>| {
        query.track();
        if first.is_some() {
            chosen.set(Chosen::default());
        }
    });
    Effect::new(move |_| {
        if bulk.value().with(|done| matches!(done, Some(Ok(_)))) {
            chosen.set(Chosen::default());
        }
    });
    let bulk_state = BulkState {
        chosen,
        confirming,
        action: bulk,
    };

    view! {
        <Title text="System Users · Tessera"/>
        <Suspense fallback=|| view! { <h1>"System Users"</h1><p class="muted">"Loading the report…"</p> }>
            {move || report.get().map(|answer| match answer {
                Ok(view) => view! { <Report view actions editing bulk=bulk_state/> }.into_any(),
                Err(AppError::Forbidden) => view! { <Forbidden what="The System Users report"/> }.into_any(),
                Err(error) => {
                    if error == AppError::Unauthenticated {
                        browser::go_to_login();
                    }
                    view! { <h1>"System Users"</h1><p class="form-error" role="alert">{error.to_string()}</p> }.into_any()
                }
            })}
        </Suspense>
        <TokenActionDialogs actions/>
        {move || confirming.get().map(|request| view! {
            <ExpireSelectedModal request action=bulk on_close=move || confirming.set(None)/>
        }.into_any())}
        {move || editing.get().map(|(user, viewer_id)| view! {
            <EditUserModal user viewer_id action=update on_close=move || editing.set(None)/>
        })}
    }
    .into_any()
}

/// The page's bulk expiry: what is ticked, the request awaiting its confirmation, the action.
#[derive(Clone, Copy)]
struct BulkState {
    chosen: RwSignal<Chosen>,
    confirming: RwSignal<Option<BulkRequest>>,
    action: ServerAction<ExpireSelected>,
}

#[component]
fn Report(
    view: ReportView,
    actions: TokenActions,
    editing: RwSignal<Option<(ReportUserView, i64)>>,
    bulk: BulkState,
) -> impl IntoView {
    let query = view.query.clone();
    let presets = Preset::ALL
        .into_iter()
        .map(|preset| {
            let current = preset == query.preset;
            view! {
                <A href=report_href(&ReportQuery::with_preset(preset)) attr:class=if current { "tab current" } else { "tab" }>
                    {preset.words()}
                </A>
            }
        })
        .collect_view();
    let csv_href = format!(
        "{PATH}.csv{}",
        ReportQuery {
            page: 1,
            ..query.clone()
        }
        .to_query_string()
    );
    let first = u64::from(query.page - 1) * u64::from(query.per_page) + 1;
    let last = (first + view.users.len() as u64).saturating_sub(1);
    let summary = if view.total == 0 {
        "No users match this report.".to_owned()
    } else {
        format!("Users {first}–{last} of {}", view.total)
    };
    let expand_all = query.filters_tokens();
    let total_pages = view.pages();
    let viewer_id = view.viewer_id;
    let header = |column: SortColumn, words: &'static str| {
        let arrow = match (query.sort == column, query.descending) {
            (true, false) => " ▲",
            (true, true) => " ▼",
            _ => "",
        };
        view! { <th scope="col"><A href=report_href(&query.sorted_by(column))>{words}{arrow}</A></th> }.into_any()
    };
    let user_headers = (
        header(SortColumn::Username, "Username"),
        header(SortColumn::DisplayName, "Display name"),
        header(SortColumn::Email, "E-mail"),
        header(SortColumn::Role, "Role"),
        header(SortColumn::LoginActive, "Login Active"),
        header(SortColumn::Current, "Current"),
        header(SortColumn::ActiveTokens, "Active tokens"),
    );
    let token_query = StoredValue::new(query.clone());
    let rows = view
        .users
        .into_iter()
        .map(|user| view! { <UserGroup user expand=expand_all query=token_query viewer_id actions editing chosen=bulk.chosen/> })
        .collect_view();

    view! {
        <div class="report-head">
            <h1>"System Users"</h1>
            <a class="button" href=csv_href rel="external" download="system-users.csv">"Export CSV"</a>
        </div>
        <nav class="tabs" aria-label="Example reports">{presets}</nav>
        <TokenLookup/>
        <Filters query=query.clone()/>
        <p class="muted summary">{summary}</p>
        <BulkBar
            matching=view.matching_active
            query_string=ReportQuery { page: 1, ..query.clone() }.to_query_string()
            chosen=bulk.chosen
            confirming=bulk.confirming
            action=bulk.action
        />
        <div class="table-wrap card flush">
            <table class="report">
                <thead><tr>{user_headers}<th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                {rows}
            </table>
        </div>
        <Pagination query total_pages/>
    }
    .into_any()
}

#[component]
fn Filters(query: ReportQuery) -> impl IntoView {
    let statuses = StatusFilter::ALL
        .into_iter()
        .map(|status| view! { <option value=status.slug() selected=query.status == Some(status)>{status.words()}</option> })
        .collect_view();
    let sizes = PAGE_SIZES
        .into_iter()
        .map(|size| view! { <option value=size.to_string() selected=query.per_page == size>{size}" per page"</option> })
        .collect_view();
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    view! {
        <Form method="GET" action=PATH attr:class="filters card" attr:aria-label="Filters">
            <input type="hidden" name="preset" value=query.preset.slug()/>
            <input type="hidden" name="sort" value=query.sort.slug()/>
            <input type="hidden" name="dir" value=if query.descending { "desc" } else { "asc" }/>
            <label class="field grow">
                <span>"Search"</span>
                <input type="search" name="q" value=query.search.clone() placeholder="Username, label or hint"/>
            </label>
            <label class="field">
                <span>"Status"</span>
                <select name="status"><option value="">"Any status"</option>{statuses}</select>
            </label>
            <label class="field">
                <span>"Expires from"</span>
                <input type="date" name="from" value=date(query.expires_from)/>
            </label>
            <label class="field">
                <span>"Expires to"</span>
                <input type="date" name="to" value=date(query.expires_to)/>
            </label>
            <label class="field">
                <span>"Rows"</span>
                <select name="per">{sizes}</select>
            </label>
            <div class="filter-actions">
                <button type="submit" class="primary">"Apply"</button>
                <A href=report_href(&ReportQuery::with_preset(query.preset))>"Reset"</A>
            </div>
        </Form>
    }
}

#[component]
fn UserGroup(
    user: ReportUserView,
    expand: bool,
    query: StoredValue<ReportQuery>,
    viewer_id: i64,
    actions: TokenActions,
    editing: RwSignal<Option<(ReportUserView, i64)>>,
    chosen: RwSignal<Chosen>,
) -> impl IntoView {
    let open = RwSignal::new(expand);
    let tokens = user.tokens.clone();
    let edit_user = user.clone();
    let yes_no = |value: bool| if value { "Yes" } else { "No" };
    let toggle_words = format!("Access Tokens ({})", tokens.len());
    view! {
        <tbody class="user-group" data-username=user.username.clone()>
            <tr class="user-row">
                <td>
                    <button
                        class="link expander"
                        aria-expanded=move || open.get().to_string()
                        on:click=move |_| open.update(|o| *o = !*o)
                        title=toggle_words
                    >
                        {move || if open.get() { "▾ " } else { "▸ " }}
                        {user.username.clone()}
                    </button>
                </td>
                <td>{user.display_name.clone()}</td>
                <td>{user.email.clone()}</td>
                <td>{user.role.words()}</td>
                <td class=if user.login_active { "" } else { "flag-no" }>{yes_no(user.login_active)}</td>
                <td class=if user.current { "" } else { "flag-no" }>{yes_no(user.current)}</td>
                <td class="num">{user.active_tokens}</td>
                <td class="actions">
                    <button class="link" on:click=move |_| editing.set(Some((edit_user.clone(), viewer_id)))>"Edit"</button>
                    <A href=audit_href(&AuditQuery { user: user.username.clone(), ..AuditQuery::default() }) attr:class="events-link">"Events"</A>
                </td>
            </tr>
            <Show when=move || open.get()>
                <tr class="subtable-row">
                    <td colspan="8">
                        <AccessTokens tokens=tokens.clone() query actions chosen/>
                    </td>
                </tr>
            </Show>
        </tbody>
    }
    .into_any()
}

#[component]
fn AccessTokens(
    tokens: Vec<TokenView>,
    query: StoredValue<ReportQuery>,
    actions: TokenActions,
    chosen: RwSignal<Chosen>,
) -> impl IntoView {
    if tokens.is_empty() {
        return view! { <p class="muted subtable-empty">"No access tokens in this report."</p> }
            .into_any();
    }
    let header = move |column: SortColumn, words: &'static str| {
        let query = query.get_value();
        let arrow = match (query.sort == column, query.descending) {
            (true, false) => " ▲",
            (true, true) => " ▼",
            _ => "",
        };
        view! { <th scope="col"><A href=report_href(&query.sorted_by(column))>{words}{arrow}</A></th> }.into_any()
    };
    let rows = tokens
        .into_iter()
        .map(|token| {
            let active = token.status == TokenStatus::Active;
            let name = format!("“{}” (…{})", token.label, token.hint);
            view! {
                <tr data-token-id=token.id>
                    <TokenTick token_id=token.id name active chosen/>
                    <TokenLabelCell token=token.clone()/>
                    <td class="hint"><code>"…"{token.hint.clone()}</code></td>
                    <td><Time at=token.created_at/></td>
                    <td class="expires"><MaybeTime at=token.expires_at none="Never"/></td>
                    <TokenPermissionsCell token=token.clone()/>
                    <td class="last-used">
                        <MaybeTime at=token.last_used_at none="Never"/>
                        <Sparkline counts=token.daily_uses.clone()/>
                    </td>
                    <td class="last-ip">
                        {token.last_used_ip.clone().unwrap_or_default()}
                        <RecentAddresses addresses=token.recent_addresses.clone()/>
                    </td>
                    <TokenStatusCell token=token.clone()/>
                    <td class="actions">
                        <TokenActionsMenu token=token.clone() actions/>
                        <A href=audit_href(&AuditQuery { token: Some(token.id), ..AuditQuery::default() }) attr:class="events-link">"Events"</A>
                    </td>
                </tr>
            }
            .into_any()
        })
        .collect_view();
    view! {
        <table class="subtable">
            <caption>"Access Tokens"</caption>
            <thead>
                <tr>
                    <th scope="col" class="tick script-only"><span class="visually-hidden">"Select"</span></th>
                    {header(SortColumn::Label, "Label")}
                    {header(SortColumn::Hint, "Hint")}
                    {header(SortColumn::Created, "Created")}
                    {header(SortColumn::Expires, "Expires")}
                    <th scope="col">"Permissions"</th>
                    {header(SortColumn::LastUsed, "Last used")}
                    {header(SortColumn::LastUsedIp, "Last used IP")}
                    {header(SortColumn::Status, "Status")}
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn Pagination(query: ReportQuery, total_pages: u32) -> impl IntoView {
    let page = query.page;
    let previous = (page > 1).then(|| report_href(&query.on_page(page - 1)));
    let next = (page < total_pages).then(|| report_href(&query.on_page(page + 1)));
    view! {
        <nav class="pagination" aria-label="Pages">
            {match previous {
                Some(href) => view! { <A href=href attr:rel="prev">"← Previous"</A> }.into_any(),
                None => view! { <span class="disabled">"← Previous"</span> }.into_any(),
            }}
            <span>{format!("Page {page} of {total_pages}")}</span>
            {match next {
                Some(href) => view! { <A href=href attr:rel="next">"Next →"</A> }.into_any(),
                None => view! { <span class="disabled">"Next →"</span> }.into_any(),
            }}
        </nav>
    }
    .into_any()
}
