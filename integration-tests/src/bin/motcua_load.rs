//! Load for `scripts/bench.sh` and `scripts/reliability.sh`, against a motcua running as its own process.
//!
//!   motcua_load prepare --base URL --dir DIR [--citizens 64]
//!       signs in citizens (sessions minted in the database, as the eID sign-in would), and writes what wrk and the
//!       open-loop run send: sessions.tsv (cookie, CSRF token), submit.json (an online submission, JSON, no
//!       attachment: both components brought to the counter), codes.txt (dossier codes to look up),
//!       upload-200k.body / upload-2m.body (multipart bodies of real PDFs) and boundary.txt.
//!   motcua_load open-loop --base URL --dir DIR --submit-rate 50 --lookup-rate 500 --secs 30
//!       [--pids 123,456] [--retry] [--desks] [--run NAME] [--json FILE] [--acked FILE]
//!       sends at a fixed schedule whatever the answers (latency counts from the scheduled time, so a stall shows up
//!       as latency, not as a lower rate), prints p50/p99/max per kind and CPU use; with --retry a submission is
//!       retried with the same Idempotency-Key through connection errors and 5xx (up to 30 s), as a browser would;
//!       --acked writes one line per acknowledged submission: dossier id, then the marker e-mail it carried;
//!       --desks sends the submissions round the desks that can receive them (desks.txt: the communes), as a
//!       province's submissions spread over its desks, each with its own counter of dossier codes.
//!
//!   motcua_load clerks --base URL --dir DIR [--clerks 32] [--dossiers 4] [--rounds 6] [--json FILE] [--acked FILE]
//!       (reliability) files DOSSIERS online dossiers, then CLERKS receiving clerks of their desk (accounts made in
//!       the database, sessions minted) act on them all at once, ROUNDS times, each with the version it read; prints
//!       what they got and checks that each dossier has one history row per accepted action, losers got 409, no 5xx.
//!   motcua_load inbound --base URL --sim URL [--count 30] [--run NAME] [--json FILE] [--acked FILE]
//!       (reliability) the national portal stand-in delivers COUNT dossiers twice or three times each, shuffled and
//!       concurrently, while we are polled for changes and asked for the dossiers; checks every one exists once.
//!   motcua_load lookups --base URL [--rate 2] [--secs 30] [--json FILE]
//!       (reliability) a counter clerk asks the population database at a fixed rate; counts verified / unknown /
//!       HTTP errors and the slowest answer (during faults every answer must be `unknown`, never a hang or a 5xx).
//!
//! MOTCUA_DATABASE_URL names the database (prepare, clerks, inbound, lookups). A benchmark tool: open-loop asserts
//! nothing about time; clerks and inbound exit non-zero when their checks fail.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use integration_tests::{TestApp, minimal_pdf, valid_answers};
use serde_json::{Value, json};

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn need(args: &[String], name: &str) -> anyhow::Result<String> {
    flag(args, name).ok_or_else(|| anyhow::anyhow!("{name} is required"))
}

const PROCEDURE: &str = "2.000815";
const BOUNDARY: &str = "motcua-bench-7d3f0a9c";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("prepare") => prepare(&args).await,
        Some("open-loop") => open_loop(&args).await,
        Some("clerks") => clerks(&args).await,
        Some("inbound") => inbound(&args).await,
        Some("lookups") => lookups(&args).await,
        _ => anyhow::bail!("usage: motcua_load prepare|open-loop|clerks|inbound|lookups ... (see the source's header)"),
    }
}

/// A PDF padded to about `size` bytes (a comment block, as scanners pad theirs).
fn pdf_of(size: usize) -> Vec<u8> {
    let mut pdf = minimal_pdf("bản sao chứng thực");
    let tail = pdf.split_off(pdf.len() - "trailer<</Root 1 0 R>>\n%%EOF\n".len());
    let mut line = 0usize;
    while pdf.len() + tail.len() < size {
        pdf.extend_from_slice(
            format!("% padding {line:08} ................................................\n").as_bytes(),
        );
        line += 1;
    }
    pdf.extend_from_slice(&tail);
    pdf
}

