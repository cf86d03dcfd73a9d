//! Admin › Team (super managers): the people behind the keys
//! (`/admin/team`), inviting one (`/admin/team/invite`), one person's page
//! (`/admin/team/{id}`: role and workspaces, the keys acting as them,
//! enable, reset links, invitations) and the confirmations that disable or
//! remove them (each key acting as them reassigned or revoked).
//!
//! Every page is the server's and every change a plain form post
//! (`crate::server::people_forms`), so all of it works without JavaScript;
//! a one-time link is shown on the page that answers the post.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::copy_field::CopyFieldIsland;
use crate::components::local_time::LocalTime;
use crate::components::query::use_query;
use crate::domain::person::Status;
use crate::domain::role::Role;
use crate::models::people::{
    forms, ActingKey, IssuedLink, LinkShown, PeopleNotice, PersonDetail, TeamPage as TeamList, TeamRow,
    TeamSort, WorkspaceChoice,
};
use crate::models::{AppError, FormFlash};
use crate::server_fns::people::{get_invite_choices, get_person, get_shown_link, get_team};
use crate::server_fns::session::get_form_flash;

pub use crate::pages::webhooks::{error_message, form_errors};

pub const TEAM_PATH: &str = "/admin/team";
pub const INVITE_PATH: &str = "/admin/team/invite";
pub const WORKSPACES_PATH: &str = "/admin/workspaces";

pub fn person_path(id: i64) -> String {
    format!("{TEAM_PATH}/{id}")
}
pub fn disable_path(id: i64) -> String {
    format!("{TEAM_PATH}/{id}/disable")
}
pub fn remove_path(id: i64) -> String {
    format!("{TEAM_PATH}/{id}/remove")
}
pub fn revoke_invitation_path(id: i64) -> String {
    format!("{TEAM_PATH}/{id}/revoke-invitation")
}
pub fn workspace_path(id: i64) -> String {
    format!("{WORKSPACES_PATH}/{id}")
}
pub fn invitation_path() -> &'static str {
    "/invitation"
}
pub fn reset_path() -> &'static str {
    "/reset-password"
}

/// Admin › Team, as the breadcrumb's level below Admin.
#[component]
pub fn TeamTrail(#[prop(optional)] current: Option<(String, String)>) -> impl IntoView {
    trail(("Team", TEAM_PATH), current)
}

/// Admin › {level} › {current}.
pub fn trail(level: (&'static str, &'static str), current: Option<(String, String)>) -> impl IntoView {
    let mut items = vec![
        ("Admin".to_owned(), "/admin".to_owned()),
        (level.0.to_owned(), level.1.to_owned()),
    ];
    items.extend(current);
    let last = items.len() - 1;
    let items = items
        .into_iter()
        .enumerate()
        .map(|(n, (label, href))| {
            view! { <li><a href=href aria-current=(n == last).then_some("page")>{label}</a></li> }
        })
        .collect::<Vec<_>>();
    view! { <nav aria-label="Breadcrumb" class="breadcrumb"><ol>{items}</ol></nav> }
}

/// A fixed notice named by `?done=`.
pub fn done_notice() -> impl IntoView {
    let query = use_query();
    let notice = query.with_untracked(|q| q.get("done").and_then(|d| PeopleNotice::from_param(&d)));
    notice.map(|n| view! { <p class="notice success" role="status">{n.text()}</p> })
}

/// What a refused page load says: only super managers see the team.
pub fn load_error(err: AppError, what: &str) -> AnyView {
    let message = match err {
        AppError::Forbidden => format!("Only super managers manage {what}."),
        AppError::NotFound => "There is no such person in your team.".to_owned(),
        other => other.to_string(),
    };
    error_message(message).into_any()
}

