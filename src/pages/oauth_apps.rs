//! Developer Settings › OAuth apps (super managers): the agency's apps
//! (`/admin/profile/developer-settings/oauth-apps`), Register OAuth app
//! (`…/new`), one app's page with Roll secret and the people who authorized
//! it (`…/{client_id}`), and Delete app's confirmation (`…/{client_id}/delete`).
//!
//! Every page is the server's and every action a plain form post
//! (`crate::oauth::dashboard`), so all of it works without JavaScript and
//! adds nothing to the browser's wasm. A client secret is shown once, on the
//! page that answers the post, behind the same confirmation as a key's.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::query::use_query;

use crate::components::breadcrumb::Breadcrumb;
use crate::components::local_time::{LocalNumber, LocalTime};
use crate::domain::oauth::scope::grantable;
use crate::models::oauth::{AppDetail, AppRow, GrantRow, OAuthNotice, RegisteredApp};
use crate::models::FormFlash;
use crate::server_fns::oauth::{get_oauth_app, get_revealed_secret, list_oauth_apps, new_app_form_id};
use crate::server_fns::session::get_form_flash;

/// The OAuth apps table.
pub const OAUTH_APPS_PATH: &str = "/admin/profile/developer-settings/oauth-apps";
/// Register OAuth app.
pub const NEW_APP_PATH: &str = "/admin/profile/developer-settings/oauth-apps/new";
/// Admin › Profile › Authorized apps.
pub const AUTHORIZED_APPS_PATH: &str = "/admin/profile/authorized-apps";

/// One app's page.
pub fn app_path(client_id: &str) -> String {
    format!("{OAUTH_APPS_PATH}/{client_id}")
}

/// Where a grant's Revoke form posts (and its confirmation lives).
pub fn revoke_path(grant_id: &str) -> String {
    format!("{AUTHORIZED_APPS_PATH}/{grant_id}/revoke")
}

fn trail() -> (String, String) {
    ("OAuth apps".to_owned(), OAUTH_APPS_PATH.to_owned())
}

/// A fixed notice named by `?done=` after a redirect.
pub fn done_notice() -> impl IntoView {
    let query = use_query();
    let notice = query.with_untracked(|q| q.get("done").and_then(|d| OAuthNotice::from_param(&d)));
    notice.map(|n| view! { <p class="notice success" role="status">{n.text()}</p> })
}

fn error_message(message: String) -> impl IntoView {
    view! { <p class="form-error" role="alert">{message}</p> }
}

fn scope_list(scopes: &[String]) -> impl IntoView {
    let items = scopes
        .iter()
        .map(|s| view! { <span class="scope"><code>{s.clone()}</code></span> })
        .collect::<Vec<_>>();
    view! { <span class="scopes-inline">{items}</span> }
}

