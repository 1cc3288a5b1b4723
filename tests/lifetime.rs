//! Issue 15 through the command line: `crmstat retention` on a hand-worked company, and
//! `crmstat clv` where nobody bought twice (a note and empty values, not zeros).

use std::path::Path;

use assert_cmd::Command;

const TOML: &str = "[funnel]\nstages = [\"Звонок\", \"Счет\"]\n";
const HEADER: &str = "deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount";

fn folder(rows: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("crmstat.toml"), TOML).unwrap();
    std::fs::write(
        dir.path().join("deals.csv"),
        format!("{HEADER}\n{}\n", rows.join("\n")),
    )
    .unwrap();
    dir
}

fn run(cmd: &str, data: &Path, out: &Path, extra: &[&str]) -> String {
    let o = Command::cargo_bin("crmstat")
        .unwrap()
        .args([cmd, "--period", "2024-03", "--format", "csv", "--data"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Won deals (a purchase each, at its close): K1 January and March (100.00, 10.00), K2
/// January (200.00), K3 January and February (300.00, 50.00), K4 February and March (70.00,
/// 30.00). As of March: the January cohort has 3 clients, active 3 / 2 (K1, K3 bought in
/// February or later) / 1 (K1 in March); revenue 600.00, 50.00, 10.00. February: K4, active
/// 1, 1; revenue 70.00, 30.00. By quarter: one cohort 2024-Q1 of 4 clients, 760.00.
#[test]
fn retention_by_hand() {
    let dir = folder(&[
        "D1,K1,M1,2024-01-02,2024-01-05,won,Счет,100.00",
        "D2,K1,M1,2024-03-01,2024-03-03,won,Счет,10.00",
        "D3,K2,M1,2024-01-02,2024-01-10,won,Счет,200.00",
        "D4,K3,M1,2024-01-03,2024-01-20,won,Счет,300.00",
        "D5,K3,M1,2024-02-01,2024-02-02,won,Счет,50.00",
        "D6,K4,M1,2024-02-03,2024-02-05,won,Счет,70.00",
        "D7,K4,M1,2024-03-04,2024-03-06,won,Счет,30.00",
        "D8,K5,M1,2024-03-04,2024-03-20,lost,Звонок,5.00",
    ]);
    let out = tempfile::tempdir().unwrap();
    run("retention", dir.path(), &out.path().join("m"), &[]);
    let table = std::fs::read_to_string(out.path().join("m/retention.csv")).unwrap();
    let want = "cohort,period_index,clients,active,active_share,revenue,revenue_share\n\
2024-01,0,3,3,1.0,600.00,1.0\n\
2024-01,1,3,2,0.6666666666666666,50.00,0.08333333333333333\n\
2024-01,2,3,1,0.3333333333333333,10.00,0.016666666666666666\n\
2024-02,0,1,1,1.0,70.00,1.0\n\
2024-02,1,1,1,1.0,30.00,0.42857142857142855\n";
    assert_eq!(table, want);
    assert!(out.path().join("m/retention_heatmap.svg").is_file());
    let fit = std::fs::read_to_string(out.path().join("m/retention_fit.csv")).unwrap();
    // February's cohort was followed for one period after the first: no fit, and why.
    assert!(
        fit.contains("2024-02,1,2,,,,,the sBG fit needs a cohort followed for at least 2 periods"),
        "{fit}"
    );
    run(
        "retention",
        dir.path(),
        &out.path().join("q"),
        &["--by", "quarter"],
    );
    let q = std::fs::read_to_string(out.path().join("q/retention.csv")).unwrap();
    assert_eq!(
        q,
        "cohort,period_index,clients,active,active_share,revenue,revenue_share\n2024-Q1,0,4,4,1.0,760.00,1.0\n"
    );
}

/// Nobody bought twice: the Gamma-Gamma model has nothing to fit, which a note says; the CLV
/// column is empty, not 0.00.
#[test]
fn clv_without_repeat_buyers_is_empty_with_a_note() {
    let rows: Vec<String> = (1..=30)
        .map(|i| {
            format!(
                "D{i},K{i},M1,2024-01-{d:02},2024-02-{d:02},won,Счет,{i}00.00",
                d = i % 28 + 1
            )
        })
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let dir = folder(&rows);
    let out = tempfile::tempdir().unwrap();
    let stderr = run("clv", dir.path(), &out.path().join("c"), &[]);
    assert!(
        stderr.contains("the Gamma-Gamma spend model needs at least 10 clients with a repeat purchase of known amount (have 0)"),
        "{stderr}"
    );
    let table = std::fs::read_to_string(out.path().join("c/clv.csv")).unwrap();
    let mut lines = table.lines();
    assert_eq!(
        lines.next(),
        Some(
            "client_id,purchases,mean_purchase,expected_mean_purchase,expected_purchases_12m,p_alive,clv"
        )
    );
    let rest: Vec<&str> = lines.collect();
    assert_eq!(rest.len(), 30);
    for l in rest {
        assert!(l.ends_with(','), "{l}: clv is empty");
        assert!(!l.contains("0.00"), "{l}");
    }
}

/// Sales velocity (issue 14), by hand, as of the end of March 2024, window April 2023 –
/// March 2024. M1: D1 won 1 000.00 in 10 days, D2 won 500.00 in 20 days, D3 lost, D4 open,
/// D5 open: open 2, win rate 2/3, average 750.00, mean 15 days →
/// 2 × 2/3 × 750 / 15 = 66.67 a day. M2: D6 won without an amount (9 days), D7 open: the
/// average is unknown, so no velocity (empty, not 0). D8 won in 2022 is outside the window.
/// Company: open 3, win rate 3/4, average 750.00 (two deals with an amount), mean days
/// (10 + 20 + 9)/3 = 13 → 3 × 0.75 × 750 / 13 = 129.81.
#[test]
fn velocity_by_hand() {
    let dir = folder(&[
        "D1,K1,M1,2024-01-01,2024-01-11,won,Счет,1000.00",
        "D2,K2,M1,2024-02-01,2024-02-21,won,Счет,500.00",
        "D3,K3,M1,2024-02-01,2024-02-10,lost,Звонок,50.00",
        "D4,K4,M1,2024-03-01,,open,Звонок,",
        "D5,K5,M1,2024-03-02,,open,Счет,10.00",
        "D6,K6,M2,2024-03-01,2024-03-10,won,Счет,",
        "D7,K7,M2,2024-03-05,,open,Звонок,",
        "D8,K8,M2,2022-01-05,2022-01-09,won,Счет,99999.00",
    ]);
    let out = tempfile::tempdir().unwrap();
    run("managers", dir.path(), &out.path().join("m"), &[]);
    let v = std::fs::read_to_string(out.path().join("m/velocity.csv")).unwrap();
    let lines: Vec<&str> = v.lines().collect();
    assert_eq!(
        lines[0],
        "level,group,open_deals,win_rate,avg_won_amount,mean_days_to_win,velocity_per_day,won_deals,closed_deals,name"
    );
    assert_eq!(
        lines[1],
        "manager,M1,2,0.6666666666666666,750.00,15.0,66.67,2,3,M1"
    );
    assert_eq!(lines[2], "manager,M2,1,1.0,,9.0,,1,1,M2");
    assert_eq!(
        lines[3],
        "segment,(no segment),3,0.75,750.00,13.0,129.81,3,4,(no segment)"
    );
    assert_eq!(
        lines[4],
        "company,company,3,0.75,750.00,13.0,129.81,3,4,company"
    );
}