/// A labelled input with its hint and error; the id is `{prefix}-{name}`.
#[allow(clippy::too_many_arguments)]
pub fn input_field(
    flash: &FormFlash,
    prefix: &'static str,
    label: &'static str,
    name: &'static str,
    kind: &'static str,
    hint: Option<&'static str>,
    autocomplete: &'static str,
    value: String,
) -> impl IntoView {
    let error = flash.error(name);
    let id = format!("{prefix}-{name}");
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
    let invalid = error.is_some();
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id.clone()>{label}</label>
            <input id=id name=name type=kind value=value required=true autocomplete=autocomplete
                spellcheck="false" aria-invalid=invalid.then_some("true")
                aria-describedby=(!described.is_empty()).then_some(described)/>
            {hint.map(|hint| view! { <p id=hint_id class="field-hint">{hint}</p> })}
            {error.map(|error| view! { <p id=error_id class="field-error">{error}</p> })}
        </div>
    }
}

/// The role radio buttons, `chosen` checked.
pub fn role_choices(flash: &FormFlash, prefix: &'static str, chosen: Option<Role>) -> impl IntoView {
    let error = flash.error("role");
    let invalid = error.is_some();
    let error_id = format!("{prefix}-role-error");
    let items = [
        (Role::SuperManager, "Everything in the agency: every workspace, the team, agency-wide keys."),
        (Role::Manager, "Manages keys, webhooks and data in their workspaces."),
        (Role::Agent, "Reads their workspaces' keys, leads and properties."),
    ]
    .into_iter()
    .map(|(role, hint)| {
        let id = format!("{prefix}-role-{}", role.as_str());
        let for_id = id.clone();
        view! {
            <label class="choice" for=for_id>
                <input type="radio" id=id name="role" value=role.as_str() checked=chosen == Some(role) required=true/>
                <span>{role.label()}</span>
                <span class="field-hint">{hint}</span>
            </label>
        }
    })
    .collect::<Vec<_>>();
    let described = invalid.then(|| error_id.clone());
    view! {
        <fieldset class="choice-group" class:field-invalid=invalid aria-describedby=described>
            <legend>"Role"</legend>
            {items}
            {error.map(|e| view! { <p id=error_id class="field-error">{e}</p> })}
        </fieldset>
    }
}

/// One checkbox per workspace, `chosen` ticked.
pub fn workspace_choices(
    flash: &FormFlash,
    prefix: &'static str,
    workspaces: &[WorkspaceChoice],
    chosen: &[i64],
) -> impl IntoView {
    let error = flash.error("workspaces");
    let invalid = error.is_some();
    let hint_id = format!("{prefix}-workspaces-hint");
    let error_id = format!("{prefix}-workspaces-error");
    let described = if invalid {
        format!("{hint_id} {error_id}")
    } else {
        hint_id.clone()
    };
    let items = workspaces
        .iter()
        .map(|w| {
            let id = format!("{prefix}-workspace-{}", w.id);
            let for_id = id.clone();
            view! {
                <label class="choice" for=for_id>
                    <input type="checkbox" id=id name="workspaces" value=w.id.to_string()
                        checked=chosen.contains(&w.id)/>
                    <span>{w.name.clone()}</span>
                </label>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <fieldset class="choice-group" class:field-invalid=invalid aria-describedby=described>
            <legend>"Workspaces"</legend>
            <p id=hint_id class="field-hint">
                "Managers and agents work in the workspaces ticked here; super managers reach every workspace."
            </p>
            {items}
            {error.map(|e| view! { <p id=error_id class="field-error">{e}</p> })}
        </fieldset>
    }
}

/// Workspace ids a refused form had ticked (`None`: a fresh form).
fn typed_workspaces(flash: &FormFlash) -> Option<Vec<i64>> {
    flash
        .values
        .get("workspaces")
        .map(|v| v.split_whitespace().filter_map(|id| id.parse().ok()).collect())
}

fn status_badge(row: &TeamRow) -> impl IntoView {
    let class = match row.status {
        Status::Active => "badge badge-active",
        Status::Invited => "badge badge-pending",
        Status::Disabled | Status::Removed => "badge badge-revoked",
    };
    view! { <span class=class>{row.status.label()}</span> }
}

/// The query of the Team table: search, sort and direction.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
struct TeamQuery {
    q: String,
    sort: TeamSort,
    desc: bool,
}

impl TeamQuery {
    fn href(&self) -> String {
        let mut pairs = form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            pairs.append_pair("q", &self.q);
        }
        if self.sort != TeamSort::Name {
            pairs.append_pair("sort", self.sort.as_str());
        }
        if self.desc {
            pairs.append_pair("dir", "desc");
        }
        let query = pairs.finish();
        if query.is_empty() {
            TEAM_PATH.to_owned()
        } else {
            format!("{TEAM_PATH}?{query}")
        }
    }
}

fn sort_label(sort: TeamSort) -> &'static str {
    match sort {
        TeamSort::Name => "Name",
        TeamSort::Email => "Email",
        TeamSort::Role => "Role",
        TeamSort::Status => "Status",
        TeamSort::LastSignIn => "Last sign-in",
        TeamSort::Keys => "Keys acting as them",
    }
}

