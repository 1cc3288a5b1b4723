//! Issue 17: inputs that would change a money figure without a word. Each test writes its
//! input as bytes into a fresh folder and asserts the exact behaviour: the exit code, the
//! `file:line: column: problem` message, and the figure that results.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn crmstat() -> Command {
    Command::cargo_bin("crmstat").unwrap()
}

const TOML: &str = "[funnel]\nstages = [\"Звонок\", \"Встреча\", \"Счет\"]\n";
const HEADER: &[u8] = b"deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount";

/// A data folder with these files (name, bytes) and the three-stage funnel.
fn folder(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("crmstat.toml"), TOML).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

/// `validate` on a folder: (exit code, stdout).
fn validate(dir: &Path) -> (i32, String) {
    let out = crmstat()
        .arg("validate")
        .arg("--data")
        .arg(dir)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

/// The `funnel` table's JSON for 2024-03.
fn funnel_json(dir: &Path, strict: bool) -> (i32, serde_json::Value) {
    let out = tempfile::tempdir().unwrap();
    let mut cmd = crmstat();
    cmd.args([
        "funnel", "--period", "2024-03", "--format", "json", "--data",
    ])
    .arg(dir)
    .arg("--out")
    .arg(out.path().join("f"));
    if strict {
        cmd.arg("--strict");
    }
    let o = cmd.output().unwrap();
    let code = o.status.code().unwrap_or(-1);
    let json = std::fs::read_to_string(out.path().join("f/funnel.json"))
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(serde_json::Value::Null);
    (code, json)
}

fn lines(rows: &[&str]) -> Vec<u8> {
    let mut b = HEADER.to_vec();
    for r in rows {
        b.push(b'\n');
        b.extend_from_slice(r.as_bytes());
    }
    b
}

/// Item 4: a last row cut short (no newline, fewer fields) is rejected with its line, under
/// validate and --strict; so is a short row in the middle.
#[test]
fn short_rows_are_rejected_with_their_line() {
    let deals = lines(&[
        "D1,K1,M1,2024-03-01,2024-03-05,won,Счет,100.00",
        "D2,K2,M1,2024-03-02",
        "D3,K3,M1,2024-03-03,,open,Встреча,5",
        "D4,K4,M1,2024-03-04,2024-03-06,lost",
    ]);
    let dir = folder(&[("deals.csv", &deals)]);
    let (code, text) = validate(dir.path());
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("deals.csv:3: (row): the line has 4 of the header's 8 fields"),
        "{text}"
    );
    assert!(
        text.contains("deals.csv:5: (row): the line has 6 of the header's 8 fields"),
        "{text}"
    );
    assert!(text.contains("|    4 |    2 |        2 |"), "{text}");
    let (code, _) = funnel_json(dir.path(), true);
    assert_eq!(code, 1);
}

/// Item 5: thousands groups are 3 digits after a first group of 1–3; anything else is a
/// rejected amount, not a different number.
#[test]
fn malformed_thousands_are_rejected() {
    let bad = [
        "1.2.3",
        "\"12,34,56\"",
        "\"1,23,4.50\"",
        "\"1.2,50\"",
        "1'2'3",
        "\",,5\"",
        "1 2",
    ];
    let mut rows: Vec<String> = bad
        .iter()
        .enumerate()
        .map(|(i, v)| format!("D{i},K{i},M1,2024-03-01,,open,Звонок,{v}"))
        .collect();
    rows.push("D9,K9,M1,2024-03-01,,open,Звонок,\"1 234,50\"".into());
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let dir = folder(&[("deals.csv", &lines(&rows))]);
    let (code, text) = validate(dir.path());
    assert_eq!(code, 1, "{text}");
    for (i, v) in bad.iter().enumerate() {
        let v = v.trim_matches('"');
        let want = format!("deals.csv:{}: amount: not a money amount (\"{v}\")", i + 2);
        assert!(text.contains(&want), "{want} in {text}");
    }
    assert!(text.contains("|    8 |    1 |        7 |"), "{text}");
}

