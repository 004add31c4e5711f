//! Test harness: the real motcua server on `127.0.0.1:0` against a fresh PostgreSQL database.
//!
//! The database server comes from `MOTCUA_TEST_DATABASE_URL` (an admin connection, e.g.
//! `postgres://postgres@127.0.0.1:54329/postgres`; `make test` starts a throwaway cluster and sets it).
//! One template database is migrated per migration set (named after a hash of the migrations) and
//! every test gets its own `CREATE DATABASE ... TEMPLATE` clone, so tests are isolated and fast.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use sha2::{Digest, Sha256};
use sqlx::{Connection, Executor, PgConnection, PgPool, postgres::PgPoolOptions};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

pub use motcua;
use motcua::config::{Config, Secret};

const ADMIN_URL_VAR: &str = "MOTCUA_TEST_DATABASE_URL";

fn admin_url() -> String {
    std::env::var(ADMIN_URL_VAR).unwrap_or_else(|_| {
        panic!("{ADMIN_URL_VAR} is not set: run the tests with `make test`, or point it at a PostgreSQL admin database")
    })
}

fn url_with_db(admin: &str, db: &str) -> String {
    // admin URLs look like postgres://user@host:port/dbname[?params]
    let (base, params) = admin.split_once('?').map_or((admin, None), |(b, p)| (b, Some(p)));
    let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
    match params {
        Some(p) => format!("{prefix}/{db}?{p}"),
        None => format!("{prefix}/{db}"),
    }
}

