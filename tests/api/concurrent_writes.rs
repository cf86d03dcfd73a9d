//! Writes that race: on SQLite a transaction that reads before it writes
//! fails with "database is locked" when another writer got in between (a
//! deferred transaction cannot take the write lock once its snapshot is
//! stale), which answered 500. Every such service now takes the lock first
//! (`keys::begin_for_agency`); each kind runs here eight at a time, and
//! every one must succeed. (Session token revocations race in
//! `session_tokens`.)
use chrono::Utc;
use keyward::models::oauth::NewAppForm;
use keyward::server::services::keys::Grace;
use keyward::server::services::oauth::apps::{self, AppRequest};
use keyward::server::services::oauth::authorize::{self, Params};
use keyward::server::services::oauth::{grants, tokens};
use tokio::task::JoinSet;

use crate::oauth_tokens::{pkce_query, setup, VERIFIER};
use crate::on_both_engines;

const N: usize = 8;

/// Runs `N` copies of `job(n)` at once; every one must succeed.
async fn all_at_once<T, E, F>(what: &str, job: impl Fn(usize) -> F)
where
    T: Send + 'static,
    E: std::fmt::Debug + Send + 'static,
    F: std::future::Future<Output = Result<T, E>> + Send + 'static,
{
    let mut set = JoinSet::new();
    for n in 0..N {
        set.spawn(job(n));
    }
    let failed: Vec<String> = set
        .join_all()
        .await
        .into_iter()
        .filter_map(|result| result.err().map(|err| format!("{err:?}")))
        .collect();
    assert!(failed.is_empty(), "{what}: {failed:?}");
}

on_both_engines! {
    async fn oauth_writes_made_at_the_same_moment_all_succeed(engine) {
        let s = setup(engine).await;
        let state = s.app.server().state.clone();
        let sam = s.sam.clone();

        // Register N apps at once.
        all_at_once("registering apps", |n| {
            let (state, sam) = (state.clone(), sam.clone());
            async move {
                let form = NewAppForm {
                    name: format!("Portal {n}"),
                    client_type: "confidential".into(),
                    environment: "live".into(),
                    scopes: vec!["read:leads".into()],
                    redirect_uris: "https://portal.example/callback".into(),
                    require_pkce: true,
                    ..NewAppForm::default()
                };
                let request = AppRequest::from_form(&form).unwrap();
                apps::register(&state.db, &state.pepper, &sam, request, Utc::now()).await
            }
        })
        .await;
        let clients: Vec<_> = {
            use keyward::entities::oauth_app;
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            oauth_app::Entity::find()
                .filter(oauth_app::Column::Name.starts_with("Portal "))
                .all(&state.db)
                .await
                .unwrap()
        };
        assert_eq!(clients.len(), N);

        // Sam approves each at once (consent), then the codes are redeemed.
        let codes = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        all_at_once("approving apps", |n| {
            let (state, sam, client, codes) = (state.clone(), sam.clone(), clients[n].clone(), codes.clone());
            async move {
                let query = format!("client_id=kw_app_{}&{}", client.id, pkce_query("read:leads"));
                let request = authorize::read(&state.db, &Params::parse(&query)).await.unwrap();
                let code = grants::approve(&state.db, &state.pepper, &sam, &request, None, Utc::now()).await?;
                codes.lock().unwrap().push((client, code));
                Ok::<_, keyward::server::services::oauth::ServiceError>(())
            }
        })
        .await;
        let mut refresh = Vec::new();
        let approved = codes.lock().unwrap().clone();
        for (client, code) in approved {
            let redemption = tokens::Redemption {
                code: &code,
                redirect_uri: Some("https://portal.example/callback"),
                code_verifier: Some(VERIFIER),
            };
            let issued = tokens::redeem_code(&state.db, &state.keys, &state.pepper, &client, redemption, Utc::now())
                .await
                .unwrap();
            refresh.push((client, issued.refresh_token));
        }

        // Each app revokes its refresh token at once (RFC 7009).
        all_at_once("revoking tokens", |n| {
            let (state, (client, token)) = (state.clone(), refresh[n].clone());
            async move { tokens::revoke(&state.db, &state.keys, &state.pepper, &client, &token, Utc::now()).await }
        })
        .await;

        // Sam revokes every grant at once.
        let grant_ids: Vec<String> = {
            use keyward::entities::oauth_grant;
            use sea_orm::EntityTrait;
            oauth_grant::Entity::find().all(&state.db).await.unwrap().into_iter().map(|g| g.id).collect()
        };
        assert!(grant_ids.len() >= N);
        all_at_once("revoking grants", |n| {
            let (state, sam, id) = (state.clone(), sam.clone(), grant_ids[n].clone());
            async move { grants::revoke(&state.db, &state.keys, &sam, &id, Utc::now()).await }
        })
        .await;

        // Secrets rolled at once, then the apps deleted at once.
        all_at_once("rolling secrets", |n| {
            let (state, sam, id) = (state.clone(), sam.clone(), format!("kw_app_{}", clients[n].id));
            async move { apps::roll_secret(&state.db, &state.pepper, &sam, &id, Grace::Now, None, Utc::now()).await }
        })
        .await;
        all_at_once("deleting apps", |n| {
            let (state, sam, id) = (state.clone(), sam.clone(), format!("kw_app_{}", clients[n].id));
            async move { apps::delete(&state.db, &state.keys, &sam, &id, Utc::now()).await }
        })
        .await;
    }
}
