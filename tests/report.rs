//! The monthly report on a hand-worked company: March 2024 against February 2024 and
//! March 2023. Every expected figure is worked out in the comments from the fixture.
//!
//! Stages: Звонок → Счет (the invoice stage) → Договор. Follow-up window: 2 days.
//!
//! March 2024 cohort (created in March): D1 won 10 Mar (1 000.00), D2 lost 12 Mar at Счет,
//! D3 lost 20 Mar at Счет, D4 lost 6 Mar at Звонок, D5 open at Счет, D6 won 28 Mar (250.50).
//! February: D7 created 1 Feb, won 5 Mar (300.00) — a March win outside March's cohort;
//! D8 won 20 Feb (800.00); D9 lost 25 Feb. March 2023: D10 won 15 Mar 2023 (100.00).
//! D11 has a created_at that is not a date: rejected.
//!
//! Payments: March 1 000.00 (D1) + 250.50 (D6) + 300.00 (D7) − 100.00 (D1 refund)
//! = 1 450.50; February 800.00 (D8); March 2023 none.
//!
//! Invoice entries in March: D1 3 Mar, D2 5 Mar, D3 10 Mar, D5 25 Mar, D6 15 Mar. Only K3 is
//! contacted (11 Mar, within a day of D3's invoice): D2, D5, D1, D6 had no contact within 2
//! days; of the deals lost at Счет (D2, D3) one, D2, had no contact.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::folder;
use serde_json::Value;

// A hand-worked company of a few deals: compare with any earlier month, however small.
const CONFIG: &str =
    "[funnel]\nstages = [\"Звонок\", \"Счет\", \"Договор\"]\n[report]\ncompare_min_deals = 0\n";

const DEALS: &str = "\
deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount,loss_reason
D1,K1,M1,2024-03-01,2024-03-10,won,Договор,1000.00,
D2,K2,M1,2024-03-02,2024-03-12,lost,Счет,500.00,Дорого
D3,K3,M2,2024-03-03,2024-03-20,lost,Счет,700.00,Дорого
D4,K4,M2,2024-03-04,2024-03-06,lost,Звонок,50.00,Нет бюджета
D5,K5,M1,2024-03-05,,open,Счет,90.00,
D6,K6,M2,2024-03-10,2024-03-28,won,Договор,250.50,
D7,K1,M1,2024-02-01,2024-03-05,won,Договор,300.00,
D8,K2,M1,2024-02-10,2024-02-20,won,Договор,800.00,
D9,K3,M2,2024-02-15,2024-02-25,lost,Звонок,10.00,Нет бюджета
D10,K4,M1,2023-03-01,2023-03-15,won,Договор,100.00,
D11,K5,M1,someday,,open,Звонок,1.00,
";

const HISTORY: &str = "\
deal_id,stage,entered_at
D1,Звонок,2024-03-01
D1,Счет,2024-03-03
D1,Договор,2024-03-08
D2,Звонок,2024-03-02
D2,Счет,2024-03-05
D3,Звонок,2024-03-03
D3,Счет,2024-03-10
D4,Звонок,2024-03-04
D5,Звонок,2024-03-05
D5,Счет,2024-03-25
D6,Звонок,2024-03-10
D6,Счет,2024-03-15
D6,Договор,2024-03-20
D7,Звонок,2024-02-01
D7,Счет,2024-02-10
D7,Договор,2024-03-01
D8,Звонок,2024-02-10
D9,Звонок,2024-02-15
D10,Звонок,2023-03-01
";

const PAYMENTS: &str = "\
payment_id,deal_id,paid_at,amount
P1,D1,2024-03-15,1000.00
P2,D6,2024-03-29,250.50
P3,D7,2024-03-06,300.00
P4,D1,2024-03-20,-100.00
P5,D8,2024-02-21,800.00
";

const CONTACTS: &str = "\
contact_id,client_id,manager_id,deal_id,at,kind
C1,K3,M2,D3,2024-03-11,call
";

const MANAGERS: &str = "\
manager_id,name,active
M1,Анна,true
M2,Борис,true
";

fn company() -> tempfile::TempDir {
    folder(&[
        ("crmstat.toml", CONFIG),
        ("deals.csv", DEALS),
        ("stage_history.csv", HISTORY),
        ("payments.csv", PAYMENTS),
        ("contacts.csv", CONTACTS),
        ("managers.csv", MANAGERS),
    ])
}