#[component]
pub fn OAuthAppsPage() -> impl IntoView {
    let apps = Resource::new(|| (), |_| list_oauth_apps());
    view! {
        <Title text="OAuth apps"/>
        <Breadcrumb depth=2 current=trail()/>
        <h1>"OAuth apps"</h1>
        <p class="lead">
            "Apps that many agencies use — marketing tools, listing portals — connect through OAuth 2.0: "
            "each person approves what the app may do in their name, and can revoke it at any time. "
            "No API key changes hands. "
            <a href="/admin/profile/developer-settings/api-reference#oauth-flow">"How apps connect"</a>
        </p>
        {done_notice()}
        <Suspense fallback=|| view! { <p role="status">"Loading apps…"</p> }>
            {move || Suspend::new(async move {
                match apps.await {
                    Ok(apps) => view! {
                        <p><a class="button primary" href=NEW_APP_PATH>"Register OAuth app"</a></p>
                        <AppTable apps/>
                    }
                    .into_any(),
                    Err(err) => error_message(err.to_string()).into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AppTable(apps: Vec<AppRow>) -> impl IntoView {
    if apps.is_empty() {
        return view! {
            <div class="empty-state" role="status">
                <p>"No OAuth apps yet. Register one to let it ask people for access."</p>
            </div>
        }
        .into_any();
    }
    let rows = apps
        .into_iter()
        .map(|app| {
            let href = app_path(&app.client_id);
            view! {
                <tr>
                    <th scope="row" class="key-name"><a href=href>{app.name.clone()}</a></th>
                    <td class="api-key-cell"><code>{app.client_id.clone()}</code></td>
                    <td>{app.client_type.clone()}</td>
                    <td>{app.environment.clone()}</td>
                    <td class="scopes">{scope_list(&app.scopes)}</td>
                    <td class="number"><LocalNumber n=app.people as i64/></td>
                    <td class="date">{match app.last_used_at {
                        Some(at) => view! { <LocalTime at/> }.into_any(),
                        None => "Never".into_any(),
                    }}</td>
                    <td class="date"><LocalTime at=app.created_at/></td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <div class="table-scroll records-scroll" role="region" aria-label="OAuth apps table" tabindex="0">
            <table class="keys">
                <caption class="visually-hidden">"OAuth apps"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Client ID"</th>
                        <th scope="col">"Type"</th>
                        <th scope="col">"Mode"</th>
                        <th scope="col">"Scopes"</th>
                        <th scope="col" class="number">"People"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col">"Registered"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
pub fn NewAppPage() -> impl IntoView {
    let flash = Resource::new_blocking(
        || (),
        |_| get_form_flash(crate::models::oauth::REGISTER_FORM.into()),
    );
    let form_id = Resource::new_blocking(|| (), |_| new_app_form_id());
    view! {
        <Title text="Register OAuth app"/>
        <Breadcrumb depth=2 between=trail() current=("Register".to_owned(), NEW_APP_PATH.to_owned())/>
        <h1>"Register OAuth app"</h1>
        <Suspense>
            {move || Suspend::new(async move {
                let flash = flash.await.ok().flatten().unwrap_or_default();
                match form_id.await {
                    Ok(fresh) => view! { <RegisterForm flash fresh_id=fresh/> }.into_any(),
                    Err(err) => error_message(err.to_string()).into_any(),
                }
            })}
        </Suspense>
    }
}

/// A labelled text input (or textarea) with its hint and error.
fn text_field(
    flash: &FormFlash,
    label: &'static str,
    name: &'static str,
    hint: Option<&'static str>,
    required: bool,
    multiline: bool,
) -> impl IntoView {
    let error = flash.error(name);
    let id = format!("app-{name}");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = [
        hint.map(|_| hint_id.clone()),
        error.as_ref().map(|_| error_id.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let described = (!described.is_empty()).then_some(described);
    let invalid = error.is_some();
    let value = flash.value(name);
    let input = if multiline {
        view! {
            <textarea id=id.clone() name=name rows="3" required=required
                aria-invalid=invalid.then_some("true") aria-describedby=described>{value}</textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=id.clone() name=name type="text" value=value required=required autocomplete="off"
                aria-invalid=invalid.then_some("true") aria-describedby=described/>
        }
        .into_any()
    };
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id>{label}</label>
            {input}
            {hint.map(|hint| view! { <p id=hint_id class="field-hint">{hint}</p> })}
            {error.map(|error| view! { <p id=error_id class="field-error">{error}</p> })}
        </div>
    }
}

/// A group of radio buttons with its error.
fn radio_group(
    flash: &FormFlash,
    legend: &'static str,
    name: &'static str,
    choices: &[(&'static str, &'static str, &'static str)],
    default: &'static str,
) -> impl IntoView {
    let error = flash.error(name);
    let chosen = Some(flash.value(name))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned());
    let error_id = format!("app-{name}-error");
    let items = choices
        .iter()
        .map(|(value, label, hint)| {
            let id = format!("app-{name}-{value}");
            let for_id = id.clone();
            view! {
                <label class="choice" for=for_id>
                    <input type="radio" id=id name=name value=*value checked=chosen == *value/>
                    <span>{*label}</span>
                    <span class="field-hint">{*hint}</span>
                </label>
            }
        })
        .collect::<Vec<_>>();
    let invalid = error.is_some();
    let described = invalid.then(|| error_id.clone());
    view! {
        <fieldset class="choice-group" class:field-invalid=invalid aria-describedby=described>
            <legend>{legend}</legend>
            {items}
            {error.map(|e| view! { <p id=error_id class="field-error">{e}</p> })}
        </fieldset>
    }
}

#[component]
fn RegisterForm(flash: FormFlash, fresh_id: String) -> impl IntoView {
    // After a refusal the typed form comes back with the id it was drawn
    // with, so sending it again still registers at most one app.
    let form_id = Some(flash.value("form_id"))
        .filter(|v| !v.is_empty())
        .unwrap_or(fresh_id);
    let typed = !flash.values.is_empty();
    let chosen: Vec<String> = flash
        .value("scopes")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let scopes_error = flash.error("scopes");
    let scopes_invalid = scopes_error.is_some();
    let scopes_described = scopes_invalid.then_some("app-scopes-error");
    let scope_items = grantable()
        .map(|scope| {
            let id = format!("app-scope-{}", scope.as_str().replace(':', "-"));
            let for_id = id.clone();
            let checked = chosen.iter().any(|c| c == scope.as_str());
            view! {
                <label class="choice" for=for_id>
                    <input type="checkbox" id=id name="scopes" value=scope.as_str() checked=checked/>
                    <code>{scope.as_str()}</code>
                    <span class="field-hint">{scope.description()}</span>
                </label>
            }
        })
        .collect::<Vec<_>>();
    let pkce = !typed || flash.value("require_pkce") == "true";
    view! {
        {flash.error("form").map(error_message)}
        {flash.error("form").is_none().then(|| (!flash.errors.is_empty()).then(|| view! {
            <p class="form-error" role="alert">"Some fields need another look: see the messages below them."</p>
        }))}
        <form method="post" action=NEW_APP_PATH class="stack register-app">
            <input type="hidden" name="form_id" value=form_id/>
            {text_field(&flash, "App name", "name", Some("What people see on the consent page. Up to 64 characters."), true, false)}
            {text_field(&flash, "Homepage", "homepage", Some("Optional. An https URL where people learn about the app."), false, false)}
            {text_field(&flash, "Description", "description", Some("Optional. Up to 500 characters, shown on the consent page."), false, true)}
            {text_field(
                &flash,
                "Redirect URIs",
                "redirect_uris",
                Some("One per line, matched exactly: https, or http://127.0.0.1 / http://[::1] (any port) for apps on the person's computer. No fragments, no wildcards."),
                true,
                true,
            )}
            {radio_group(
                &flash,
                "Client type",
                "client_type",
                &[
                    ("confidential", "Confidential", "A server that can keep a client secret."),
                    ("public", "Public", "A mobile, desktop or browser app: no secret, PKCE always."),
                ],
                "confidential",
            )}
            {radio_group(
                &flash,
                "Mode",
                "environment",
                &[
                    ("live", "Live", "Its tokens read and write live data."),
                    ("test", "Test", "Its tokens see test-mode data only."),
                ],
                "live",
            )}
            <fieldset class="choice-group" class:field-invalid=scopes_invalid aria-describedby=scopes_described>
                <legend>"Scopes it may ask for"</legend>
                {scope_items}
                {scopes_error.map(|e| view! { <p id="app-scopes-error" class="field-error">{e}</p> })}
            </fieldset>
            <label class="choice confirm" for="app-require-pkce">
                <input type="checkbox" id="app-require-pkce" name="require_pkce" checked=pkce/>
                <span>"Require PKCE from this app (recommended; public apps always use it)"</span>
            </label>
            <div class="button-row">
                <button type="submit" class="button primary">"Register app"</button>
                <a class="button secondary" href=OAUTH_APPS_PATH>"Cancel"</a>
            </div>
        </form>
    }
}

#[component]
pub fn OAuthAppPage() -> impl IntoView {
    let params = use_params_map();
    let client_id = params.with_untracked(|p| p.get("client_id").unwrap_or_default());
    let detail = Resource::new_blocking(move || client_id.clone(), get_oauth_app);
    let revealed = Resource::new_blocking(|| (), |_| get_revealed_secret());
    let flash = Resource::new_blocking(|| (), |_| get_form_flash(crate::models::oauth::ROLL_FORM.into()));
    view! {
        <Suspense fallback=|| view! { <p role="status">"Loading the app…"</p> }>
            {move || Suspend::new(async move {
                let revealed = revealed.await.ok().flatten();
                let flash = flash.await.ok().flatten().unwrap_or_default();
                match detail.await {
                    Ok(detail) => view! { <AppView detail revealed flash/> }.into_any(),
                    Err(err) => view! {
                        <Title text="OAuth app"/>
                        <Breadcrumb depth=2 current=trail()/>
                        <h1>"OAuth app"</h1>
                        {error_message(err.to_string())}
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

/// The secret just issued, once: copy it, confirm, Done.
fn reveal(app: RegisteredApp, path: String) -> impl IntoView {
    let secret = app.client_secret.clone();
    view! {
        <section class="reveal notice" aria-labelledby="reveal-title">
            <h2 id="reveal-title">{if secret.is_some() { "Copy the client secret now" } else { "App registered" }}</h2>
            {secret.clone().map(|_| view! {
                <p>"This is the only time the client secret is shown. Store it in the app's server configuration; keyward keeps only a hash of it."</p>
            })}
            <div class="copy-field">
                <label for="revealed-client-id">"Client ID"</label>
                <div class="copy-row">
                    <input id="revealed-client-id" type="text" readonly=true value=app.client_id.clone() spellcheck="false" autocomplete="off"/>
                </div>
            </div>
            {secret.map(|secret| view! {
                <div class="copy-field">
                    <label for="revealed-client-secret">"Client secret"</label>
                    <div class="copy-row">
                        <input id="revealed-client-secret" type="text" readonly=true value=secret spellcheck="false" autocomplete="off"/>
                    </div>
                </div>
                <form method="get" action=path.clone() class="stack">
                    <label class="choice confirm" for="secret-copied">
                        <input type="checkbox" id="secret-copied" required=true/>
                        <span>"I have copied the client secret and stored it safely"</span>
                    </label>
                    <div><button type="submit" class="button primary">"Done"</button></div>
                </form>
            })}
        </section>
    }
}

#[component]
fn AppView(detail: AppDetail, revealed: Option<RegisteredApp>, flash: FormFlash) -> impl IntoView {
    let row = detail.row.clone();
    let path = app_path(&row.client_id);
    let delete_path = format!("{path}/delete");
    let uris = detail
        .redirect_uris
        .iter()
        .map(|u| view! { <li><code>{u.clone()}</code></li> })
        .collect::<Vec<_>>();
    let confidential = row.client_type == "Confidential";
    let pkce = if !confidential || detail.require_pkce {
        "Required (S256)"
    } else {
        "Optional for this confidential app"
    };
    let secret_line = match (&detail.secret_last4, detail.previous_secret_until) {
        (None, _) => view! { <span>"None (a public app)"</span> }.into_any(),
        (Some(last4), None) => view! { <span>"Ends in " <code>{last4.clone()}</code></span> }.into_any(),
        (Some(last4), Some(until)) => view! {
            <span>"Ends in " <code>{last4.clone()}</code> "; the previous secret works until " <LocalTime at=until with_time=true/></span>
        }
        .into_any(),
    };
    let roll =
        confidential.then(|| roll_form(&flash, &path, detail.secret_last4.clone().unwrap_or_default()));
    view! {
        <Title text=row.name.clone()/>
        <Breadcrumb depth=2 between=trail() current=(row.name.clone(), path.clone())/>
        <h1>{row.name.clone()}</h1>
        {revealed.map(|app| reveal(app, path.clone()))}
        {done_notice()}
        <dl class="details">
            <dt>"Client ID"</dt><dd><code>{row.client_id.clone()}</code></dd>
            <dt>"Type"</dt><dd>{row.client_type.clone()}</dd>
            <dt>"Mode"</dt><dd>{row.environment.clone()}</dd>
            <dt>"Client secret"</dt><dd>{secret_line}</dd>
            <dt>"PKCE"</dt><dd>{pkce}</dd>
            <dt>"Scopes it may ask for"</dt><dd>{scope_list(&row.scopes)}</dd>
            <dt>"Redirect URIs"</dt><dd><ul class="plain-list">{uris}</ul></dd>
            <dt>"Homepage"</dt><dd>{if detail.homepage.is_empty() { "—".to_owned() } else { detail.homepage.clone() }}</dd>
            <dt>"Description"</dt><dd>{if detail.description.is_empty() { "—".to_owned() } else { detail.description.clone() }}</dd>
            <dt>"Registered"</dt><dd><LocalTime at=row.created_at with_time=true/>" by "{detail.created_by.clone()}</dd>
        </dl>
        <section aria-labelledby="app-people">
            <h2 id="app-people">"People who authorized it"</h2>
            <GrantTable grants=detail.grants.clone() with_person=true from=row.client_id.clone() caption="People who authorized it"/>
        </section>
        {roll}
        <section aria-labelledby="app-delete">
            <h2 id="app-delete">"Delete app"</h2>
            <p>"Deleting the app ends every grant and token it holds, on every server, at once."</p>
            <p><a class="button danger" href=delete_path>"Delete app…"</a></p>
        </section>
    }
}

fn roll_form(flash: &FormFlash, path: &str, last4: String) -> impl IntoView {
    let chosen = Some(flash.value("grace"))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "24h".into());
    let options = [
        ("now", "Stop it now"),
        ("1h", "1 hour"),
        ("24h", "24 hours"),
        ("7d", "7 days"),
    ]
    .into_iter()
    .map(|(value, label)| view! { <option value=value selected=chosen == value>{label}</option> })
    .collect::<Vec<_>>();
    let grace_error = flash.error("grace");
    let grace_invalid = grace_error.is_some();
    let grace_described = grace_invalid.then_some("roll-grace-error");
    view! {
        <section aria-labelledby="app-roll">
            <h2 id="app-roll">"Roll secret"</h2>
            <p>"Issues a new client secret, shown once. The old one keeps working for the time you choose, so the app can switch without downtime."</p>
            {flash.error("form").map(error_message)}
            <form method="post" action=path.to_owned() class="inline-form stack">
                <input type="hidden" name="seen_last4" value=last4/>
                <div class="field" class:field-invalid=grace_invalid>
                    <label for="roll-grace">"Old secret keeps working"</label>
                    <select id="roll-grace" name="grace" aria-describedby=grace_described>{options}</select>
                    {grace_error.map(|e| view! { <p id="roll-grace-error" class="field-error">{e}</p> })}
                </div>
                <div><button type="submit" class="button secondary">"Roll secret"</button></div>
            </form>
        </section>
    }
}

/// Grants as a table, each with Revoke (which asks first).
#[component]
pub fn GrantTable(
    grants: Vec<GrantRow>,
    with_person: bool,
    /// The app's client id when shown on its page: Revoke comes back there.
    #[prop(optional)]
    from: Option<String>,
    caption: &'static str,
) -> impl IntoView {
    if grants.is_empty() {
        let text = if with_person {
            "Nobody has authorized it yet."
        } else {
            "You have not authorized any app."
        };
        return view! { <div class="empty-state" role="status"><p>{text}</p></div> }.into_any();
    }
    let rows = grants
        .into_iter()
        .map(|grant| {
            let mut href = revoke_path(&grant.id);
            if let Some(from) = &from {
                href = format!("{href}?from={from}");
            }
            let label = if with_person {
                format!("Revoke {}'s access for {}", grant.person_name, grant.app_name)
            } else {
                format!("Revoke access for {}", grant.app_name)
            };
            view! {
                <tr>
                    <th scope="row" class="key-name">{grant.app_name.clone()}</th>
                    {with_person.then(|| view! {
                        <td class="workspace">{grant.person_name.clone()}<span class="status-note">{grant.person_email.clone()}</span></td>
                    })}
                    <td class="scopes">{scope_list(&grant.scopes)}</td>
                    <td class="workspace">{grant.reach.clone()}</td>
                    <td class="date"><LocalTime at=grant.approved_at/></td>
                    <td class="date">{match grant.last_used_at {
                        Some(at) => view! { <LocalTime at with_time=true/> }.into_any(),
                        None => "Never".into_any(),
                    }}</td>
                    <td class="number"><LocalNumber n=grant.requests/></td>
                    <td>{if grant.active {
                        view! { <span class="badge badge-active">"Active"</span> }.into_any()
                    } else {
                        view! { <span class="badge">"No live tokens"</span> }.into_any()
                    }}</td>
                    <td><a class="button secondary small" href=href aria-label=label>"Revoke"</a></td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <div class="table-scroll records-scroll" role="region" aria-label=format!("{caption} table") tabindex="0">
            <table class="keys">
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"App"</th>
                        {with_person.then(|| view! { <th scope="col">"Person"</th> })}
                        <th scope="col">"Scopes"</th>
                        <th scope="col">"Where"</th>
                        <th scope="col">"Approved"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col" class="number">"Requests"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
pub fn DeleteAppPage() -> impl IntoView {
    let params = use_params_map();
    let client_id = params.with_untracked(|p| p.get("client_id").unwrap_or_default());
    let detail = Resource::new_blocking(move || client_id.clone(), get_oauth_app);
    let flash = Resource::new_blocking(|| (), |_| get_form_flash("delete-app".into()));
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let flash = flash.await.ok().flatten().unwrap_or_default();
                match detail.await {
                    Ok(detail) => {
                        let row = detail.row;
                        let path = app_path(&row.client_id);
                        let action = format!("{path}/delete");
                        let title = format!("Delete {}?", row.name);
                        let people = detail.grants.len();
                        let consequence = match people {
                            0 => "Nobody has authorized it, so no token stops working.".to_owned(),
                            1 => "1 person authorized it: every token it holds for them stops working at once, on every server.".to_owned(),
                            n => format!("{n} people authorized it: every token it holds for them stops working at once, on every server."),
                        };
                        view! {
                            <Title text=title.clone()/>
                            <Breadcrumb depth=2 between=trail() current=(row.name.clone(), path.clone())/>
                            <h1>{title}</h1>
                            {flash.error("form").map(error_message)}
                            <p>{consequence}</p>
                            <p>"The app must be registered again, with a new client ID, to connect again. This cannot be undone."</p>
                            <form method="post" action=action class="button-row">
                                <button type="submit" class="button danger">"Delete app"</button>
                                <a class="button secondary" href=path>"Cancel"</a>
                            </form>
                        }
                        .into_any()
                    }
                    Err(err) => view! {
                        <Title text="Delete app"/>
                        <Breadcrumb depth=2 current=trail()/>
                        <h1>"Delete app"</h1>
                        {error_message(err.to_string())}
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}