fn template_name() -> String {
    let mut h = Sha256::new();
    for m in motcua::db::MIGRATOR.iter() {
        h.update(m.version.to_le_bytes());
        h.update(&*m.checksum);
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("motcua_tmpl_{hex}")
}

/// Makes sure the migrated template exists. Safe across test processes: creation happens under an
/// advisory lock, and the template only gets its final name once fully migrated.
async fn ensure_template(admin: &str) -> anyhow::Result<String> {
    let name = template_name();
    let mut conn = PgConnection::connect(admin).await.context("connecting to the test PostgreSQL")?;
    conn.execute("SELECT pg_advisory_lock(727274)").await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(&name)
        .fetch_one(&mut conn)
        .await?;
    if !exists {
        let building = format!("{name}_building");
        conn.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {building}"))).await?;
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {building}"))).await?;
        {
            let pool = PgPoolOptions::new().max_connections(1).connect(&url_with_db(admin, &building)).await?;
            motcua::db::migrate(&pool).await.context("migrating the template")?;
            pool.close().await;
        }
        conn.execute(sqlx::AssertSqlSafe(format!("ALTER DATABASE {building} RENAME TO {name}"))).await?;
        conn.execute(sqlx::AssertSqlSafe(format!("ALTER DATABASE {name} WITH IS_TEMPLATE true"))).await?;
    }
    conn.execute("SELECT pg_advisory_unlock(727274)").await?;
    conn.close().await?;
    Ok(name)
}

/// A fresh database cloned from the migrated template; returns its URL.
pub async fn fresh_database() -> anyhow::Result<String> {
    let admin = admin_url();
    let template = ensure_template(&admin).await?;
    let name = format!("motcua_t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::connect(&admin).await?;
    conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name} TEMPLATE {template}"))).await?;
    conn.close().await?;
    Ok(url_with_db(&admin, &name))
}

/// A running server and what a test needs to drive it.
pub struct TestApp {
    pub addr: SocketAddr,
    pub base_url: String,
    pub db: PgPool,
    pub client: reqwest::Client,
    pub config: Arc<Config>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    /// Starts the server on a fresh database with the default test configuration.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Starts the server, letting the test adjust the configuration first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let db_url = fresh_database().await.expect("a fresh test database");
        let mut config = Config::from_lookup(|_| None).expect("default config");
        config.database_url = Secret::new(db_url);
        config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.db_max_connections = 8;
        config.shutdown_grace = Duration::from_secs(5);
        config.static_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/build");
        config.object_dir = std::env::temp_dir().join(format!("motcua-objects-{}", uuid::Uuid::new_v4().simple()));
        adjust(&mut config);
        Self::spawn_config(config).await
    }

    /// Starts the server on an existing database (the benchmarks' generated province), default configuration
    /// otherwise, national systems switched off.
    pub async fn spawn_on_database(db_url: String) -> TestApp {
        let mut config = Config::from_lookup(|_| None).expect("default config");
        config.database_url = Secret::new(db_url);
        config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.db_max_connections = 16;
        config.platform_url = String::new();
        config.smtp_url = Secret::new(String::new());
        config.sms_url = String::new();
        config.static_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/build");
        config.object_dir = std::env::temp_dir().join(format!("motcua-objects-{}", uuid::Uuid::new_v4().simple()));
        Self::spawn_config(config).await
    }

    async fn spawn_config(config: Config) -> TestApp {
        let listener = TcpListener::bind(config.listen).await.expect("bind 127.0.0.1:0");
        Self::spawn_on(listener, config).await
    }

    /// Starts the server with the stand-ins of the national systems: the sharing platform and population
    /// database (`motcua-sim`, in process) and the eID and staff identity providers (`sim/eid`, a Node
    /// child process running the real `oidc-provider`). Sign-in then works end to end.
    pub async fn spawn_with_stand_ins(adjust: impl FnOnce(&mut Config)) -> (TestApp, StandIns) {
        Self::spawn_with_sims(true, adjust).await
    }

    /// Like [`Self::spawn_with_stand_ins`] without the identity providers: the sharing platform, population
    /// database, national portal and payment platform only (in process, quick to start).
    pub async fn spawn_with_sim(adjust: impl FnOnce(&mut Config)) -> (TestApp, StandIns) {
        Self::spawn_with_sims(false, adjust).await
    }

    async fn spawn_with_sims(eid: bool, adjust: impl FnOnce(&mut Config)) -> (TestApp, StandIns) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let app_url = format!("http://{}", listener.local_addr().expect("addr"));
        let stand_ins = StandIns::start(&app_url, eid).await;
        let db_url = fresh_database().await.expect("a fresh test database");
        let mut config = Config::from_lookup(|_| None).expect("default config");
        config.database_url = Secret::new(db_url);
        config.db_max_connections = 8;
        config.shutdown_grace = Duration::from_secs(5);
        config.static_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/build");
        config.object_dir = std::env::temp_dir().join(format!("motcua-objects-{}", uuid::Uuid::new_v4().simple()));
        config.platform_url = stand_ins.sim_url.clone();
        config.smtp_url = Secret::new(stand_ins.smtp_url.clone());
        config.sms_url = format!("{}/sms/send", stand_ins.sim_url);
        config.platform_jwks_url = format!("{}/oauth2/jwks", stand_ins.sim_url);
        config.platform_issuer = format!("{}/oauth2", stand_ins.sim_url);
        config.eid.issuer = stand_ins.citizen_issuer.clone();
        config.staff_idp.issuer = stand_ins.staff_issuer.clone();
        adjust(&mut config);
        let app = Self::spawn_on(listener, config).await;
        (app, stand_ins)
    }

    async fn spawn_on(listener: TcpListener, config: Config) -> TestApp {
        capture_logs();
        let addr = listener.local_addr().expect("local addr");
        let mut config = config;
        config.public_url = format!("http://{addr}");
        let config = Arc::new(config);
        let db = motcua::db::connect(&config).await.expect("pool");
        let state = motcua::http::AppState::new(config.clone(), db.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(motcua::http::serve(listener, state, async {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        TestApp {
            addr,
            base_url: format!("http://{addr}"),
            db,
            client,
            config,
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    /// A sharing-platform client like the server's (exchanges logged to the test database).
    pub fn platform(&self) -> motcua::platform::PlatformClient {
        motcua::platform::PlatformClient::from_config(&self.config, Some(self.db.clone())).expect("client")
    }

    /// Runs the outbox relay until nothing is due; answers how many messages it handled.
    pub async fn drain_outbox(&self) -> usize {
        let platform = self.platform();
        let mut total = 0;
        loop {
            let n = motcua::national::relay::deliver_batch(&self.db, &platform, &self.base_url).await.expect("relay");
            if n == 0 {
                return total;
            }
            total += n;
        }
    }

    /// Drives a motcua running elsewhere (another process) through the same helpers.
    pub fn external(base_url: String, db: PgPool, config: Config) -> TestApp {
        let addr = base_url.trim_start_matches("http://").parse().expect("an http://ip:port URL");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        TestApp { addr, base_url, db, client, config: Arc::new(config), shutdown: None, server: None }
    }

    /// Sends every due notification (e-mail, SMS); answers how many deliveries it handled.
    pub async fn drain_notifications(&self) -> usize {
        let sender = motcua::notify::Sender::from_config(&self.config).expect("sender");
        let mut total = 0;
        loop {
            let n = motcua::notify::deliver_batch(&self.db, &sender).await.expect("notifications");
            if n == 0 {
                return total;
            }
            total += n;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request sent")
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client.post(self.url(path)).json(body).send().await.expect("request sent")
    }

    pub async fn post_raw(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Signals shutdown and waits until the server has stopped (in-flight requests finish first).
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await??;
        }
        Ok(())
    }

    /// Sends the shutdown signal without waiting.
    pub fn begin_shutdown(&mut self) -> Option<JoinHandle<anyhow::Result<()>>> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.server.take()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Asserts that `res` is an error in the documented shape with `code`, and returns the body.
pub async fn expect_error(res: reqwest::Response, status: u16, code: &str) -> serde_json::Value {
    let got_status = res.status().as_u16();
    let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let rid = res.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let text = res.text().await.expect("body");
    assert_eq!(got_status, status, "status; body: {text}");
    assert!(ct.starts_with("application/json"), "content-type {ct:?}; body: {text}");
    let body: serde_json::Value = serde_json::from_str(&text).expect("error body is JSON");
    assert_eq!(body["code"], code, "code; body: {text}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "message; body: {text}");
    assert!(body["details"].is_array(), "details; body: {text}");
    assert_eq!(body["request_id"].as_str(), rid.as_deref(), "request_id matches the header; body: {text}");
    body
}

/// A signed-in browser: the session cookie and the CSRF token it must echo.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
    /// The staff or citizen id behind the session.
    pub id: uuid::Uuid,
}

impl TestApp {
    /// Loads the demo data (`motcua seed`).
    pub async fn seed(&self) {
        motcua::seed::run(&self.db).await.expect("seed");
    }

    /// A session for a seeded staff account (as the staff sign-in would open it).
    pub async fn staff_session(&self, username: &str) -> Session {
        let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM staff WHERE username = $1")
            .bind(username)
            .fetch_one(&self.db)
            .await
            .unwrap_or_else(|e| panic!("no staff {username}: {e}"));
        let s = motcua::store::session::create(
            &self.db,
            motcua::store::session::Owner::Staff(id),
            time::Duration::hours(12),
        )
        .await
        .expect("session");
        Session { cookie: s.token, csrf: s.csrf_token, id }
    }

    /// A citizen (created on first use, keyed like an eID sign-in) and a session for them.
    pub async fn citizen_session(&self, personal_id: &str, full_name: &str) -> Session {
        let id: uuid::Uuid = sqlx::query_scalar(
            "INSERT INTO citizen (issuer, subject, personal_id, full_name, birth_date, phone, email, verified_at)
             VALUES ('test-eid', $1, $1, $2, '1990-01-15', '0912345678', 'congdan@example.vn', now())
             ON CONFLICT (issuer, subject) DO UPDATE SET full_name = EXCLUDED.full_name RETURNING id",
        )
        .bind(personal_id)
        .bind(full_name)
        .fetch_one(&self.db)
        .await
        .expect("citizen");
        let s = motcua::store::session::create(
            &self.db,
            motcua::store::session::Owner::Citizen(id),
            time::Duration::hours(12),
        )
        .await
        .expect("session");
        Session { cookie: s.token, csrf: s.csrf_token, id }
    }

    fn with_session(&self, req: reqwest::RequestBuilder, s: &Session) -> reqwest::RequestBuilder {
        req.header(reqwest::header::COOKIE, format!("motcua_session={}", s.cookie)).header("x-csrf-token", &s.csrf)
    }

    pub async fn get_as(&self, s: &Session, path: &str) -> reqwest::Response {
        self.with_session(self.client.get(self.url(path)), s).send().await.expect("request sent")
    }

    pub async fn post_as(&self, s: &Session, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.with_session(self.client.post(self.url(path)), s).json(body).send().await.expect("request sent")
    }

    pub async fn put_as(&self, s: &Session, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.with_session(self.client.put(self.url(path)), s).json(body).send().await.expect("request sent")
    }

    pub async fn post_as_with_key(
        &self,
        s: &Session,
        path: &str,
        body: &serde_json::Value,
        key: &str,
    ) -> reqwest::Response {
        self.with_session(self.client.post(self.url(path)), s)
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Uploads `bytes` as `file_name`; returns the response.
    pub async fn upload_as(&self, s: &Session, file_name: &str, bytes: Vec<u8>) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        self.with_session(self.client.post(self.url("/api/v1/uploads")), s).multipart(form).send().await.expect("sent")
    }

    /// Uploads a small valid PDF and returns the upload id.
    pub async fn upload_pdf(&self, s: &Session, file_name: &str) -> uuid::Uuid {
        let res = self.upload_as(s, file_name, minimal_pdf(file_name)).await;
        assert_eq!(res.status(), 201, "upload: {}", res.text().await.unwrap_or_default());
        let body: serde_json::Value = res.json().await.expect("json");
        body["id"].as_str().and_then(|s| s.parse().ok()).expect("upload id")
    }

    /// The current catalogue document of a procedure.
    pub async fn procedure(&self, code: &str) -> serde_json::Value {
        let res = self.get(&format!("/api/v1/procedures/{code}")).await;
        assert_eq!(res.status(), 200);
        let body: serde_json::Value = res.json().await.expect("json");
        body["procedure"].clone()
    }

    /// A birth registration (1.001193) filed on the national portal, as the portal pushes it to
    /// `POST /api/v1/national/dossiers`: `code` is its MaHoSo, `email` the applicant's, and every mandatory
    /// component a small PDF.
    pub async fn portal_dossier(&self, code: &str, email: &str) -> serde_json::Value {
        use base64::Engine;
        use serde_json::json;
        let procedure = self.procedure("1.001193").await;
        let pdf = base64::engine::general_purpose::STANDARD.encode(minimal_pdf("to khai"));
        let files: Vec<serde_json::Value> = procedure["components"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["mandatory"] == true)
            .map(|c| {
                json!({"TenTepDinhKem": format!("{}.pdf", c["code"].as_str().unwrap_or("TP")),
                       "MaThanhPhanHoSo": c["code"], "LoaiNoiDung": "application/pdf", "NoiDung": pdf})
            })
            .collect();
        json!({
            "MaHoSo": code, "MaTTHC": "1.001193", "TenTTHC": procedure["name"], "KenhThucHien": "2", "TrangThaiHoSo": "1",
            "ChuHoSo": "Lê Văn Hùng", "DonViXuLy": "H56.101", "NgayNopHoSo": "20261123090000",
            "ThongTinNguoiNop": {"HoVaTen": "Lê Văn Hùng", "SoDinhDanh": "038090001111", "NgayThangNamSinh": "19900101",
                                 "DiaChi": "Thôn Đông, xã Quảng Phú", "SoDienThoai": "0912000111", "Email": email},
            "DuLieuBieuMau": valid_answers(&procedure["form"]),
            "TepDinhKem": files,
        })
    }

    /// The id of a seeded agency by its QĐ 20 code.
    pub async fn agency_id(&self, code: &str) -> uuid::Uuid {
        sqlx::query_scalar("SELECT agency_id FROM agency_code WHERE code = $1 AND kind = 'qd20'")
            .bind(code)
            .fetch_one(&self.db)
            .await
            .expect("agency")
    }
}

/// A tiny but well-formed PDF whose text is `label`.
pub fn minimal_pdf(label: &str) -> Vec<u8> {
    format!(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
         3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n% {}\ntrailer<</Root 1 0 R>>\n%%EOF\n",
        label.replace(['\n', '\r'], " ")
    )
    .into_bytes()
}

/// Valid answers for every field of an e-form schema (JSON as in the catalogue).
pub fn valid_answers(form: &serde_json::Value) -> serde_json::Value {
    use serde_json::json;
    let mut out = serde_json::Map::new();
    let today = time::OffsetDateTime::now_utc().date();
    for f in form["fields"].as_array().into_iter().flatten() {
        let key = f["key"].as_str().unwrap_or_default().to_owned();
        let rules = &f["rules"];
        let value = match f["kind"]["type"].as_str().unwrap_or_default() {
            "text" if rules["digits_only"] == true => json!("123456"),
            "text" => {
                let max = rules["max_length"].as_u64().unwrap_or(100) as usize;
                json!("Nguyễn Văn An".chars().take(max.max(1)).collect::<String>())
            }
            "textarea" => json!("Ghi chú về hồ sơ"),
            "number" => json!(rules["min"].as_f64().unwrap_or(1.0).max(rules["min"].as_f64().unwrap_or(0.0))),
            "date" => {
                let d = match (rules["min_date"].as_str(), rules["max_date"].as_str()) {
                    (Some("today"), _) => (today + time::Duration::days(7)).to_string(),
                    (Some(min), _) => min.to_owned(),
                    _ => "1990-01-15".to_owned(),
                };
                json!(d)
            }
            "email" => json!("an.nguyen@example.vn"),
            "phone" => json!("0912345678"),
            "personal_id" => json!("001090012345"),
            "tax_code" => json!("0101234567"),
            "select" => f["kind"]["options"][0]["value"].clone(),
            "checkbox" => json!(true),
            "address" => json!({"province_code": "38", "commune_code": "16000", "detail": "Số 1 Lê Lợi"}),
            other => panic!("unknown field type {other}"),
        };
        out.insert(key, value);
    }
    serde_json::Value::Object(out)
}

/// The national systems' stand-ins for one test.
pub struct StandIns {
    /// The sharing platform (token, JWKS, population database), e.g. `http://127.0.0.1:41234`.
    pub sim_url: String,
    /// The SMTP sink, e.g. `smtp://127.0.0.1:41235` (messages at `{sim_url}/_sim/mail`).
    pub smtp_url: String,
    pub citizen_issuer: String,
    pub staff_issuer: String,
    eid: Option<tokio::process::Child>,
    sim: JoinHandle<()>,
    http: reqwest::Client,
}

impl StandIns {
    /// Calls a stand-in route (`/_sim/...`) with an optional JSON body; answers the status and JSON body.
    pub async fn call(&self, method: &str, path: &str, body: Option<serde_json::Value>) -> (u16, serde_json::Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, format!("{}{path}", self.sim_url));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Switches a fault on a stand-in (`dvcqg`, `csdldancu`, `paygov`, `oauth2`); `{}` switches it off.
    pub async fn fault(&self, target: &str, faults: serde_json::Value) {
        let (status, body) = self.call("PUT", &format!("/_sim/faults/{target}"), Some(faults)).await;
        assert_eq!(status, 204, "{body}");
    }

    /// What the portal stand-in accepted, in arrival order.
    pub async fn portal_messages(&self) -> Vec<serde_json::Value> {
        let (_, body) = self.call("GET", "/_sim/portal/messages", None).await;
        body.as_array().cloned().unwrap_or_default()
    }

    /// The in-process stand-ins only (no identity providers), calling back the motcua at `app_url`.
    pub async fn sim_for(app_url: &str) -> StandIns {
        Self::start(app_url, false).await
    }

    async fn start(app_url: &str, with_eid: bool) -> StandIns {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        // The sharing platform and population database, in process.
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let sim_url = format!("http://{}", listener.local_addr().expect("addr"));
        let sim = motcua_sim::build(
            "motcua:motcua-dev-secret",
            format!("{sim_url}/oauth2"),
            Duration::from_secs(3600),
            Some(&root.join("sim/eid/accounts.json")),
        )
        .expect("stand-ins build");
        sim.set_motcua_url(app_url.to_owned());
        let smtp = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let smtp_url = format!("smtp://{}", smtp.local_addr().expect("addr"));
        tokio::spawn(motcua_sim::notify::serve_smtp(smtp, sim.clone()));
        let sim = tokio::spawn(async move {
            let _ = axum::serve(listener, motcua_sim::app(sim)).await;
        });
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("client");
        if !with_eid {
            return StandIns {
                sim_url,
                smtp_url,
                citizen_issuer: String::new(),
                staff_issuer: String::new(),
                eid: None,
                sim,
                http,
            };
        }
        // The identity providers: the real oidc-provider, on free ports, redirecting to this app.
        let eid_dir = root.join("sim/eid");
        assert!(
            eid_dir.join("node_modules").exists(),
            "sim/eid/node_modules is missing: run `npm ci` in sim/eid (make test does it)"
        );
        let mut eid = tokio::process::Command::new("node")
            .arg("server.mjs")
            .current_dir(&eid_dir)
            .env("EID_CITIZEN_PORT", "0")
            .env("EID_STAFF_PORT", "0")
            .env("EID_REDIRECT_URIS", format!("{app_url}/auth/callback"))
            .env("EID_POST_LOGOUT_REDIRECT_URIS", format!("{app_url}/"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs sim/eid/server.mjs");
        let stdout = eid.stdout.take().expect("stdout");
        let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
        let line = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.contains("citizen issuer") {
                    return Some(line);
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .expect("the eID stand-in starts and prints its issuers");
        // "eID stand-in: citizen issuer http://127.0.0.1:PORT, staff issuer http://127.0.0.1:PORT"
        let urls: Vec<String> = line
            .split_whitespace()
            .filter(|w| w.starts_with("http"))
            .map(|w| w.trim_end_matches(',').to_owned())
            .collect();
        assert_eq!(urls.len(), 2, "{line}");
        // Keep reading stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        StandIns {
            sim_url,
            smtp_url,
            citizen_issuer: urls[0].clone(),
            staff_issuer: urls[1].clone(),
            eid: Some(eid),
            sim,
            http,
        }
    }
}

impl Drop for StandIns {
    fn drop(&mut self) {
        if let Some(eid) = self.eid.as_mut() {
            let _ = eid.start_kill();
        }
        self.sim.abort();
    }
}

/// A browser for sign-in tests: keeps each site's cookies and follows redirects one hop at a time.
pub struct Browser {
    pub client: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    pub fn new() -> Self {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Self { client, jar }
    }

    /// The value of cookie `name` this browser holds for `url`.
    pub fn cookie(&self, url: &str, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = reqwest::Url::parse(url).ok()?;
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split(';')
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    }

    /// GETs `url` and follows redirects until one points at `stop_prefix` (returned, not followed) or a
    /// page answers without redirecting (returned as `Err` with its status and body).
    pub async fn follow_until(&self, url: &str, stop_prefix: &str) -> Result<String, (u16, String)> {
        let mut next = url.to_owned();
        for _ in 0..20 {
            let res = self.client.get(&next).send().await.map_err(|e| (0, e.to_string()))?;
            let status = res.status();
            if !status.is_redirection() {
                return Err((status.as_u16(), res.text().await.unwrap_or_default()));
            }
            let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            let absolute = if location.starts_with("http") {
                location
            } else {
                let base = reqwest::Url::parse(&next).map_err(|e| (0, e.to_string()))?;
                base.join(&location).map_err(|e| (0, e.to_string()))?.to_string()
            };
            if absolute.starts_with(stop_prefix) {
                return Ok(absolute);
            }
            next = absolute;
        }
        Err((0, "too many redirects".into()))
    }

    /// Signs in through the whole flow as `login_hint` (`who`: citizen or staff): returns the final
    /// response of motcua's callback.
    pub async fn sign_in(&self, app: &TestApp, who: &str, login_hint: &str) -> reqwest::Response {
        let start = app.url(&format!("/auth/login?who={who}&login_hint={login_hint}&return_to=/ho-so-cua-toi"));
        let callback = self.follow_until(&start, &app.url("/auth/callback")).await.expect("reaches the callback");
        self.client.get(callback).send().await.expect("callback")
    }
}

/// With `MOTCUA_TEST_LOG_FILE` set (make test sets it), every log line of every server the tests start is
/// written there as JSON, so the test command can check that no personal ID number ever reached a log.
fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let Ok(path) = std::env::var("MOTCUA_TEST_LOG_FILE") else { return };
        let Ok(file) = std::fs::OpenOptions::new().create(true).append(true).open(&path) else { return };
        let file = std::sync::Mutex::new(file);
        let _ = tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug,sqlx=warn,hyper=info,h2=info,reqwest=info"))
            .with_writer(file)
            .try_init();
    });
}