fn multipart(file_name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn prepare(args: &[String]) -> anyhow::Result<()> {
    let base = need(args, "--base")?;
    let dir = std::path::PathBuf::from(need(args, "--dir")?);
    let citizens: usize = flag(args, "--citizens").and_then(|v| v.parse().ok()).unwrap_or(64);
    std::fs::create_dir_all(&dir)?;
    let url = std::env::var("MOTCUA_DATABASE_URL").map_err(|_| anyhow::anyhow!("MOTCUA_DATABASE_URL is required"))?;
    let db = sqlx::PgPool::connect(&url).await?;
    let app = TestApp::external(base, db.clone(), motcua::config::Config::from_env()?);
    let mut sessions = String::new();
    for i in 0..citizens {
        let s = app.citizen_session(&format!("0380990{i:05}"), &format!("Lê Thị Bích Ngọc {i}")).await;
        sessions.push_str(&format!("{}\t{}\n", s.cookie, s.csrf));
    }
    std::fs::write(dir.join("sessions.tsv"), sessions)?;
    let procedure = app.procedure(PROCEDURE).await;
    let agency: uuid::Uuid = sqlx::query_scalar(
        "SELECT a.agency_id FROM agency_code a JOIN agency g ON g.id = a.agency_id
          WHERE a.kind = 'qd20' AND a.code = 'H56.101'",
    )
    .fetch_one(&db)
    .await?;
    let submit = json!({
        "procedure_code": PROCEDURE,
        "agency_id": agency,
        "form": valid_answers(&procedure["form"]),
        "attachments": [],
        "bring_to_counter": ["TP01", "TP02"],
    });
    std::fs::write(dir.join("submit.json"), serde_json::to_vec(&submit)?)?;
    // Every desk of the same level that can receive it (the communes), for `open-loop --desks`.
    let desks: Vec<uuid::Uuid> = sqlx::query_scalar(
        "SELECT g.id FROM agency g
          WHERE g.level = (SELECT level FROM agency WHERE id = $1)
            AND EXISTS (SELECT 1 FROM unit u WHERE u.agency_id = g.id AND u.kind = 'one_stop')
          ORDER BY g.id",
    )
    .bind(agency)
    .fetch_all(&db)
    .await?;
    std::fs::write(dir.join("desks.txt"), desks.iter().map(|d| format!("{d}\n")).collect::<String>())?;
    let codes: Vec<String> =
        sqlx::query_scalar("SELECT code FROM dossier WHERE code IS NOT NULL ORDER BY md5(code) LIMIT 5000")
            .fetch_all(&db)
            .await?;
    anyhow::ensure!(!codes.is_empty(), "no dossier has a code yet: generate some first");
    std::fs::write(dir.join("codes.txt"), codes.join("\n") + "\n")?;
    for (name, size) in [("200k", 200 * 1024), ("2m", 2 * 1024 * 1024)] {
        std::fs::write(
            dir.join(format!("upload-{name}.body")),
            multipart(&format!("bản sao {name}.pdf"), &pdf_of(size)),
        )?;
    }
    std::fs::write(dir.join("boundary.txt"), BOUNDARY)?;
    println!(
        "prepared {citizens} citizen sessions, {} lookup codes, submission of {PROCEDURE} in {}",
        codes.len(),
        dir.display()
    );
    Ok(())
}

#[derive(Default)]
struct Tally {
    latencies_ms: Vec<f64>,
    statuses: BTreeMap<String, u64>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// CPU time (user + system) of a process, in seconds.
fn cpu_secs(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0.0 };
    // Fields after the command name (which is in parentheses and may hold spaces): utime is the 12th, stime 13th.
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// (busy, total) jiffies of the whole machine.
fn machine_jiffies() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let cpu: Vec<f64> =
        stat.lines().next().unwrap_or("").split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    let total: f64 = cpu.iter().sum();
    let idle = cpu.get(3).copied().unwrap_or(0.0) + cpu.get(4).copied().unwrap_or(0.0);
    (total - idle, total)
}

struct Shared {
    base: String,
    client: reqwest::Client,
    sessions: Vec<(String, String)>,
    submit: Value,
    codes: Vec<String>,
    /// With `--desks`: the submissions go round the desks in desks.txt.
    desks: Vec<String>,
    retry: bool,
    run: String,
    tallies: Mutex<BTreeMap<&'static str, Tally>>,
    acked: Mutex<Vec<String>>,
}

impl Shared {
    fn record(&self, kind: &'static str, scheduled: Instant, status: String) {
        let ms = scheduled.elapsed().as_secs_f64() * 1000.0;
        let mut t = self.tallies.lock().expect("tally lock");
        let t = t.entry(kind).or_default();
        t.latencies_ms.push(ms);
        *t.statuses.entry(status).or_default() += 1;
    }
}

async fn submit_once(s: &Shared, i: u64, scheduled: Instant) {
    let (cookie, csrf) = &s.sessions[i as usize % s.sessions.len()];
    let marker = format!("{}-{i}@bench.example.vn", s.run);
    let mut body = s.submit.clone();
    body["email"] = json!(marker);
    if !s.desks.is_empty() {
        body["agency_id"] = json!(s.desks[i as usize % s.desks.len()]);
    }
    let key = format!("{}-{i}", s.run);
    let give_up = scheduled + Duration::from_secs(30);
    loop {
        let res = s
            .client
            .post(format!("{}/api/v1/dossiers", s.base))
            .header("cookie", format!("motcua_session={cookie}"))
            .header("x-csrf-token", csrf)
            .header("idempotency-key", &key)
            .json(&body)
            .send()
            .await;
        let status = match res {
            Ok(r) => {
                let code = r.status().as_u16();
                if code == 201
                    && let Ok(v) = r.json::<Value>().await
                {
                    let id = v["id"].as_str().unwrap_or_default().to_owned();
                    s.acked.lock().expect("acked lock").push(format!("{id}\t{marker}"));
                }
                code.to_string()
            }
            Err(e) if e.is_timeout() => "timeout".to_owned(),
            Err(_) => "connection error".to_owned(),
        };
        let retryable = status == "connection error" || status == "timeout" || status.starts_with('5');
        if s.retry && retryable && Instant::now() < give_up {
            tokio::time::sleep(Duration::from_millis(250)).await;
            continue;
        }
        s.record("submit", scheduled, status);
        return;
    }
}

async fn lookup_once(s: &Shared, i: u64, scheduled: Instant) {
    let code = &s.codes[(i as usize * 7919) % s.codes.len()];
    let status = match s.client.get(format!("{}/api/v1/public/dossiers/{code}", s.base)).send().await {
        Ok(r) => {
            let code = r.status().as_u16();
            let _ = r.bytes().await;
            code.to_string()
        }
        Err(e) if e.is_timeout() => "timeout".to_owned(),
        Err(_) => "connection error".to_owned(),
    };
    s.record("lookup", scheduled, status);
}

async fn open_loop(args: &[String]) -> anyhow::Result<()> {
    let base = need(args, "--base")?;
    let dir = std::path::PathBuf::from(need(args, "--dir")?);
    let submit_rate: f64 = flag(args, "--submit-rate").and_then(|v| v.parse().ok()).unwrap_or(50.0);
    let lookup_rate: f64 = flag(args, "--lookup-rate").and_then(|v| v.parse().ok()).unwrap_or(500.0);
    let secs: f64 = flag(args, "--secs").and_then(|v| v.parse().ok()).unwrap_or(30.0);
    let pids: Vec<u32> =
        flag(args, "--pids").unwrap_or_default().split(',').filter_map(|p| p.trim().parse().ok()).collect();
    let sessions = std::fs::read_to_string(dir.join("sessions.tsv"))?
        .lines()
        .filter_map(|l| l.split_once('\t').map(|(a, b)| (a.to_owned(), b.to_owned())))
        .collect::<Vec<_>>();
    let codes = std::fs::read_to_string(dir.join("codes.txt"))?.lines().map(str::to_owned).collect::<Vec<_>>();
    anyhow::ensure!(!sessions.is_empty() && !codes.is_empty(), "run prepare first");
    let shared = Arc::new(Shared {
        base,
        client: reqwest::Client::builder().pool_max_idle_per_host(1024).timeout(Duration::from_secs(10)).build()?,
        sessions,
        submit: serde_json::from_slice(&std::fs::read(dir.join("submit.json"))?)?,
        codes,
        desks: if args.iter().any(|a| a == "--desks") {
            std::fs::read_to_string(dir.join("desks.txt"))?.lines().map(str::to_owned).collect()
        } else {
            Vec::new()
        },
        retry: args.iter().any(|a| a == "--retry"),
        run: flag(args, "--run").unwrap_or_else(|| format!("run{}", std::process::id())),
        tallies: Mutex::default(),
        acked: Mutex::default(),
    });
    let cpu_before: Vec<f64> = pids.iter().map(|p| cpu_secs(*p)).collect();
    let machine_before = machine_jiffies();
    let start = Instant::now() + Duration::from_millis(200);
    let end = start + Duration::from_secs_f64(secs);
    let mut schedulers = Vec::new();
    for (kind, rate) in [("submit", submit_rate), ("lookup", lookup_rate)] {
        if rate <= 0.0 {
            continue;
        }
        let shared = shared.clone();
        schedulers.push(tokio::spawn(async move {
            let mut inflight = Vec::new();
            for i in 0u64.. {
                let at = start + Duration::from_secs_f64(i as f64 / rate);
                if at >= end {
                    break;
                }
                tokio::time::sleep_until(at.into()).await;
                let s = shared.clone();
                inflight.push(tokio::spawn(async move {
                    if kind == "submit" { submit_once(&s, i, at).await } else { lookup_once(&s, i, at).await }
                }));
            }
            for h in inflight {
                let _ = h.await;
            }
        }));
    }
    for s in schedulers {
        s.await?;
    }
    let wall = start.elapsed().as_secs_f64();
    let machine_after = machine_jiffies();
    let cpu: Vec<f64> = pids.iter().zip(&cpu_before).map(|(p, b)| (cpu_secs(*p) - b) / wall * 100.0).collect();
    let machine_busy = (machine_after.0 - machine_before.0) / (machine_after.1 - machine_before.1).max(1.0) * 100.0;
    let mut report = json!({
        "offered": {"submit_per_s": submit_rate, "lookup_per_s": lookup_rate, "secs": secs},
        "cpu_pct_of_one_core": pids.iter().zip(&cpu).map(|(p, c)| json!({"pid": p, "pct": (c * 10.0).round() / 10.0})).collect::<Vec<_>>(),
        "machine_busy_pct": (machine_busy * 10.0).round() / 10.0,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    });
    let tallies = std::mem::take(&mut *shared.tallies.lock().expect("tally lock"));
    for (kind, mut t) in tallies {
        t.latencies_ms.sort_by(f64::total_cmp);
        let l = &t.latencies_ms;
        let r = |v: f64| (v * 10.0).round() / 10.0;
        println!(
            "{kind:7} sent {:6}  answered {:?}  p50 {:7.1} ms  p99 {:7.1} ms  max {:7.1} ms",
            l.len(),
            t.statuses,
            percentile(l, 0.5),
            percentile(l, 0.99),
            l.last().copied().unwrap_or(f64::NAN)
        );
        report[kind] = json!({
            "sent": l.len(), "statuses": t.statuses,
            "p50_ms": r(percentile(l, 0.5)), "p99_ms": r(percentile(l, 0.99)), "max_ms": r(l.last().copied().unwrap_or(0.0)),
        });
    }
    println!(
        "cpu: {} (percent of one core per pid); machine busy {machine_busy:.1}% of {} cores",
        report["cpu_pct_of_one_core"], report["cores"]
    );
    if let Some(path) = flag(args, "--json") {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)?;
    }
    if let Some(path) = flag(args, "--acked") {
        let acked = shared.acked.lock().expect("acked lock");
        std::fs::write(path, acked.iter().map(|l| format!("{l}\n")).collect::<String>())?;
    }
    Ok(())
}