fn report(data: &Path, out: &Path, extra: &[&str]) -> Value {
    Command::cargo_bin("crmstat")
        .unwrap()
        .args(["report", "--period", "2024-03", "--data"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
        .success();
    let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `value` as written in the JSON (numbers keep their exact text).
fn text(v: &Value) -> String {
    v.to_string()
}

#[test]
fn headline_changes_leaks_and_trends() {
    let data = company();
    let out = tempfile::tempdir().unwrap();
    let s = report(data.path(), out.path(), &[]);
    let now = &s["headline"]["current"];
    // Created D1–D6; won D1, D6 and D7 (closed 5 Mar); lost D2, D3, D4.
    assert_eq!(now["period"], "2024-03");
    assert_eq!(now["deals_created"], 6);
    assert_eq!(now["deals_won"], 3);
    assert_eq!(now["deals_lost"], 3);
    // 1 000.00 + 250.50 + 300.00, exactly.
    assert_eq!(text(&now["won_amount"]), "1550.50");
    assert_eq!(now["win_rate"], 0.5);
    assert_eq!(text(&now["paid_amount"]), "1450.50");
    // Only D5 is open on 1 April.
    assert_eq!(now["open_at_end"], 1);
    // Cycles of March's wins: D1 9 days, D6 18, D7 33 (1 Feb → 5 Mar 2024, a leap year).
    assert_eq!(now["median_cycle_days"], 18.0);

    let feb = &s["headline"]["previous"];
    assert_eq!(feb["period"], "2024-02");
    assert_eq!(feb["deals_created"], 3);
    assert_eq!(feb["deals_won"], 1);
    assert_eq!(text(&feb["won_amount"]), "800.00");
    assert_eq!(feb["win_rate"], 0.5);
    assert_eq!(text(&feb["paid_amount"]), "800.00");
    // D7 was still open on 1 March.
    assert_eq!(feb["open_at_end"], 1);
    assert_eq!(feb["median_cycle_days"], 10.0);

    let year = &s["headline"]["year_earlier"];
    assert_eq!(year["period"], "2023-03");
    assert_eq!(year["deals_created"], 1);
    assert_eq!(text(&year["won_amount"]), "100.00");
    assert_eq!(year["win_rate"], 1.0);
    assert_eq!(text(&year["paid_amount"]), "0.00");

    let ch = &s["changes"]["previous"];
    assert_eq!(ch["deals_created"]["difference"], 3);
    assert_eq!(ch["deals_created"]["relative"], 1.0);
    assert_eq!(ch["deals_won"]["relative"], 2.0);
    // 1 550.50 − 800.00 = 750.50, i.e. +93.81 %.
    assert_eq!(text(&ch["won_amount"]["difference"]), "750.50");
    assert_eq!(ch["won_amount"]["relative"], 0.9381);
    assert_eq!(ch["win_rate"]["difference"], 0.0);
    assert_eq!(text(&ch["paid_amount"]["difference"]), "650.50");
    assert_eq!(ch["median_cycle_days"]["difference"], 8.0);
    // The year: 0.5 − 1.0.
    assert_eq!(s["changes"]["year_earlier"]["win_rate"]["difference"], -0.5);

    // Reach: Звонок 6, Счет 5 (all but D4), Договор 2. Счет lost D2 and D3: 2 of 5 = 40 %,
    // Звонок lost D4: 1 of 6.
    let leaks = s["leaks"].as_array().unwrap();
    assert_eq!(leaks.len(), 2);
    assert_eq!(leaks[0]["stage"], "Счет");
    assert_eq!(leaks[0]["reached"], 5);
    assert_eq!(leaks[0]["lost"], 2);
    assert_eq!(leaks[0]["loss_rate"], 0.4);
    assert_eq!(leaks[0]["lost_without_contact"], 1);
    assert_eq!(
        leaks[0]["text"],
        "The stage «Счет» lost 40.0% of the deals that reached it (2 of 5); \
         1 of them had no contact within 2 days."
    );
    assert_eq!(leaks[1]["stage"], "Звонок");
    assert_eq!(leaks[1]["loss_rate"], 0.1667);
    assert!(leaks[1]["lost_without_contact"].is_null());

    // Twelve months, April 2023 to March 2024.
    let trends = s["trends"].as_array().unwrap();
    assert_eq!(trends.len(), 12);
    assert_eq!(trends[0]["month"], "2023-04");
    assert_eq!(trends[10]["month"], "2024-02");
    assert_eq!(trends[10]["deals_created"], 3);
    assert_eq!(text(&trends[11]["won_amount"]), "1550.50");
    assert_eq!(trends[11]["win_rate"], 0.5);
    assert!(
        trends[0]["win_rate"].is_null(),
        "nothing closed in April 2023"
    );

    // Data quality: D11's date.
    let q = &s["data_quality"];
    assert_eq!(q["rows_rejected"], 1);
    let by = q["rejected_by_reason"].as_array().unwrap();
    assert_eq!(by.len(), 1);
    assert_eq!(by[0]["table"], "deals");
    assert_eq!(by[0]["column"], "created_at");
    assert_eq!(by[0]["rows"], 1);

    // The files.
    for f in [
        "index.html",
        "report.xlsx",
        "tables/headline.csv",
        "tables/trends.csv",
        "tables/funnel.csv",
        "tables/lost_deals.csv",
        "tables/rejects.csv",
        "charts/trends_12_months.svg",
        "charts/trends_12_months.png",
        "charts/funnel_chart.png",
    ] {
        assert!(out.path().join(f).is_file(), "{f} missing");
    }
    let html = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(html.contains("<h1>Sales report — 2024-03</h1>"));
    assert!(html.contains("1,550.50\u{a0}₽"));
    assert!(html.contains("+750.50\u{a0}₽ (+93.8%) vs previous period"));
    assert!(html.contains("1 of them had no contact within 2 days"));
    assert!(html.contains("<svg"), "charts inline");
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
}

#[test]
fn russian_page_and_another_currency() {
    let data = company();
    let out = tempfile::tempdir().unwrap();
    let s = report(
        data.path(),
        out.path(),
        &["--lang", "ru", "--currency", "USD", "--quiet"],
    );
    assert_eq!(s["lang"], "ru");
    assert_eq!(s["currency"], "$");
    let html = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(html.contains("<html lang=\"ru\">"));
    assert!(html.contains("<h1>Отчёт о продажах — 2024-03</h1>"));
    assert!(html.contains("1\u{a0}550,50\u{a0}$"));
    assert!(html.contains(
        "Этап «Счет» потерял 40,0\u{a0}% дошедших до него сделок (2 из 5); \
         по 1 из них не было контакта в течение 2 дн."
    ));
    assert!(html.contains("Главные цифры"));
    // Notes in Russian too: one written by the command, one by the metric (with its values).
    assert!(html.contains("покупки — выигранные сделки до конца 2024-03-31"));
    assert!(html.contains(
        "в папке с данными нет таблиц: campaigns, clients (разделы, которым они нужны, говорят об этом)"
    ));
    // Every note of this run is made in both languages: none is left in English.
    for n in s["notes"].as_array().unwrap() {
        let n = n.as_str().unwrap();
        assert!(
            n.chars().any(|c| ('а'..='я').contains(&c)),
            "a note in English on the Russian page: {n}"
        );
    }
    let svg = std::fs::read_to_string(out.path().join("charts/trends_12_months.svg")).unwrap();
    assert!(svg.contains("Создано сделок по месяцам"));
}

/// A folder with deals only: the sections that need other tables say so, the rest stand.
#[test]
fn missing_tables_are_said() {
    let data = folder(&[("crmstat.toml", CONFIG), ("deals.csv", DEALS)]);
    let out = tempfile::tempdir().unwrap();
    let s = report(data.path(), out.path(), &[]);
    assert_eq!(s["headline"]["current"]["deals_won"], 3);
    assert!(s["headline"]["current"]["paid_amount"].is_null());
    assert_eq!(s["leaks"][0]["stage"], "Счет");
    assert!(s["leaks"][0]["lost_without_contact"].is_null());
    let html = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(html.contains("no payments table"));
    assert!(html.contains("follow-up breaches need the contacts table"));
    for key in ["funnel", "losses", "durations", "managers", "campaigns"] {
        assert_eq!(s["sections"][key]["built"], true, "{key}");
    }
}

/// Without a terminal there is no progress bar; `--quiet` also leaves out the notes and the
/// closing line, but not the problems with the data.
#[test]
fn quiet_is_quiet() {
    let data = company();
    for (quiet, out) in [
        (false, tempfile::tempdir().unwrap()),
        (true, tempfile::tempdir().unwrap()),
    ] {
        let mut cmd = Command::cargo_bin("crmstat").unwrap();
        cmd.args(["report", "--period", "2024-03", "--data"])
            .arg(data.path())
            .arg("--out")
            .arg(out.path());
        if quiet {
            cmd.arg("--quiet");
        }
        let run = cmd.assert().success();
        let stderr = String::from_utf8(run.get_output().stderr.clone()).unwrap();
        assert!(
            stderr.contains("deals.csv:12: created_at"),
            "problems are always shown"
        );
        assert!(
            !stderr.contains('\r') && !stderr.contains("[="),
            "no progress bar"
        );
        assert_eq!(stderr.contains("note:"), !quiet);
        assert_eq!(stderr.contains("report for 2024-03"), !quiet);
    }
}

/// `--period all` (March 2023 – March 2024 here) is compared with nothing: the data do not
/// reach before it, and a span longer than a year has no "same period a year earlier".
#[test]
fn all_is_compared_with_nothing() {
    let data = company();
    let out = tempfile::tempdir().unwrap();
    Command::cargo_bin("crmstat")
        .unwrap()
        .args(["report", "--period", "all", "--quiet", "--data"])
        .arg(data.path())
        .arg("--out")
        .arg(out.path())
        .assert()
        .success();
    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(s["period"], "2023-03 – 2024-03");
    let spans: Vec<&String> = s["headline"].as_object().unwrap().keys().collect();
    assert_eq!(spans, ["current"]);
    // Every valid deal: D1–D10 (D11 rejected); won D1, D6, D7, D8, D10.
    assert_eq!(s["headline"]["current"]["deals_created"], 10);
    assert_eq!(s["headline"]["current"]["deals_won"], 5);
}