/// Item 6: money is summed in i128: two payments of 90,000,000,000,000,000.00 (each fits
/// an i64 of kopecks, their sum does not) give their exact sum in payroll, not a panic or a
/// wrapped number.
#[test]
fn huge_amounts_add_up_exactly() {
    let deals = lines(&["D1,K1,M1,2024-03-01,2024-03-05,won,Счет,1.00"]);
    let payments = b"payment_id,deal_id,paid_at,amount\nP1,D1,2024-03-05,90000000000000000\nP2,D1,2024-03-06,90000000000000000.00\n";
    let managers = b"manager_id,name\nM1,Anna\n";
    let dir = folder(&[
        ("deals.csv", &deals),
        ("payments.csv", payments),
        ("managers.csv", managers),
    ]);
    std::fs::write(
        dir.path().join("crmstat.toml"),
        format!("{TOML}[payroll]\nbasis = \"paid\"\nscheme = \"flat\"\n[payroll.schemes.flat]\ntype = \"flat\"\npercent = 10\n"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    crmstat()
        .args([
            "payroll", "--period", "2024-03", "--format", "json", "--data",
        ])
        .arg(dir.path())
        .arg("--out")
        .arg(out.path().join("p"))
        .assert()
        .success();
    let text = std::fs::read_to_string(out.path().join("p/payroll.json")).unwrap();
    assert!(text.contains("180000000000000000.00"), "{text}");
    assert!(text.contains("18000000000000000.00"), "{text}");
}

/// Item 6 in campaigns and RFM: two deals of one campaign and one client, each paid
/// 90,000,000,000,000,000.00, add up exactly (before: summed in i64 and wrapped); one deal
/// whose own payments add up past what an amount can hold is refused, naming the deal.
#[test]
fn huge_amounts_add_up_in_campaigns_and_rfm() {
    let deals =
        b"deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount,campaign_id\n\
D1,K1,M1,2024-03-01,2024-03-05,won,\xD0\xA1\xD1\x87\xD0\xB5\xD1\x82,90000000000000000,C1\n\
D2,K1,M1,2024-03-02,2024-03-06,won,\xD0\xA1\xD1\x87\xD0\xB5\xD1\x82,90000000000000000,C1\n";
    let payments = b"payment_id,deal_id,paid_at,amount\nP1,D1,2024-03-05,90000000000000000\nP2,D2,2024-03-06,90000000000000000.00\n";
    let dir = folder(&[("deals.csv", deals), ("payments.csv", payments)]);
    let out = tempfile::tempdir().unwrap();
    for cmd in ["campaigns", "reactivation"] {
        crmstat()
            .args([cmd, "--period", "2024-03", "--format", "csv", "--data"])
            .arg(dir.path())
            .arg("--out")
            .arg(out.path().join(cmd))
            .assert()
            .success();
    }
    let campaigns = std::fs::read_to_string(out.path().join("campaigns/campaigns.csv")).unwrap();
    let row = campaigns.lines().nth(1).unwrap();
    // won_amount and paid_amount, both exact.
    assert!(
        row.contains(",180000000000000000.00,180000000000000000.00,"),
        "{campaigns}"
    );
    let rfm = std::fs::read_to_string(out.path().join("reactivation/rfm.csv")).unwrap();
    assert!(rfm.contains(",2,180000000000000000.00,"), "{rfm}");
    let segments =
        std::fs::read_to_string(out.path().join("reactivation/rfm_segments.csv")).unwrap();
    assert!(segments.contains(",180000000000000000.00,"), "{segments}");

    // One deal paid twice 90,000,000,000,000,000.00: more than one amount holds.
    let payments = b"payment_id,deal_id,paid_at,amount\nP1,D1,2024-03-05,90000000000000000\nP2,D1,2024-03-06,90000000000000000\n";
    std::fs::write(dir.path().join("payments.csv"), payments).unwrap();
    crmstat()
        .args(["campaigns", "--period", "2024-03", "--data"])
        .arg(dir.path())
        .arg("--out")
        .arg(out.path().join("again"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "payments.csv: amount: the payments of deal D1 add up to more than 92233720368547758.07, too large to add",
        ));
}

/// Item 13 in the managers, campaigns and RFM tables: won deals without an amount are not
/// 0.00. M1 won D1 (100.00) and D2 (no amount); M2 won only D3 (no amount). Worked by hand:
/// M1 won_amount 100.00 over 1 of 2 won deals, average 100.00 (not 50.00); M2 empty; C1 (D1,
/// D2) 100.00, C2 (D3, D4 lost) empty; client K1 (D1, D2) revenue 100.00 from 1 of 2
/// purchases, K2 (D3) empty with no m_score; each table's note says "1 of 3".
#[test]
fn missing_amounts_are_missing_in_managers_campaigns_and_rfm() {
    let deals = "deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount,campaign_id\n\
D1,K1,M1,2024-03-01,2024-03-05,won,Счет,100.00,C1\n\
D2,K1,M1,2024-03-02,2024-03-09,won,Счет,,C1\n\
D3,K2,M2,2024-03-03,2024-03-06,won,Счет,,C2\n\
D4,K3,M2,2024-03-03,2024-03-07,lost,Встреча,50,C2\n";
    let dir = folder(&[("deals.csv", deals.as_bytes())]);
    let out = tempfile::tempdir().unwrap();
    let mut notes = String::new();
    for cmd in ["managers", "campaigns", "reactivation"] {
        let o = crmstat()
            .args([cmd, "--period", "2024-03", "--format", "json", "--data"])
            .arg(dir.path())
            .arg("--out")
            .arg(out.path().join(cmd))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{cmd}");
        notes += &String::from_utf8_lossy(&o.stderr);
        notes += &String::from_utf8_lossy(&o.stdout);
    }
    let json = |p: &str| -> Vec<serde_json::Value> {
        let t = std::fs::read_to_string(out.path().join(p)).unwrap();
        serde_json::from_str::<serde_json::Value>(&t)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    let by = |rows: &[serde_json::Value], key: &str, id: &str| {
        rows.iter().find(|r| r[key] == id).unwrap().clone()
    };
    let managers = json("managers/managers.json");
    let (m1, m2) = (
        by(&managers, "manager_id", "M1"),
        by(&managers, "manager_id", "M2"),
    );
    assert_eq!(m1["won_amount"].to_string(), "100.00", "{m1}");
    assert_eq!(m1["avg_won_amount"].to_string(), "100.00", "{m1}");
    assert_eq!(m1["won_with_amount"], 1.0, "{m1}");
    assert!(m2["won_amount"].is_null(), "{m2}");
    assert!(m2["avg_won_amount"].is_null(), "{m2}");
    let campaigns = json("campaigns/campaigns.json");
    assert_eq!(
        by(&campaigns, "campaign_id", "C1")["won_amount"].to_string(),
        "100.00"
    );
    assert!(by(&campaigns, "campaign_id", "C2")["won_amount"].is_null());
    let rfm = json("reactivation/rfm.json");
    let (k1, k2) = (by(&rfm, "client_id", "K1"), by(&rfm, "client_id", "K2"));
    assert_eq!(k1["lifetime_revenue"].to_string(), "100.00", "{k1}");
    assert_eq!(k1["purchases_with_amount"], 1, "{k1}");
    assert!(k2["lifetime_revenue"].is_null(), "{k2}");
    assert!(k2["m_score"].is_null(), "{k2}");
    for n in [
        "won_amount covers the won deals with an amount: 1 of 3 (won_with_amount)",
        "won_amount covers the won deals with an amount: 1 of 3 (weighted by attribution",
        "lifetime revenue covers the purchases with an amount: 1 of 3 purchases",
    ] {
        assert!(notes.contains(n), "{n} in {notes}");
    }
}

/// Item 7: lines ended by a bare CR (old Mac/Excel exports) are lines.
#[test]
fn cr_only_line_endings_are_lines() {
    let mut deals = lines(&[
        "D1,K1,M1,2024-03-01,2024-03-05,won,Счет,100.00",
        "D2,K2,M1,2024-03-02,,open,Встреча,5",
        "D3,K3,M1,2024-03-03,2024-03-04,won,Счет,bad",
    ]);
    for b in &mut deals {
        if *b == b'\n' {
            *b = b'\r';
        }
    }
    let dir = folder(&[("deals.csv", &deals)]);
    let (code, text) = validate(dir.path());
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("deals.csv:4: amount: not a money amount (\"bad\")"),
        "{text}"
    );
    assert!(text.contains("|    3 |    2 |        1 |"), "{text}");
}

/// Item 10: a BOM means UTF-8; a byte that is not UTF-8 after it is reported with its line
/// and the rest of the file reads as UTF-8 (not as Windows-1251 mojibake).
#[test]
fn bom_with_a_bad_byte_stays_utf8() {
    let mut deals = b"\xEF\xBB\xBF".to_vec();
    deals.extend(lines(&[
        "D1,K1,M1,2024-03-01,2024-03-05,won,Счет,100.00",
        "D2,K2,M1,2024-03-02,,open,Встреча,5",
    ]));
    deals.extend_from_slice(b"\nD3,K\xFF3,M1,2024-03-03,,open,\xD0\x92\xD1\x81\xD1\x82\xD1\x80\xD0\xB5\xD1\x87\xD0\xB0,7");
    let dir = folder(&[("deals.csv", &deals)]);
    let (code, text) = validate(dir.path());
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("deals.csv:4: client_id: bytes that are not UTF-8"),
        "{text}"
    );
    // The stages read as UTF-8: no unknown-stage rejects for Счет or Встреча.
    assert!(!text.contains("unknown stage"), "{text}");
    assert!(text.contains("|    3 |    2 |        1 |"), "{text}");
}

/// Item 9: a date outside the plausible years (default 1990–2100) is rejected with the
/// setting that widens them; the placeholder 9999-12-31 does not move the default period;
/// `--period 24-03` is refused.
#[test]
fn implausible_years_are_rejected() {
    let deals = lines(&[
        "D1,K1,M1,2024-03-01,2024-03-05,won,Счет,100.00",
        "D2,K2,M1,2024-03-02,9999-12-31,won,Счет,5",
        "D3,K3,M1,0000-01-01,,open,Звонок,5",
    ]);
    let dir = folder(&[("deals.csv", &deals)]);
    let (code, text) = validate(dir.path());
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            "deals.csv:3: closed_at: the year 9999 is outside the plausible years 1990–2100"
        ),
        "{text}"
    );
    assert!(text.contains("[input] years = [1990, 9999]"), "{text}");
    assert!(text.contains("deals.csv:4: created_at:"), "{text}");
    // The default period is the last month with data: 2024-03, not 9999-12.
    let o = crmstat()
        .args(["funnel", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&o.stdout);
    assert!(
        shown.lines().next().unwrap_or("").contains("2024-03"),
        "{shown}"
    );
    assert!(!shown.contains("9999"), "{shown}");
    // Widened by config, the 9999 date is taken.
    std::fs::write(
        dir.path().join("crmstat.toml"),
        format!("{TOML}[input]\nyears = [1, 9999]\n"),
    )
    .unwrap();
    let (code, text) = validate(dir.path());
    assert_eq!(code, 1, "{text}");
    assert!(
        !text.contains("closed_at"),
        "9999 is taken once the years allow it: {text}"
    );
    assert!(
        text.contains("deals.csv:4: created_at: the year 0 is outside the plausible years 1–9999"),
        "{text}"
    );
    crmstat()
        .args(["funnel", "--period", "24-03", "--data"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--period 24-03: use a month (2024-03)",
        ));
}

