use leptos::prelude::*;

/// A table of records with a header row. The last column holds each row's buttons, so its
/// heading, "Actions", is for screen readers only.
#[component]
pub fn DataTable(
    class: &'static str,
    /// The headings of the data columns, before the actions column.
    columns: &'static [&'static str],
    children: Children,
) -> impl IntoView {
    let headings = columns
        .iter()
        .map(|name| view! { <th scope="col">{*name}</th> })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class=class>
                <thead>
                    <tr>
                        {headings}
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
