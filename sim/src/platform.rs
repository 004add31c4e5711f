//! The sharing platform's own endpoints (interop.md §1 and §5): the client-credentials token endpoint that
//! guards every business call, and the JWKS (plus a minting helper) for the JWTs the platform puts on the
//! national portal's calls to motcua.
//!
//! Tokens are opaque random strings remembered in memory with their expiry. The signing keys are fixed test
//! keys committed in `sim/keys/` and compiled into the binary.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Form, Json, Router,
    extract::{State, rejection::FormRejection, rejection::JsonRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::STANDARD, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{
    Algorithm, EncodingKey, Header,
    jwk::{Jwk, JwkSet, PublicKeyUse},
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Sim;

/// `kid` of the first RS256 key (signing until `POST /_sim/keys/rotate`).
pub const KID_RS256_1: &str = "sim-rs256-1";
/// `kid` of the second RS256 key (published and signing after `POST /_sim/keys/rotate`).
pub const KID_RS256_2: &str = "sim-rs256-2";
/// `kid` of the ES256 key.
pub const KID_ES256_1: &str = "sim-es256-1";

/// HMAC secret of the `"alg": "HS256"` tokens `/_sim/mint` makes for negative tests (a relying party must refuse them).
const HS256_NEGATIVE_TEST_SECRET: &[u8] = b"sim-hs256-must-be-refused";

/// Upper bound on remembered tokens, so a runaway client cannot exhaust memory.
const MAX_LIVE_TOKENS: usize = 100_000;

/// A client registered with the platform (HTTP Basic credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: String,
    pub secret: String,
}

/// Parses `MOTCUA_SIM_CLIENTS`: comma-separated `id:secret` pairs.
pub fn parse_clients(spec: &str) -> anyhow::Result<Vec<Client>> {
    let clients = spec
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|pair| match pair.split_once(':') {
            Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
                Ok(Client { id: id.to_owned(), secret: secret.to_owned() })
            }
            _ => Err(anyhow::anyhow!("MOTCUA_SIM_CLIENTS: expected id:secret, got {pair:?}")),
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    anyhow::ensure!(!clients.is_empty(), "MOTCUA_SIM_CLIENTS: no client configured");
    Ok(clients)
}

struct SigningKey {
    kid: &'static str,
    alg: Algorithm,
    key: EncodingKey,
    /// The public half, with `kid`, `alg` and `use` set.
    jwk: Jwk,
}

impl SigningKey {
    fn load(kid: &'static str, alg: Algorithm, pem: &str) -> anyhow::Result<Self> {
        let key = match alg {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(pem.as_bytes())?,
            Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes())?,
            other => anyhow::bail!("no test key for {other:?}"),
        };
        let mut jwk = Jwk::from_encoding_key(&key, alg)?;
        jwk.common.key_id = Some(kid.to_owned());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        Ok(Self { kid, alg, key, jwk })
    }
}

#[derive(Default)]
struct TokenStore {
    /// access token → (client id, expiry)
    live: HashMap<String, (String, Instant)>,
    /// Tokens handed out since start (never decreases), so tests can see whether a caller caches its token.
    issued: u64,
}

/// The sharing platform's state: clients, live access tokens, signing keys.
pub struct Platform {
    clients: Vec<Client>,
    issuer: String,
    token_ttl: Duration,
    tokens: Mutex<TokenStore>,
    rs256_1: SigningKey,
    rs256_2: SigningKey,
    es256_1: SigningKey,
    /// After `POST /_sim/keys/rotate`: RS256 tokens are signed with `sim-rs256-2`, and it is published.
    rotated: AtomicBool,
}

