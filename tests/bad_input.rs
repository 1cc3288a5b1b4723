//! Bad input, one defect per fixture (tests/fixtures/bad/*): each asserts the exit code
//! and the `file:line: column: problem (value)` message. Data errors exit 1 under
//! `validate` and `--strict`; a file that cannot be used, a bad config or bad flags exit 2.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn crmstat() -> Command {
    Command::cargo_bin("crmstat").unwrap()
}

/// `validate` on a fixture: exit code and one expected line on stdout or stderr.
fn validate(name: &str, code: i32, message: &str) {
    let out = tempfile::tempdir().unwrap();
    let assert = crmstat()
        .args(["validate", "--data"])
        .arg(fixture(&format!("bad/{name}")))
        .arg("--out")
        .arg(out.path())
        .assert()
        .code(code);
    let o = assert.get_output();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.contains(message),
        "{name}: expected {message:?} in:\n{text}"
    );
}

#[test]
fn unparseable_date() {
    validate(
        "bad_date",
        1,
        "deals.csv:3: created_at: cannot parse as a date/time (\"31.02.2024\")",
    );
}

#[test]
fn money_with_three_decimals() {
    validate(
        "bad_money",
        1,
        "deals.csv:3: amount: money has more than 2 decimal places (\"12.345\")",
    );
}

#[test]
fn missing_required_value() {
    validate(
        "missing_value",
        1,
        "deals.csv:3: manager_id: required value is missing (\"\")",
    );
}

#[test]
fn closed_before_created() {
    validate(
        "closed_before_created",
        1,
        "deals.csv:3: closed_at: closed before it was created",
    );
}

#[test]
fn duplicate_id_names_the_first_line() {
    validate(
        "duplicate_id",
        1,
        "deals.csv:4: deal_id: duplicate deal_id; first seen on line 2 (\"D1\")",
    );
}

#[test]
fn unknown_stage_lists_the_stages() {
    validate(
        "unknown_stage",
        1,
        "deals.csv:3: stage: unknown stage; the funnel stages are: Звонок, Встреча, Счет (\"Переговоры\")",
    );
}

#[test]
fn bad_status() {
    validate(
        "bad_status",
        1,
        "deals.csv:3: status: must be one of open, won, lost (\"maybe\")",
    );
}

#[test]
fn deal_with_unknown_client() {
    validate(
        "unknown_client",
        1,
        "deals.csv:3: client_id: unknown client_id: no such client_id in clients (\"K2\")",
    );
}

#[test]
fn history_of_an_unknown_deal() {
    validate(
        "history_unknown_deal",
        1,
        "stage_history.csv:3: deal_id: unknown deal_id: no such deal_id in deals (\"D9\")",
    );
}

#[test]
fn missing_required_column_stops_with_the_fix() {
    validate(
        "missing_column",
        2,
        "deals.csv: required column `created_at` is missing",
    );
    validate(
        "missing_column",
        2,
        "[tables.deals.columns] created_at = \"<header>\"",
    );
}

#[test]
fn ragged_line_names_the_line() {
    validate(
        "ragged_line",
        2,
        "deals.csv:3: this line has 10 fields but the header has 8",
    );
}

#[test]
fn no_deals_table() {
    validate("no_deals", 2, "no deals table in the data folder");
}

#[test]
fn config_typo_is_refused() {
    validate(
        "config_typo",
        2,
        "unknown field `stage`, expected one of `stages`",
    );
}

/// Rejects are written with their reasons; counts add up.
#[test]
fn rejects_table_and_counts() {
    let out = tempfile::tempdir().unwrap();
    crmstat()
        .args(["validate", "--data"])
        .arg(fixture("bad/bad_date"))
        .arg("--out")
        .arg(out.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "| deals | deals.csv |    2 |    1 |        1 |",
        ));
    let rejects = std::fs::read_to_string(out.path().join("rejects.csv")).unwrap();
    assert_eq!(
        rejects,
        "table,file,line,column,value,reason\ndeals,deals.csv,3,created_at,31.02.2024,cannot parse as a date/time\n"
    );
}