/// Item 11: two stages equal under the ё/е rule, and a name both won and lost, are refused.
#[test]
fn ambiguous_stage_names_are_refused() {
    let deals = lines(&["D1,K1,M1,2024-03-01,2024-03-05,won,Счет,100.00"]);
    for (toml, message) in [
        (
            "[funnel]\nstages = [\"Звонок\", \"Счёт\", \"Счет\"]\n",
            "[funnel] stages: \"Счёт\" and \"Счет\" are the same stage",
        ),
        (
            "[funnel]\nstages = [\"Звонок\", \"Счет\"]\nwon_stages = [\"Закрыто\"]\nlost_stages = [\"закрыто \"]\n",
            "[funnel] \"Закрыто\" is in won_stages and \"закрыто \" in lost_stages",
        ),
    ] {
        let dir = folder(&[("deals.csv", &deals)]);
        std::fs::write(dir.path().join("crmstat.toml"), toml).unwrap();
        crmstat()
            .arg("validate")
            .arg("--data")
            .arg(dir.path())
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
}

/// Item 22: a closed stderr is not a crash: the run ends with its own exit code.
#[test]
fn closed_stderr_is_not_a_panic() {
    let deals = lines(&[
        "D1,K1,M1,2024-03-01,2024-03-05,won,Счет,100.00",
        "D2,K2,M1,2024-03-02,,open,Встреча,bad",
    ]);
    let dir = folder(&[("deals.csv", &deals)]);
    let bin = assert_cmd::cargo::cargo_bin("crmstat");
    for (args, code) in [
        ("funnel --period 2024-03", 0),
        ("funnel --period 2024-03 --strict", 1),
        ("funnel --period nope", 2),
    ] {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "\"$0\" {args} --data \"$1\" >/dev/null 2>&-; echo \"exit=$?\""
            ))
            .arg(&bin)
            .arg(dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.trim(), format!("exit={code}"), "{args}");
    }
}