fn sort_header(column: TeamSort, query: &TeamQuery) -> impl IntoView {
    let sorted = query.sort == column;
    let next = TeamQuery {
        sort: column,
        desc: sorted && !query.desc,
        ..query.clone()
    };
    let (aria, arrow) = match (sorted, query.desc) {
        (true, false) => (Some("ascending"), "▲"),
        (true, true) => (Some("descending"), "▼"),
        (false, _) => (None, ""),
    };
    view! {
        <th scope="col" aria-sort=aria>
            <a class="sort-link" href=next.href()>
                {sort_label(column)}
                <span class="sort-arrow" aria-hidden="true">{arrow}</span>
            </a>
        </th>
    }
}

#[component]
pub fn TeamPage() -> impl IntoView {
    let params = use_query();
    let query = params.with_untracked(|p| TeamQuery {
        q: p.get("q").unwrap_or_default(),
        sort: p
            .get("sort")
            .and_then(|s| TeamSort::parse(&s))
            .unwrap_or_default(),
        desc: p.get("dir").as_deref() == Some("desc"),
    });
    let fetch = query.clone();
    let page = Resource::new_blocking(
        move || fetch.clone(),
        |q| get_team(q.q, q.sort.as_str().to_owned(), q.desc),
    );
    view! {
        <Title text="Team"/>
        <TeamTrail/>
        <h1>"Team"</h1>
        <p class="lead">
            "The people of your agency: who signs in to the dashboard, in which workspaces, and the keys that act as them."
        </p>
        {done_notice()}
        <Suspense fallback=|| view! { <p role="status">"Loading the team…"</p> }>
            {move || {
                let query = query.clone();
                Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! {
                            <p><a class="button primary" href=INVITE_PATH>"Invite person"</a></p>
                            <form class="search" role="search" method="get" action=TEAM_PATH>
                                <label for="team-search">"Search people"</label>
                                <div class="search-row">
                                    <input id="team-search" type="search" name="q" value=query.q.clone()
                                        placeholder="Name or email"/>
                                    {(query.sort != TeamSort::Name).then(|| view! {
                                        <input type="hidden" name="sort" value=query.sort.as_str()/>
                                    })}
                                    {query.desc.then(|| view! { <input type="hidden" name="dir" value="desc"/> })}
                                    <button type="submit" class="button secondary">"Search"</button>
                                </div>
                            </form>
                            {team_table(page, &query)}
                        }
                        .into_any(),
                        Err(err) => load_error(err, "the team"),
                    }
                })
            }}
        </Suspense>
    }
}

