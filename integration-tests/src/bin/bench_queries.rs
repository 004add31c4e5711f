//! Times the report and staff-queue queries over HTTP against the real server on an existing (generated)
//! database, and prints median and p95 per query, plus a JSON line per query to `--json FILE`.
//!
//!   MOTCUA_DATABASE_URL=postgres://postgres@127.0.0.1:56432/bench cargo run --release -p integration-tests \
//!     --bin bench_queries -- [--runs 20] [--json target/bench/queries.json]
//!
//! A benchmark, not a test: it asserts nothing about time; it fails only when a query answers other than 200.

use std::time::{Duration, Instant};

use integration_tests::{Session, TestApp};
use serde_json::{Value, json};

struct Args {
    runs: usize,
    json: Option<String>,
}

fn args() -> Args {
    let mut a = Args { runs: 20, json: None };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => a.runs = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.runs),
            "--json" => a.json = it.next(),
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args();
    let url = std::env::var("MOTCUA_DATABASE_URL").map_err(|_| anyhow::anyhow!("MOTCUA_DATABASE_URL is required"))?;
    let app = TestApp::spawn_on_database(url).await;
    let dossiers: i64 = sqlx::query_scalar("SELECT count(*) FROM dossier").fetch_one(&app.db).await?;
    let size: String =
        sqlx::query_scalar("SELECT pg_size_pretty(pg_database_size(current_database()))").fetch_one(&app.db).await?;
    let (first, last): (time::Date, time::Date) =
        sqlx::query_as("SELECT vn_day(min(submitted_at)), vn_day(max(submitted_at)) FROM dossier")
            .fetch_one(&app.db)
            .await?;
    let province: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM agency WHERE parent_id IS NULL ORDER BY created_at LIMIT 1")
            .fetch_one(&app.db)
            .await?;
    // The busiest agency and one of its one-stop clerks (the staff queues are theirs).
    let (agency, clerk): (uuid::Uuid, String) = sqlx::query_as(
        "SELECT u.agency_id, s.username FROM staff s JOIN staff_role r ON r.staff_id = s.id AND r.role = 'clerk'
           JOIN unit u ON u.id = r.unit_id AND u.kind = 'one_stop'
          ORDER BY (SELECT count(*) FROM dossier d WHERE d.current_unit_id = u.id) DESC LIMIT 1",
    )
    .fetch_one(&app.db)
    .await?;
    let admin = app.staff_session("tinh.quantri").await;
    let desk = app.staff_session(&clerk).await;
    let month_start = last.replace_day(1).unwrap_or(last);
    let year_ago = last - time::Duration::days(365);
    let all = format!("agency_id={province}&include_sub_agencies=true&from={first}&to={last}");
    let year = format!("agency_id={province}&include_sub_agencies=true&from={year_ago}&to={last}");
    let month = format!("agency_id={agency}&from={month_start}&to={last}");
    let name: String = sqlx::query_scalar(
        "SELECT split_part(applicant_name, ' ', 1) FROM dossier WHERE current_unit_id IS NOT NULL LIMIT 1",
    )
    .fetch_one(&app.db)
    .await?;
    let anonymous: Option<&Session> = None;
    let (admin, desk) = (Some(&admin), Some(&desk));
    // A whole name filed once, long ago: the search cannot stop early on a common word.
    let full_name: String = sqlx::query_scalar(
        "SELECT d.applicant_name FROM dossier d
          WHERE d.current_unit_id IN (SELECT r.unit_id FROM staff s JOIN staff_role r ON r.staff_id = s.id WHERE s.username = $1)
          GROUP BY d.applicant_name ORDER BY count(*), min(d.submitted_at) LIMIT 1",
    )
    .bind(&clerk)
    .fetch_one(&app.db)
    .await?;
    let queries: Vec<(&str, Option<&Session>, String)> = vec![
        ("indicators, province + sub-agencies, all years", admin, format!("/api/v1/reports/indicators?{all}")),
        ("indicators, province + sub-agencies, last year", admin, format!("/api/v1/reports/indicators?{year}")),
        ("indicators, busiest agency, this month", admin, format!("/api/v1/reports/indicators?{month}")),
        ("breakdown by agency, last year", admin, format!("/api/v1/reports/breakdown?{year}&by=agency")),
        ("breakdown by month, all years", admin, format!("/api/v1/reports/breakdown?{all}&by=month")),
        ("breakdown by procedure, last year", admin, format!("/api/v1/reports/breakdown?{year}&by=procedure")),
        (
            "dossiers behind finished_late, this month",
            admin,
            format!("/api/v1/reports/dossiers?{month}&counter=finished_late"),
        ),
        (
            "dossiers behind in_progress_late, province",
            admin,
            format!("/api/v1/reports/dossiers?{year}&counter=in_progress_late"),
        ),
        ("queue at_my_units, first page", desk, "/api/v1/dossiers?queue=at_my_units&limit=50".to_owned()),
        ("queue overdue, first page", desk, "/api/v1/dossiers?queue=overdue&limit=50".to_owned()),
        ("queue due_soon sorted by due", desk, "/api/v1/dossiers?queue=due_soon&sort=due&limit=50".to_owned()),
        ("queue search by name without diacritics", desk, format!("/api/v1/dossiers?q={}&limit=50", fold(&name))),
        ("queue search by a rare full name", desk, format!("/api/v1/dossiers?q={}&limit=50", fold(&full_name))),
        ("queue counts", desk, "/api/v1/queues".to_owned()),
        (
            "public statistics, last year (no sign-in)",
            anonymous,
            format!("/api/v1/public/statistics?from={year_ago}&to={last}"),
        ),
        ("indicators as Excel, province, last year", admin, format!("/api/v1/reports/indicators.xlsx?{year}")),
        ("indicators as PDF, province, last year", admin, format!("/api/v1/reports/indicators.pdf?{year}")),
        (
            "register (Mẫu 07) PDF, busiest agency, last day",
            desk,
            format!("/api/v1/reports/register.pdf?agency_id={agency}&from={last}&to={last}"),
        ),
    ];
    println!(
        "{dossiers} dossiers, database {size}, {first} to {last}; {} runs per query after one warm-up\n",
        args.runs
    );
    println!("{:<50} {:>10} {:>10} {:>10}", "query", "median ms", "p95 ms", "max ms");
    let mut out = Vec::new();
    for (label, session, path) in &queries {
        let mut times = Vec::with_capacity(args.runs);
        for run in 0..=args.runs {
            let t = Instant::now();
            let res = match session {
                Some(s) => app.get_as(s, path).await,
                None => app.get(path).await,
            };
            let status = res.status();
            let body = res.bytes().await?;
            let elapsed = t.elapsed();
            anyhow::ensure!(status == 200, "{label}: HTTP {status} {}", String::from_utf8_lossy(&body));
            if run > 0 {
                times.push(ms(elapsed));
            }
        }
        times.sort_by(f64::total_cmp);
        let (median, p95, max) = (percentile(&times, 0.5), percentile(&times, 0.95), times[times.len() - 1]);
        println!("{label:<50} {median:>10.1} {p95:>10.1} {max:>10.1}");
        out.push(
            json!({"query": label, "path": path, "median_ms": median, "p95_ms": p95, "max_ms": max, "runs": args.runs}),
        );
    }
    if let Some(file) = args.json {
        let doc: Value = json!({"dossiers": dossiers, "database_size": size, "from": first.to_string(),
                                "to": last.to_string(), "queries": out});
        if let Some(dir) = std::path::Path::new(&file).parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&file, serde_json::to_string_pretty(&doc)?)?;
        println!("\nwritten to {file}");
    }
    Ok(())
}