impl Platform {
    pub fn new(clients: Vec<Client>, issuer: String, token_ttl: Duration) -> anyhow::Result<Self> {
        Ok(Self {
            clients,
            issuer,
            token_ttl,
            tokens: Mutex::default(),
            rs256_1: SigningKey::load(KID_RS256_1, Algorithm::RS256, include_str!("../keys/sim-rs256-1.pem"))?,
            rs256_2: SigningKey::load(KID_RS256_2, Algorithm::RS256, include_str!("../keys/sim-rs256-2.pem"))?,
            es256_1: SigningKey::load(KID_ES256_1, Algorithm::ES256, include_str!("../keys/sim-es256-1.pem"))?,
            rotated: AtomicBool::new(false),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The client whose HTTP Basic credentials the request carries, if they are right.
    fn authenticate(&self, headers: &HeaderMap) -> Option<&Client> {
        let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        let (scheme, encoded) = value.trim().split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        self.clients.iter().find(|c| c.id == id && constant_time_eq(c.secret.as_bytes(), secret.as_bytes()))
    }

    fn issue_token(&self, client: &str) -> Option<String> {
        let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let now = Instant::now();
        let mut store = self.tokens.lock().ok()?;
        store.live.retain(|_, (_, expiry)| *expiry > now);
        if store.live.len() >= MAX_LIVE_TOKENS {
            return None;
        }
        store.live.insert(token.clone(), (client.to_owned(), now + self.token_ttl));
        store.issued += 1;
        Some(token)
    }

    /// Whether the request carries `Authorization: Bearer <a live token from /oauth2/token>`.
    pub fn bearer_ok(&self, headers: &HeaderMap) -> bool {
        let Some(token) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
        else {
            return false;
        };
        let Ok(store) = self.tokens.lock() else { return false };
        store.live.get(token).is_some_and(|(_, expiry)| *expiry > Instant::now())
    }

    fn rsa_signing_key(&self) -> &SigningKey {
        if self.rotated.load(Ordering::SeqCst) { &self.rs256_2 } else { &self.rs256_1 }
    }

    /// The published keys: `sim-rs256-1`, `sim-es256-1`, and after rotation also `sim-rs256-2`.
    pub fn jwks(&self) -> JwkSet {
        let mut keys = vec![self.rs256_1.jwk.clone()];
        if self.rotated.load(Ordering::SeqCst) {
            keys.push(self.rs256_2.jwk.clone());
        }
        keys.push(self.es256_1.jwk.clone());
        JwkSet { keys }
    }

    fn key_state(&self) -> serde_json::Value {
        let published: Vec<_> = self.jwks().keys.into_iter().filter_map(|k| k.common.key_id).collect();
        json!({"rs256_signing_kid": self.rsa_signing_key().kid, "es256_signing_kid": self.es256_1.kid, "published": published})
    }
}

/// Compares two byte strings in time independent of where they differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The 401 a business endpoint answers without a live bearer token.
pub fn invalid_token() -> Response {
    let mut res = (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_token"}))).into_response();
    res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(r#"Bearer error="invalid_token""#));
    res
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut res = (status, Json(json!({"error": error, "error_description": description}))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(r#"Basic realm="motcua-sim""#));
    }
    res
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `POST /oauth2/token` (interop.md §1).
async fn token(
    State(sim): State<Sim>,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let Some(client) = sim.platform.authenticate(&headers) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "HTTP Basic client authentication failed");
    };
    let Ok(Form(form)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "expected an application/x-www-form-urlencoded body",
        );
    };
    match form.get("grant_type").map(String::as_str) {
        None | Some("") => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type is missing"),
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only client_credentials is supported",
            );
        }
    }
    let Some(access_token) = sim.platform.issue_token(&client.id) else {
        return oauth_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", "token store full");
    };
    tracing::info!(client = %client.id, "access token issued");
    no_store(
        Json(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": sim.platform.token_ttl.as_secs(),
        }))
        .into_response(),
    )
}

/// `GET /oauth2/jwks` (interop.md §5).
async fn jwks(State(sim): State<Sim>) -> Response {
    let mut res = Json(sim.platform.jwks()).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    res
}

/// `POST /_sim/mint`: a JWT as the platform would put on the national portal's calls to motcua.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MintRequest {
    /// Default: the first configured client id.
    #[serde(default)]
    aud: Option<String>,
    #[serde(default = "default_scope")]
    scope: String,
    /// Negative for an already expired token.
    #[serde(default = "default_exp_in_secs")]
    exp_in_secs: i64,
    /// `RS256` (default) or `ES256`; `HS256` and `none` only to test that a relying party refuses them.
    #[serde(default = "default_alg")]
    alg: String,
    /// Override the header `kid` (the token is still signed with the algorithm's current key).
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    iss: Option<String>,
    /// `nbf` = now + this (default 0; positive for a token not yet valid).
    #[serde(default)]
    nbf_in_secs: Option<i64>,
    /// Override `sub` (default `dvcqg`).
    #[serde(default)]
    sub: Option<String>,
}

