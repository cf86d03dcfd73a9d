//! `keyward oauth-app create`: the dashboard's Register OAuth app, for scripts.
use chrono::Utc;

use super::keys::{lookup, parse_environment};
use super::Failure;
use crate::domain::environment::Environment;
use crate::domain::oauth::scope::grantable;
use crate::domain::scopes::Scope;
use crate::models::oauth::NewAppForm;
use crate::models::FieldIssue;
use crate::server::config::Config;
use crate::server::services::directory;
use crate::server::services::keys::Caller;
use crate::server::services::oauth::apps::{self, AppRequest};
use crate::server::services::oauth::ServiceError;
use crate::server::{db, pepper};

#[derive(Debug, clap::Args)]
pub struct AppCreate {
    /// The agency the app is registered in; any of its people may authorize it.
    #[arg(long)]
    agency: String,
    /// The name people see on the consent page (1–64 characters).
    #[arg(long)]
    name: String,
    /// A redirect URI, matched exactly: https, or http://127.0.0.1 / http://[::1] (any port) for
    /// native apps. Repeat for more (at most 10).
    #[arg(long = "redirect-uri", value_name = "URI", required = true)]
    redirect_uris: Vec<String>,
    /// Comma-separated scopes the app may ask for: read:properties, write:properties, read:leads,
    /// write:leads, read:agents, read:analytics (never admin).
    #[arg(long, value_delimiter = ',', required = true)]
    scopes: Vec<String>,
    /// A public client (a native or browser app that cannot keep a secret): no client secret,
    /// PKCE always.
    #[arg(long)]
    public: bool,
    /// live or test: a test app's tokens see only test-mode data.
    #[arg(long, default_value = "live", value_parser = parse_environment)]
    env: Environment,
    /// The app's homepage (https).
    #[arg(long, default_value = "")]
    homepage: String,
    /// What the app does, shown to super managers (at most 500 characters).
    #[arg(long, default_value = "")]
    description: String,
    /// Let this confidential app redeem codes without PKCE (not recommended: RFC 9700 §2.1.1).
    #[arg(long, conflicts_with = "public")]
    no_pkce: bool,
}

pub async fn create(config: Config, args: AppCreate) -> Result<(), Failure> {
    let db = db::connect(&config).await?;
    db::migrate(&db).await?;
    let pepper = pepper::load(&config, &db).await?;
    let agency = directory::agency_named(&db, &args.agency).await.map_err(lookup)?;
    let form = NewAppForm {
        name: args.name,
        homepage: args.homepage,
        description: args.description,
        client_type: if args.public { "public" } else { "confidential" }.to_owned(),
        environment: args.env.as_str().to_owned(),
        scopes: args.scopes.iter().map(|s| s.trim().to_owned()).collect(),
        redirect_uris: args.redirect_uris.join("\n"),
        require_pkce: !args.no_pkce,
        form_id: String::new(),
    };
    let request = AppRequest::from_form(&form).map_err(|issues| Failure::Usage(describe(&issues)))?;
    let app = apps::register(
        &db,
        &pepper,
        &Caller::command_line(agency.id),
        request,
        Utc::now(),
    )
    .await
    .map_err(|err| match err {
        ServiceError::Invalid(issues) => Failure::Usage(describe(&issues)),
        other => Failure::Runtime(other.into()),
    })?;
    eprintln!(
        "registered {} OAuth app {:?} in {}",
        args.env.as_str(),
        app.name,
        agency.name
    );
    println!("client_id: {}", app.client_id);
    if let Some(secret) = &app.client_secret {
        eprintln!("the client secret is shown once: store it now");
        println!("client_secret: {secret}");
    }
    Ok(())
}

/// Field issues in the words of the command line's flags.
fn describe(issues: &[FieldIssue]) -> String {
    issues
        .iter()
        .map(|issue| {
            let flag = match issue.field.as_str() {
                "name" => "--name",
                "homepage" => "--homepage",
                "description" => "--description",
                "client_type" => "--public",
                "environment" => "--env",
                "scopes" => "--scopes",
                "redirect_uris" => "--redirect-uri",
                _ => "",
            };
            let hint = if flag == "--scopes" && !issue.message.contains("choose from") {
                format!(
                    " (one of {})",
                    grantable().map(Scope::as_str).collect::<Vec<_>>().join(", ")
                )
            } else {
                String::new()
            };
            format!("{flag}: {}{hint}", issue.message)
        })
        .collect::<Vec<_>>()
        .join("; ")
}