fn team_table(page: TeamList, query: &TeamQuery) -> AnyView {
    if page.rows.is_empty() {
        let text = if query.q.is_empty() {
            "No one in the team yet. Invite people to give them the dashboard.".to_owned()
        } else {
            format!("No one matches “{}”.", query.q)
        };
        return view! { <div class="empty-state" role="status"><p>{text}</p></div> }.into_any();
    }
    let count = if page.rows.len() as u64 == page.total {
        format!("{} people", page.total)
    } else {
        format!("{} of {} people", page.rows.len(), page.total)
    };
    let headers = TeamSort::ALL
        .into_iter()
        .filter(|s| *s != TeamSort::Name)
        .map(|s| sort_header(s, query))
        .collect::<Vec<_>>();
    let rows = page
        .rows
        .into_iter()
        .map(|row| {
            let workspaces = if row.role == Role::SuperManager {
                "All workspaces".to_owned()
            } else if row.workspaces.is_empty() {
                "None".to_owned()
            } else {
                row.workspaces.join(", ")
            };
            let invitation = row.invitation_expires_at.filter(|_| row.status == Status::Invited).map(|at| {
                view! { <span class="status-note">"Link valid until " <LocalTime at with_time=true/></span> }
            });
            view! {
                <tr>
                    <th scope="row" class="key-name"><a href=person_path(row.id)>{row.name.clone()}</a></th>
                    <td>{row.email.clone()}</td>
                    <td>{row.role.label()}</td>
                    <td class="status-cell">{status_badge(&row)}{invitation}</td>
                    <td class="date">{match row.last_sign_in {
                        Some(at) => view! { <LocalTime at/> }.into_any(),
                        None => "Never".into_any(),
                    }}</td>
                    <td class="number">{row.keys_acting}</td>
                    <td class="workspace">{workspaces}</td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <p class="table-count" role="status">{count}</p>
        <div class="table-scroll records-scroll" role="region" aria-label="Team table" tabindex="0">
            <table class="keys">
                <caption class="visually-hidden">"Team"</caption>
                <thead>
                    <tr>
                        {sort_header(TeamSort::Name, query)}
                        {headers}
                        <th scope="col">"Workspaces"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The answer to a post that made a one-time link: the link, this once.
fn shown_link(shown: LinkShown) -> impl IntoView {
    let (title, lead, link): (&str, &str, IssuedLink) = match shown {
        LinkShown::Invitation(link) => (
            "Invitation link",
            "Send this link to them yourself: keyward sends no email. It works once, until it expires; \
             there they choose their password and sign in.",
            link,
        ),
        LinkShown::PasswordReset(link) => (
            "Password reset link",
            "Send this link to them yourself. It works once, for 24 hours; there they choose a new password, \
             and every session of theirs ends.",
            link,
        ),
    };
    view! {
        <section class="reveal notice" aria-labelledby="link-heading">
            <h2 id="link-heading">{format!("{title} for {}", link.person)}</h2>
            <p>{lead}" It is shown only now: copy it before you leave this page."</p>
            <CopyFieldIsland label=title.to_owned() id="one-time-link".to_owned() value=link.link/>
            <p class="field-hint">"Valid until " <LocalTime at=link.expires_at with_time=true/>" · for "{link.email}</p>
        </section>
    }
}

#[component]
pub fn InvitePage() -> impl IntoView {
    let choices = Resource::new_blocking(|| (), |_| get_invite_choices());
    let flash = Resource::new_blocking(|| (), |_| get_form_flash(forms::INVITE.into()));
    let shown = Resource::new_blocking(|| (), |_| get_shown_link());
    view! {
        <Title text="Invite person"/>
        <TeamTrail current=("Invite person".to_owned(), INVITE_PATH.to_owned())/>
        <h1>"Invite person"</h1>
        <Suspense>
            {move || Suspend::new(async move {
                if let Ok(Some(shown)) = shown.await {
                    return view! {
                        {shown_link(shown)}
                        <p class="button-row">
                            <a class="button primary" href=TEAM_PATH>"Back to the team"</a>
                            <a class="button secondary" href=INVITE_PATH>"Invite someone else"</a>
                        </p>
                    }
                    .into_any();
                }
                let flash = flash.await.ok().flatten().unwrap_or_default();
                match choices.await {
                    Ok(workspaces) => invite_form(&flash, &workspaces).into_any(),
                    Err(err) => load_error(err, "the team"),
                }
            })}
        </Suspense>
    }
}

fn invite_form(flash: &FormFlash, workspaces: &[WorkspaceChoice]) -> impl IntoView {
    let role = flash.value("role").parse::<Role>().ok().or(Some(Role::Manager));
    let chosen = typed_workspaces(flash).unwrap_or_default();
    view! {
        <p class="lead">
            "You get a one-time link to send them (valid 7 days). Nothing is sent by email."
        </p>
        {form_errors(flash)}
        <form method="post" action=INVITE_PATH class="stack">
            {input_field(flash, "invite", "Email", "email", "email", None, "off", flash.value("email"))}
            {input_field(flash, "invite", "Name", "name", "text", Some("As the team and the audit log show it."), "off", flash.value("name"))}
            {role_choices(flash, "invite", role)}
            {workspace_choices(flash, "invite", workspaces, &chosen)}
            <div class="button-row">
                <button type="submit" class="button primary">"Create invitation link"</button>
                <a class="button secondary" href=TEAM_PATH>"Cancel"</a>
            </div>
        </form>
    }
}

fn person_id() -> Memo<i64> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse().ok()).unwrap_or(-1)))
}