fn default_scope() -> String {
    "dvcqg".to_owned()
}
fn default_exp_in_secs() -> i64 {
    300
}
fn default_alg() -> String {
    "RS256".to_owned()
}

#[derive(Serialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: String,
    scope: String,
    iat: i64,
    exp: i64,
    nbf: i64,
    jti: String,
}

impl Default for MintRequest {
    /// What `/_sim/mint` makes of `{}`: the token the platform puts on the national portal's calls.
    fn default() -> Self {
        Self {
            aud: None,
            scope: default_scope(),
            exp_in_secs: default_exp_in_secs(),
            alg: default_alg(),
            kid: None,
            iss: None,
            nbf_in_secs: None,
            sub: None,
        }
    }
}

/// Why a token could not be minted.
enum MintError {
    /// The request asked for something that does not exist (an unknown `alg`).
    BadRequest(String),
    /// Signing failed.
    Internal(String),
}

impl Platform {
    /// A JWT with every default of `/_sim/mint` (RS256 with the current key, `aud` the first client, `scope`
    /// `dvcqg`, valid 300 s): what the platform puts on the national portal's calls to motcua.
    pub fn mint_portal_jwt(&self) -> Result<String, String> {
        self.sign(MintRequest::default()).map_err(|(MintError::BadRequest(e) | MintError::Internal(e))| e)
    }

    fn sign(&self, req: MintRequest) -> Result<String, MintError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = Claims {
            iss: req.iss.unwrap_or_else(|| self.issuer.clone()),
            sub: req.sub.unwrap_or_else(|| "dvcqg".to_owned()),
            aud: req.aud.unwrap_or_else(|| self.clients.first().map(|c| c.id.clone()).unwrap_or_default()),
            scope: req.scope,
            iat: now,
            exp: now.saturating_add(req.exp_in_secs),
            nbf: now.saturating_add(req.nbf_in_secs.unwrap_or(0)),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        match req.alg.as_str() {
            "RS256" | "ES256" => {
                let key = if req.alg == "RS256" { self.rsa_signing_key() } else { &self.es256_1 };
                let mut header = Header::new(key.alg);
                header.kid = Some(req.kid.unwrap_or_else(|| key.kid.to_owned()));
                jsonwebtoken::encode(&header, &claims, &key.key).map_err(|e| MintError::Internal(e.to_string()))
            }
            "HS256" => {
                let mut header = Header::new(Algorithm::HS256);
                header.kid = req.kid;
                jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(HS256_NEGATIVE_TEST_SECRET))
                    .map_err(|e| MintError::Internal(e.to_string()))
            }
            "none" => {
                let mut header = json!({"alg": "none", "typ": "JWT"});
                if let Some(kid) = req.kid {
                    header["kid"] = json!(kid);
                }
                serde_json::to_vec(&claims).map_err(|e| MintError::Internal(e.to_string())).map(|claims| {
                    format!("{}.{}.", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims))
                })
            }
            other => Err(MintError::BadRequest(format!(
                "alg {other:?}: expected RS256, ES256 (or HS256, none for negative tests)"
            ))),
        }
    }
}

