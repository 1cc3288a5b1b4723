//! The binary on sample-data/: the README's main command, every command and format, the
//! shipped SQL files, the generator. Figures are checked against sums taken directly from
//! the CSV files with the csv crate, independently of crmstat's reading and metrics.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sample() -> PathBuf {
    root().join("sample-data")
}

fn crmstat() -> Command {
    Command::cargo_bin("crmstat").unwrap()
}

/// Rows of a sample-data CSV as maps from header to value.
fn rows(table: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(sample().join(format!("{table}.csv"))).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            headers
                .iter()
                .zip(rec.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// "1234.50" → 123450, exactly.
fn cents(text: &str) -> i64 {
    let (whole, frac) = text.split_once('.').unwrap_or((text, "0"));
    let sign = if whole.starts_with('-') { -1 } else { 1 };
    let frac = format!("{frac:0<2}");
    sign * (whole.trim_start_matches('-').parse::<i64>().unwrap() * 100
        + frac[..2].parse::<i64>().unwrap())
}

fn json(dir: &Path, table: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join(format!("{table}.json"))).unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// The README's main command writes the whole report: the page, the workbook, the summary,
/// the tables and the charts. The headline figures are counted straight from the CSV files.
#[test]
fn main_job_writes_the_report() {
    use calamine::{Data, Reader, open_workbook_auto};
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("report");
    crmstat()
        .args(["report", "--data"])
        .arg(sample())
        .arg("--out")
        .arg(&dir)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "deals 3000 read = 3000 used + 0 rejected",
        ));
    for file in [
        "index.html",
        "report.xlsx",
        "summary.json",
        "tables/headline.csv",
        "tables/trends.csv",
        "tables/funnel.csv",
        "tables/win_rate.csv",
        "tables/losses.csv",
        "tables/loss_reasons.csv",
        "tables/followup_breaches.csv",
        "tables/cycle.csv",
        "tables/managers.csv",
        "tables/campaigns.csv",
        "tables/reactivation.csv",
        "tables/rejects.csv",
        "charts/funnel_chart.png",
        "charts/funnel_chart.svg",
        "charts/losses_chart.png",
        "charts/trends_12_months.png",
        "charts/managers_leaderboard.svg",
        "charts/time_to_close_chart.png",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    // December 2025 (the last month with data), from deals.csv and payments.csv.
    let deals = rows("deals");
    let in_dec = |t: &str| t.starts_with("2025-12");
    let created = deals.iter().filter(|d| in_dec(&d["created_at"])).count();
    let won: Vec<_> = deals
        .iter()
        .filter(|d| d["status"] == "won" && in_dec(&d["closed_at"]))
        .collect();
    let lost = deals
        .iter()
        .filter(|d| d["status"] == "lost" && in_dec(&d["closed_at"]))
        .count();
    let won_cents: i64 = won.iter().map(|d| cents(&d["amount"])).sum();
    let open = deals.iter().filter(|d| d["status"] == "open").count();
    let paid_cents: i64 = rows("payments")
        .iter()
        .filter(|p| in_dec(&p["paid_at"]))
        .map(|p| cents(&p["amount"]))
        .sum();
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    let s: Value = serde_json::from_str(&text).unwrap();
    let now = &s["headline"]["current"];
    assert_eq!(
        s["period"], "2025-12",
        "default period: the last month with data"
    );
    assert_eq!(now["deals_created"], created as u64);
    assert_eq!(now["deals_won"], won.len() as u64);
    assert_eq!(now["deals_lost"], lost as u64);
    assert_eq!(cents(&now["won_amount"].to_string()), won_cents);
    assert_eq!(cents(&now["paid_amount"].to_string()), paid_cents);
    assert_eq!(now["open_at_end"], open as u64);
    assert_eq!(s["headline"]["previous"]["period"], "2025-11");
    assert_eq!(s["headline"]["year_earlier"]["period"], "2024-12");
    assert_eq!(s["trends"].as_array().unwrap().len(), 12);
    // The page carries the figures as the locale writes them.
    let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let money = format!("{}.{:02}\u{a0}₽", group(won_cents / 100), won_cents % 100);
    assert!(page.contains(&money), "{money} on the page");
    assert!(page.contains("<h1>Sales report — 2025-12</h1>"));
    let svg = std::fs::read_to_string(dir.join("charts/funnel_chart.svg")).unwrap();
    assert!(
        svg.contains("Первичный звонок"),
        "Cyrillic stage names in the chart"
    );
    // The workbook: summary tables as sheets, money as numbers.
    let mut book = open_workbook_auto(dir.join("report.xlsx")).unwrap();
    let names = book.sheet_names();
    for sheet in [
        "headline",
        "trends",
        "funnel",
        "managers",
        "campaigns",
        "data_quality",
    ] {
        assert!(names.iter().any(|n| n == sheet), "sheet {sheet}");
    }
    assert!(
        !names.iter().any(|n| n == "stage_time_per_deal"),
        "row-level lists stay in tables/"
    );
    let head = book.worksheet_range("headline").unwrap();
    let header: Vec<String> = head
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let at = header.iter().position(|h| h == "won_amount").unwrap();
    match &head.rows().nth(1).unwrap()[at] {
        Data::Float(v) => assert_eq!((v * 100.0).round() as i64, won_cents),
        other => panic!("won_amount is not a number: {other:?}"),
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

/// 1234567 → "1,234,567".
fn group(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// 2025 cohort: the first stage's reach is the number of deals created in 2025; the last
/// stage's, the won ones plus those still open at it; won and
/// lost are the deals created in 2025 and closed as such by 31 December; won_amount is
/// the exact sum of their amounts — all counted straight from deals.csv.
#[test]
fn funnel_matches_the_csv() {
    let deals = rows("deals");
    let in_2025: Vec<_> = deals
        .iter()
        .filter(|d| d["created_at"].starts_with("2025"))
        .collect();
    let won: Vec<_> = in_2025.iter().filter(|d| d["status"] == "won").collect();
    let lost = in_2025.iter().filter(|d| d["status"] == "lost").count();
    let won_cents: i64 = won.iter().map(|d| cents(&d["amount"])).sum();
    let out = tempfile::tempdir().unwrap();
    crmstat()
        .args(["funnel", "--period", "2025", "--format", "json", "--data"])
        .arg(sample())
        .arg("--out")
        .arg(out.path())
        .assert()
        .success();
    let funnel = json(out.path(), "funnel");
    assert_eq!(
        funnel[0]["reached"].as_u64().unwrap() as usize,
        in_2025.len()
    );
    // Won deals pass every stage; deals still open at the last stage (shipping not yet
    // closed by the export) have reached it too.
    let open_at_last = in_2025
        .iter()
        .filter(|d| d["status"] == "open" && d["stage"] == "Отгрузка")
        .count();
    assert_eq!(
        funnel[5]["reached"].as_u64().unwrap() as usize,
        won.len() + open_at_last,
        "won deals and those open at the last stage"
    );
    let reached: Vec<u64> = funnel
        .iter()
        .map(|r| r["reached"].as_u64().unwrap())
        .collect();
    assert!(
        reached.windows(2).all(|w| w[0] >= w[1]),
        "reach never rises: {reached:?}"
    );
    let rates = json(out.path(), "win_rate");
    let w = rates.iter().find(|r| r["scope"] == "cohort").unwrap();
    assert_eq!(w["won"].as_u64().unwrap() as usize, won.len());
    assert_eq!(w["lost"].as_u64().unwrap() as usize, lost);
    assert_eq!(cents(&w["won_amount"].to_string()), won_cents);
}

/// Payments in revenue_by_month.sql add up to the sum of payments.csv, to the kopeck.
#[test]
fn revenue_query_adds_up_to_the_kopeck() {
    let total: i64 = rows("payments").iter().map(|p| cents(&p["amount"])).sum();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("revenue.json");
    crmstat()
        .arg("query")
        .arg(root().join("queries/revenue_by_month.sql"))
        .arg("--data")
        .arg(sample())
        .args(["--format", "json", "--out"])
        .arg(&file)
        .assert()
        .success();
    let months: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let paid: i64 = months
        .iter()
        .filter(|m| !m["paid_amount"].is_null())
        .map(|m| cents(&m["paid_amount"].to_string()))
        .sum();
    assert_eq!(paid, total);
    assert_eq!(months.first().unwrap()["month"], "2024-01");
}

#[test]
fn every_shipped_query_runs_and_says_what_it_answers() {
    for entry in std::fs::read_dir(root().join("queries")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("-- ") && text.contains("Answers:"),
            "{} needs a header comment",
            path.display()
        );
        crmstat()
            .arg("query")
            .arg(&path)
            .arg("--data")
            .arg(sample())
            .assert()
            .success()
            .stdout(predicate::str::contains("|"));
    }
}

#[test]
fn sql_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.sql");
    std::fs::write(&file, "SELECT nope FROM deals").unwrap();
    crmstat()
        .arg("query")
        .arg(&file)
        .arg("--data")
        .arg(sample())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.sql"));
}

/// Every format writes a file per table; Parquet keeps money as an exact decimal.
#[test]
fn every_output_format() {
    for (format, ext) in [
        ("csv", "csv"),
        ("json", "json"),
        ("markdown", "md"),
        ("parquet", "parquet"),
    ] {
        let out = tempfile::tempdir().unwrap();
        crmstat()
            .args([
                "losses", "--period", "2025-Q3", "--format", format, "--data",
            ])
            .arg(sample())
            .arg("--out")
            .arg(out.path())
            .assert()
            .success();
        for table in [
            "losses",
            "loss_reasons",
            "biggest_drop",
            "stalled",
            "followup",
            "followup_breaches",
        ] {
            assert!(
                out.path().join(format!("{table}.{ext}")).is_file(),
                "{table}.{ext}"
            );
        }
    }
    let out = tempfile::tempdir().unwrap();
    crmstat()
        .args(["funnel", "--format", "parquet", "--data"])
        .arg(sample())
        .arg("--out")
        .arg(out.path())
        .assert()
        .success();
    let file = std::fs::File::open(out.path().join("win_rate.parquet")).unwrap();
    use polars::prelude::*;
    let df = ParquetReader::new(file).finish().unwrap();
    assert_eq!(
        df.column("won_amount").unwrap().dtype(),
        &DataType::Decimal(38, 2)
    );
}

/// --by segment and campaign need the clients table, which sample-data has.
#[test]
fn funnel_by_every_grouping() {
    for by in ["manager", "segment", "campaign", "month"] {
        crmstat()
            .args(["funnel", "--period", "2025", "--by", by, "--data"])
            .arg(sample())
            .assert()
            .success()
            .stdout(predicate::str::contains(format!(
                "| {}",
                if by == "month" {
                    "month"
                } else if by == "manager" {
                    "manager_id"
                } else if by == "campaign" {
                    "campaign_id"
                } else {
                    "segment"
                }
            )));
    }
    crmstat()
        .args([
            "funnel", "--mode", "flow", "--by", "month", "--period", "2025-Q4", "--data",
        ])
        .arg(sample())
        .assert()
        .success()
        .stdout(predicate::str::contains("| 2025-12 "));
}

/// The same seed gives the same bytes; generated data always validates cleanly.
#[test]
fn generator_is_deterministic_and_valid() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for dir in [&a, &b] {
        crmstat()
            .args(["generate", "--deals", "800", "--seed", "7", "--out"])
            .arg(dir.path())
            .assert()
            .success();
    }
    for table in [
        "deals",
        "stage_history",
        "contacts",
        "payments",
        "clients",
        "managers",
        "campaigns",
    ] {
        let x = std::fs::read(a.path().join(format!("{table}.csv"))).unwrap();
        let y = std::fs::read(b.path().join(format!("{table}.csv"))).unwrap();
        assert!(x == y, "{table} differs between runs");
    }
    crmstat()
        .args(["validate", "--data"])
        .arg(a.path())
        .arg("--out")
        .arg(b.path().join("checked"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "| deals         | deals.csv         |  800 |  800 |        0 |",
        ));
    let c = tempfile::tempdir().unwrap();
    crmstat()
        .args(["generate", "--deals", "800", "--seed", "8", "--out"])
        .arg(c.path())
        .assert()
        .success();
    assert_ne!(
        std::fs::read(a.path().join("deals.csv")).unwrap(),
        std::fs::read(c.path().join("deals.csv")).unwrap()
    );
}

/// sample-data/ is exactly what the generator writes for 3000 deals and seed 42.
#[test]
fn sample_data_is_the_generators_output() {
    let out = tempfile::tempdir().unwrap();
    crmstat()
        .args(["generate", "--deals", "3000", "--seed", "42", "--out"])
        .arg(out.path())
        .assert()
        .success();
    for entry in std::fs::read_dir(sample()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        assert!(
            std::fs::read(&path).unwrap() == std::fs::read(out.path().join(name)).unwrap(),
            "{} differs",
            path.display()
        );
    }
}

#[test]
fn config_defaults_are_printed() {
    crmstat()
        .args(["config", "--defaults"])
        .assert()
        .success()
        .stdout(predicate::str::contains("followup_days = 2.0"))
        .stdout(predicate::str::contains("default_gap_days = 90.0"));
    crmstat()
        .args(["config", "--data"])
        .arg(sample())
        .assert()
        .success()
        .stdout(predicate::str::contains("Выставлен счет"));
}

/// Without --out, tables are Markdown on stdout; row-level lists are cut with a pointer.
#[test]
fn markdown_on_stdout() {
    crmstat()
        .args(["durations", "--period", "2025", "--data"])
        .arg(sample())
        .assert()
        .success()
        .stdout(predicate::str::contains("# Durations — 2025"))
        .stdout(predicate::str::contains("| outcome | deals |"))
        .stdout(predicate::str::contains("use --out DIR to write all"));
}

/// Deals won in a period straight from deals.csv: (count, amount in kopecks).
fn won_in(from: &str, to: &str) -> (usize, i64) {
    let won: Vec<_> = rows("deals")
        .into_iter()
        .filter(|d| {
            d["status"] == "won" && d["closed_at"].as_str() >= from && d["closed_at"].as_str() < to
        })
        .collect();
    (won.len(), won.iter().map(|d| cents(&d["amount"])).sum())
}

/// Managers' won amounts and counts add up to the company's, taken from deals.csv.
#[test]
fn managers_add_up_to_the_company() {
    let out = tempfile::tempdir().unwrap();
    crmstat()
        .args(["managers", "--data"])
        .arg(sample())
        .args(["--period", "2025-Q4", "--format", "json", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let m = json(out.path(), "managers");
    let people: Vec<&Value> = m
        .iter()
        .filter(|r| r["manager_id"] != "(company average)")
        .collect();
    assert_eq!(people.len(), 10);
    let amount: i64 = people
        .iter()
        .map(|r| cents(&r["won_amount"].to_string()))
        .sum();
    let count: f64 = people
        .iter()
        .map(|r| r["deals_won"].as_f64().unwrap())
        .sum();
    let (n, total) = won_in("2025-10-01", "2026-01-01");
    assert_eq!((count as usize, amount), (n, total));
    assert!(n > 50, "a quarter of the sample has wins: {n}");
    // By team, the same total.
    crmstat()
        .args(["managers", "--data"])
        .arg(sample())
        .args([
            "--period", "2025-Q4", "--by", "team", "--format", "json", "--out",
        ])
        .arg(out.path())
        .assert()
        .success();
    let t = json(out.path(), "managers");
    let amount: i64 = t
        .iter()
        .filter(|r| r["team"] != "(company average)")
        .map(|r| cents(&r["won_amount"].to_string()))
        .sum();
    assert_eq!(amount, total);
}

/// Payroll lines add up to each manager's commission; basis + withheld over all managers
/// is every payment dated in the period (from payments.csv), for a month, a quarter, a year.
#[test]
fn payroll_lines_add_up_to_the_payments() {
    for (period, from, to) in [
        ("2025-11", "2025-11-01", "2025-12-01"),
        ("2025-Q2", "2025-04-01", "2025-07-01"),
        ("2024", "2024-01-01", "2025-01-01"),
    ] {
        let out = tempfile::tempdir().unwrap();
        crmstat()
            .args(["payroll", "--data"])
            .arg(sample())
            .args(["--period", period, "--format", "json", "--out"])
            .arg(out.path())
            .assert()
            .success();
        let summary = json(out.path(), "payroll");
        let lines = json(out.path(), "payroll_lines");
        let mut money_in = 0;
        for s in &summary {
            let id = &s["manager_id"];
            let mine: Vec<&Value> = lines.iter().filter(|l| &l["manager_id"] == id).collect();
            let c: i64 = mine
                .iter()
                .map(|l| cents(&l["commission"].to_string()))
                .sum();
            let a: i64 = mine.iter().map(|l| cents(&l["amount"].to_string())).sum();
            assert_eq!(c, cents(&s["commission"].to_string()), "{period} {id}");
            let basis = cents(&s["basis_amount"].to_string());
            assert_eq!(
                a,
                basis + cents(&s["withheld_amount"].to_string()),
                "{period} {id}"
            );
            money_in += a;
        }
        let paid: i64 = rows("payments")
            .iter()
            .filter(|p| p["paid_at"].as_str() >= from && p["paid_at"].as_str() < to)
            .map(|p| cents(&p["amount"]))
            .sum();
        assert_eq!(money_in, paid, "{period}");
    }
}

/// The same input and config give byte-identical payroll files, CSV and Excel.
#[test]
fn payroll_files_are_reproducible() {
    let run = |format: &str| {
        let out = tempfile::tempdir().unwrap();
        crmstat()
            .args(["payroll", "--data"])
            .arg(sample())
            .args(["--period", "2025-Q4", "--format", format, "--out"])
            .arg(out.path())
            .assert()
            .success();
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                (
                    p.file_name().unwrap().to_string_lossy().to_string(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    for format in ["csv", "xlsx"] {
        let (a, b) = (run(format), run(format));
        assert!(!a.is_empty());
        assert_eq!(a, b, "{format}");
    }
}

/// The payroll workbook: summary, lines, KPIs and rejects sheets; money cells are numbers
/// equal to the CSV's decimals.
#[test]
fn payroll_workbook_has_money_as_numbers() {
    use calamine::{Data, Reader, open_workbook_auto};
    let out = tempfile::tempdir().unwrap();
    for format in ["csv", "xlsx"] {
        crmstat()
            .args(["payroll", "--data"])
            .arg(sample())
            .args(["--period", "2025-11", "--format", format, "--out"])
            .arg(out.path())
            .assert()
            .success();
    }
    let mut book = open_workbook_auto(out.path().join("payroll.xlsx")).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["payroll", "payroll_lines", "managers", "rejects"]
    );
    let sheet = book.worksheet_range("payroll").unwrap();
    let header: Vec<String> = sheet
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let at = header.iter().position(|h| h == "commission").unwrap();
    let csv_rows = {
        let mut r = csv::Reader::from_path(out.path().join("payroll.csv")).unwrap();
        r.records()
            .map(|r| r.unwrap()[at].to_string())
            .collect::<Vec<_>>()
    };
    let cells: Vec<Data> = sheet.rows().skip(1).map(|r| r[at].clone()).collect();
    assert_eq!(cells.len(), csv_rows.len());
    for (cell, text) in cells.iter().zip(&csv_rows) {
        match cell {
            Data::Float(f) => assert_eq!(format!("{f:.2}"), *text),
            other => panic!("commission cell is not a number: {other:?}"),
        }
    }
}

/// Text that a spreadsheet would run as a formula is escaped in every CSV crmstat writes.
#[test]
fn csv_output_is_guarded_against_formulas() {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(
        data.path().join("deals.csv"),
        "deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount,loss_reason\n\
         D1,K1,M1,2024-03-01,2024-03-05,lost,A,100.00,\"=HYPERLINK(\"\"http://x\"\")\"\n\
         D2,K1,M1,2024-03-01,2024-03-06,won,B,100.00,\n",
    )
    .unwrap();
    std::fs::write(
        data.path().join("crmstat.toml"),
        "[funnel]\nstages = [\"A\", \"B\"]\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    crmstat()
        .args(["losses", "--data"])
        .arg(data.path())
        .args(["--period", "2024-03", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let text = std::fs::read_to_string(out.path().join("loss_reasons.csv")).unwrap();
    assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
}

/// The config example in the README is a valid crmstat.toml.
#[test]
fn readme_config_example_parses() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme.split("## The config file").nth(1).unwrap();
    let block = section
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let config = crmstat::config::Config::parse(block).unwrap_or_else(|e| panic!("{e}\n{block}"));
    assert_eq!(config.payroll.scheme_of("M0001").unwrap().0, "senior");
    assert_eq!(config.payroll.scheme_of("M0002").unwrap().0, "default");
}

/// Run a figure command on sample-data with JSON output into a fresh folder.
fn figure_json(args: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    crmstat()
        .args(args)
        .arg("--data")
        .arg(sample())
        .args(["--format", "json", "--out"])
        .arg(out.path())
        .assert()
        .success();
    out
}

/// Under every attribution the campaigns (with the no-campaign row) add up to the deals
/// created in 2025, the ones of them won by 31 December and their exact amount, all taken
/// from deals.csv; the charts are written.
#[test]
fn campaigns_add_up_to_the_company() {
    let cohort: Vec<_> = rows("deals")
        .into_iter()
        .filter(|d| {
            d["created_at"].as_str() >= "2025-01-01" && d["created_at"].as_str() < "2026-01-01"
        })
        .collect();
    let won: Vec<_> = cohort
        .iter()
        .filter(|d| d["status"] == "won" && d["closed_at"].as_str() < "2026-01-01")
        .collect();
    let won_amount: i64 = won.iter().map(|d| cents(&d["amount"])).sum();
    let mut won_by = Vec::new();
    for how in ["first", "last", "linear"] {
        let out = figure_json(&["campaigns", "--period", "2025", "--attribution", how]);
        let t = json(out.path(), "campaigns");
        let sum = |k: &str| t.iter().map(|r| r[k].as_f64().unwrap_or(0.0)).sum::<f64>();
        assert!((sum("deals") - cohort.len() as f64).abs() < 1e-3, "{how}");
        assert!((sum("won") - won.len() as f64).abs() < 1e-3, "{how}");
        let amount: i64 = t
            .iter()
            .filter(|r| !r["won_amount"].is_null())
            .map(|r| cents(&r["won_amount"].to_string()))
            .sum();
        assert_eq!(amount, won_amount, "{how}: money split to the kopeck");
        for chart in ["campaigns_conversion", "campaigns_romi"] {
            assert!(out.path().join(format!("{chart}.png")).is_file());
            assert!(out.path().join(format!("{chart}.svg")).is_file());
        }
        let k7 = t.iter().find(|r| r["campaign_id"] == "K007").unwrap();
        won_by.push(k7["won"].as_f64().unwrap());
    }
    // The generator reaches every other returning client through a running campaign, so
    // last-touch credits K007 (running in 2025) with more than first-touch does.
    assert!(won_by[1] > won_by[0], "{won_by:?}");
}

/// A campaign's cost spread over its days: the months it spans add up to its whole cost
/// (K003, 20 Oct 2024 – 13 Feb 2025, 6 240 000.00), and so do the two years for every
/// campaign in campaigns.csv.
#[test]
fn campaign_costs_add_up_across_periods() {
    let cost_of = |period: &str, id: &str| -> i64 {
        let out = figure_json(&["campaigns", "--period", period]);
        json(out.path(), "campaigns")
            .iter()
            .find(|r| r["campaign_id"] == id)
            .map_or(0, |r| cents(&r["cost"].to_string()))
    };
    let months = ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02"];
    let k3: i64 = months.iter().map(|m| cost_of(m, "K003")).sum();
    assert_eq!(k3, 624_000_000);
    // October: 12 of the 117 days → 6 240 000 × 12 / 117 = 640 000.00.
    assert_eq!(cost_of("2024-10", "K003"), 64_000_000);
    let total: i64 = rows("campaigns").iter().map(|c| cents(&c["cost"])).sum();
    let years: i64 = ["2024", "2025"]
        .iter()
        .map(|y| {
            let out = figure_json(&["campaigns", "--period", y]);
            json(out.path(), "campaigns")
                .iter()
                .filter(|r| !r["cost"].is_null())
                .map(|r| cents(&r["cost"].to_string()))
                .sum::<i64>()
        })
        .sum();
    assert_eq!(years, total);
}

/// Reactivation on sample-data as of 30 June 2025: no candidate has a deal open then (from
/// deals.csv), none bought after that day, every one is past its threshold, one-purchase
/// clients have P(alive) = 1 and repeat buyers less; ranked by CLV, then expected value;
/// the BG/NBD fit is reported.
#[test]
fn reactivation_on_the_sample() {
    let out = figure_json(&["reactivation", "--as-of", "2025-06-30"]);
    let c = json(out.path(), "reactivation");
    assert!(c.len() > 20, "{}", c.len());
    let as_of = "2025-07-01";
    let open: std::collections::HashSet<String> = rows("deals")
        .into_iter()
        .filter(|d| {
            d["created_at"].as_str() < as_of
                && (d["closed_at"].is_empty() || d["closed_at"].as_str() >= as_of)
        })
        .map(|d| d["client_id"].clone())
        .collect();
    // Ranked by lifetime value where it is known, then (without one) by expected value.
    let (mut clv, mut value, mut without_clv) = (f64::INFINITY, f64::INFINITY, false);
    for r in &c {
        let id = r["client_id"].as_str().unwrap();
        assert!(!open.contains(id), "{id} has an open deal");
        assert!(r["last_purchase_at"].as_str().unwrap() < as_of);
        let since = r["days_since_last"].as_f64().unwrap();
        assert!(since > r["threshold_days"].as_f64().unwrap(), "{id}");
        let p = r["p_alive"].as_f64().unwrap();
        if r["purchases"].as_u64().unwrap() == 1 {
            assert_eq!(p, 1.0, "{id}: no repeat purchase");
        } else {
            assert!(p < 1.0, "{id}");
        }
        if r["clv"].is_null() {
            without_clv = true;
            let v = cents(&r["expected_value"].to_string()) as f64;
            assert!(v <= value, "{id} out of order by expected value");
            value = v;
        } else {
            assert!(!without_clv, "{id} has a CLV after one without");
            let v = r["clv"].as_f64().unwrap();
            assert!(v <= clv, "{id} out of order by CLV");
            clv = v;
        }
    }
    assert!(
        clv.is_finite(),
        "the sample's repeat buyers have a lifetime value"
    );
    let fit = json(out.path(), "bgnbd_fit");
    let params: Vec<&str> = fit
        .iter()
        .map(|r| r["parameter"].as_str().unwrap())
        .collect();
    assert_eq!(params[..4], ["r", "alpha", "a", "b"]);
    assert!(
        fit.iter()
            .take(4)
            .all(|r| r["value"].as_f64().unwrap() > 0.0)
    );
}

/// Without a managers table the roster is every manager the data names, also those who
/// appear only in contacts outside the period (the loader keeps only the period's contacts,
/// but every contact's manager). Expected ids from the CSV files with the csv crate.
#[test]
fn roster_without_managers_table_names_every_manager() {
    let data = tempfile::tempdir().unwrap();
    for t in [
        "deals",
        "stage_history",
        "contacts",
        "clients",
        "payments",
        "campaigns",
    ] {
        std::fs::copy(
            sample().join(format!("{t}.csv")),
            data.path().join(format!("{t}.csv")),
        )
        .unwrap();
    }
    std::fs::copy(
        sample().join("crmstat.toml"),
        data.path().join("crmstat.toml"),
    )
    .unwrap();
    // A manager who only ever made one call, in 2024 (long before the period).
    let mut contacts = std::fs::read_to_string(data.path().join("contacts.csv")).unwrap();
    contacts.push_str("\"T99999999\",\"C0000001\",\"M0999\",,,\"2024-02-01 10:00:00\",\"phone\",\"call\",\"out\",,,\"\"\n");
    std::fs::write(data.path().join("contacts.csv"), contacts).unwrap();
    let out = tempfile::tempdir().unwrap();
    crmstat()
        .args([
            "managers", "--period", "2025-11", "--format", "json", "--data",
        ])
        .arg(data.path())
        .arg("--out")
        .arg(out.path())
        .assert()
        .success();
    let mut expected: Vec<String> = ["deals", "stage_history", "contacts"]
        .iter()
        .flat_map(|t| rows(t).into_iter().map(|r| r["manager_id"].clone()))
        .chain(["M0999".to_string()])
        .filter(|m| !m.is_empty())
        .collect();
    expected.sort();
    expected.dedup();
    let got: Vec<String> = json(out.path(), "managers")
        .iter()
        .filter_map(|r| r["manager_id"].as_str().map(str::to_string))
        .filter(|m| m != "(company average)")
        .collect();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    assert_eq!(got_sorted, expected);
}

/// `crmstat convert` writes typed Parquet that gives the same report as the CSV it came
/// from (every table of the report's tables/ byte for byte, but the data-quality tables,
/// which name the files); converting into the data folder is refused.
#[test]
fn converted_parquet_gives_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("pq");
    crmstat()
        .args(["convert", "--data"])
        .arg(sample())
        .arg("--out")
        .arg(&pq)
        .assert()
        .success();
    for t in [
        "deals",
        "contacts",
        "stage_history",
        "payments",
        "clients",
        "managers",
        "campaigns",
    ] {
        assert!(pq.join(format!("{t}.parquet")).is_file(), "{t}");
    }
    assert!(!pq.join("rejects.csv").exists());
    let report = |data: &Path, out: &Path| {
        crmstat()
            .args(["report", "--period", "2025-11", "--quiet", "--data"])
            .arg(data)
            .arg("--out")
            .arg(out)
            .assert()
            .success();
    };
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    report(&sample(), &a);
    report(&pq, &b);
    let mut compared = 0;
    for e in std::fs::read_dir(a.join("tables")).unwrap() {
        let name = e.unwrap().file_name();
        if ["data_quality.csv", "rejects.csv"].contains(&name.to_str().unwrap()) {
            continue;
        }
        let x = std::fs::read(a.join("tables").join(&name)).unwrap();
        let y = std::fs::read(b.join("tables").join(&name)).unwrap();
        assert!(x == y, "{name:?} differs");
        compared += 1;
    }
    assert!(compared > 15, "{compared}");
    crmstat()
        .args(["convert", "--data"])
        .arg(&pq)
        .arg("--out")
        .arg(pq.join("inner"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("inside the data folder"));
}

/// Issue 17 item 1: an output folder that is the data folder, or inside it, is refused with
/// exit 2 before anything is written, by every command that writes; `validate` without
/// `--out` writes nothing and says how to get the rejects.
#[test]
fn outputs_never_go_over_or_inside_the_data_folder() {
    let data = tempfile::tempdir().unwrap();
    crmstat()
        .args(["generate", "--deals", "60", "--out"])
        .arg(data.path())
        .assert()
        .success();
    let listing = |d: &std::path::Path| {
        let mut names: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    let before = listing(data.path());
    let roster = std::fs::read(data.path().join("managers.csv")).unwrap();
    let inside = data.path().join("out");
    for cmd in [
        "funnel",
        "losses",
        "durations",
        "managers",
        "campaigns",
        "payroll",
        "reactivation",
        "report",
        "validate",
        "convert",
    ] {
        for out in [data.path().to_path_buf(), inside.clone()] {
            crmstat()
                .arg(cmd)
                .arg("--data")
                .arg(data.path())
                .arg("--out")
                .arg(&out)
                .assert()
                .code(2)
                .stderr(predicate::str::contains("the data folder"));
        }
    }
    crmstat()
        .arg("query")
        .arg(root().join("queries/revenue_by_month.sql"))
        .arg("--data")
        .arg(data.path())
        .arg("--out")
        .arg(data.path().join("deals.csv"))
        .assert()
        .code(2);
    // A report run from inside the data folder with the default --out (report/) is refused.
    crmstat()
        .current_dir(data.path())
        .args(["report", "--data", "."])
        .assert()
        .code(2);
    assert_eq!(
        listing(data.path()),
        before,
        "nothing may be added to the data folder"
    );
    assert_eq!(
        std::fs::read(data.path().join("managers.csv")).unwrap(),
        roster
    );

    // validate without --out: nothing written where the user stands.
    let here = tempfile::tempdir().unwrap();
    std::fs::write(
        data.path().join("deals.csv"),
        std::fs::read_to_string(data.path().join("deals.csv")).unwrap() + "D-bad,,,,,,,\n",
    )
    .unwrap();
    crmstat()
        .current_dir(here.path())
        .arg("validate")
        .arg("--data")
        .arg(data.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "rejects not written: add --out DIR",
        ));
    assert!(listing(here.path()).is_empty());
}

/// Issue 17 item 3: a `[payroll.managers]` override whose id matches no manager is refused
/// (exit 2, naming the id), instead of that manager silently getting the default scheme.
#[test]
fn payroll_override_for_an_unknown_manager_is_refused() {
    let data = tempfile::tempdir().unwrap();
    crmstat()
        .args(["generate", "--deals", "60", "--out"])
        .arg(data.path())
        .assert()
        .success();
    let toml = data.path().join("crmstat.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    assert!(text.contains("M0001 = \"senior\""));
    std::fs::write(
        &toml,
        text.replace(
            "M0001 = \"senior\"",
            "M0001 = \"senior\"\nM001 = \"senior\"",
        ),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    crmstat()
        .arg("payroll")
        .arg("--data")
        .arg(data.path())
        .arg("--out")
        .arg(out.path().join("o"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "[payroll.managers] names an id that is no manager in the data: M001",
        ));
}
