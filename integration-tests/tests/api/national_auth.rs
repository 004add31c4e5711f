//! Machine authentication of the national portal (interop.md §5): bearer JWTs signed by the sharing platform,
//! verified against a JWKS served by a stand-in started inside each test.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{Json, Router, extract::State, routing::get};
use integration_tests::{TestApp, expect_error};
use jsonwebtoken::{
    Algorithm, EncodingKey, Header, encode,
    jwk::{Jwk, JwkSet, PublicKeyUse},
};
use serde_json::{Value, json};

use super::dossiers::{KET_HON, counter_dossier};

// Test-only keys (see tests/keys/README.md): nothing trusts them outside these tests.
const RSA_1: &str = include_str!("../keys/platform-rsa-1.pem");
const RSA_1_PUBLIC: &str = include_str!("../keys/platform-rsa-1.pub.pem");
const RSA_2: &str = include_str!("../keys/platform-rsa-2.pem");
const EC_1: &str = include_str!("../keys/platform-ec-1.pem");

const ISSUER: &str = "https://platform.test/oauth2";
const AUDIENCE: &str = "motcua-test";
/// base64url of `{"alg":"none","typ":"JWT","kid":"platform-rsa-1"}`.
const NONE_HEADER: &str = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIiwia2lkIjoicGxhdGZvcm0tcnNhLTEifQ";

/// A signing key of the stand-in platform and its public JWK.
struct PlatformKey {
    kid: &'static str,
    alg: Algorithm,
    key: EncodingKey,
    jwk: Jwk,
}

impl PlatformKey {
    fn load(kid: &'static str, alg: Algorithm, pem: &str) -> Self {
        let key = match alg {
            Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()),
            _ => EncodingKey::from_rsa_pem(pem.as_bytes()),
        }
        .expect("test key");
        let mut jwk = Jwk::from_encoding_key(&key, alg).expect("public JWK");
        jwk.common.key_id = Some(kid.to_owned());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        Self { kid, alg, key, jwk }
    }

    fn rsa_1() -> Self {
        Self::load("platform-rsa-1", Algorithm::RS256, RSA_1)
    }
    fn rsa_2() -> Self {
        Self::load("platform-rsa-2", Algorithm::RS256, RSA_2)
    }
    fn ec_1() -> Self {
        Self::load("platform-ec-1", Algorithm::ES256, EC_1)
    }

    /// Signs `claims` with this key, `kid` in the header.
    fn sign(&self, claims: &Value) -> String {
        self.sign_as(self.alg, Some(self.kid), claims)
    }

    /// Signs `claims` with this key under another algorithm or `kid`.
    fn sign_as(&self, alg: Algorithm, kid: Option<&str>, claims: &Value) -> String {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        encode(&header, claims, &self.key).expect("signed")
    }
}

/// The stand-in JWKS endpoint: serves the keys it is given and counts how often it is asked.
struct Jwks {
    keys: Mutex<Vec<Jwk>>,
    hits: AtomicUsize,
}

