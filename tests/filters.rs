//! `--where EXPR` (issue 14, SPEC §3 Filters): the figures of the deals a SQL condition holds
//! for, on the deals' columns and the client's segment, industry, region and source; an
//! unknown column refused by name.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("crmstat.toml"),
        "[funnel]\nstages = [\"Звонок\", \"Счет\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("deals.csv"),
        "deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount\n\
D1,K1,M1,2024-03-01,2024-03-05,won,Счет,1000.00\n\
D2,K2,M1,2024-03-02,2024-03-09,lost,Звонок,200.00\n\
D3,K3,M2,2024-03-03,2024-03-10,won,Счет,300.00\n\
D4,K1,M2,2024-03-04,,open,Звонок,5000.00\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("clients.csv"),
        "client_id,name,segment,created_at\nK1,Альфа,Опт,2024-01-01\nK2,Бета,Розница,2024-01-01\nK3,Гамма,Опт,2024-01-01\n",
    )
    .unwrap();
    dir
}

fn win_rate(dir: &Path, filter: &str) -> serde_json::Value {
    let out = tempfile::tempdir().unwrap();
    Command::cargo_bin("crmstat")
        .unwrap()
        .args([
            "funnel", "--period", "2024-03", "--format", "json", "--where", filter, "--data",
        ])
        .arg(dir)
        .arg("--out")
        .arg(out.path().join("f"))
        .assert()
        .success()
        .stderr(predicate::str::contains("deals kept"));
    let text = std::fs::read_to_string(out.path().join("f/win_rate.json")).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).unwrap()[0].clone()
}

/// Amount ≥ 300: D1 won, D3 won, D4 open (D2 lost, 200.00, is left out): 2 of 2 closed won.
/// The client's segment 'Опт' (K1, K3): D1, D3, D4, the same deals. Manager M1: D1 won, D2
/// lost: 1 of 2.
#[test]
fn where_keeps_the_deals_it_holds_for() {
    let dir = folder();
    let w = win_rate(dir.path(), "amount >= 300");
    assert_eq!(
        (w["won"].as_i64(), w["lost"].as_i64()),
        (Some(2), Some(0)),
        "{w}"
    );
    let w = win_rate(dir.path(), "segment = 'Опт'");
    assert_eq!(
        (w["won"].as_i64(), w["lost"].as_i64()),
        (Some(2), Some(0)),
        "{w}"
    );
    let w = win_rate(dir.path(), "manager_id = 'M1'");
    assert_eq!(
        (w["won"].as_i64(), w["lost"].as_i64()),
        (Some(1), Some(1)),
        "{w}"
    );
}

#[test]
fn an_unknown_column_is_named() {
    let dir = folder();
    let out = tempfile::tempdir().unwrap();
    Command::cargo_bin("crmstat")
        .unwrap()
        .args([
            "funnel",
            "--period",
            "2024-03",
            "--where",
            "sgment = 'Опт'",
            "--data",
        ])
        .arg(dir.path())
        .arg("--out")
        .arg(out.path().join("f"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--where: unknown column `sgment`; the condition can name: deal_id, client_id",
        ))
        .stderr(predicate::str::contains(", segment"));
    Command::cargo_bin("crmstat")
        .unwrap()
        .args(["validate", "--where", "amount > 1", "--data"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--where filters the figures"));
}