/// Item 19: a deal that really entered a later stage, went back and was lost earlier has
/// reached that later stage. Item 8: a stage entry dated after the close is noted, and the
/// time in stage ends at the close (never negative).
/// D1: Звонок 03-01, Счет 03-03, back to Встреча 03-04, lost 03-06 at Встреча.
/// D2: Звонок 03-01, Встреча 03-02, won 03-05; an entry into Счет 03-20, after the close.
#[test]
fn stages_entered_before_going_back_count_and_late_entries_end_at_the_close() {
    let deals = lines(&[
        "D1,K1,M1,2024-03-01,2024-03-06,lost,Встреча,10",
        "D2,K2,M1,2024-03-01,2024-03-05,won,Счет,20",
    ]);
    let history = "deal_id,stage,entered_at\nD1,Звонок,2024-03-01\nD1,Счет,2024-03-03\nD1,Встреча,2024-03-04\nD2,Звонок,2024-03-01\nD2,Встреча,2024-03-02\nD2,Счет,2024-03-20\n";
    let dir = folder(&[
        ("deals.csv", &deals),
        ("stage_history.csv", history.as_bytes()),
    ]);
    let (code, json) = funnel_json(dir.path(), false);
    assert_eq!(code, 0);
    let reached: Vec<i64> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reached"].as_i64().unwrap())
        .collect();
    // Звонок 2, Встреча 2, Счет 2 (D2 won; D1 entered Счет before going back).
    assert_eq!(reached, [2, 2, 2]);

    let out = tempfile::tempdir().unwrap();
    let o = crmstat()
        .args([
            "durations",
            "--period",
            "2024-03",
            "--format",
            "json",
            "--data",
        ])
        .arg(dir.path())
        .arg("--out")
        .arg(out.path().join("d"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("1 stage entries are dated after their deal closed (e.g. deal D2 entered Счет at 2024-03-20 00:00:00, closed 2024-03-05 00:00:00)"),
        "{err}"
    );
    let per_deal = std::fs::read_to_string(out.path().join("d/stage_time_per_deal.json")).unwrap();
    let rows: serde_json::Value = serde_json::from_str(&per_deal).unwrap();
    for r in rows.as_array().unwrap() {
        let days = r["cumulative_days"].as_f64().unwrap_or(0.0);
        assert!(days >= 0.0, "negative time in stage: {r}");
        if r["deal_id"] == "D2" && r["stage"] == "Счет" {
            assert_eq!(days, 0.0, "{r}");
        }
        if r["deal_id"] == "D2" && r["stage"] == "Встреча" {
            assert_eq!(days, 3.0, "{r}");
        }
    }
}

/// Item 21: the report is built beside its folder and swapped in: a run that fails leaves
/// the previous report whole, and a finished run leaves no table of an earlier run.
#[test]
fn report_folder_is_complete_or_left_as_it_was() {
    let data = tempfile::tempdir().unwrap();
    crmstat()
        .args(["generate", "--deals", "120", "--out"])
        .arg(data.path())
        .assert()
        .success();
    let place = tempfile::tempdir().unwrap();
    let out = place.path().join("report");
    let run = |period: &str| {
        crmstat()
            .args(["report", "--quiet", "--period", period, "--data"])
            .arg(data.path())
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap()
    };
    assert!(run("2025-12").status.success());
    std::fs::write(out.join("tables/stale_from_another_run.csv"), "x\n").unwrap();
    std::fs::write(out.join("my_notes.txt"), "mine\n").unwrap();
    let page = std::fs::read(out.join("index.html")).unwrap();
    // A failing run (a month with no data in it is fine; a bad period is refused).
    assert_eq!(run("2025-13").status.code(), Some(2));
    assert_eq!(std::fs::read(out.join("index.html")).unwrap(), page);
    assert!(out.join("tables/stale_from_another_run.csv").exists());
    // A finished run replaces tables/ whole and keeps the user's own file.
    assert!(run("2025-11").status.success());
    assert!(!out.join("tables/stale_from_another_run.csv").exists());
    assert!(out.join("tables/funnel.csv").exists());
    assert_eq!(
        std::fs::read_to_string(out.join("my_notes.txt")).unwrap(),
        "mine\n"
    );
    assert_ne!(std::fs::read(out.join("index.html")).unwrap(), page);
    // No staging folder is left beside it.
    let left: Vec<_> = std::fs::read_dir(place.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(left, ["report"]);
}

/// Item 12: an export of wins only gives no "100 %" win rate: the headline says no losses
/// are recorded and shows the cohort's conversion (2 of the 4 deals created in March won).
#[test]
fn wins_only_export_shows_no_win_rate() {
    let deals = lines(&[
        "D1,K1,M1,2024-03-01,2024-03-05,won,Счет,100.00",
        "D2,K2,M1,2024-03-02,2024-03-09,won,Счет,50",
        "D3,K3,M1,2024-03-03,,open,Встреча,5",
        "D4,K4,M1,2024-03-04,,open,Звонок,5",
    ]);
    let dir = folder(&[("deals.csv", &deals)]);
    let out = tempfile::tempdir().unwrap();
    let o = crmstat()
        .args(["report", "--period", "2024-03", "--data"])
        .arg(dir.path())
        .arg("--out")
        .arg(out.path().join("r"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("the export records no lost deal at all"));
    let page = std::fs::read_to_string(out.path().join("r/index.html")).unwrap();
    assert!(page.contains("no losses recorded"), "headline card");
    assert!(
        page.contains("The export records no lost deal at all"),
        "outcome sentence"
    );
    assert!(
        page.contains("of the deals created in 2024-03, 50.0% were won"),
        "{page}"
    );
    let summary = std::fs::read_to_string(out.path().join("r/summary.json")).unwrap();
    let s: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert!(summary.contains("\"win_rate\": null"), "{s}");
}

/// Item 2: amounts in different currencies are never added: a deal in another currency
/// than the company's (config `currency`, else the first the deals name) is rejected at
/// its line, and the won amount is the one currency's.
#[test]
fn currencies_are_never_added() {
    let deals = b"deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount,currency\nD1,K1,M1,2024-03-01,2024-03-05,won,\xD0\xA1\xD1\x87\xD0\xB5\xD1\x82,1000,RUB\nD2,K2,M1,2024-03-02,2024-03-06,won,\xD0\xA1\xD1\x87\xD0\xB5\xD1\x82,2000,USD\nD3,K3,M1,2024-03-03,2024-03-07,won,\xD0\xA1\xD1\x87\xD0\xB5\xD1\x82,500,\xE2\x82\xBD\n";
    let dir = folder(&[("deals.csv", deals)]);
    let (code, text) = validate(dir.path());
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            "deals.csv:3: currency: the amount is in USD but the company's currency is RUB"
        ),
        "{text}"
    );
    assert!(text.contains("|    3 |    2 |        1 |"), "{text}");
    let out = tempfile::tempdir().unwrap();
    crmstat()
        .args(["report", "--quiet", "--period", "2024-03", "--data"])
        .arg(dir.path())
        .arg("--out")
        .arg(out.path().join("r"))
        .assert()
        .success();
    let summary = std::fs::read_to_string(out.path().join("r/summary.json")).unwrap();
    assert!(summary.contains("\"won_amount\": 1500.00,"), "{summary}");
    assert!(!summary.contains("3500"), "{summary}");
    // The config names USD: the two rouble deals are the ones rejected.
    std::fs::write(
        dir.path().join("crmstat.toml"),
        format!("currency = \"USD\"\n{TOML}"),
    )
    .unwrap();
    let (_, text) = validate(dir.path());
    assert!(
        text.contains(
            "deals.csv:2: currency: the amount is in RUB but the company's currency is USD"
        ),
        "{text}"
    );
    assert!(
        text.contains("deals.csv:4: currency: the amount is in RUB"),
        "{text}"
    );
}

/// Item 14: an open deal without an owner counts (under `(unassigned)`), with a note; a
/// closed deal still needs its owner.
#[test]
fn open_deals_without_an_owner_count() {
    let deals = lines(&[
        "D1,K1,,2024-03-01,,open,Звонок,10",
        "D2,K2,,2024-03-02,2024-03-05,won,Счет,20",
        "D3,K3,M1,2024-03-03,,open,Встреча,30",
    ]);
    let managers = b"manager_id,name\nM1,Anna\n";
    let dir = folder(&[("deals.csv", &deals), ("managers.csv", managers)]);
    let (code, text) = validate(dir.path());
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("deals.csv:3: manager_id: required value is missing"),
        "{text}"
    );
    assert!(!text.contains("deals.csv:2:"), "{text}");
    assert!(
        text.contains("1 open deals have no owner in the export: they count for the company, and under `(unassigned)` per manager"),
        "{text}"
    );
    assert!(text.contains("|    3 |    2 |        1 |"), "{text}");
    let (_, json) = funnel_json(dir.path(), false);
    assert_eq!(json[0]["reached"].as_i64(), Some(2), "{json}");
}

