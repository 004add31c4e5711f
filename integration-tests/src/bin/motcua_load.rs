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
//! MOTCUA_DATABASE_URL names the database (prepare only). A benchmark tool: it asserts nothing about time.

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
        _ => anyhow::bail!("usage: motcua_load prepare|open-loop ... (see the source's header)"),
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