/// Figure commands go on with the good rows and state the counts in one line; with
/// --strict they stop with exit code 1.
#[test]
fn figure_commands_go_on_unless_strict() {
    crmstat()
        .args(["funnel", "--period", "2024-03", "--data"])
        .arg(fixture("bad/bad_date"))
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "rows: deals 2 read = 1 used + 1 rejected",
        ))
        .stdout(predicate::str::contains(
            "| Звонок  |           1 |       1 |",
        ));
    crmstat()
        .args(["funnel", "--strict", "--data"])
        .arg(fixture("bad/bad_date"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("deals.csv:3: created_at"));
}

#[test]
fn usage_errors_exit_2() {
    crmstat()
        .args(["funnel", "--period", "2024-13", "--data"])
        .arg(fixture("bad/bad_date"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("use a month (2024-03)"));
    crmstat()
        .args(["funnel", "--data", "/nonexistent/folder"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such data folder"));
    crmstat().args(["funnel"]).assert().code(2);
}

/// A bad --out fails at once, before the data is read.
#[test]
fn unwritable_out_fails_fast() {
    let file = tempfile::NamedTempFile::new().unwrap();
    crmstat()
        .args(["funnel", "--data"])
        .arg(fixture("bad/bad_date"))
        .arg("--out")
        .arg(file.path().join("sub"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot create the output folder"));
}

/// A Bitrix24-style export: Windows-1251, `;` with a trailing `;`, quoted fields, Russian
/// headers, dd.mm.yyyy dates, decimal commas with spaces and a repeated header line.
/// Deals 101 won (1 234,50), 102 open at Счет, 103 lost (999,99), 104 open at Звонок:
/// reached Звонок 4, Счет 3 (won passes all; lost at Счет); win rate 1/2; by amount
/// 1234.50 / 2234.49 = 0.5525.
#[test]
fn messy_russian_export_is_read() {
    crmstat()
        .args(["validate", "--data"])
        .arg(fixture("messy-export"))
        .arg("--out")
        .arg(tempfile::tempdir().unwrap().path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "deals.csv:5: repeated header line skipped",
        ))
        .stdout(predicate::str::contains(
            "| deals | deals.csv |    4 |    4 |        0 |",
        ));
    crmstat()
        .args(["funnel", "--period", "2024-03", "--data"])
        .arg(fixture("messy-export"))
        .assert()
        .success()
        .stdout(predicate::str::contains("| Звонок |           1 |       4 |"))
        .stdout(predicate::str::contains("| Счет   |           2 |       3 |"))
        .stdout(predicate::str::contains("|            2 |   1 |    1 |            0.5 |    1234.50 |      999.99 |          0.5525 |"));
}

/// Blank lines are not rows, and line numbers still point at the right line (CRLF).
#[test]
fn line_numbers_survive_blank_lines() {
    validate(
        "bad_date_after_blank_lines",
        1,
        "deals.csv:7: created_at: cannot parse as a date/time (\"2024-03-32\")",
    );
    validate(
        "bad_date_after_blank_lines",
        1,
        "| deals | deals.csv |    3 |    2 |        1 |",
    );
}

/// A command whose figures do not read contacts does not read contacts.csv either, and says
/// so (a bad contact changes none of its figures); under --strict it reads them, so a bad
/// contact still stops it; `validate` always checks them.
#[test]
fn contacts_are_read_only_by_the_commands_that_use_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("crmstat.toml"),
        "[funnel]\nstages = [\"A\", \"B\"]\n",
    )
    .unwrap();
    std::fs::write(
        d.join("deals.csv"),
        "deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount\n\
         D1,K1,M1,2024-03-01,2024-03-10,won,B,100.00\n",
    )
    .unwrap();
    std::fs::write(
        d.join("contacts.csv"),
        "contact_id,client_id,deal_id,manager_id,at,kind\nT1,K1,D1,M1,2024-03-02,call\nT2,K1,D1,M1,32.03.2024,call\n",
    )
    .unwrap();
    crmstat()
        .args(["funnel", "--period", "2024-03", "--data"])
        .arg(d)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "note: contacts.csv: not read, as this command's figures do not use contacts",
        ))
        .stderr(predicate::str::contains("contacts.csv:3").not());
    crmstat()
        .args(["funnel", "--strict", "--period", "2024-03", "--data"])
        .arg(d)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("contacts.csv:3: at"));
    crmstat()
        .args(["losses", "--period", "2024-03", "--data"])
        .arg(d)
        .assert()
        .success()
        .stderr(predicate::str::contains("contacts.csv:3: at"));
}
