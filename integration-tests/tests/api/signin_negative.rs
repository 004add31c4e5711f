//! Sign-ins that must fail: a fake OpenID provider, started inside each test, answers motcua's relying party
//! (`backend/src/eid.rs`) with ID tokens and authorization responses crafted to be wrong in exactly one way.
//! Every refusal must answer the Vietnamese page, open no session, consume the pending request and write an
//! `auth.sign_in_failed` audit entry with the reason, never the ID token or the personal ID number.
//!
//! The fake provider is strict about what motcua sends (PKCE S256, `nonce`, `state`, client authentication,
//! single-use codes, the same `redirect_uri`): anything else is recorded in `FakeOp::problems`, which the
//! happy path asserts empty, so the negative cases are known to fail for the crafted reason only.
//!
//! Its keys are test-only (`tests/keys/fake-op-rsa-*.pem`, generated with `openssl genpkey`, trusted by nothing).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use integration_tests::{Browser, StandIns, TestApp};
use jsonwebtoken::{
    Algorithm, EncodingKey, Header, encode,
    jwk::{Jwk, JwkSet, PublicKeyUse},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;

const KEY_1: &str = include_str!("../keys/fake-op-rsa-1.pem");
const KEY_1_PUBLIC: &str = include_str!("../keys/fake-op-rsa-1.pub.pem");
const KEY_2: &str = include_str!("../keys/fake-op-rsa-2.pem");
/// The only key the fake provider publishes.
const KID_1: &str = "fake-op-rsa-1";
/// Never published.
const KID_2: &str = "fake-op-rsa-2";

const CLIENT_ID: &str = "motcua";
const SUBJECT: &str = "fake-0001";
/// Known to the population-database stand-in (sim/eid/accounts.json), with the name and birth date below.
const PERSONAL_ID: &str = "001090012345";

/// The generic refusal page (`generic_failure` in signin.rs).
const REFUSED_PAGE: &str = "Đăng nhập không thành công";

/// How the fake provider answers the next sign-in.
#[derive(Debug, Clone, PartialEq)]
enum Scenario {
    Valid,
    WrongNonce,
    MissingNonce,
    WrongIssuer,
    WrongAudience,
    /// `aud` holds motcua and a party motcua does not trust.
    ExtraAudience,
    Expired,
    /// `iat` an hour ahead (`exp` after it, so only `iat` is wrong).
    IatInFuture,
    /// Unsigned: `base64url(header).base64url(claims).`.
    AlgNone,
    /// Signed by a key the provider never published, under the published key's `kid`.
    UnknownKeySameKid,
    /// Signed by a key the provider never published, under its own `kid`.
    UnknownKid,
    /// HS256 with the provider's RSA public key (PEM bytes) as the HMAC secret: algorithm confusion.
    Hs256WithPublicKey,
    /// HS256 with motcua's client secret as the HMAC secret (allowed by OIDC Core §10.1, not by motcua).
    Hs256WithClientSecret(String),
    /// RS512 with the published key: a good signature, but not an allowed algorithm.
    Rs512,
    /// A valid ID token, but the authorization response carries `iss=` this value.
    IssParameter(String),
    /// The authorization response is `error=access_denied` (the user cancelled).
    AccessDenied,
    /// The token endpoint answers 500.
    TokenEndpointFails,
}

/// A pending authorization at the fake provider, by code.
struct Grant {
    nonce: String,
    challenge: String,
    redirect_uri: String,
}

struct FakeOp {
    issuer: String,
    scenario: Mutex<Scenario>,
    grants: Mutex<HashMap<String, Grant>>,
    client_secret: Mutex<Option<String>>,
    key: EncodingKey,
    other_key: EncodingKey,
    jwk: Jwk,
    /// Calls of the token endpoint.
    token_requests: Mutex<usize>,
    /// Every ID token handed out.
    issued: Mutex<Vec<String>>,
    /// What motcua got wrong in the protocol (must stay empty).
    problems: Mutex<Vec<String>>,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn b64url_json(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().expect("fake OP lock")
}

impl FakeOp {
    async fn start() -> Arc<FakeOp> {
        Self::start_on(TcpListener::bind("127.0.0.1:0").await.expect("bind")).await
    }

    async fn start_on(listener: TcpListener) -> Arc<FakeOp> {
        let issuer = format!("http://{}", listener.local_addr().expect("addr"));
        let key = EncodingKey::from_rsa_pem(KEY_1.as_bytes()).expect("test key 1");
        let other_key = EncodingKey::from_rsa_pem(KEY_2.as_bytes()).expect("test key 2");
        let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("public JWK");
        jwk.common.key_id = Some(KID_1.to_owned());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        let op = Arc::new(FakeOp {
            issuer,
            scenario: Mutex::new(Scenario::Valid),
            grants: Mutex::new(HashMap::new()),
            client_secret: Mutex::new(None),
            key,
            other_key,
            jwk,
            token_requests: Mutex::new(0),
            issued: Mutex::new(Vec::new()),
            problems: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(op.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        op
    }

    fn set(&self, scenario: Scenario) {
        *lock(&self.scenario) = scenario;
    }

    fn problem(&self, what: String) {
        lock(&self.problems).push(what);
    }

    fn problems(&self) -> Vec<String> {
        lock(&self.problems).clone()
    }

    fn token_requests(&self) -> usize {
        *lock(&self.token_requests)
    }

    fn last_id_token(&self) -> Option<String> {
        lock(&self.issued).last().cloned()
    }

    fn id_token(&self, scenario: &Scenario, nonce: &str) -> String {
        let now = now();
        let mut claims = json!({
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": SUBJECT,
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            "SoDinhDanh": PERSONAL_ID,
            "HoVaTen": "Nguyễn Văn An",
            "NgayThangNamSinh": "19900115",
            "LoaiTaiKhoan": "1",
        });
        match scenario {
            Scenario::WrongNonce => claims["nonce"] = json!(URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())),
            Scenario::MissingNonce => {
                claims.as_object_mut().expect("object").remove("nonce");
            }
            Scenario::WrongIssuer => claims["iss"] = json!("https://eid.attacker.example"),
            Scenario::WrongAudience => claims["aud"] = json!("another-relying-party"),
            Scenario::ExtraAudience => claims["aud"] = json!([CLIENT_ID, "another-relying-party"]),
            Scenario::Expired => claims["exp"] = json!(now - 600),
            Scenario::IatInFuture => {
                claims["iat"] = json!(now + 3600);
                claims["exp"] = json!(now + 3900);
            }
            _ => {}
        }
        let sign = |alg: Algorithm, kid: &str, key: &EncodingKey| {
            let mut header = Header::new(alg);
            header.kid = Some(kid.to_owned());
            encode(&header, &claims, key).expect("signed")
        };
        match scenario {
            Scenario::AlgNone => {
                format!(
                    "{}.{}.",
                    b64url_json(&json!({"alg": "none", "typ": "JWT", "kid": KID_1})),
                    b64url_json(&claims)
                )
            }
            Scenario::UnknownKeySameKid => sign(Algorithm::RS256, KID_1, &self.other_key),
            Scenario::UnknownKid => sign(Algorithm::RS256, KID_2, &self.other_key),
            Scenario::Hs256WithPublicKey => {
                sign(Algorithm::HS256, KID_1, &EncodingKey::from_secret(KEY_1_PUBLIC.as_bytes()))
            }
            Scenario::Hs256WithClientSecret(secret) => {
                sign(Algorithm::HS256, KID_1, &EncodingKey::from_secret(secret.as_bytes()))
            }
            Scenario::Rs512 => sign(Algorithm::RS512, KID_1, &self.key),
            _ => sign(Algorithm::RS256, KID_1, &self.key),
        }
    }
}

async fn discovery(State(op): State<Arc<FakeOp>>) -> Json<Value> {
    let i = &op.issuer;
    Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "jwks_uri": format!("{i}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }))
}

async fn jwks(State(op): State<Arc<FakeOp>>) -> Json<JwkSet> {
    Json(JwkSet { keys: vec![op.jwk.clone()] })
}

/// Answers at once, as if the user had signed in (or cancelled): 303 back to `redirect_uri`.
async fn authorize(State(op): State<Arc<FakeOp>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let p = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    let mut problems = Vec::new();
    if p("response_type") != "code" {
        problems.push(format!("response_type {:?}", p("response_type")));
    }
    if p("client_id") != CLIENT_ID {
        problems.push(format!("client_id {:?}", p("client_id")));
    }
    if !p("scope").split(' ').any(|s| s == "openid") {
        problems.push(format!("scope {:?} without openid", p("scope")));
    }
    if p("code_challenge_method") != "S256" || p("code_challenge").len() != 43 {
        problems.push(format!("PKCE {:?} {:?}", p("code_challenge_method"), p("code_challenge")));
    }
    if p("nonce").len() < 16 || p("state").len() < 16 {
        problems.push(format!("weak nonce {:?} or state {:?}", p("nonce"), p("state")));
    }
    let redirect = reqwest::Url::parse(p("redirect_uri"));
    let Ok(mut to) = redirect else {
        problems.push(format!("redirect_uri {:?}", p("redirect_uri")));
        for what in problems {
            op.problem(format!("authorize: {what}"));
        }
        return (StatusCode::BAD_REQUEST, "invalid redirect_uri").into_response();
    };
    for what in problems {
        op.problem(format!("authorize: {what}"));
    }
    let scenario = lock(&op.scenario).clone();
    {
        let mut query = to.query_pairs_mut();
        if scenario == Scenario::AccessDenied {
            query.append_pair("error", "access_denied");
            query.append_pair("error_description", "The user cancelled the sign-in");
        } else {
            let code = URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes());
            let grant = Grant {
                nonce: p("nonce").to_owned(),
                challenge: p("code_challenge").to_owned(),
                redirect_uri: p("redirect_uri").to_owned(),
            };
            lock(&op.grants).insert(code.clone(), grant);
            query.append_pair("code", &code);
        }
        query.append_pair("state", p("state"));
        if let Scenario::IssParameter(iss) = &scenario {
            query.append_pair("iss", iss);
        }
    }
    Redirect::to(to.as_str()).into_response()
}

fn invalid_grant(op: &FakeOp, what: String) -> Response {
    op.problem(format!("token: {what}"));
    (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant", "error_description": what}))).into_response()
}

/// The client id and secret of `client_secret_basic` or `client_secret_post`.
fn client_credentials(headers: &HeaderMap, form: &HashMap<String, String>) -> Option<(String, String)> {
    if let Some(basic) =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = String::from_utf8(STANDARD.decode(basic).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        // client_secret_basic form-encodes both parts first (RFC 6749 §2.3.1).
        let unescape = |s: &str| {
            let pairs = format!("v={s}");
            reqwest::Url::parse(&format!("http://x/?{pairs}"))
                .ok()
                .and_then(|u| u.query_pairs().next().map(|(_, v)| v.into_owned()))
                .unwrap_or_default()
        };
        return Some((unescape(id), unescape(secret)));
    }
    Some((form.get("client_id")?.clone(), form.get("client_secret")?.clone()))
}

async fn token(
    State(op): State<Arc<FakeOp>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    *lock(&op.token_requests) += 1;
    let scenario = lock(&op.scenario).clone();
    if scenario == Scenario::TokenEndpointFails {
        return (StatusCode::INTERNAL_SERVER_ERROR, "upstream database unavailable").into_response();
    }
    let f = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    if f("grant_type") != "authorization_code" {
        return invalid_grant(&op, format!("grant_type {:?}", f("grant_type")));
    }
    let expected_secret = lock(&op.client_secret).clone();
    match client_credentials(&headers, &form) {
        Some((id, secret)) if id == CLIENT_ID && Some(&secret) == expected_secret.as_ref() => {}
        other => return invalid_grant(&op, format!("client authentication {other:?}")),
    }
    let Some(grant) = lock(&op.grants).remove(f("code")) else {
        return invalid_grant(&op, format!("unknown or reused code {:?}", f("code")));
    };
    if f("redirect_uri") != grant.redirect_uri {
        return invalid_grant(&op, format!("redirect_uri {:?} is not {:?}", f("redirect_uri"), grant.redirect_uri));
    }
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(f("code_verifier").as_bytes()));
    if challenge != grant.challenge {
        return invalid_grant(&op, "code_verifier does not match the S256 challenge".into());
    }
    let id_token = op.id_token(&scenario, &grant.nonce);
    lock(&op.issued).push(id_token.clone());
    let mut res = Json(json!({"access_token": "x", "token_type": "Bearer", "expires_in": 300, "id_token": id_token}))
        .into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    res
}

/// motcua with the stand-ins, its citizen provider pointed at a fake one.
struct Rig {
    app: TestApp,
    op: Arc<FakeOp>,
    _stand_ins: StandIns,
}

/// What the browser got back from motcua's callback.
struct Outcome {
    browser: Browser,
    status: u16,
    page: String,
}

impl Rig {
    async fn start() -> Rig {
        let op = FakeOp::start().await;
        let issuer = op.issuer.clone();
        let (app, stand_ins) = TestApp::spawn_with_stand_ins(|c| c.eid.issuer = issuer).await;
        *lock(&op.client_secret) = Some(app.config.eid.client_secret.expose().to_owned());
        app.seed().await;
        Rig { app, op, _stand_ins: stand_ins }
    }

    async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.app.db).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The details of every `auth.sign_in_failed` entry, oldest first.
    async fn failures(&self) -> Vec<Value> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'auth.sign_in_failed' ORDER BY seq")
                .fetch_all(&self.app.db)
                .await
                .expect("audit");
        rows.iter().map(|d| serde_json::from_str(d).expect("JSON details")).collect()
    }

    /// Signs in through the fake provider answering as `scenario`; returns what the callback answered.
    async fn sign_in(&self, scenario: Scenario) -> Outcome {
        self.op.set(scenario.clone());
        let browser = Browser::new();
        let callback = browser
            .follow_until(&self.app.url("/auth/login?who=citizen"), &self.app.url("/auth/callback"))
            .await
            .unwrap_or_else(|e| panic!("{scenario:?}: the flow reaches motcua's callback: {e:?}"));
        let res = browser.client.get(&callback).send().await.expect("callback");
        let status = res.status().as_u16();
        let page = res.text().await.expect("page");
        Outcome { browser, status, page }
    }

    /// Nothing secret or personal in the audit log, whatever happened.
    async fn assert_nothing_leaked(&self) {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT action, details FROM audit_log ORDER BY seq")
            .fetch_all(&self.app.db)
            .await
            .expect("audit");
        let issued = lock(&self.op.issued).clone();
        for (action, details) in rows {
            assert!(!details.contains(PERSONAL_ID), "{action} holds the personal ID number: {details}");
            for token in &issued {
                let payload = token.split('.').nth(1).unwrap_or(token);
                assert!(!details.contains(payload), "{action} holds an ID token: {details}");
            }
        }
    }

    /// The sign-in as `scenario` is refused with `status`, `page_says` on the page and `reason` audited, and
    /// leaves nothing behind: no session (cookie or row), no citizen, no pending request.
    async fn expect_refused(&self, scenario: Scenario, status: u16, reason: &str, page_says: &str) -> Outcome {
        let sessions = self.count("SELECT count(*) FROM session").await;
        let failures = self.failures().await;
        let out = self.sign_in(scenario.clone()).await;
        assert_eq!(out.status, status, "{scenario:?}: status; page: {}", out.page);
        assert!(out.page.contains(page_says), "{scenario:?}: the page says {page_says:?}: {}", out.page);
        assert!(!out.page.contains(PERSONAL_ID), "{scenario:?}: the page shows the personal ID");
        assert!(
            out.browser.cookie(&self.app.base_url, "motcua_session").is_none(),
            "{scenario:?}: no session cookie is set"
        );
        assert_eq!(self.count("SELECT count(*) FROM session").await, sessions, "{scenario:?}: no session row");
        assert_eq!(
            self.count("SELECT count(*) FROM citizen WHERE subject = 'fake-0001'").await,
            0,
            "{scenario:?}: no citizen is created"
        );
        assert_eq!(self.count("SELECT count(*) FROM auth_request").await, 0, "{scenario:?}: the request is consumed");
        let after = self.failures().await;
        assert_eq!(after.len(), failures.len() + 1, "{scenario:?}: one failure audited: {after:?}");
        assert_eq!(after.last(), Some(&json!({"reason": reason})), "{scenario:?}: the audited reason");
        self.assert_nothing_leaked().await;
        assert!(self.op.problems().is_empty(), "{scenario:?}: motcua spoke the protocol: {:?}", self.op.problems());
        out
    }

    /// As `expect_refused`, for an ID token motcua received and must reject.
    async fn expect_token_refused(&self, scenario: Scenario, reason: &str) {
        let exchanges = self.op.token_requests();
        self.expect_refused(scenario.clone(), 400, reason, REFUSED_PAGE).await;
        assert_eq!(self.op.token_requests(), exchanges + 1, "{scenario:?}: the code was exchanged once");
        let token = self.op.last_id_token().expect("an ID token was issued");
        assert!(token.split('.').count() == 3, "{scenario:?}: {token}");
    }
}

#[tokio::test]
async fn the_fake_provider_signs_a_citizen_in_when_nothing_is_wrong() {
    let rig = Rig::start().await;
    let out = rig.sign_in(Scenario::Valid).await;
    assert_eq!(out.status, 303, "{}", out.page);
    assert!(out.browser.cookie(&rig.app.base_url, "motcua_session").is_some(), "a session cookie");
    assert!(rig.op.problems().is_empty(), "{:?}", rig.op.problems());
    assert_eq!(rig.op.token_requests(), 1);
    assert_eq!(rig.count("SELECT count(*) FROM session").await, 1);
    assert_eq!(rig.count("SELECT count(*) FROM auth_request").await, 0);
    let (issuer, pid): (String, String) =
        sqlx::query_as("SELECT issuer, personal_id FROM citizen WHERE subject = 'fake-0001'")
            .fetch_one(&rig.app.db)
            .await
            .expect("the citizen");
    assert_eq!((issuer.as_str(), pid.as_str()), (rig.op.issuer.as_str(), PERSONAL_ID));
    let me: Value =
        out.browser.client.get(rig.app.url("/api/v1/me")).send().await.expect("me").json().await.expect("json");
    assert_eq!((me["kind"].as_str(), me["full_name"].as_str()), (Some("citizen"), Some("Nguyễn Văn An")));

    // The authorization response may carry `iss` (RFC 9207): the right one is accepted.
    let out = rig.sign_in(Scenario::IssParameter(rig.op.issuer.clone())).await;
    assert_eq!(out.status, 303, "{}", out.page);
    assert!(out.browser.cookie(&rig.app.base_url, "motcua_session").is_some(), "a session cookie");
    assert_eq!(rig.count("SELECT count(*) FROM session").await, 2);
    assert!(rig.failures().await.is_empty(), "{:?}", rig.failures().await);
    rig.assert_nothing_leaked().await;
    assert!(rig.op.problems().is_empty(), "{:?}", rig.op.problems());
}

#[tokio::test]
async fn a_wrong_or_missing_nonce_is_refused() {
    let rig = Rig::start().await;
    rig.expect_token_refused(Scenario::WrongNonce, "invalid_id_token:nonce").await;
    rig.expect_token_refused(Scenario::MissingNonce, "invalid_id_token:nonce").await;
}

#[tokio::test]
async fn an_id_token_from_another_issuer_is_refused() {
    let rig = Rig::start().await;
    rig.expect_token_refused(Scenario::WrongIssuer, "invalid_id_token:issuer").await;
}

#[tokio::test]
async fn an_id_token_for_another_audience_is_refused() {
    let rig = Rig::start().await;
    rig.expect_token_refused(Scenario::WrongAudience, "invalid_id_token:audience").await;
    rig.expect_token_refused(Scenario::ExtraAudience, "invalid_id_token:audience").await;
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    let rig = Rig::start().await;
    rig.expect_token_refused(Scenario::Expired, "invalid_id_token:expired").await;
}

#[tokio::test]
async fn an_unsigned_alg_none_id_token_is_refused() {
    let rig = Rig::start().await;
    rig.expect_token_refused(Scenario::AlgNone, "invalid_id_token:signature").await;
    let token = rig.op.last_id_token().expect("issued");
    assert!(token.ends_with('.'), "the crafted token has an empty signature: {token}");
}

#[tokio::test]
async fn an_id_token_signed_by_an_unpublished_key_is_refused() {
    let rig = Rig::start().await;
    rig.expect_token_refused(Scenario::UnknownKeySameKid, "invalid_id_token:signature").await;
    rig.expect_token_refused(Scenario::UnknownKid, "invalid_id_token:signature").await;
}

#[tokio::test]
async fn algorithm_confusion_and_algorithms_outside_the_allowlist_are_refused() {
    let rig = Rig::start().await;
    rig.expect_token_refused(Scenario::Hs256WithPublicKey, "invalid_id_token:signature").await;
    let secret = rig.app.config.eid.client_secret.expose().to_owned();
    rig.expect_token_refused(Scenario::Hs256WithClientSecret(secret), "invalid_id_token:signature").await;
    rig.expect_token_refused(Scenario::Rs512, "invalid_id_token:signature").await;
}

#[tokio::test]
async fn an_id_token_issued_in_the_future_is_refused() {
    let rig = Rig::start().await;
    rig.expect_token_refused(Scenario::IatInFuture, "bad_issue_time").await;
}

#[tokio::test]
async fn an_authorization_response_from_another_issuer_is_refused_before_the_code_is_exchanged() {
    let rig = Rig::start().await;
    rig.expect_refused(
        Scenario::IssParameter("https://eid.attacker.example".into()),
        400,
        "wrong_iss_parameter",
        REFUSED_PAGE,
    )
    .await;
    // A mix-up: the code must not be sent to the token endpoint at all (RFC 9207 §2.4).
    assert_eq!(rig.op.token_requests(), 0);
    // Same host, another path: still another issuer.
    let other_path = format!("{}/other-tenant", rig.op.issuer);
    rig.expect_refused(Scenario::IssParameter(other_path), 400, "wrong_iss_parameter", REFUSED_PAGE).await;
    assert_eq!(rig.op.token_requests(), 0);
}

#[tokio::test]
async fn an_iss_parameter_differing_only_by_a_trailing_slash_is_refused() {
    let rig = Rig::start().await;
    let slashed = format!("{}/", rig.op.issuer);
    rig.expect_refused(Scenario::IssParameter(slashed), 400, "wrong_iss_parameter", REFUSED_PAGE).await;
    assert_eq!(rig.op.token_requests(), 0);
}

#[tokio::test]
async fn a_cancelled_sign_in_is_refused_with_its_own_page() {
    let rig = Rig::start().await;
    let out = rig.expect_refused(Scenario::AccessDenied, 400, "provider_error:access_denied", "Chưa đăng nhập").await;
    assert!(out.page.contains("Bạn đã hủy đăng nhập"), "{}", out.page);
    assert!(!out.page.contains(REFUSED_PAGE), "not the generic page: {}", out.page);
    assert_eq!(rig.op.token_requests(), 0, "no code, no exchange");
}

#[tokio::test]
async fn a_failing_token_endpoint_is_refused() {
    let rig = Rig::start().await;
    rig.expect_refused(Scenario::TokenEndpointFails, 400, "code_exchange_failed", REFUSED_PAGE).await;
    assert_eq!(rig.op.token_requests(), 1);
}

#[tokio::test]
async fn an_unreachable_provider_answers_503_and_leaves_no_pending_request() {
    // A port nobody listens on (bound, then closed).
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let down = format!("http://{addr}");
    let (app, _stand_ins) = TestApp::spawn_with_stand_ins(|c| c.eid.issuer = down).await;
    app.seed().await;
    let browser = Browser::new();
    for _ in 0..2 {
        let res = browser.client.get(app.url("/auth/login?who=citizen")).send().await.expect("login");
        assert_eq!(res.status(), 503);
        assert!(res.headers().get(header::LOCATION).is_none(), "not sent to the provider");
        let page = res.text().await.expect("page");
        assert!(page.contains("Chưa kết nối được hệ thống định danh"), "{page}");
        assert!(page.contains("/auth/login?who=citizen"), "offers to try again: {page}");
        assert!(browser.cookie(&app.base_url, "motcua_auth").is_none(), "no binding cookie");
        let pending: i64 =
            sqlx::query_scalar("SELECT count(*) FROM auth_request").fetch_one(&app.db).await.expect("count");
        assert_eq!(pending, 0, "no pending request left behind");
    }
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM session").fetch_one(&app.db).await.expect("count");
    assert_eq!(sessions, 0);

    // The failure is not cached: once the provider is back, "Thử lại" works.
    let listener = TcpListener::bind(addr).await.expect("the provider's port is free again");
    let op = FakeOp::start_on(listener).await;
    *lock(&op.client_secret) = Some(app.config.eid.client_secret.expose().to_owned());
    let callback = browser
        .follow_until(&app.url("/auth/login?who=citizen"), &app.url("/auth/callback"))
        .await
        .expect("the provider is reachable again");
    let res = browser.client.get(&callback).send().await.expect("callback");
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    assert!(browser.cookie(&app.base_url, "motcua_session").is_some());
}
