//! Developer Settings › API reference: every `/v1` and OAuth endpoint with
//! the scope (or client authentication) it needs, its parameters, its
//! answers and a curl example, and the OAuth flow step by step; rendered on
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
        <OAuthFlow base=base.clone()/>
        <SessionTokens base=base.clone()/>
        <Webhooks base=base.clone()/>
        <nav aria-labelledby="endpoints-heading">
            <h2 id="endpoints-heading">"Endpoints"</h2>
            <ul class="link-list">{contents}</ul>
        </nav>
        {sections}
    }
}

/// The authorization code flow with PKCE, step by step, in curl.
#[component]
fn OAuthFlow(base: String) -> impl IntoView {
    let credentials = "export CLIENT_ID='kw_app_…'        # the app's page shows it\n\
        export CLIENT_SECRET='kw_ocs_…'    # shown once when registered (or rolled)";
    let pkce = "CODE_VERIFIER=$(openssl rand -base64 48 | tr '+/' '-_' | tr -d '=\\n')\n\
        CODE_CHALLENGE=$(printf %s \"$CODE_VERIFIER\" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')\n\
        STATE=$(openssl rand -hex 16)";
    let authorize = format!(
        "{base}/oauth/authorize?response_type=code&client_id=$CLIENT_ID\
         &redirect_uri=https%3A%2F%2Fapp.example%2Fcallback&scope=read%3Aleads%20write%3Aleads\
         &state=$STATE&code_challenge=$CODE_CHALLENGE&code_challenge_method=S256"
    );
    let code = "# The browser came back to https://app.example/callback?code=kw_oac_…&state=…&iss=…\n\
        export CODE='kw_oac_…'";
    let exchange = format!(
        "curl -X POST \"{base}/oauth/token\" -u \"$CLIENT_ID:$CLIENT_SECRET\" \\\n  \
         -d grant_type=authorization_code -d \"code=$CODE\" \\\n  \
         -d redirect_uri=https://app.example/callback -d \"code_verifier=$CODE_VERIFIER\"\n\
         # {{\"access_token\":\"kw_oat_…\",\"token_type\":\"Bearer\",\"expires_in\":3600,\
         \"refresh_token\":\"kw_ort_…\",\"scope\":\"read:leads write:leads\"}}"
    );
    let call = format!("export ACCESS_TOKEN='kw_oat_…' REFRESH_TOKEN='kw_ort_…'   # from the answer above\ncurl \"{base}/v1/me\" -H \"Authorization: Bearer $ACCESS_TOKEN\"");
    let refresh = format!(
        "curl -X POST \"{base}/oauth/token\" -u \"$CLIENT_ID:$CLIENT_SECRET\" \\\n  \
         -d grant_type=refresh_token -d \"refresh_token=$REFRESH_TOKEN\""
    );
    let revoke = format!(
        "curl -X POST \"{base}/oauth/revoke\" -u \"$CLIENT_ID:$CLIENT_SECRET\" -d \"token=$REFRESH_TOKEN\""
    );
    view! {
        <section aria-labelledby="oauth-flow">
            <h2 id="oauth-flow">"OAuth 2.0 for apps"</h2>
            <p>
                "An app that many agencies use acts for a person with their approval instead of asking for a key. "
                "Register it under Developer Settings › OAuth apps: note its client id ("
                <code>"kw_app_…"</code> ") and its client secret, shown once. Then, for each person:"
            </p>
            <pre><code>{credentials}</code></pre>
            <ol>
                <li>
                    <p>"Make a PKCE verifier, its S256 challenge and a state (RFC 7636; " <code>"plain"</code> " is refused):"</p>
                    <pre><code>{pkce}</code></pre>
                </li>
                <li>
                    <p>
                        "Send the person's browser to the authorization endpoint (your app builds this URL with the "
                        "values above; a browser does not expand shell variables). They sign in, see what the app asks for, "
                        "and approve; the browser comes back to the redirect URI with " <code>"code"</code> ", "
                        <code>"state"</code> " (check it is yours) and " <code>"iss"</code> " (RFC 9207). Deny brings "
                        <code>"error=access_denied"</code> ". The code works once, for 60 seconds."
                    </p>
                    <pre><code>{authorize}</code></pre>
                </li>
                <li>
                    <p>"Exchange the code (a public app sends " <code>"-d client_id=$CLIENT_ID"</code> " instead of " <code>"-u"</code> "):"</p>
                    <pre><code>{code}</code></pre>
                    <pre><code>{exchange}</code></pre>
                </li>
                <li>
                    <p>"Call the API as the person, with the scopes granted and what their role allows now:"</p>
                    <pre><code>{call}</code></pre>
                </li>
                <li>
                    <p>
                        "Before the hour is up, refresh. Every refresh returns a new refresh token and ends the old pair; "
                        "sending a used refresh token again ends the whole authorization (after a lost answer, a retry "
                        "within 30 seconds gets a fresh pair instead). Add " <code>"-d scope=…"</code> " to narrow."
                    </p>
                    <pre><code>{refresh}</code></pre>
                </li>
                <li>
                    <p>
                        "When the person disconnects the app in your product, revoke the refresh token: every token of "
                        "that authorization stops working at once. Their approval stays (a new authorization request "
                        "comes straight back without the consent page) until they revoke the app under Authorized apps, "
                        "or a year after they gave it."
                    </p>
                    <pre><code>{revoke}</code></pre>
                </li>
            </ol>
            <p>
                "People see and revoke the apps they approved under Admin › Profile › Authorized apps. Clients that "
                "configure themselves read " <a href="/.well-known/oauth-authorization-server">"the metadata document"</a> " (RFC 8414)."
            </p>
        </section>
    }
}