async fn mint(State(sim): State<Sim>, req: Result<Json<MintRequest>, JsonRejection>) -> Response {
    let req = match req {
        Ok(Json(req)) => req,
        Err(e) => return (StatusCode::BAD_REQUEST, Json(json!({"error": e.body_text()}))).into_response(),
    };
    match sim.platform.sign(req) {
        Ok(token) => Json(json!({"token": token})).into_response(),
        Err(MintError::BadRequest(e)) => (StatusCode::BAD_REQUEST, Json(json!({"error": e}))).into_response(),
        Err(MintError::Internal(e)) => (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": e}))).into_response(),
    }
}

/// `POST /_sim/keys/rotate`: RS256 tokens are signed with `sim-rs256-2` from now on; both RSA keys are published.
async fn rotate_keys(State(sim): State<Sim>) -> Json<serde_json::Value> {
    sim.platform.rotated.store(true, Ordering::SeqCst);
    tracing::info!(kid = KID_RS256_2, "RS256 signing key rotated");
    Json(sim.platform.key_state())
}

/// `POST /_sim/keys/reset`: back to `sim-rs256-1` only.
async fn reset_keys(State(sim): State<Sim>) -> Json<serde_json::Value> {
    sim.platform.rotated.store(false, Ordering::SeqCst);
    Json(sim.platform.key_state())
}

/// `GET /_sim/keys`: which keys sign and which are published.
async fn key_state(State(sim): State<Sim>) -> Json<serde_json::Value> {
    Json(sim.platform.key_state())
}

/// `POST /_sim/tokens/revoke-all`: forget every access token (the next business call gets 401).
async fn revoke_all(State(sim): State<Sim>) -> Response {
    let Ok(mut store) = sim.platform.tokens.lock() else { return StatusCode::INTERNAL_SERVER_ERROR.into_response() };
    let revoked = store.live.len();
    store.live.clear();
    tracing::info!(revoked, "all access tokens revoked");
    Json(json!({"revoked": revoked})).into_response()
}

/// `GET /_sim/tokens`: how many tokens are live and how many were issued since start.
async fn token_stats(State(sim): State<Sim>) -> Response {
    let Ok(store) = sim.platform.tokens.lock() else { return StatusCode::INTERNAL_SERVER_ERROR.into_response() };
    let now = Instant::now();
    let active = store.live.values().filter(|(_, expiry)| *expiry > now).count();
    Json(json!({"active": active, "issued": store.issued})).into_response()
}

pub fn routes() -> Router<Sim> {
    Router::new()
        .route("/oauth2/token", post(token))
        .route("/oauth2/jwks", get(jwks))
        .route("/_sim/mint", post(mint))
        .route("/_sim/keys", get(key_state))
        .route("/_sim/keys/rotate", post(rotate_keys))
        .route("/_sim/keys/reset", post(reset_keys))
        .route("/_sim/tokens", get(token_stats))
        .route("/_sim/tokens/revoke-all", post(revoke_all))
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request};
    use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
    use serde_json::Value;

    use super::*;
    use crate::{
        app,
        test_support::{self, CLIENT_ID, CLIENT_SECRET, ISSUER, basic, json_request, send, token_request},
    };

    fn get(uri: &str) -> Request<Body> {
        Request::builder().uri(uri).body(Body::empty()).expect("request")
    }

    async fn mint_token(app: &Router, body: &str) -> String {
        let (status, _, res) = send(app, json_request("POST", "/_sim/mint", None, body)).await;
        assert_eq!(status, StatusCode::OK, "{res}");
        res["token"].as_str().expect("token").to_owned()
    }

    async fn fetch_jwks(app: &Router) -> JwkSet {
        let (status, _, body) = send(app, get("/oauth2/jwks")).await;
        assert_eq!(status, StatusCode::OK);
        serde_json::from_value(body).expect("a JWKS")
    }

    /// Verifies a token as the motcua backend must: key by `kid` from the JWKS, RS256/ES256 only, iss, aud, exp, nbf.
    fn verify(jwks: &JwkSet, token: &str, aud: &str) -> Result<Value, String> {
        let header = decode_header(token).map_err(|e| e.to_string())?;
        let kid = header.kid.ok_or("no kid")?;
        let jwk = jwks.find(&kid).ok_or_else(|| format!("unknown kid {kid}"))?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(format!("alg {:?} refused", header.alg));
        }
        let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&[aud]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = 60;
        decode::<Value>(token, &key, &validation).map(|data| data.claims).map_err(|e| e.to_string())
    }

    #[tokio::test]
    async fn the_token_endpoint_authenticates_clients_with_http_basic() {
        let app = app(test_support::sim());
        let good = basic(CLIENT_ID, CLIENT_SECRET);

        let (status, headers, body) = send(&app, token_request(Some(&good), "grant_type=client_credentials")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3600);
        assert!(body["access_token"].as_str().is_some_and(|t| t.len() >= 40), "{body}");
        assert_eq!(headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
        // A second client configured in MOTCUA_SIM_CLIENTS works too, with its own token.
        let (status, _, other) =
            send(&app, token_request(Some(&basic("other", "other-secret")), "grant_type=client_credentials")).await;
        assert_eq!(status, StatusCode::OK);
        assert_ne!(other["access_token"], body["access_token"]);

        for auth in [Some(basic(CLIENT_ID, "wrong")), Some(basic("nobody", CLIENT_SECRET)), None] {
            let (status, headers, body) =
                send(&app, token_request(auth.as_deref(), "grant_type=client_credentials")).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            assert_eq!(body["error"], "invalid_client");
            assert!(headers.contains_key("www-authenticate"));
        }

        let (status, _, body) = send(&app, token_request(Some(&good), "grant_type=password&username=x")).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("unsupported_grant_type")));
        let (status, _, body) = send(&app, token_request(Some(&good), "")).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));

        let (_, _, stats) = send(&app, get("/_sim/tokens")).await;
        assert_eq!((stats["active"].as_u64(), stats["issued"].as_u64()), (Some(2), Some(2)));
    }

    #[tokio::test]
    async fn revoking_all_tokens_makes_business_calls_answer_401_until_a_new_token() {
        let app = app(test_support::sim());
        let bearer = test_support::bearer(&app).await;
        let lookup = r#"{"MaYeuCau": "r1", "MaDVC": "SIGNIN", "MaCanBo": "CONGDAN",
                         "SoDinhDanh": "001090012345", "HoVaTen": "Nguyễn Văn An", "NgayThangNamSinh": ""}"#;
        let call = |auth: String| json_request("POST", "/csdldancu/ChiaSeThongTinCongDan", Some(&auth), lookup);
        assert_eq!(send(&app, call(bearer.clone())).await.0, StatusCode::OK);

        let (status, _, body) = send(&app, json_request("POST", "/_sim/tokens/revoke-all", None, "")).await;
        assert_eq!((status, body["revoked"].as_u64()), (StatusCode::OK, Some(1)));
        let (status, headers, body) = send(&app, call(bearer)).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_token")));
        assert!(headers.contains_key("www-authenticate"));

        let fresh = test_support::bearer(&app).await;
        assert_eq!(send(&app, call(fresh)).await.0, StatusCode::OK);
    }

    #[tokio::test]
    async fn minted_rs256_and_es256_tokens_verify_against_the_published_jwks() {
        let app = app(test_support::sim());
        let jwks = fetch_jwks(&app).await;
        let kids: Vec<_> = jwks.keys.iter().filter_map(|k| k.common.key_id.as_deref()).collect();
        assert_eq!(kids, [KID_RS256_1, KID_ES256_1]);
        for key in &jwks.keys {
            assert_eq!(key.common.public_key_use, Some(PublicKeyUse::Signature));
            let published = serde_json::to_value(key).expect("jwk");
            assert!(published.get("d").is_none(), "a private part is published: {published}");
        }

        for (alg, kid) in [("RS256", KID_RS256_1), ("ES256", KID_ES256_1)] {
            let token = mint_token(&app, &format!(r#"{{"aud": "motcua", "scope": "dvcqg", "alg": "{alg}"}}"#)).await;
            assert_eq!(decode_header(&token).expect("header").kid.as_deref(), Some(kid));
            let claims = verify(&jwks, &token, "motcua").expect("verifies");
            assert_eq!(claims["iss"], ISSUER);
            assert_eq!(claims["sub"], "dvcqg");
            assert_eq!(claims["aud"], "motcua");
            assert_eq!(claims["scope"], "dvcqg");
            let (iat, exp) = (claims["iat"].as_i64().expect("iat"), claims["exp"].as_i64().expect("exp"));
            assert_eq!(exp - iat, 300);
            assert_eq!(claims["nbf"].as_i64(), Some(iat));
            assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
            // The wrong audience is refused.
            assert!(verify(&jwks, &token, "someone-else").is_err());
        }
    }

    #[tokio::test]
    async fn mint_overrides_make_tokens_a_relying_party_must_refuse() {
        let app = app(test_support::sim());
        let jwks = fetch_jwks(&app).await;
        let expired = mint_token(&app, r#"{"aud": "motcua", "exp_in_secs": -120}"#).await;
        assert!(verify(&jwks, &expired, "motcua").is_err());
        let not_yet = mint_token(&app, r#"{"aud": "motcua", "nbf_in_secs": 600, "exp_in_secs": 900}"#).await;
        assert!(verify(&jwks, &not_yet, "motcua").is_err());
        let other_issuer = mint_token(&app, r#"{"aud": "motcua", "iss": "https://evil.example/oauth2"}"#).await;
        assert!(verify(&jwks, &other_issuer, "motcua").is_err());
        let unknown_kid = mint_token(&app, r#"{"aud": "motcua", "kid": "sim-rs256-9"}"#).await;
        assert!(verify(&jwks, &unknown_kid, "motcua").expect_err("refused").contains("unknown kid"));
        let hmac = mint_token(&app, r#"{"aud": "motcua", "alg": "HS256", "kid": "sim-rs256-1"}"#).await;
        assert!(verify(&jwks, &hmac, "motcua").is_err());
        let none = mint_token(&app, r#"{"aud": "motcua", "alg": "none"}"#).await;
        assert!(none.ends_with('.') && none.split('.').count() == 3);
        assert!(verify(&jwks, &none, "motcua").is_err());
        // Scope and default audience.
        let scoped = mint_token(&app, r#"{"scope": "paygov"}"#).await;
        let claims = verify(&jwks, &scoped, CLIENT_ID).expect("default aud is the first client");
        assert_eq!(claims["scope"], "paygov");

        let (status, _, _) = send(&app, json_request("POST", "/_sim/mint", None, r#"{"alg": "PS256"}"#)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn rotation_publishes_both_rsa_keys_and_signs_with_the_new_one() {
        let app = app(test_support::sim());
        let before = mint_token(&app, r#"{"aud": "motcua"}"#).await;
        let old_jwks = fetch_jwks(&app).await;

        let (status, _, state) = send(&app, json_request("POST", "/_sim/keys/rotate", None, "")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(state["rs256_signing_kid"], KID_RS256_2);

        let after = mint_token(&app, r#"{"aud": "motcua", "alg": "RS256"}"#).await;
        assert_eq!(decode_header(&after).expect("header").kid.as_deref(), Some(KID_RS256_2));
        // A relying party with the old JWKS does not know the kid: it must refetch.
        assert!(verify(&old_jwks, &after, "motcua").expect_err("refused").contains("unknown kid"));
        let jwks = fetch_jwks(&app).await;
        let rsa: Vec<_> = jwks
            .keys
            .iter()
            .filter(|k| matches!(k.algorithm, jsonwebtoken::jwk::AlgorithmParameters::RSA(_)))
            .filter_map(|k| k.common.key_id.as_deref())
            .collect();
        assert_eq!(rsa, [KID_RS256_1, KID_RS256_2]);
        assert_ne!(jwks.find(KID_RS256_1), jwks.find(KID_RS256_2));
        verify(&jwks, &after, "motcua").expect("new token verifies");
        verify(&jwks, &before, "motcua").expect("old tokens still verify");

        let (_, _, state) = send(&app, json_request("POST", "/_sim/keys/reset", None, "")).await;
        assert_eq!(state["published"], serde_json::json!([KID_RS256_1, KID_ES256_1]));
    }

    #[tokio::test]
    async fn oauth2_faults_apply_to_the_token_endpoint_and_jwks_but_not_to_mint() {
        let app = app(test_support::sim());
        let fault = json_request("PUT", "/_sim/faults/oauth2", None, r#"{"status": 503}"#);
        assert_eq!(send(&app, fault).await.0, StatusCode::NO_CONTENT);
        let good = basic(CLIENT_ID, CLIENT_SECRET);
        assert_eq!(
            send(&app, token_request(Some(&good), "grant_type=client_credentials")).await.0,
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(send(&app, get("/oauth2/jwks")).await.0, StatusCode::SERVICE_UNAVAILABLE);
        mint_token(&app, r#"{"aud": "motcua"}"#).await;
    }

    #[test]
    fn clients_are_parsed_from_id_secret_pairs() {
        let clients = parse_clients(" a:x , b:y:z ").expect("parses");
        assert_eq!(clients[1], Client { id: "b".into(), secret: "y:z".into() });
        assert!(parse_clients("nosecret").is_err());
        assert!(parse_clients("").is_err());
    }
}
