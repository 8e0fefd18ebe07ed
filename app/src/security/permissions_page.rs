use super::{list_permissions, AddPermission, PermissionView, RemovePermission};
use crate::error::{AppError, Field};
use crate::ui::{ConfirmModal, DataTable, Forbidden, FormErrors, LoadError, Outcome};
use leptos::prelude::*;
use leptos_meta::Title;

/// Admin → Permissions: the catalogue tokens are granted from. Tessera's own permissions
/// protect its API; admins add names for the services they put behind Tessera.
#[component]
pub fn PermissionsPage() -> impl IntoView {
    let add = ServerAction::<AddPermission>::new();
    let remove = ServerAction::<RemovePermission>::new();
    let catalogue = Resource::new(
        move || (add.version().get(), remove.version().get()),
        |_| list_permissions(),
    );
    let removing = RwSignal::new(None::<PermissionView>);

    view! {
        <Title text="Permissions · Tessera"/>
        <h1>"Permissions"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || catalogue.get().map(|answer| match answer {
                Ok(list) => view! {
                    <PermissionTable list removing/>
                    <AddPermissionForm action=add/>
                }.into_any(),
                Err(AppError::Forbidden) => view! { <Forbidden what="The permission catalogue"/> }.into_any(),
                Err(error) => view! { <LoadError error/> }.into_any(),
            })}
        </Transition>
        {move || removing.get().map(|view| view! {
            <RemovePermissionModal view action=remove on_close=move || removing.set(None)/>
        })}
    }
    .into_any()
}

#[component]
fn PermissionTable(
    list: Vec<PermissionView>,
    removing: RwSignal<Option<PermissionView>>,
) -> impl IntoView {
    let rows = list
        .into_iter()
        .map(|view| {
            let p = view.permission.clone();
            let removable = (!p.builtin).then(|| view.clone());
            view! {
                <tr data-permission=p.name.clone()>
                    <td><code>{p.name.clone()}</code></td>
                    <td>{p.description.clone()}</td>
                    <td>{if p.admin_only { "Admins" } else { "Everyone" }}</td>
                    <td class="number">{view.active_tokens}</td>
                    <td class="actions">
                        {match removable {
                            Some(view) => view! {
                                <button class="link danger" on:click=move |_| removing.set(Some(view.clone()))>"Remove"</button>
                            }.into_any(),
                            None => view! { <span class="muted">"Built in"</span> }.into_any(),
                        }}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card block">
            <p class="muted">
                "Every token holds at least one permission, and may do only what its permissions allow. "
                "Services behind Tessera check for the names you add here."
            </p>
            <DataTable class="permissions" columns=&["Name", "Description", "Who may grant it", "Active tokens"]>{rows}</DataTable>
        </section>
    }
    .into_any()
}

#[component]
fn AddPermissionForm(action: ServerAction<AddPermission>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let admin_only = RwSignal::new(false);
    let errors = FormErrors::of(action);
    let general_error = move || errors.outcome.general_message();
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            name.set(String::new());
            description.set(String::new());
            admin_only.set(false);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(AddPermission {
            name: name.get_untracked(),
            description: description.get_untracked(),
            admin_only: admin_only.get_untracked(),
        });
    };
    view! {
        <section class="card block" aria-labelledby="add-permission-heading">
            <h2 id="add-permission-heading">"Add a permission"</h2>
            <form class="stack" on:submit=submit novalidate>
                <label class="field">
                    <span>"Name"</span>
                    <input type="text" name="name" placeholder="billing:read" autocomplete="off"
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    <small class="hint-text">"Lowercase letters, digits and . _ - :, such as service:action."</small>
                    {errors.view_for(Field::PermissionName)}
                </label>
                <label class="field">
                    <span>"Description"</span>
                    <input type="text" name="description" placeholder="Read invoices in the billing service"
                        prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))/>
                    {errors.view_for(Field::PermissionDescription)}
                </label>
                <label class="check">
                    <input type="checkbox" name="admin_only" prop:checked=move || admin_only.get()
                        on:change=move |ev| admin_only.set(event_target_checked(&ev))/>
                    "Only admins may grant it"
                </label>
                {move || general_error().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                <div class="modal-actions">
                    <button type="submit" class="primary" disabled=move || action.pending().get()>"Add Permission"</button>
                </div>
            </form>
        </section>
    }
    .into_any()
}

#[component]
fn RemovePermissionModal(
    view: PermissionView,
    action: ServerAction<RemovePermission>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let name = view.permission.name.clone();
    let consequence = match view.active_tokens {
        0 => "No active token holds it.".to_owned(),
        1 => "1 active token holds it and will lose it.".to_owned(),
        n => format!("{n} active tokens hold it and will lose it."),
    };
    let removed = name.clone();
    view! {
        <ConfirmModal
            title="Remove Permission"
            confirm="Remove"
            outcome=Outcome::of(action)
            pending=action.pending()
            on_confirm=move || { action.dispatch(RemovePermission { name: removed.clone() }); }
            on_close
        >
            <p>"Remove “" <code>{name}</code> "” from the catalogue? " {consequence}</p>
        </ConfirmModal>
    }
    .into_any()
}
