//! Shared fixtures: small data folders written to a temporary directory, whose figures
//! are worked out by hand in the tests that use them.
#![allow(dead_code)]

use std::path::Path;

use crmstat::config::Config;
use crmstat::metrics::snapshot::Snapshot;
use crmstat::period::Period;
use crmstat::validate::{self, Loaded};
use polars::prelude::*;
use tempfile::TempDir;

/// Write files into a fresh temporary folder.
pub fn folder(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write fixture");
    }
    dir
}

pub const CONFIG: &str = "[funnel]\nstages = [\"Звонок\", \"Встреча\", \"Счет\", \"Договор\"]\n";

/// The hand-worked company of the figure tests (see tests/figures.rs for the figures).
/// D1 won; D2 lost at Встреча; D3 skipped Встреча (open); D4 went back from Счет to
/// Встреча and forward again (open); D5 lost at the first stage; D6 created in February;
/// D7 created in March, won in April.
pub const DEALS: &str = "\
deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount,loss_reason
D1,K1,M1,2024-03-01,2024-03-10,won,Договор,1000.00,
D2,K2,M1,2024-03-02,2024-03-06,lost,Встреча,500.00,Дорого
D3,K3,M2,2024-03-02,,open,Счет,300.00,
D4,K4,M2,2024-03-03,,open,Счет,400.00,
D5,K5,M2,2024-03-10,2024-03-11,lost,Звонок,200.00,Не отвечает
D6,K1,M1,2024-02-20,2024-02-28,won,Договор,50.00,
D7,K6,M1,2024-03-20,2024-04-05,won,Договор,700.00,
";

pub const HISTORY: &str = "\
deal_id,stage,entered_at
D1,Звонок,2024-03-01
D1,Встреча,2024-03-03
D1,Счет,2024-03-05
D1,Договор,2024-03-08
D2,Звонок,2024-03-02
D2,Встреча,2024-03-04
D3,Звонок,2024-03-02
D3,Счет,2024-03-06
D4,Звонок,2024-03-03
D4,Встреча,2024-03-05
D4,Счет,2024-03-07
D4,Встреча,2024-03-09
D4,Счет,2024-03-12
D5,Звонок,2024-03-10
D6,Звонок,2024-02-20
D7,Звонок,2024-03-20
D7,Встреча,2024-03-25
D7,Счет,2024-04-02
D7,Договор,2024-04-03
";

pub const CLIENTS: &str = "\
client_id,name,segment,created_at
K1,Альфа,Опт,2024-01-10
K2,Бета,Розница,2024-01-11
K3,Гамма,Опт,2024-01-12
K4,Дельта,Розница,2024-01-13
K5,Эпсилон,Розница,2024-01-14
K6,Зета,Опт,2024-01-15
";

pub const MANAGERS: &str = "manager_id,name\nM1,Анна Смирнова\nM2,Иван Петров\n";

/// Contacts around the invoice stage: K1 called 34 h after its invoice (in time); K3 three
/// days after (a breach); K4 29 h after its first invoice (in time) and never after its
/// second (a breach); a planned task for K4 that was never done does not count.
pub const CONTACTS: &str = "\
contact_id,client_id,manager_id,at,kind,due_at,done_at
T1,K1,M1,2024-03-06 10:00,call,,
T2,K3,M2,2024-03-09 00:00,call,,
T3,K4,M2,2024-03-08 05:00,call,,
T4,K4,M2,2024-03-13 09:00,call,2024-03-13 09:00,
";

/// The hand-worked folder with every table.
pub fn company() -> TempDir {
    folder(&[
        ("crmstat.toml", CONFIG),
        ("deals.csv", DEALS),
        ("stage_history.csv", HISTORY),
        ("clients.csv", CLIENTS),
        ("managers.csv", MANAGERS),
        ("contacts.csv", CONTACTS),
    ])
}

/// Load and validate a folder with its crmstat.toml.
pub fn load(dir: &Path) -> Loaded {
    let (config, _) = Config::load(None, dir).expect("config");
    validate::load(dir, &config).expect("load")
}

/// The snapshot of a folder for a period such as "2024-03".
pub fn snapshot(loaded: &Loaded, period: &str) -> Snapshot {
    let p = Period::resolve(Some(period), None, None, None, None).expect("period");
    Snapshot::build(&loaded.tables, &loaded.stages, &p).expect("snapshot")
}

/// A column as text, one entry per row ("" for empty).
pub fn texts(frame: &DataFrame, name: &str) -> Vec<String> {
    let c = frame
        .column(name)
        .unwrap_or_else(|_| panic!("no column {name}"));
    (0..c.len())
        .map(|i| match c.get(i).expect("cell") {
            AnyValue::Null => String::new(),
            v => crmstat::output::cell_text(&v).unwrap_or_default(),
        })
        .collect()
}

/// A numeric column, empty cells as None.
pub fn numbers(frame: &DataFrame, name: &str) -> Vec<Option<f64>> {
    let c = frame
        .column(name)
        .unwrap_or_else(|_| panic!("no column {name}"));
    let c = c.cast(&DataType::Float64).expect("numeric");
    c.f64().expect("f64").iter().collect()
}

/// An integer column (empty cells as -1, to make them visible in assertions).
pub fn ints(frame: &DataFrame, name: &str) -> Vec<i64> {
    numbers(frame, name)
        .into_iter()
        .map(|v| v.map_or(-1, |v| v as i64))
        .collect()
}