/// A browser page calling `/v1` with a session token its backend minted.
#[component]
fn SessionTokens(base: String) -> impl IntoView {
    let mint = format!(
        "// Your backend (Node 18+), which holds the key: mint a token for the page.\n\
         const answer = await fetch(\"{base}/v1/session_tokens\", {{\n  \
           method: \"POST\",\n  \
           headers: {{\n    \
             \"Authorization\": `Bearer ${{process.env.KEYWARD_TOKEN}}`,\n    \
             \"Content-Type\": \"application/json\",\n  \
           }},\n  \
           body: JSON.stringify({{\n    \
             scopes: [\"read:properties\", \"write:leads\"],\n    \
             ttl: 3600,\n    \
             allowed_origins: [\"https://www.agency.example\"],\n    \
             label: \"Listing widget\",\n  \
           }}),\n\
         }});\n\
         const {{ token, expires_at }} = await answer.json(); // kw_sess_live_…, shown this once\n\
         // Hand `token` to the page (in its HTML, or from an endpoint of yours behind your own sign-in)."
    );
    let page = format!(
        "// The page at https://www.agency.example, with the token from its backend.\n\
         const answer = await fetch(\"{base}/v1/properties\", {{\n  \
           headers: {{ \"Authorization\": `Bearer ${{sessionToken}}` }},\n\
         }});\n\
         if (answer.status === 401) {{\n  \
           // Expired or revoked: ask your backend for a new token.\n\
         }}\n\
         const {{ data }} = await answer.json();"
    );
    let sign_out = format!(
        "// When the visitor is done, the page can end its own token:\n\
         await fetch(\"{base}/v1/session_tokens/current\", {{\n  \
           method: \"DELETE\",\n  \
           headers: {{ \"Authorization\": `Bearer ${{sessionToken}}` }},\n\
         }});"
    );
    view! {
        <section aria-labelledby="session-tokens">
            <h2 id="session-tokens">"Session tokens for browser pages"</h2>
            <p>
                "A key belongs in a backend: a browser page that held it would hand it to every visitor. A page (a listing "
                "widget, a lead form) uses a session token instead, which its backend mints from the key: at most 24 hours, "
                "with the key's scopes or fewer (never " <code>"admin"</code> " or " <code>"webhooks"</code> "), usable only "
                "from the exact origins named when it is minted. It reaches what the key reaches, acts as the key's person, "
                "counts on the key and shares its rate limit. It stops when it expires, when it is revoked (by the key, by "
                "itself, or on the key's page), and with its key: revoked, removed, expired, or rolled once the old secret stops."
            </p>
            <pre><code>{mint}</code></pre>
            <pre><code>{page}</code></pre>
            <pre><code>{sign_out}</code></pre>
            <p>
                "Browsers get CORS answers from " <code>"/v1"</code> " for a session token's own origins only: the origin is "
                "echoed (never " <code>"*"</code> ") with " <code>"Vary: Origin"</code> "; a request from any other origin is "
                "refused with 403. Requests made with a key get no CORS headers at all, so a page can never read what a key "
                "fetched. Send the token as " <code>"Authorization: Bearer"</code> " only; a token in a query string is refused."
            </p>
        </section>
    }
}