/// A tiny deterministic generator (xorshift), so a run's order can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

async fn database() -> anyhow::Result<sqlx::PgPool> {
    let url = std::env::var("MOTCUA_DATABASE_URL").map_err(|_| anyhow::anyhow!("MOTCUA_DATABASE_URL is required"))?;
    Ok(sqlx::PgPool::connect(&url).await?)
}

fn write_report(args: &[String], report: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(report)?);
    if let Some(path) = flag(args, "--json") {
        std::fs::write(path, serde_json::to_vec_pretty(report)?)?;
    }
    Ok(())
}

fn append_acked(args: &[String], lines: &[String]) -> anyhow::Result<()> {
    if let Some(path) = flag(args, "--acked") {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        for l in lines {
            writeln!(f, "{l}")?;
        }
    }
    Ok(())
}

/// The status and error code of an answer ("200", "409 conflict", ...).
async fn outcome(res: Result<reqwest::Response, reqwest::Error>) -> (u16, String, Value) {
    match res {
        Ok(r) => {
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            let code = match body["code"].as_str() {
                Some(c) if status >= 400 => format!("{status} {c}"),
                _ => status.to_string(),
            };
            (status, code, body)
        }
        Err(e) if e.is_timeout() => (0, "timeout".into(), Value::Null),
        Err(_) => (0, "connection error".into(), Value::Null),
    }
}