#[component]
pub fn PersonPage() -> impl IntoView {
    let id = person_id();
    let person = Resource::new_blocking(move || id.get(), get_person);
    let access_flash = Resource::new_blocking(|| (), |_| get_form_flash(forms::ACCESS.into()));
    let flash = Resource::new_blocking(|| (), |_| get_form_flash(forms::PERSON.into()));
    let shown = Resource::new_blocking(|| (), |_| get_shown_link());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let shown = shown.await.ok().flatten();
                let access_flash = access_flash.await.ok().flatten().unwrap_or_default();
                let flash = flash.await.ok().flatten().unwrap_or_default();
                match person.await {
                    Ok(person) => person_page(person, shown, &access_flash, &flash).into_any(),
                    Err(err) => view! {
                        <Title text="Person"/>
                        <TeamTrail/>
                        <h1>"Person"</h1>
                        {load_error(err, "the team")}
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

fn person_page(
    person: PersonDetail,
    shown: Option<LinkShown>,
    access_flash: &FormFlash,
    flash: &FormFlash,
) -> impl IntoView {
    let row = person.row.clone();
    let path = person_path(row.id);
    let workspaces = if row.role == Role::SuperManager {
        "All workspaces".to_owned()
    } else if row.workspaces.is_empty() {
        "None".to_owned()
    } else {
        row.workspaces.join(", ")
    };
    let last = match row.last_sign_in {
        Some(at) => view! { <LocalTime at with_time=true/> }.into_any(),
        None => "Never".into_any(),
    };
    view! {
        <Title text=row.name.clone()/>
        <TeamTrail current=(row.name.clone(), path.clone())/>
        <h1>{row.name.clone()}</h1>
        {done_notice()}
        {shown.map(shown_link)}
        {form_errors(flash)}
        <dl class="details">
            <dt>"Email"</dt><dd>{row.email.clone()}</dd>
            <dt>"Role"</dt><dd>{row.role.label()}</dd>
            <dt>"Status"</dt><dd>{status_badge(&row)}</dd>
            <dt>"Workspaces"</dt><dd>{workspaces}</dd>
            <dt>"Last sign-in"</dt><dd>{last}</dd>
        </dl>
        {access_form(&person, access_flash)}
        {acting_keys(&person, flash)}
        {person_actions(&person)}
    }
}

fn access_form(person: &PersonDetail, flash: &FormFlash) -> impl IntoView {
    let role = flash.value("role").parse::<Role>().ok().or(Some(person.row.role));
    let chosen = typed_workspaces(flash).unwrap_or_else(|| person.workspace_ids.clone());
    let note = person.is_last_super_manager.then(|| view! {
        <p class="field-hint">
            "They are the agency's only active super manager: make someone else a super manager before changing their role."
        </p>
    });
    view! {
        <section aria-labelledby="access-heading" class="stack">
            <h2 id="access-heading">"Role and workspaces"</h2>
            {note}
            {form_errors(flash)}
            <form method="post" action=format!("{}/access", person_path(person.row.id)) class="stack">
                {role_choices(flash, "access", role)}
                {workspace_choices(flash, "access", &person.workspace_choices, &chosen)}
                <div class="button-row">
                    <button type="submit" class="button primary">"Save role and workspaces"</button>
                </div>
            </form>
        </section>
    }
}

/// One select of whom a key acts as instead (or, with `revoke`, revoking it).
fn key_choice(
    key: &ActingKey,
    (id, name): (String, String),
    label: String,
    with_revoke: bool,
    chosen: &str,
    error: Option<String>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let invalid = error.is_some();
    let mut options =
        vec![view! { <option value="" selected=chosen.is_empty()>"Choose…"</option> }.into_any()];
    if with_revoke {
        options.push(
            view! { <option value="revoke" selected=chosen == "revoke">"Revoke the key"</option> }.into_any(),
        );
    }
    for (user, person) in &key.candidates {
        let value = if with_revoke {
            format!("user:{user}")
        } else {
            user.to_string()
        };
        let selected = chosen == value;
        options.push(
            view! { <option value=value selected=selected>{format!("Act as {person}")}</option> }.into_any(),
        );
    }
    let described = invalid.then(|| error_id.clone());
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id.clone()>{label}</label>
            <select id=id name=name required=true aria-invalid=invalid.then_some("true")
                aria-describedby=described>
                {options}
            </select>
            {error.map(|e| view! { <p id=error_id class="field-error">{e}</p> })}
        </div>
    }
}

fn key_place(key: &ActingKey) -> String {
    format!(
        "{} · {}",
        key.workspace
            .clone()
            .unwrap_or_else(|| "All workspaces".to_owned()),
        key.environment.label()
    )
}

fn acting_keys(person: &PersonDetail, flash: &FormFlash) -> impl IntoView {
    let heading = format!("Keys acting as {}", person.row.name);
    if person.keys.is_empty() {
        return view! {
            <section aria-labelledby="keys-heading">
                <h2 id="keys-heading">{heading}</h2>
                <p>"No live key acts as them."</p>
            </section>
        }
        .into_any();
    }
    let suspended = person.row.status != Status::Active;
    let items = person
        .keys
        .iter()
        .map(|key| {
            let field = format!("reassign_{}", key.id);
            let action = format!("{}/keys/{}/reassign", person_path(person.row.id), key.id);
            let label = format!("Whom {} acts as", key.name);
            let ids = (format!("reassign-{}", key.id), "act_as".to_owned());
            let select = key_choice(key, ids, label, false, "", flash.error(&field));
            view! {
                <li class="acting-key">
                    <a href=crate::components::keys::key_path(&key.id)>{key.name.clone()}</a>
                    <span class="status-note">{key_place(key)}</span>
                    {suspended.then(|| view! { <span class="status-note status-warning">"Acting user disabled: refused"</span> })}
                    <form method="post" action=action class="inline-form">
                        {select}
                        <button type="submit" class="button secondary">"Reassign"</button>
                    </form>
                </li>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <section aria-labelledby="keys-heading">
            <h2 id="keys-heading">{heading}</h2>
            <p class="field-hint">"A key acts as one person: what it imports is theirs. Reassign a key to someone who may act in its workspace."</p>
            <ul class="link-list">{items}</ul>
        </section>
    }
    .into_any()
}

fn person_actions(person: &PersonDetail) -> impl IntoView {
    let id = person.row.id;
    let path = person_path(id);
    let last = person.is_last_super_manager;
    let actions = match person.row.status {
        Status::Invited => view! {
            <form method="post" action=format!("{path}/invitation/reissue") class="inline-form">
                <button type="submit" class="button secondary">"Re-issue invitation link"</button>
            </form>
            <a class="button danger" href=revoke_invitation_path(id)>"Revoke invitation"</a>
        }
        .into_any(),
        Status::Disabled => view! {
            <form method="post" action=format!("{path}/enable") class="inline-form">
                <button type="submit" class="button primary">"Enable"</button>
            </form>
            <a class="button danger" href=remove_path(id)>"Remove from team"</a>
        }
        .into_any(),
        Status::Active | Status::Removed => view! {
            <form method="post" action=format!("{path}/reset-link") class="inline-form">
                <button type="submit" class="button secondary">"Create password reset link"</button>
            </form>
            {(!last).then(|| view! {
                <a class="button danger" href=disable_path(id)>"Disable"</a>
                <a class="button danger" href=remove_path(id)>"Remove from team"</a>
            })}
        }
        .into_any(),
    };
    view! {
        <section aria-labelledby="actions-heading">
            <h2 id="actions-heading">"Access"</h2>
            {last.then(|| view! {
                <p class="field-hint">"The only active super manager cannot be disabled or removed."</p>
            })}
            <div class="button-row">{actions}</div>
        </section>
    }
}

/// Disable (`removing` false) or Remove: the confirmation, with a choice
/// for every live key acting as them.
fn retire_page(removing: bool) -> impl IntoView {
    let id = person_id();
    let person = Resource::new_blocking(move || id.get(), get_person);
    let form = if removing { forms::REMOVE } else { forms::DISABLE };
    let flash = Resource::new_blocking(move || (), move |_| get_form_flash(form.into()));
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let flash = flash.await.ok().flatten().unwrap_or_default();
                match person.await {
                    Ok(person) => retire_form(person, removing, &flash).into_any(),
                    Err(err) => view! {
                        <Title text="Person"/>
                        <TeamTrail/>
                        {load_error(err, "the team")}
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

fn retire_form(person: PersonDetail, removing: bool, flash: &FormFlash) -> impl IntoView {
    let name = person.row.name.clone();
    let (title, path, button) = if removing {
        (
            format!("Remove {name}"),
            remove_path(person.row.id),
            format!("Remove {name}"),
        )
    } else {
        (
            format!("Disable {name}"),
            disable_path(person.row.id),
            format!("Disable {name}"),
        )
    };
    let what = if removing {
        "They leave the team: they can no longer sign in, every session of theirs ends, their authorized apps lose access, \
         and they lose their workspaces. Their name stays on what they created and in the audit log; inviting their \
         address again brings them back."
    } else {
        "They can no longer sign in, every session of theirs ends at once, and apps they authorized lose access. \
         You can enable them again later."
    };
    let keys = (!person.keys.is_empty()).then(|| {
        let items = person
            .keys
            .iter()
            .map(|key| {
                let field = format!("key_{}", key.id);
                let label = format!("{} ({})", key.name, key_place(key));
                let chosen = flash.value(&field);
                key_choice(key, (field.clone(), field.clone()), label, true, &chosen, flash.error(&field))
            })
            .collect::<Vec<_>>();
        view! {
            <fieldset class="choice-group">
                <legend>{format!("Keys acting as {name}")}</legend>
                <p class="field-hint">"A key never keeps acting as someone who cannot sign in: choose, for each, who it acts as now, or revoke it."</p>
                {items}
            </fieldset>
        }
    });
    view! {
        <Title text=title.clone()/>
        <TeamTrail current=(name.clone(), person_path(person.row.id))/>
        <h1>{title}</h1>
        <p>{what}</p>
        {form_errors(flash)}
        <form method="post" action=path class="stack">
            {keys}
            <div class="button-row">
                <button type="submit" class="button danger">{button}</button>
                <a class="button secondary" href=person_path(person.row.id)>"Cancel"</a>
            </div>
        </form>
    }
}

#[component]
pub fn DisablePersonPage() -> impl IntoView {
    retire_page(false)
}

#[component]
pub fn RemovePersonPage() -> impl IntoView {
    retire_page(true)
}

#[component]
pub fn RevokeInvitationPage() -> impl IntoView {
    let id = person_id();
    let person = Resource::new_blocking(move || id.get(), get_person);
    let flash = Resource::new_blocking(|| (), |_| get_form_flash(forms::REVOKE_INVITATION.into()));
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let flash = flash.await.ok().flatten().unwrap_or_default();
                match person.await {
                    Ok(person) => {
                        let name = person.row.name.clone();
                        let title = format!("Revoke the invitation of {name}");
                        view! {
                            <Title text=title.clone()/>
                            <TeamTrail current=(name.clone(), person_path(person.row.id))/>
                            <h1>{title}</h1>
                            <p>{format!("The link sent to {} stops working, and they leave the Team table. You can invite them again later.", person.row.email)}</p>
                            {form_errors(&flash)}
                            <form method="post" action=revoke_invitation_path(person.row.id) class="button-row">
                                <button type="submit" class="button danger">"Revoke invitation"</button>
                                <a class="button secondary" href=person_path(person.row.id)>"Cancel"</a>
                            </form>
                        }
                        .into_any()
                    }
                    Err(err) => view! { <TeamTrail/>{load_error(err, "the team")} }.into_any(),
                }
            })}
        </Suspense>
    }
}