impl Jwks {
    async fn serve(keys: &[&PlatformKey]) -> (Arc<Jwks>, String) {
        let jwks = Arc::new(Jwks {
            keys: Mutex::new(keys.iter().map(|k| k.jwk.clone()).collect()),
            hits: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route(
                "/oauth2/jwks",
                get(|State(jwks): State<Arc<Jwks>>| async move {
                    jwks.hits.fetch_add(1, Ordering::SeqCst);
                    let keys = jwks.keys.lock().expect("keys").clone();
                    Json(JwkSet { keys })
                }),
            )
            .with_state(jwks.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        (jwks, format!("http://{addr}/oauth2/jwks"))
    }

    fn publish(&self, key: &PlatformKey) {
        self.keys.lock().expect("keys").push(key.jwk.clone());
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Claims of a valid token, with `changes` applied (`null` removes a claim).
fn claims(changes: Value) -> Value {
    let t = now();
    let mut c = json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "dvcqg", "client_id": "dvcqg", "scope": "dvcqg",
        "iat": t, "nbf": t, "exp": t + 300, "jti": uuid::Uuid::new_v4().to_string(),
    });
    if let (Some(c), Some(changes)) = (c.as_object_mut(), changes.as_object()) {
        for (k, v) in changes {
            if v.is_null() {
                c.remove(k);
            } else {
                c.insert(k.clone(), v.clone());
            }
        }
    }
    c
}

async fn spawn_app(jwks_url: &str, refetch: Duration) -> TestApp {
    let url = jwks_url.to_owned();
    TestApp::spawn_with(move |c| {
        c.platform_jwks_url = url;
        c.platform_issuer = ISSUER.to_owned();
        c.platform_audience = AUDIENCE.to_owned();
        c.platform_jwks_refetch = refetch;
    })
    .await
}

async fn call(app: &TestApp, path: &str, authorization: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    if let Some(a) = authorization {
        req = req.header(reqwest::header::AUTHORIZATION, a);
    }
    req.send().await.expect("request sent")
}

async fn call_with(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    call(app, path, Some(&format!("Bearer {token}"))).await
}

/// Asserts a 401 refusal with `reason`, the documented shape and the Bearer challenge.
async fn expect_refused(res: reqwest::Response, reason: &str, what: &str) {
    let challenge = res.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let body = expect_error(res, 401, "unauthenticated").await;
    assert_eq!(body["details"][0]["field"], "header.authorization", "{what}: {body}");
    assert_eq!(body["details"][0]["code"], reason, "{what}: {body}");
    if reason == "missing_token" {
        assert_eq!(challenge, "Bearer", "{what}");
    } else {
        assert_eq!(challenge, r#"Bearer error="invalid_token""#, "{what}");
    }
}

/// The audit entries of refused tokens, in order: (actor_kind, details).
async fn refusals(app: &TestApp) -> Vec<(String, Value)> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT actor_kind, details FROM audit_log WHERE action = 'auth.token_refused' ORDER BY seq")
            .fetch_all(&app.db)
            .await
            .expect("audit");
    rows.into_iter().map(|(kind, details)| (kind, serde_json::from_str(&details).expect("JSON details"))).collect()
}

#[tokio::test]
async fn the_national_portal_reads_a_dossier_with_a_platform_token_and_anything_else_is_refused() {
    let (rsa_1, rsa_2, ec_1) = (PlatformKey::rsa_1(), PlatformKey::rsa_2(), PlatformKey::ec_1());
    let (jwks, jwks_url) = Jwks::serve(&[&rsa_1, &ec_1]).await;
    // No rate limit between fetches here, so the rotation below is seen at once (the limit has its own test).
    let app = spawn_app(&jwks_url, Duration::ZERO).await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let d = counter_dossier(&app, &clerk).await;
    let code = d["code"].as_str().expect("code");
    let path = format!("/api/v1/national/dossiers/{code}");

    // A valid RS256 token: the dossier in the national shape, every value a string.
    let res = call_with(&app, &path, &rsa_1.sign(&claims(json!({})))).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["MaHoSo"], code);
    assert_eq!(body["MaTTHC"], KET_HON);
    assert_eq!(body["TenTTHC"], d["procedure_name"]);
    assert_eq!(body["KenhThucHien"], "1");
    assert_eq!(body["TrangThaiHoSo"], "2", "received at the counter: Được tiếp nhận");
    assert_eq!(body["NgayTra"], "", "not returned yet");
    let mut fields: Vec<&str> = body.as_object().expect("object").keys().map(String::as_str).collect();
    fields.sort_unstable();
    // The whole HoSo of interop.md §3: every field, every value a string, the four lists.
    let mut expected_fields = vec![
        "MaHoSo",
        "MaTTHC",
        "TenTTHC",
        "MaLinhVuc",
        "TenLinhVuc",
        "KenhThucHien",
        "ChuHoSo",
        "LoaiDoiTuong",
        "MaDoiTuong",
        "SoGiayToChuHoSo",
        "Email",
        "SoDienThoai",
        "TrichYeuHoSo",
        "NgayNopHoSo",
        "NgayTiepNhan",
        "NgayHenTra",
        "TrangThaiHoSo",
        "NgayTra",
        "ThongTinTra",
        "HinhThuc",
        "NgayKetThucXuLy",
        "DonViXuLy",
        "NgayTuChoi",
        "GhiChu",
        "DuocThanhToanTrucTuyen",
        "HoSoCoThanhPhanSoHoa",
        "TaiKhoanDuocXacThucVoiVNeID",
        "TaiLieuNop",
        "DanhSachLePhi",
        "DanhSachHoSoBoSung",
        "DanhSachGiayToKetQua",
    ];
    expected_fields.sort_unstable();
    assert_eq!(fields, expected_fields);
    for (k, v) in body.as_object().expect("object") {
        if k.starts_with("Danh") || k == "TaiLieuNop" {
            assert!(
                v.as_array()
                    .is_some_and(|a| a.iter().all(|e| e.as_object().is_some_and(|o| o.values().all(Value::is_string)))),
                "{k}: {v}"
            );
        } else {
            assert!(v.is_string(), "{k} is a string: {v}");
        }
    }
    // Dates in Vietnam time, computed here independently by PostgreSQL.
    let (submitted, received, due): (String, String, String) = sqlx::query_as(
        "SELECT to_char((submitted_at AT TIME ZONE 'UTC') + interval '7 hours', 'YYYYMMDDHH24MISS'),
                to_char((received_at AT TIME ZONE 'UTC') + interval '7 hours', 'YYYYMMDDHH24MISS'),
                to_char((due_at AT TIME ZONE 'UTC') + interval '7 hours', 'YYYYMMDDHH24MISS')
         FROM dossier WHERE code = $1",
    )
    .bind(code)
    .fetch_one(&app.db)
    .await
    .expect("dossier dates");
    assert_eq!(
        (&body["NgayNopHoSo"], &body["NgayTiepNhan"], &body["NgayHenTra"]),
        (&json!(submitted), &json!(received), &json!(due))
    );

    // A valid ES256 token; an audience given as an array; scope as an array.
    let res = call_with(&app, &path, &ec_1.sign(&claims(json!({})))).await;
    assert_eq!(res.status(), 200, "ES256");
    let res = call_with(&app, &path, &rsa_1.sign(&claims(json!({"aud": ["x", AUDIENCE], "scope": ["dvcqg"]})))).await;
    assert_eq!(res.status(), 200, "aud and scope as arrays");
    // An unknown dossier is 404 in the error shape.
    let res = call_with(&app, &path.replace(code, "KHONG-CO-0000"), &rsa_1.sign(&claims(json!({})))).await;
    expect_error(res, 404, "not_found").await;
    assert!(refusals(&app).await.is_empty(), "nothing refused so far");

    // Refusals: each 401 with its reason, each audited.
    let t = now();
    let valid = rsa_1.sign(&claims(json!({})));
    let mut parts = valid.split('.');
    let (header, payload) = (parts.next().expect("header"), parts.next().expect("payload"));
    let other_payload =
        rsa_1.sign(&claims(json!({"aud": "someone-else"}))).split('.').nth(1).expect("payload").to_owned();
    // The classic forgery: HMAC keyed with the platform's public key, hoping the verifier uses it as a secret.
    let mut hs256_header = Header::new(Algorithm::HS256);
    hs256_header.kid = Some(rsa_1.kid.to_owned());
    let hs256 =
        encode(&hs256_header, &claims(json!({})), &EncodingKey::from_secret(RSA_1_PUBLIC.as_bytes())).expect("HS256");
    let cases: Vec<(&str, String, &str)> = vec![
        ("wrong audience", rsa_1.sign(&claims(json!({"aud": "someone-else"}))), "wrong_audience"),
        ("missing scope", rsa_1.sign(&claims(json!({"scope": "openid profile"}))), "missing_scope"),
        ("no scope claim", rsa_1.sign(&claims(json!({"scope": null}))), "missing_scope"),
        ("expired beyond the 60 s leeway", rsa_1.sign(&claims(json!({"exp": t - 120, "nbf": t - 900}))), "expired"),
        ("nbf in the future", rsa_1.sign(&claims(json!({"nbf": t + 600, "exp": t + 900}))), "not_yet_valid"),
        ("wrong issuer", rsa_1.sign(&claims(json!({"iss": "https://evil.test/oauth2"}))), "wrong_issuer"),
        ("alg none", format!("{NONE_HEADER}.{payload}."), "alg_not_allowed"),
        ("HS256 keyed with the RSA public key PEM", hs256, "alg_not_allowed"),
        (
            "PS256 with the platform's RSA key",
            rsa_1.sign_as(Algorithm::PS256, Some(rsa_1.kid), &claims(json!({}))),
            "alg_not_allowed",
        ),
        (
            "ES256 header naming an RSA key",
            ec_1.sign_as(Algorithm::ES256, Some(rsa_1.kid), &claims(json!({}))),
            "alg_not_allowed",
        ),
        (
            "signed by another key under a known kid",
            rsa_2.sign_as(Algorithm::RS256, Some(rsa_1.kid), &claims(json!({}))),
            "bad_signature",
        ),
        (
            "payload swapped after signing",
            format!("{header}.{other_payload}.{}", valid.rsplit('.').next().unwrap_or_default()),
            "bad_signature",
        ),
        ("no kid", rsa_1.sign_as(Algorithm::RS256, None, &claims(json!({}))), "unknown_key"),
        ("garbage", "not-a-jwt".to_owned(), "malformed"),
        ("garbage in three parts", "a.b.c".to_owned(), "malformed"),
    ];
    let mut expected = Vec::new();
    let mut tokens = vec![valid.clone()];
    for (what, token, reason) in &cases {
        expect_refused(call_with(&app, &path, token).await, reason, what).await;
        expected.push(*reason);
        tokens.push(token.clone());
    }
    // No token at all, or another scheme.
    expect_refused(call(&app, &path, None).await, "missing_token", "no Authorization header").await;
    expect_refused(call(&app, &path, Some("Basic ZHZjcWc6c2VjcmV0")).await, "missing_token", "Basic").await;
    expect_refused(call(&app, &path, Some("Bearer ")).await, "missing_token", "empty bearer").await;
    expected.extend(["missing_token"; 3]);

    // Key rotation: a token signed by a key the JWKS does not list yet is refused after exactly one refetch;
    // once the platform publishes the key, the same token is accepted (one more refetch).
    let rotated = rsa_2.sign(&claims(json!({})));
    tokens.push(rotated.clone());
    let before = jwks.hits();
    expect_refused(call_with(&app, &path, &rotated).await, "unknown_key", "not published yet").await;
    expected.push("unknown_key");
    assert_eq!(jwks.hits(), before + 1, "an unknown kid triggers exactly one refetch");
    jwks.publish(&rsa_2);
    let res = call_with(&app, &path, &rotated).await;
    assert_eq!(res.status(), 200, "accepted after the rotation");
    assert_eq!(jwks.hits(), before + 2);
    // Known keys are served from the cache.
    let res = call_with(&app, &path, &rsa_2.sign(&claims(json!({})))).await;
    assert_eq!(res.status(), 200);
    assert_eq!(jwks.hits(), before + 2, "no fetch for a known kid");

    // Every refusal is in the audit log, by a machine, with its reason, and without the token.
    let audited = refusals(&app).await;
    assert_eq!(audited.iter().map(|(_, d)| d["reason"].as_str().unwrap_or_default()).collect::<Vec<_>>(), expected);
    for (kind, details) in &audited {
        assert_eq!(kind, "machine");
        assert_eq!(details["path"], path);
    }
    let all_details: Vec<String> =
        sqlx::query_scalar("SELECT details FROM audit_log").fetch_all(&app.db).await.expect("audit");
    for token in &tokens {
        let signature = token.rsplit('.').next().unwrap_or_default();
        for d in &all_details {
            assert!(!d.contains(token.as_str()), "a token is in the audit log: {d}");
            assert!(signature.len() < 10 || !d.contains(signature), "a token's signature is in the audit log: {d}");
        }
    }
}

#[tokio::test]
async fn made_up_key_ids_cannot_hammer_the_platform() {
    let rsa_1 = PlatformKey::rsa_1();
    let (jwks, jwks_url) = Jwks::serve(&[&rsa_1]).await;
    // The default: at most one JWKS fetch per 10 s.
    let app = spawn_app(&jwks_url, Duration::from_secs(10)).await;
    let path = "/api/v1/national/dossiers/KHONG-CO-0000";
    let res = call_with(&app, path, &rsa_1.sign(&claims(json!({})))).await;
    expect_error(res, 404, "not_found").await;
    assert_eq!(jwks.hits(), 1, "fetched once, lazily");
    let flood = (0..20).map(|i| {
        let token = rsa_1.sign_as(Algorithm::RS256, Some(&format!("made-up-{i}")), &claims(json!({})));
        let app = &app;
        async move { call_with(app, path, &token).await }
    });
    for res in futures::future::join_all(flood).await {
        expect_refused(res, "unknown_key", "made-up kid").await;
    }
    assert_eq!(jwks.hits(), 1, "no refetch within the interval, however many unknown kids");
    let res = call_with(&app, path, &rsa_1.sign(&claims(json!({})))).await;
    expect_error(res, 404, "not_found").await;
}

#[tokio::test]
async fn an_unreachable_jwks_is_503_and_audited() {
    // A port nothing listens on.
    let closed: SocketAddr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let app = spawn_app(&format!("http://{closed}/oauth2/jwks"), Duration::ZERO).await;
    let rsa_1 = PlatformKey::rsa_1();
    let res = call_with(&app, "/api/v1/national/dossiers/KHONG-CO-0000", &rsa_1.sign(&claims(json!({})))).await;
    assert!(res.headers().get("retry-after").is_some(), "Retry-After");
    let body = expect_error(res, 503, "service_unavailable").await;
    assert_eq!(body["details"][0]["code"], "jwks_unavailable", "{body}");
    let audited = refusals(&app).await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].1["reason"], "jwks_unavailable");
}