const CLERK_ACTIONS: [&str; 5] = ["accept", "request_supplement", "receive_supplement", "hand_over", "refuse"];

async fn clerks(args: &[String]) -> anyhow::Result<()> {
    let base = need(args, "--base")?;
    let dir = std::path::PathBuf::from(need(args, "--dir")?);
    let n_clerks: usize = flag(args, "--clerks").and_then(|v| v.parse().ok()).unwrap_or(32);
    let n_dossiers: usize = flag(args, "--dossiers").and_then(|v| v.parse().ok()).unwrap_or(4);
    let rounds: usize = flag(args, "--rounds").and_then(|v| v.parse().ok()).unwrap_or(6);
    let run = flag(args, "--run").unwrap_or_else(|| format!("clerks{}", std::process::id()));
    let db = database().await?;
    let app = TestApp::external(base.clone(), db.clone(), motcua::config::Config::from_env()?);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;

    // The dossiers: online submissions by the first prepared citizen.
    let (cookie, csrf) = std::fs::read_to_string(dir.join("sessions.tsv"))?
        .lines()
        .next()
        .and_then(|l| l.split_once('\t').map(|(a, b)| (a.to_owned(), b.to_owned())))
        .ok_or_else(|| anyhow::anyhow!("run prepare first"))?;
    let submit: Value = serde_json::from_slice(&std::fs::read(dir.join("submit.json"))?)?;
    let mut ids = Vec::new();
    let mut acked = Vec::new();
    for i in 0..n_dossiers {
        let marker = format!("{run}-{i}@bench.example.vn");
        let mut body = submit.clone();
        body["email"] = json!(marker);
        let res = client
            .post(format!("{base}/api/v1/dossiers"))
            .header("cookie", format!("motcua_session={cookie}"))
            .header("x-csrf-token", &csrf)
            .header("idempotency-key", format!("{run}-{i}"))
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(res.status() == 201, "submission {i}: {} {}", res.status(), res.text().await?);
        let v: Value = res.json().await?;
        let id: uuid::Uuid = v["id"].as_str().unwrap_or_default().parse()?;
        acked.push(format!("{id}\t{marker}"));
        ids.push(id);
    }
    append_acked(args, &acked)?;

    // The clerks: accounts with the clerk role in the desk that holds these dossiers, like the seeded one.
    let desk: uuid::Uuid =
        sqlx::query_scalar("SELECT current_unit_id FROM dossier WHERE id = $1").bind(ids[0]).fetch_one(&db).await?;
    let mut sessions = Vec::new();
    for k in 0..n_clerks {
        let username = format!("reliability.clerk{k:02}");
        sqlx::query(
            "WITH s AS (INSERT INTO staff (username, full_name, title, is_sample) VALUES ($1, $2, 'Công chức Một cửa', true)
                        ON CONFLICT (username) DO UPDATE SET active = true RETURNING id)
             INSERT INTO staff_role (staff_id, unit_id, role) SELECT id, $3, 'clerk' FROM s ON CONFLICT DO NOTHING",
        )
        .bind(&username)
        .bind(format!("Cán bộ thử tải {k}"))
        .bind(desk)
        .execute(&db)
        .await?;
        sessions.push(app.staff_session(&username).await);
    }

    let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
    let mut wins: BTreeMap<uuid::Uuid, u64> = BTreeMap::new();
    let mut problems: Vec<String> = Vec::new();
    for round in 0..rounds {
        // Everyone reads the dossier first (the version and the actions the desk may take now).
        let mut seen = Vec::new();
        for id in &ids {
            let res = app.get_as(&sessions[0], &format!("/api/v1/dossiers/{id}")).await;
            let v: Value = if res.status() == 200 { res.json().await? } else { Value::Null };
            let allowed: Vec<String> = v["allowed_actions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a.as_str().map(str::to_owned))
                .filter(|a| CLERK_ACTIONS.contains(&a.as_str()))
                .collect();
            seen.push((v["version"].as_i64().unwrap_or(0), allowed));
        }
        let racing = seen.iter().filter(|(_, allowed)| !allowed.is_empty()).count();
        let players = (0..n_clerks).filter(|k| !seen[k % ids.len()].1.is_empty()).count();
        if racing == 0 {
            break;
        }
        let barrier = Arc::new(tokio::sync::Barrier::new(players));
        let mut tasks = Vec::new();
        for (k, s) in sessions.iter().enumerate() {
            let d = k % ids.len();
            let (version, allowed) = seen[d].clone();
            let id = ids[d];
            let (client, base, s, barrier) = (client.clone(), base.clone(), s.clone(), barrier.clone());
            if allowed.is_empty() {
                // The desk may do nothing more (refused, or handed over to the specialists): no race left here.
                continue;
            }
            tasks.push(tokio::spawn(async move {
                let action = allowed[(k / 4 + round) % allowed.len()].clone();
                let body = json!({
                    "action": action, "expected_version": version,
                    "reason": "Thiếu bản sao giấy tờ (thử tải)", "items": ["TP02"], "note": format!("clerk {k}"),
                });
                barrier.wait().await;
                let res = client
                    .post(format!("{base}/api/v1/dossiers/{id}/actions"))
                    .header("cookie", format!("motcua_session={}", s.cookie))
                    .header("x-csrf-token", &s.csrf)
                    .json(&body)
                    .send()
                    .await;
                let (status, code, _) = outcome(res).await;
                (id, action, status, code)
            }));
        }
        for t in tasks {
            let (id, action, status, code) = t.await?;
            *statuses.entry(code.clone()).or_default() += 1;
            if status == 200 {
                *wins.entry(id).or_default() += 1;
            } else if status != 409 {
                problems.push(format!("round {round}: {action} on {id} answered {code} (expected 200 or 409)"));
            }
        }
    }
    // Per round and dossier at most one winner; the history holds exactly the winners.
    let mut dossiers = Vec::new();
    for id in &ids {
        let (state, version, actions, max_seq, last_to, outbox): (String, i32, i64, Option<i32>, Option<String>, i64) =
            sqlx::query_as(
                "SELECT d.state, d.version,
                        (SELECT count(*) FROM dossier_action a WHERE a.dossier_id = d.id),
                        (SELECT max(seq) FROM dossier_action a WHERE a.dossier_id = d.id),
                        (SELECT to_state FROM dossier_action a WHERE a.dossier_id = d.id ORDER BY seq DESC LIMIT 1),
                        (SELECT count(*) FROM outbox o WHERE o.dossier_id = d.id)
                   FROM dossier d WHERE d.id = $1",
            )
            .bind(id)
            .fetch_one(&db)
            .await?;
        let won = wins.get(id).copied().unwrap_or(0) as i64;
        if won as usize > rounds {
            problems.push(format!("{id}: {won} winning actions in {rounds} rounds"));
        }
        if actions != 1 + won {
            problems.push(format!("{id}: {actions} history rows, expected 1 (submission) + {won} accepted actions"));
        }
        if max_seq != Some(actions as i32) {
            problems.push(format!("{id}: history numbering has gaps (max seq {max_seq:?}, {actions} rows)"));
        }
        if last_to.as_deref() != Some(state.as_str()) {
            problems.push(format!("{id}: state {state} differs from the last history row's {last_to:?}"));
        }
        if outbox < actions {
            problems.push(format!("{id}: {outbox} outbox rows for {actions} history rows"));
        }
        dossiers.push(json!({"id": id, "state": state, "version": version, "history": actions, "accepted": won, "outbox": outbox}));
    }
    let five_xx: u64 = statuses.iter().filter(|(k, _)| k.starts_with('5')).map(|(_, v)| *v).sum();
    let report = json!({
        "clerks": n_clerks, "dossiers": dossiers, "rounds": rounds, "statuses": statuses,
        "requests": n_clerks * rounds, "accepted": wins.values().sum::<u64>(), "five_xx": five_xx,
        "problems": problems, "pass": problems.is_empty() && five_xx == 0,
    });
    write_report(args, &report)?;
    anyhow::ensure!(report["pass"] == true, "clerks: {} problems", report["problems"]);
    Ok(())
}