/// Receiving webhooks: creating an endpoint, the payload, verifying it
/// with the Standard Webhooks libraries, retries and what to answer.
#[component]
fn Webhooks(base: String) -> impl IntoView {
    let create = format!(
        "curl -X POST \"{base}/v1/webhooks\" \\\n  \
           -H \"Authorization: Bearer $KEYWARD_TOKEN\" -H \"Content-Type: application/json\" \\\n  \
           -d '{{\"url\":\"https://crm.agency.example/hooks/keyward\",\"event_types\":[\"lead.created\",\"lead.updated\"]}}'\n\
         # 201 {{\"id\":\"…\",\"secret\":\"whsec_…\", …}}: keep the secret in your receiver's configuration."
    );
    let delivery = "POST /hooks/keyward HTTP/1.1\n\
         Content-Type: application/json\n\
         webhook-id: msg_2hJ8kQ4bX7nP0sL3vT6wY9zC\n\
         webhook-timestamp: 1764766800\n\
         webhook-signature: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=\n\
         \n\
         {\"type\":\"lead.created\",\"timestamp\":\"2026-12-03T13:00:00.000Z\",\"data\":{\"id\":42,\"first_name\":\"Ana\", …}}";
    let node = "// Node: npm install standardwebhooks\n\
         import express from \"express\";\n\
         import { Webhook } from \"standardwebhooks\";\n\
         const webhook = new Webhook(process.env.KEYWARD_WEBHOOK_SECRET); // whsec_…\n\
         const app = express();\n\
         // Verify the body exactly as it arrived: parse it only after.\n\
         app.post(\"/hooks/keyward\", express.raw({ type: \"application/json\" }), (req, res) => {\n  \
           let event;\n  \
           try {\n    \
             event = webhook.verify(req.body.toString(), req.headers); // throws when forged, altered or stale\n  \
           } catch {\n    \
             return res.sendStatus(400);\n  \
           }\n  \
           // Deduplicate on req.headers[\"webhook-id\"]: a message may arrive twice.\n  \
           queue.push(event); // answer fast (15 s at most), work later\n  \
           res.sendStatus(204);\n\
         });";
    let python = "# Python: pip install standardwebhooks\n\
         import os\n\
         from standardwebhooks.webhooks import Webhook\n\
         webhook = Webhook(os.environ[\"KEYWARD_WEBHOOK_SECRET\"])\n\
         event = webhook.verify(request.get_data(), dict(request.headers))  # raises WebhookVerificationError";
    view! {
        <section aria-labelledby="webhooks">
            <h2 id="webhooks">"Receiving webhooks"</h2>
            <p>
                "Instead of polling, give keyward a URL: it POSTs each event there as it happens — leads created and "
                "changed, listings created, changed and deleted, keys created, revoked, about to expire, about to be "
                "deleted for inactivity, and deleted. Create endpoints under Developer Settings › Webhooks, or with a "
                "key that has the " <code>"webhooks"</code> " scope. A live endpoint hears live events only, a test "
                "endpoint test events only; a workspace endpoint only its workspace's."
            </p>
            <pre><code>{create}</code></pre>
            <p>
                "Every delivery is signed per " <a href="https://www.standardwebhooks.com/">"Standard Webhooks"</a>
                ": " <code>"webhook-signature"</code> " holds " <code>"v1,"</code> " and the base64 HMAC-SHA256 of "
                <code>"{webhook-id}.{webhook-timestamp}.{body}"</code> " under your secret (two entries for 24 hours "
                "after you rotate it, so either secret verifies). Verify with a Standard Webhooks library rather than by hand:"
            </p>
            <pre><code>{delivery}</code></pre>
            <pre><code>{node}</code></pre>
            <pre><code>{python}</code></pre>
            <p>
                "Answer with any 2xx within 15 seconds. Anything else — a timeout, a refused connection, a 3xx "
                "(redirects are not followed), a 4xx or 5xx — is retried with the same " <code>"webhook-id"</code>
                ": after 5 seconds, 5 minutes, 30 minutes, 2, 5, 10, 14, 20 and 24 hours (each ±20%), about three "
                "days in all. A 429, 502, 503 or 504 with " <code>"Retry-After"</code> " waits as long as it asks when "
                "that is longer than the schedule's next delay (at most 24 hours). A 410 Gone disables the endpoint at once; an endpoint whose deliveries "
                "only failed for 5 days is disabled too, and the people who manage it are told. The delivery log keeps "
                "30 days of attempts; resend one message, or every message that failed since a moment, from the "
                "endpoint's page or the API."
            </p>
            <p>
                "A message can arrive more than once (a server that stopped between sending and recording sends it "
                "again), and messages can arrive out of order: deduplicate on " <code>"webhook-id"</code> " and order by "
                "the payload's " <code>"timestamp"</code> ". keyward sends only to public addresses over https (an "
                "operator may allow internal networks with " <code>"KEYWARD_WEBHOOK_ALLOW_NETS"</code> "). Each "
                "event's payload is described under " <code>"webhooks"</code> " in the OpenAPI document."
            </p>
        </section>
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
            {match endpoint.authentication.clone() {
                Some(how) => view! { <p>"Authentication: " {how}</p> }.into_any(),
                None => view! { <p>"Scope: " {scope}</p> }.into_any(),
            }}
            {parameters}
            <h4>"Example"</h4>
            <pre><code>{endpoint.curl.clone()}</code></pre>
            <h4>"Answers"</h4>
            <dl>{responses}</dl>
        </section>
    }
}