/// Item 15: `(unassigned)` is listed per manager but is not a manager in the company
/// average. M1 created 2 deals, M2 1, (unassigned) 3: the average is (2 + 1) / 2 = 1.5.
#[test]
fn unassigned_is_not_in_the_company_average() {
    let deals = lines(&[
        "D1,K1,M1,2024-03-01,2024-03-05,won,Счет,10",
        "D2,K2,M1,2024-03-02,2024-03-06,won,Счет,10",
        "D3,K3,M2,2024-03-03,2024-03-07,lost,Звонок,10",
        "D4,K4,,2024-03-04,,open,Звонок,10",
        "D5,K5,,2024-03-05,,open,Звонок,10",
        "D6,K6,,2024-03-06,,open,Звонок,10",
    ]);
    let dir = folder(&[("deals.csv", &deals)]);
    let out = tempfile::tempdir().unwrap();
    crmstat()
        .args([
            "managers", "--period", "2024-03", "--format", "json", "--data",
        ])
        .arg(dir.path())
        .arg("--out")
        .arg(out.path().join("m"))
        .assert()
        .success();
    let text = std::fs::read_to_string(out.path().join("m/managers.json")).unwrap();
    let m: serde_json::Value = serde_json::from_str(&text).unwrap();
    let row = |id: &str| {
        m.as_array()
            .unwrap()
            .iter()
            .find(|r| r["manager_id"] == id)
            .cloned()
    };
    assert_eq!(
        row("(unassigned)").unwrap()["deals_created"].as_f64(),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        row("(company average)").unwrap()["deals_created"].as_f64(),
        Some(1.5),
        "{text}"
    );
    let dev = std::fs::read_to_string(out.path().join("m/manager_deviations.json")).unwrap();
    let d: serde_json::Value = serde_json::from_str(&dev).unwrap();
    for r in d
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["manager_id"] == "(unassigned)")
    {
        assert!(
            r["z_score"].is_null() && r["ratio_to_average"].is_null(),
            "{r}"
        );
    }
}

/// Item 23: a line holding only `""` is a blank line: later line numbers stay right.
#[test]
fn a_quoted_empty_line_does_not_shift_line_numbers() {
    let mut deals = lines(&["D1,K1,M1,2024-03-01,2024-03-05,won,Счет,100.00"]);
    deals.extend_from_slice("\n\"\"\nD2,K2,M1,2024-03-02,,open,Встреча,bad\n".as_bytes());
    let dir = folder(&[("deals.csv", &deals)]);
    let (code, text) = validate(dir.path());
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("deals.csv:4: amount: not a money amount (\"bad\")"),
        "{text}"
    );
    assert!(text.contains("|    2 |    1 |        1 |"), "{text}");
}