async fn inbound(args: &[String]) -> anyhow::Result<()> {
    let base = need(args, "--base")?;
    let sim = need(args, "--sim")?;
    let count: usize = flag(args, "--count").and_then(|v| v.parse().ok()).unwrap_or(30);
    let run = flag(args, "--run").unwrap_or_else(|| format!("inbound{}", std::process::id()));
    let db = database().await?;
    let app = TestApp::external(base.clone(), db.clone(), motcua::config::Config::from_env()?);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let template = app.portal_dossier("", "").await;
    let dossier = |i: usize| {
        let mut d = template.clone();
        d["MaHoSo"] = json!(code_of_run(&run, i));
        d["ThongTinNguoiNop"]["Email"] = json!(format!("{run}-{i}@bench.example.vn"));
        d
    };
    // Each dossier twice, every third one three times; the whole list shuffled and sent 16 at a time, with
    // status pulls (the dossier itself, and the change feed) mixed in.
    #[derive(Clone)]
    enum Call {
        Push(usize),
        Pull(usize),
        Poll,
    }
    let mut calls = Vec::new();
    let mut sent = vec![0u64; count];
    for (i, n) in sent.iter_mut().enumerate() {
        *n = if i % 3 == 0 { 3 } else { 2 };
        for _ in 0..*n {
            calls.push(Call::Push(i));
        }
        calls.push(Call::Pull(i));
    }
    for _ in 0..5 {
        calls.push(Call::Poll);
    }
    let seed = flag(args, "--seed").and_then(|v| v.parse().ok()).unwrap_or(0x9e37_79b9_7f4a_7c15u64);
    Rng(seed).shuffle(&mut calls);
    let token: String = {
        let v: Value = client.post(format!("{sim}/_sim/mint")).json(&json!({})).send().await?.json().await?;
        v["token"].as_str().unwrap_or_default().to_owned()
    };
    let gate = Arc::new(tokio::sync::Semaphore::new(16));
    let mut tasks = Vec::new();
    for call in calls {
        let (client, sim, base, token, gate) = (client.clone(), sim.clone(), base.clone(), token.clone(), gate.clone());
        let body = match &call {
            Call::Push(i) => dossier(*i),
            _ => Value::Null,
        };
        let pull_code = if let Call::Pull(i) = call { code_of_run(&run, i) } else { String::new() };
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await;
            match call {
                Call::Push(_) => {
                    let r = client.post(format!("{sim}/_sim/portal/push?times=1")).json(&body).send().await;
                    let (status, _, v) = outcome(r).await;
                    let a = &v["answers"][0];
                    let code = a["status"].as_u64().unwrap_or(0);
                    ("push", if status == 200 { code.to_string() } else { format!("sim {status}") }, a["body"].clone())
                }
                Call::Pull(_) => {
                    let r = client
                        .get(format!("{base}/api/v1/national/dossiers/{pull_code}"))
                        .bearer_auth(&token)
                        .send()
                        .await;
                    let (_, code, _) = outcome(r).await;
                    ("pull", code, Value::Null)
                }
                Call::Poll => {
                    let r = client.post(format!("{sim}/_sim/portal/poll")).send().await;
                    let (_, code, _) = outcome(r).await;
                    ("poll", code, Value::Null)
                }
            }
        }));
    }
    let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
    let mut problems = Vec::new();
    for t in tasks {
        let (kind, code, body) = t.await?;
        *statuses.entry(format!("{kind} {code}")).or_default() += 1;
        let ok = match kind {
            "push" => code == "201" && body["TrangThaiHoSo"] == "1",
            // Pulled before its first delivery landed: 404; the feed poll: 200.
            "pull" => code == "200" || code == "404 not_found",
            _ => code == "200",
        };
        if !ok {
            problems.push(format!("{kind} answered {code} {body}"));
        }
    }
    // The final poll sees every dossier's submission in the feed.
    let _ = client.post(format!("{sim}/_sim/portal/poll")).send().await?;
    let feed: Value = client.get(format!("{sim}/_sim/portal/feed")).send().await?.json().await?;
    let in_feed: std::collections::BTreeSet<String> = feed["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["MaHoSo"].as_str().map(str::to_owned))
        .collect();
    let mut acked = Vec::new();
    let mut exactly_once = 0;
    for (i, n) in sent.iter().enumerate() {
        let code = code_of_run(&run, i);
        let rows: Vec<(uuid::Uuid, String)> =
            sqlx::query_as("SELECT id, coalesce(applicant->>'email', '') FROM dossier WHERE code = $1")
                .bind(&code)
                .fetch_all(&db)
                .await?;
        let repeats: Option<i32> = sqlx::query_scalar("SELECT repeats FROM national_submission WHERE ma_ho_so = $1")
            .bind(&code)
            .fetch_optional(&db)
            .await?;
        if rows.len() == 1 {
            exactly_once += 1;
            acked.push(format!("{}\t{run}-{i}@bench.example.vn", rows[0].0));
            if rows[0].1 != format!("{run}-{i}@bench.example.vn") {
                problems.push(format!("{code}: the applicant's e-mail is {:?}", rows[0].1));
            }
        } else {
            problems.push(format!("{code}: delivered {n} times, {} dossiers", rows.len()));
        }
        if repeats != Some(*n as i32 - 1) {
            problems.push(format!("{code}: delivered {n} times, {repeats:?} repeats counted"));
        }
        if !in_feed.contains(&code) {
            problems.push(format!("{code}: not in the change feed the portal read"));
        }
    }
    append_acked(args, &acked)?;
    let report = json!({
        "dossiers": count, "deliveries": sent.iter().sum::<u64>(), "exactly_once": exactly_once,
        "statuses": statuses, "problems": problems, "pass": problems.is_empty(),
    });
    write_report(args, &report)?;
    anyhow::ensure!(report["pass"] == true, "inbound: {} problems", report["problems"]);
    Ok(())
}

