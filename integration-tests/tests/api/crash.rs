//! The real `motcua` binary killed with SIGKILL in the middle of a burst of status changes, then restarted:
//! every committed change reaches the national portal stand-in, in order, none twice in effect.

use std::{path::PathBuf, process::Stdio, time::Duration};

use integration_tests::{StandIns, TestApp, fresh_database};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use super::{
    dossiers::counter_dossier,
    national::{effective, ours},
};

fn binary() -> PathBuf {
    // target/debug/deps/api-<hash> → target/debug/motcua (`cargo build --workspace` builds it; make test does).
    let exe = std::env::current_exe().expect("test binary path");
    let bin = exe.parent().and_then(|p| p.parent()).map(|p| p.join("motcua")).expect("target dir");
    assert!(bin.exists(), "{} is missing: run `cargo build --workspace` first (make test does)", bin.display());
    bin
}

fn start(env: &[(String, String)]) -> Child {
    Command::new(binary())
        .arg("serve")
        .env_clear()
        .envs(env.iter().cloned())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("motcua starts")
}

async fn wait_ready(url: &str) {
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if client.get(format!("{url}/readyz")).send().await.is_ok_and(|r| r.status() == 200) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("motcua at {url} did not become ready");
}

#[tokio::test]
async fn sigkill_in_a_burst_of_changes_loses_nothing_and_delivers_nothing_twice_in_effect() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
    let base_url = format!("http://127.0.0.1:{port}");
    let sim: StandIns = StandIns::sim_for(&base_url).await;
    let db_url = fresh_database().await.expect("database");
    let objects = std::env::temp_dir().join(format!("motcua-objects-{}", uuid::Uuid::new_v4().simple()));
    let env: Vec<(String, String)> = [
        ("MOTCUA_DATABASE_URL", db_url.clone()),
        ("MOTCUA_LISTEN", format!("127.0.0.1:{port}")),
        ("MOTCUA_PUBLIC_URL", base_url.clone()),
        ("MOTCUA_PLATFORM_URL", sim.sim_url.clone()),
        ("MOTCUA_PLATFORM_JWKS_URL", format!("{}/oauth2/jwks", sim.sim_url)),
        ("MOTCUA_PLATFORM_ISSUER", format!("{}/oauth2", sim.sim_url)),
        ("MOTCUA_OBJECT_DIR", objects.display().to_string()),
        ("MOTCUA_LOG", "error".to_owned()),
        (
            "MOTCUA_STATIC_DIR",
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/build").display().to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let mut first = start(&env);
    wait_ready(&base_url).await;

    let mut config = motcua::config::Config::from_lookup(|_| None).expect("config");
    config.database_url = motcua::config::Secret::new(db_url);
    config.platform_url = sim.sim_url.clone();
    let db = motcua::db::connect(&config).await.expect("pool");
    let app = TestApp::external(base_url.clone(), db.clone(), config);
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let officer = app.staff_session("hacthanh.tuphap").await;
    let mut dossiers = Vec::new();
    for _ in 0..8 {
        dossiers.push(counter_dossier(&app, &clerk).await);
    }
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM dossier_action").fetch_one(&db).await.expect("count");

    // The burst: each dossier goes through three more steps, all dossiers at once.
    let app = std::sync::Arc::new(app);
    let mut burst = Vec::new();
    for d in dossiers.clone() {
        let (app, clerk, officer) = (app.clone(), clerk.clone(), officer.clone());
        burst.push(tokio::spawn(async move {
            let steps = [(&clerk, "hand_over"), (&officer, "hand_over"), (&officer, "submit_for_approval")];
            let mut d = d;
            let mut done = 0;
            for (who, action) in steps {
                // Sent by hand: once the server is killed a request fails, and that ends this dossier's burst.
                let url = app.url(&format!("/api/v1/dossiers/{}/actions", d["id"].as_str().unwrap_or_default()));
                let sent = app
                    .client
                    .post(url)
                    .header("cookie", format!("motcua_session={}", who.cookie))
                    .header("x-csrf-token", &who.csrf)
                    .json(&json!({"action": action, "expected_version": d["version"]}))
                    .send()
                    .await;
                let Ok(res) = sent else { break };
                if res.status() != 200 {
                    break;
                }
                let Ok(next) = res.json::<Value>().await else { break };
                d = next;
                done += 1;
            }
            done
        }));
    }
    // Kill it once some of the burst has committed, while the rest is in flight.
    for _ in 0..500 {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM dossier_action").fetch_one(&db).await.expect("count");
        if n >= before + 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.start_kill().expect("SIGKILL");
    let _ = first.wait().await;
    let mut completed = 0;
    for t in burst {
        completed += t.await.expect("burst task");
    }
    assert!(completed < 24, "the kill interrupted the burst ({completed} of 24 steps answered)");

    // Restarted: the relay delivers what was committed, whatever the killed process had sent or not.
    let _second = start(&env);
    wait_ready(&base_url).await;
    let mut left = i64::MAX;
    for _ in 0..600 {
        left = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE status <> 'delivered'")
            .fetch_one(&db)
            .await
            .expect("count");
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, 0, "everything committed is delivered after the restart");
    let (actions, messages): (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM dossier_action), (SELECT count(*) FROM outbox)")
            .fetch_one(&db)
            .await
            .expect("counts");
    assert_eq!(messages, actions * 2, "every committed change has its two messages");
    assert!(actions > before, "some of the burst was committed");
    let received = sim.portal_messages().await;
    for d in &dossiers {
        let code = d["code"].as_str().unwrap_or_default();
        assert_eq!(
            effective(&received, code),
            ours(&app, code).await,
            "{code}: in order, complete, nothing twice in effect"
        );
    }
}