/// Item 16: no comparison against a sliver of data: February covered from the 25th (17 %
/// of its days) is not compared with; February covered whole but with 4 deals (fewer than
/// 30) neither. The note says why; summary.json has no previous period.
#[test]
fn no_comparison_against_a_sliver() {
    let march: Vec<String> = (1..=31)
        .map(|d| format!("M{d},K{d},M1,2024-03-{d:02},,open,Звонок,10"))
        .collect();
    for (first_day, why) in [
        (
            "25",
            "no comparison with 2024-02: the data start on 2024-02-25 and cover 17 % of it",
        ),
        (
            "01",
            "no comparison with 2024-02: 4 deals were created in it, fewer than 30",
        ),
    ] {
        let mut rows: Vec<String> = (0..4)
            .map(|i| format!("F{i},K{i},M1,2024-02-{first_day},,open,Звонок,10"))
            .collect();
        rows.extend(march.iter().cloned());
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let dir = folder(&[("deals.csv", &lines(&rows))]);
        let out = tempfile::tempdir().unwrap();
        let o = crmstat()
            .args(["report", "--period", "2024-03", "--data"])
            .arg(dir.path())
            .arg("--out")
            .arg(out.path().join("r"))
            .output()
            .unwrap();
        assert!(o.status.success());
        let page = std::fs::read_to_string(out.path().join("r/index.html")).unwrap();
        assert!(page.contains(why), "{why}");
        let summary = std::fs::read_to_string(out.path().join("r/summary.json")).unwrap();
        let s: serde_json::Value = serde_json::from_str(&summary).unwrap();
        assert!(s["headline"]["previous"].is_null(), "{summary}");
    }
}

/// Item 17: without client names (no clients table) the win-back table on the page shows
/// the client ids, not empty cells.
#[test]
fn win_back_list_shows_ids_without_names() {
    let deals = lines(&[
        "D1,KX-17,M1,2024-01-01,2024-01-10,won,Счет,100",
        "D2,KX-17,M1,2024-02-01,2024-02-10,won,Счет,100",
        "D3,KY-18,M1,2024-01-05,2024-01-12,won,Счет,100",
        "D4,KY-18,M1,2024-02-05,2024-02-12,won,Счет,100",
    ]);
    let dir = folder(&[("deals.csv", &deals)]);
    let out = tempfile::tempdir().unwrap();
    crmstat()
        .args(["report", "--quiet", "--period", "2024-12", "--data"])
        .arg(dir.path())
        .arg("--out")
        .arg(out.path().join("r"))
        .assert()
        .success();
    let list = std::fs::read_to_string(out.path().join("r/tables/reactivation.csv")).unwrap();
    assert!(list.contains("KX-17"), "the clients are due: {list}");
    let page = std::fs::read_to_string(out.path().join("r/index.html")).unwrap();
    let at = page
        .find("Top candidates to win back")
        .expect("the win-back table");
    let table = &page[at..at + 4000.min(page.len() - at)];
    assert!(
        table.contains("KX-17") && table.contains("KY-18"),
        "{table}"
    );
}

/// Item 13: amounts that are missing are shown as missing: a period whose wins have no
/// amount says "not recorded" (summary.json null), and one where only some have it says
/// how many ("1 of 2 deals").
#[test]
fn missing_amounts_are_not_zero() {
    for (rows, card, json) in [
        (
            [
                "D1,K1,M1,2024-03-01,2024-03-05,won,Счет,",
                "D2,K2,M1,2024-03-02,2024-03-06,won,Счет,",
            ],
            "not recorded",
            "null",
        ),
        (
            [
                "D1,K1,M1,2024-03-01,2024-03-05,won,Счет,100.00",
                "D2,K2,M1,2024-03-02,2024-03-06,won,Счет,",
            ],
            "(1 of 2 deals)",
            "100.00",
        ),
    ] {
        let dir = folder(&[("deals.csv", &lines(&rows))]);
        let out = tempfile::tempdir().unwrap();
        crmstat()
            .args(["report", "--quiet", "--period", "2024-03", "--data"])
            .arg(dir.path())
            .arg("--out")
            .arg(out.path().join("r"))
            .assert()
            .success();
        let page = std::fs::read_to_string(out.path().join("r/index.html")).unwrap();
        assert!(page.contains(card), "{card}");
        let summary = std::fs::read_to_string(out.path().join("r/summary.json")).unwrap();
        let s: serde_json::Value = serde_json::from_str(&summary).unwrap();
        assert_eq!(
            s["headline"]["current"]["won_amount"].to_string(),
            json,
            "{summary}"
        );
    }
}

/// Item 24 (part): a folder or a dangling link named deals.csv is said to be one, not
/// "no deals table".
#[test]
fn a_folder_or_dangling_link_named_like_a_table_is_named() {
    let dir = folder(&[]);
    std::fs::create_dir(dir.path().join("deals.csv")).unwrap();
    crmstat()
        .arg("validate")
        .arg("--data")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "deals.csv: is a folder, not a file",
        ));
    let dir = folder(&[]);
    std::os::unix::fs::symlink(dir.path().join("gone.csv"), dir.path().join("deals.csv")).unwrap();
    crmstat()
        .arg("validate")
        .arg("--data")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "deals.csv: is a link to a file that does not exist",
        ));
}