fn code_of_run(run: &str, i: usize) -> String {
    format!("G22.99-{run}-{i:04}")
}

async fn lookups(args: &[String]) -> anyhow::Result<()> {
    let base = need(args, "--base")?;
    let rate: f64 = flag(args, "--rate").and_then(|v| v.parse().ok()).unwrap_or(2.0);
    let secs: f64 = flag(args, "--secs").and_then(|v| v.parse().ok()).unwrap_or(30.0);
    let db = database().await?;
    let app = TestApp::external(base.clone(), db.clone(), motcua::config::Config::from_env()?);
    let clerk = app.staff_session("hacthanh.motcua").await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0u64.. {
        let at = start + Duration::from_secs_f64(i as f64 / rate);
        if at >= start + Duration::from_secs_f64(secs) {
            break;
        }
        tokio::time::sleep_until(at.into()).await;
        let (client, base, clerk) = (client.clone(), base.clone(), clerk.clone());
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = client
                .post(format!("{base}/api/v1/population/lookups"))
                .header("cookie", format!("motcua_session={}", clerk.cookie))
                .header("x-csrf-token", &clerk.csrf)
                .json(&json!({"personal_id": "001090012345", "full_name": "Nguyễn Văn An", "birth_date": "1990-01-15",
                              "procedure_code": "1.001193"}))
                .send()
                .await;
            let (status, code, body) = outcome(r).await;
            let what = if status == 200 {
                format!("{} {}", body["result"].as_str().unwrap_or("?"), body["reason"].as_str().unwrap_or(""))
                    .trim()
                    .to_owned()
            } else {
                code
            };
            (what, t.elapsed().as_secs_f64() * 1000.0)
        }));
    }
    let mut answers: BTreeMap<String, u64> = BTreeMap::new();
    let mut max_ms = 0f64;
    for t in tasks {
        let (what, ms) = t.await?;
        *answers.entry(what).or_default() += 1;
        max_ms = max_ms.max(ms);
    }
    let five_xx: u64 =
        answers.iter().filter(|(k, _)| k.starts_with('5') || k.starts_with("timeout")).map(|(_, v)| v).sum();
    write_report(
        args,
        &json!({"answers": answers, "max_ms": (max_ms * 10.0).round() / 10.0, "five_xx_or_hung": five_xx}),
    )
}
