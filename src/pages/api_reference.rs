//! Developer Settings › API reference: every `/v1` endpoint with the scope
//! it needs, its parameters, its answers and a curl example, rendered on
//! the server from the OpenAPI document (no external assets).
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::breadcrumb::Breadcrumb;
use crate::models::reference::{ApiReference, Endpoint};
use crate::pages::records::API_REFERENCE_PATH;
use crate::server_fns::records::get_api_reference;

#[component]
pub fn ApiReferencePage() -> impl IntoView {
    let reference = Resource::new(|| (), |_| get_api_reference());
    view! {
        <Title text="API reference"/>
        <Breadcrumb depth=2 current=("API reference".to_owned(), API_REFERENCE_PATH.to_owned())/>
        <h1>"API reference"</h1>
        <Suspense fallback=|| view! { <p role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match reference.await {
                    Ok(reference) => view! { <Reference reference/> }.into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Reference(reference: ApiReference) -> impl IntoView {
    let base = reference.base_url.clone();
    let contents = reference
        .endpoints
        .iter()
        .map(|e| {
            view! {
                <li><a href=format!("#{}", e.id)><code>{format!("{} {}", e.method, e.path)}</code></a>" — "{e.summary.clone()}</li>
            }
        })
        .collect::<Vec<_>>();
    let sections = reference
        .endpoints
        .into_iter()
        .map(|endpoint| view! { <EndpointSection endpoint/> })
        .collect::<Vec<_>>();
    view! {
        <section aria-labelledby="getting-started">
            <h2 id="getting-started">"Getting started"</h2>
            <p>
                "Every request carries a key: " <code>"Authorization: Bearer <token>"</code>
                ", or the pair " <code>"X-API-Key: kw_live_…"</code> " and " <code>"X-API-Secret: <secret>"</code>
                ". Create a key under Developer Settings; its token is shown once. A test key ("
                <code>"kw_test_…"</code> ") reads and writes test data only."
            </p>
            <pre><code>{format!("export KEYWARD_TOKEN='kw_live_…'\ncurl \"{base}/v1/me\" -H \"Authorization: Bearer $KEYWARD_TOKEN\"")}</code></pre>
            <p>
                "Errors are JSON: " <code>"{\"error\":{\"code\":\"…\",\"message\":\"…\"}}"</code>
                ", with " <code>"details"</code> " naming the fields or the missing scope. Each key has a rate limit "
                "(100 requests per second unless changed); over it, 429 with " <code>"Retry-After"</code> "."
            </p>
            <p>
                "Machine-readable: "
                <a href="/v1/openapi.json">"OpenAPI 3.1 document"</a>
                " · "
                <a href="/v1/postman.json">"Postman collection"</a>
                {format!(" (version {}).", reference.version)}
            </p>
        </section>
        <nav aria-labelledby="endpoints-heading">
            <h2 id="endpoints-heading">"Endpoints"</h2>
            <ul class="link-list">{contents}</ul>
        </nav>
        {sections}
    }
}

#[component]
fn EndpointSection(endpoint: Endpoint) -> impl IntoView {
    let heading_id = format!("{}-heading", endpoint.id);
    let labelled_by = heading_id.clone();
    let scope = endpoint
        .scope
        .clone()
        .map(|s| view! { <code>{s}</code> }.into_any())
        .unwrap_or_else(|| "any key".into_any());
    let parameters = (!endpoint.parameters.is_empty()).then(|| {
        let items = endpoint
            .parameters
            .iter()
            .map(|p| {
                view! {
                    <dt><code>{p.name.clone()}</code>" (" {p.place.clone()} ")"</dt>
                    <dd>{if p.description.is_empty() { "—".to_owned() } else { p.description.clone() }}</dd>
                }
            })
            .collect::<Vec<_>>();
        view! { <h4>"Parameters"</h4><dl>{items}</dl> }
    });
    let responses = endpoint
        .responses
        .iter()
        .map(|r| view! { <dt>{r.status.clone()}</dt><dd>{r.description.clone()}</dd> })
        .collect::<Vec<_>>();
    let description = (endpoint.description != endpoint.summary && !endpoint.description.is_empty())
        .then(|| view! { <p>{endpoint.description.clone()}</p> });
    view! {
        <section class="endpoint" id=endpoint.id.clone() aria-labelledby=labelled_by>
            <h3 id=heading_id>
                <span class="method">{endpoint.method.clone()}</span>
                " "
                <code>{endpoint.path.clone()}</code>
            </h3>
            <p>{endpoint.summary.clone()}</p>
            {description}
            <p>"Scope: " {scope}</p>
            {parameters}
            <h4>"Example"</h4>
            <pre><code>{endpoint.curl.clone()}</code></pre>
            <h4>"Answers"</h4>
            <dl>{responses}</dl>
        </section>
    }
}