/// The name's first word without diacritics, as a clerk types it.
fn fold(s: &str) -> String {
    use std::fmt::Write;
    let base: String = s
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'à' | 'á' | 'ạ' | 'ả' | 'ã' | 'â' | 'ầ' | 'ấ' | 'ậ' | 'ẩ' | 'ẫ' | 'ă' | 'ằ' | 'ắ' | 'ặ' | 'ẳ' | 'ẵ' => {
                'a'
            }
            'è' | 'é' | 'ẹ' | 'ẻ' | 'ẽ' | 'ê' | 'ề' | 'ế' | 'ệ' | 'ể' | 'ễ' => 'e',
            'ì' | 'í' | 'ị' | 'ỉ' | 'ĩ' => 'i',
            'ò' | 'ó' | 'ọ' | 'ỏ' | 'õ' | 'ô' | 'ồ' | 'ố' | 'ộ' | 'ổ' | 'ỗ' | 'ơ' | 'ờ' | 'ớ' | 'ợ' | 'ở' | 'ỡ' => {
                'o'
            }
            'ù' | 'ú' | 'ụ' | 'ủ' | 'ũ' | 'ư' | 'ừ' | 'ứ' | 'ự' | 'ử' | 'ữ' => 'u',
            'ỳ' | 'ý' | 'ỵ' | 'ỷ' | 'ỹ' => 'y',
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect();
    let mut enc = String::new();
    for b in base.bytes() {
        if b.is_ascii_alphanumeric() {
            enc.push(b as char);
        } else {
            let _ = write!(enc, "%{b:02X}");
        }
    }
    enc
}
