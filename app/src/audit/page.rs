use super::query::EVENTS_PER_PAGE;
use super::{audit_events, audit_href, AuditEventView, AuditPage, AuditQuery, AUDIT_PATH};
use crate::error::AppError;
use crate::rules::audit::{AuditAction, SubjectKind};
use crate::ui::{browser, Forbidden, Time};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

/// Admin → Audit Log: every recorded event, newest first, filtered by user, action, token,
/// address and dates. Its whole state is in the URL, so the report can link to a view.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let params = params.get();
        AuditQuery::from_params(params.latest_values().map(|(k, v)| (k.as_ref(), v)))
    });
    let page = Resource::new(
        move || query.get(),
        |query| audit_events(query.to_query_string().trim_start_matches('?').to_owned()),
    );
    // Every event the filters match, not just this page.
    let csv_href = move || {
        format!(
            "{AUDIT_PATH}.csv{}",
            query.get().on_page(1).to_query_string()
        )
    };
    view! {
        <Title text="Audit Log · Tessera"/>
        <div class="report-head">
            <h1>"Audit Log"</h1>
            <a class="button" href=csv_href rel="external" download="audit-log.csv">"Export CSV"</a>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading the events…"</p> }>
            {move || page.get().map(|answer| match answer {
                Ok(page) => view! { <Events page/> }.into_any(),
                Err(AppError::Forbidden) => view! { <Forbidden what="The Audit Log"/> }.into_any(),
                Err(error) => {
                    if error == AppError::Unauthenticated {
                        browser::go_to_login();
                    }
                    view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any()
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn Events(page: AuditPage) -> impl IntoView {
    let query = page.query.clone();
    let first = u64::from(query.page - 1) * u64::from(EVENTS_PER_PAGE) + 1;
    let last = (first + page.events.len() as u64).saturating_sub(1);
    let summary = match page.total {
        0 => "No events match these filters.".to_owned(),
        total => format!("Events {first}–{last} of {total}, newest first"),
    };
    let pages = page.total.div_ceil(u64::from(EVENTS_PER_PAGE)).max(1) as u32;
    let rows = page
        .events
        .into_iter()
        .map(|event| view! { <EventRow event/> })
        .collect_view();
    view! {
        <Filters query=query.clone()/>
        <p class="muted summary" role="status">{summary}</p>
        <div class="table-wrap card flush">
            <table class="audit">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Subject"</th>
                        <th scope="col">"From"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <Pages query pages/>
    }
    .into_any()
}

#[component]
fn EventRow(event: AuditEventView) -> impl IntoView {
    let AuditEventView {
        event,
        subject,
        token_id,
        owner,
        ..
    } = event;
    let subject_href = token_id.map(|token| {
        audit_href(&AuditQuery {
            token: Some(token),
            ..AuditQuery::default()
        })
    });
    let owner = owner.map(|username| {
        let href = audit_href(&AuditQuery {
            user: username.clone(),
            ..AuditQuery::default()
        });
        view! { <span class="status-detail">"of " <A href=href>{username}</A></span> }
    });
    let when = event
        .when
        .map(|(what, at)| view! { " · " {what} " " <Time at/> });
    view! {
        <tr>
            <td><Time at=event.at/></td>
            <td>{event.by}</td>
            <td>
                <strong>{event.action.words()}</strong>
                {event.note.map(|note| format!(" {note}"))}
                {when}
            </td>
            <td>
                {match subject_href {
                    Some(href) => view! { <A href=href>{subject}</A> }.into_any(),
                    None => subject.into_any(),
                }}
                {owner}
            </td>
            <td>{event.from.unwrap_or_default()}</td>
        </tr>
    }
    .into_any()
}

#[component]
fn Filters(query: AuditQuery) -> impl IntoView {
    let actions = AuditAction::ALL
        .into_iter()
        .map(|action| {
            view! {
                <option value=action.as_str() selected=query.action == Some(action)>
                    {action.filter_words()}
                </option>
            }
        })
        .collect_view();
    let subjects = SubjectKind::ALL
        .into_iter()
        .map(|subject| {
            view! {
                <option value=subject.as_str() selected=query.subject == Some(subject)>
                    {subject.words()}
                </option>
            }
        })
        .collect_view();
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    view! {
        <Form method="GET" action=AUDIT_PATH attr:class="filters card" attr:aria-label="Filters">
            <label class="field">
                <span>"User"</span>
                <input type="search" name="user" value=query.user.clone() placeholder="Username"/>
            </label>
            <label class="field">
                <span>"Action"</span>
                <select name="action"><option value="">"Any action"</option>{actions}</select>
            </label>
            <label class="field">
                <span>"Subject"</span>
                <select name="subject"><option value="">"Anything"</option>{subjects}</select>
            </label>
            <label class="field">
                <span>"Token"</span>
                <input type="number" name="token" min="1" value=query.token.map(|t| t.to_string()).unwrap_or_default() placeholder="Id"/>
            </label>
            <label class="field">
                <span>"Address"</span>
                <input type="search" name="address" value=query.address.clone() placeholder="10.1."/>
            </label>
            <label class="field">
                <span>"From"</span>
                <input type="date" name="from" value=date(query.from)/>
            </label>
            <label class="field">
                <span>"To"</span>
                <input type="date" name="to" value=date(query.to)/>
            </label>
            <div class="filter-actions">
                <button type="submit" class="primary">"Apply"</button>
                <A href=AUDIT_PATH>"Reset"</A>
            </div>
        </Form>
    }
    .into_any()
}

#[component]
fn Pages(query: AuditQuery, pages: u32) -> impl IntoView {
    let page = query.page;
    let previous = (page > 1).then(|| audit_href(&query.on_page(page - 1)));
    let next = (page < pages).then(|| audit_href(&query.on_page(page + 1)));
    view! {
        <nav class="pagination" aria-label="Pages">
            {match previous {
                Some(href) => view! { <A href=href attr:rel="prev">"← Newer"</A> }.into_any(),
                None => view! { <span class="disabled">"← Newer"</span> }.into_any(),
            }}
            <span>{format!("Page {page} of {pages}")}</span>
            {match next {
                Some(href) => view! { <A href=href attr:rel="next">"Older →"</A> }.into_any(),
                None => view! { <span class="disabled">"Older →"</span> }.into_any(),
            }}
        </nav>
    }
    .into_any()
}