/// Item 12 (the setting): `[funnel] stale_after_days = 30` counts an open deal older than
/// 30 days as lost at its stage on the day it went stale. D2 (created 1 Feb) goes stale on
/// 2 March: closed in March are D1 won and D2 lost — win rate 1/2; D3 (20 March) stays open.
#[test]
fn stale_open_deals_count_as_lost_when_configured() {
    let deals = lines(&[
        "D1,K1,M1,2024-03-01,2024-03-05,won,Счет,100",
        "D2,K2,M1,2024-02-01,,open,Встреча,50",
        "D3,K3,M1,2024-03-20,,open,Звонок,10",
    ]);
    let dir = folder(&[("deals.csv", &deals)]);
    std::fs::write(
        dir.path().join("crmstat.toml"),
        format!("{}stale_after_days = 30\n", TOML),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = crmstat()
        .args([
            "funnel", "--period", "2024-03", "--format", "json", "--data",
        ])
        .arg(dir.path())
        .arg("--out")
        .arg(out.path().join("f"))
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("1 open deals older than 30 days count as lost at their stage"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(out.path().join("f/win_rate.json")).unwrap();
    let w: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(w[0]["scope"], "closed in the period");
    assert_eq!(
        (w[0]["won"].as_i64(), w[0]["lost"].as_i64()),
        (Some(1), Some(1)),
        "{text}"
    );
    assert_eq!(w[0]["win_rate_count"].as_f64(), Some(0.5));
}

/// Item 24: payroll, managers, campaigns, durations and reactivation run without a stage
/// order (only the funnel and losses need one, and say so); the report builds with the
/// funnel section saying why, once.
#[test]
fn only_the_funnel_commands_need_a_stage_order() {
    let deals = lines(&[
        "D1,K1,M1,2024-03-01,2024-03-05,won,Счет,100.00",
        "D2,K2,M1,2024-03-02,2024-03-09,lost,Встреча,5",
    ]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deals.csv"), &deals).unwrap();
    std::fs::write(
        dir.path().join("crmstat.toml"),
        "[payroll]\nbasis = \"won\"\nscheme = \"flat\"\n[payroll.schemes.flat]\ntype = \"flat\"\npercent = 10\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = |cmd: &str| {
        crmstat()
            .args([cmd, "--period", "2024-03", "--format", "csv", "--data"])
            .arg(dir.path())
            .arg("--out")
            .arg(out.path().join(cmd))
            .output()
            .unwrap()
    };
    for cmd in [
        "payroll",
        "managers",
        "campaigns",
        "durations",
        "reactivation",
    ] {
        let o = run(cmd);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{cmd}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let managers = std::fs::read_to_string(out.path().join("managers/managers.csv")).unwrap();
    assert!(
        managers.contains("M1,,true,0.0,0.0,2.0,1.0,1.0,0.5,100.00,"),
        "{managers}"
    );
    let stages = std::fs::read_to_string(out.path().join("durations/stage_durations.csv")).unwrap();
    assert!(stages.contains("Встреча,1,7.0"), "{stages}");
    for cmd in ["funnel", "losses"] {
        let o = run(cmd);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("the stage order is unknown"));
    }
    let o = crmstat()
        .args(["report", "--period", "2024-03", "--data"])
        .arg(dir.path())
        .arg("--out")
        .arg(out.path().join("report"))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let page = std::fs::read_to_string(out.path().join("report/index.html")).unwrap();
    assert_eq!(
        page.matches("This section could not be built: the stage order is unknown")
            .count(),
        1
    );
}

/// Item 24: `validate` prints the first 50 problems like the others print 5, and says how
/// many more there are and where they all are.
#[test]
fn validate_caps_the_problems_it_prints() {
    let rows: Vec<String> = (0..60)
        .map(|i| format!("D{i},K{i},M1,2024-03-01,,open,Звонок,bad{i}"))
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let dir = folder(&[("deals.csv", &lines(&rows))]);
    let (code, text) = validate(dir.path());
    assert_eq!(code, 1);
    assert_eq!(
        text.matches(": amount: not a money amount").count(),
        50,
        "{text}"
    );
    assert!(text.contains("deals.csv:51: amount"), "{text}");
    assert!(!text.contains("deals.csv:52: amount"), "{text}");
    assert!(
        text.contains("… 10 more problems; add --out DIR to write every one to rejects.csv, or --show 0 to print them all"),
        "{text}"
    );
    let all = crmstat()
        .args(["validate", "--show", "0", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    let all = String::from_utf8_lossy(&all.stdout);
    assert_eq!(all.matches(": amount: not a money amount").count(), 60);
}

/// Item 24: a glued export repeats the header with its byte-order mark: that line is a
/// header, skipped with a note, not a data row rejected five times.
#[test]
fn a_repeated_header_with_a_bom_is_skipped() {
    let part = lines(&["D1,K1,M1,2024-03-01,,open,Звонок,5"]);
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(&part);
    bytes.extend_from_slice(b"\n\xEF\xBB\xBF");
    bytes.extend_from_slice(&lines(&["D2,K2,M1,2024-03-02,,open,Звонок,6"]));
    let dir = folder(&[("deals.csv", &bytes)]);
    let (code, text) = validate(dir.path());
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("deals.csv:3: repeated header line skipped"),
        "{text}"
    );
    assert!(
        text.contains("| deals | deals.csv |    2 |    2 |        0 |"),
        "{text}"
    );
}

/// Item 24: `=0.1+0.2`, cached by Excel as 0.30000000000000004, is the amount 0.30 (Excel's
/// 15 significant digits); a real 0.1234 is still refused.
#[test]
fn excel_float_noise_is_read_at_excels_precision() {
    let dir = folder(&[]);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = "deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount";
    for (j, h) in header.split(',').enumerate() {
        sheet.write_string(0, j as u16, h).unwrap();
    }
    for (i, id) in ["D1", "D2"].iter().enumerate() {
        let r = i as u32 + 1;
        for (j, v) in [*id, "K1", "M1", "2024-03-01", "", "won", "Счет"]
            .iter()
            .enumerate()
        {
            if !v.is_empty() {
                sheet.write_string(r, j as u16, *v).unwrap();
            }
        }
        sheet.write_string(r, 4, "2024-03-05").unwrap();
    }
    sheet
        .write_formula(
            1,
            7,
            rust_xlsxwriter::Formula::new("=0.1+0.2").set_result("0.30000000000000004"),
        )
        .unwrap();
    sheet.write_number(2, 7, 0.1234).unwrap();
    book.save(dir.path().join("deals.xlsx")).unwrap();
    let (code, text) = validate(dir.path());
    assert_eq!(code, 1, "{text}");
    assert!(!text.contains("deals.xlsx:2:"), "{text}");
    assert!(
        text.contains("deals.xlsx:3: amount: money has more than 2 decimal places (\"0.1234\")"),
        "{text}"
    );
    let out = tempfile::tempdir().unwrap();
    crmstat()
        .args([
            "managers", "--period", "2024-03", "--format", "csv", "--data",
        ])
        .arg(dir.path())
        .arg("--out")
        .arg(out.path().join("m"))
        .assert()
        .success();
    let m = std::fs::read_to_string(out.path().join("m/managers.csv")).unwrap();
    assert!(m.contains(",0.30,"), "{m}");
}

/// Item 24: a loss reason longer than an Excel cell holds (32,767 characters) no longer fails
/// the report: the xlsx cell is cut and says so; the CSV keeps the whole text.
#[test]
fn a_text_longer_than_an_excel_cell_is_cut_not_fatal() {
    let long = "причина ".repeat(5_000);
    let mut deals =
        b"deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount,loss_reason\n"
            .to_vec();
    deals.extend_from_slice(
        format!(
            "D1,K1,M1,2024-03-01,2024-03-05,lost,Звонок,5,{}\n",
            long.trim()
        )
        .as_bytes(),
    );
    deals.extend_from_slice(
        b"D2,K2,M1,2024-03-01,2024-03-05,won,\xD0\xA1\xD1\x87\xD0\xB5\xD1\x82,5,\n",
    );
    let dir = folder(&[("deals.csv", &deals)]);
    let out = tempfile::tempdir().unwrap();
    crmstat()
        .args(["report", "--period", "2024-03", "--data"])
        .arg(dir.path())
        .arg("--out")
        .arg(out.path().join("r"))
        .assert()
        .success();
    assert!(out.path().join("r/report.xlsx").is_file());
    let reasons = std::fs::read_to_string(out.path().join("r/tables/loss_reasons.csv")).unwrap();
    assert!(
        reasons.contains(long.trim()),
        "the CSV keeps the whole reason"
    );
}

/// Item 24: a nested Parquet column is ignored while unused, and named when it is mapped to
/// a canonical column; a stray quote in a CSV value is named with its line (polars' own
/// error names none).
#[test]
fn nested_parquet_columns_and_stray_quotes_are_named() {
    use polars::prelude::*;
    let dir = folder(&[]);
    let list = |vals: &[&str]| {
        Series::new(
            "x".into(),
            vals.iter()
                .map(|v| Series::new("".into(), [*v]))
                .collect::<Vec<_>>(),
        )
    };
    let mut df = df!(
        "deal_id" => ["D1", "D2"],
        "client_id" => ["K1", "K2"],
        "manager_id" => ["M1", "M1"],
        "created_at" => ["2024-03-01", "2024-03-02"],
        "status" => ["open", "open"],
        "stage" => ["Звонок", "Звонок"],
        "amount" => ["5", "6"],
    )
    .unwrap();
    df.with_column(list(&["a", "b"]).with_name("tags".into()).into_column())
        .unwrap();
    let write = |df: &mut DataFrame| {
        let f = std::fs::File::create(dir.path().join("deals.parquet")).unwrap();
        ParquetWriter::new(f).finish(df).unwrap();
    };
    write(&mut df);
    let (code, text) = validate(dir.path());
    assert_eq!(code, 0, "{text}");
    df.with_column(list(&["5", "6"]).with_name("amount".into()).into_column())
        .unwrap();
    write(&mut df);
    let (code, text) = validate(dir.path());
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("deals.parquet: amount: a list[str] column cannot be read as amount"),
        "{text}"
    );
    std::fs::remove_file(dir.path().join("deals.parquet")).unwrap();

    let deals = lines(&[
        "D1,K1,M1,2024-03-01,,open,Звонок,5",
        "D2,K2,M1,2024-03-02,,open,Зв\"онок,6",
        "D3,K3,M1,2024-03-02,,open,Звонок,7",
    ]);
    std::fs::write(dir.path().join("deals.csv"), deals).unwrap();
    let (code, text) = validate(dir.path());
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("deals.csv:3: a stray quote (\") inside a value"),
        "{text}"
    );
    assert!(!text.contains("row_offset"), "{text}");
}

/// Item 24: a UTF-16 file (Excel's "Unicode text", with its byte-order mark) is read as
/// UTF-16, values intact.
#[test]
fn utf16_files_are_read() {
    let text = String::from_utf8(lines(&[
        "D1,K1,M1,2024-03-01,2024-03-05,won,Счет,100.00",
        "D2,K2,M1,2024-03-02,,open,Встреча,5",
    ]))
    .unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let dir = folder(&[("deals.csv", &bytes)]);
    let (code, text) = validate(dir.path());
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("| deals | deals.csv |    2 |    2 |        0 |"),
        "{text}"
    );
    let (code, json) = funnel_json(dir.path(), false);
    assert_eq!(code, 0);
    // Счет reached by the won deal: the stage name came through UTF-16 intact.
    let rows = json.as_array().unwrap();
    let last = rows.iter().find(|r| r["stage"] == "Счет").unwrap();
    assert_eq!(last["reached"], 1, "{json}");
}

/// Item 23 (the rest): a bare CR inside a value — unquoted or quoted — of a file whose lines
/// end with LF is part of the value: it neither makes a short row of the text after it nor
/// shifts the line of a later reject (D3's bad amount is on line 4).
#[test]
fn a_bare_cr_inside_a_value_does_not_shift_line_numbers() {
    let deals = b"deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount,loss_reason\n\
D1,K1,M1,2024-03-01,2024-03-05,lost,\xD0\x97\xD0\xB2\xD0\xBE\xD0\xBD\xD0\xBE\xD0\xBA,5,too\rexpensive\n\
D2,K2,M1,2024-03-02,2024-03-06,lost,\xD0\x97\xD0\xB2\xD0\xBE\xD0\xBD\xD0\xBE\xD0\xBA,6,\"quoted\rCR\"\n\
D3,K3,M1,2024-03-02,,open,\xD0\x97\xD0\xB2\xD0\xBE\xD0\xBD\xD0\xBE\xD0\xBA,bad,\n";
    let dir = folder(&[("deals.csv", deals)]);
    let (code, text) = validate(dir.path());
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("deals.csv:4: amount: not a money amount (\"bad\")"),
        "{text}"
    );
    assert!(!text.contains("(row)"), "{text}");
    assert!(
        text.contains("| deals | deals.csv |    3 |    2 |        1 |"),
        "{text}"
    );
}
