//! The same data read from CSV, Parquet, Arrow IPC and Excel gives the same figures.

mod common;

use common::{folder, ints, load, snapshot, texts};
use crmstat::metrics::{Mode, funnel};
use polars::prelude::*;

/// The hand-worked company, its deals and history re-written in another format.
fn company_as(ext: &str) -> tempfile::TempDir {
    let csv_dir = common::company();
    let dir = folder(&[
        ("crmstat.toml", common::CONFIG),
        ("clients.csv", common::CLIENTS),
        ("managers.csv", common::MANAGERS),
    ]);
    for table in ["deals", "stage_history"] {
        let mut df = CsvReadOptions::default()
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(csv_dir.path().join(format!("{table}.csv"))))
            .unwrap()
            .finish()
            .unwrap();
        let path = dir.path().join(format!("{table}.{ext}"));
        match ext {
            "parquet" => {
                ParquetWriter::new(std::fs::File::create(&path).unwrap())
                    .finish(&mut df)
                    .unwrap();
            }
            "arrow" => {
                IpcWriter::new(std::fs::File::create(&path).unwrap())
                    .finish(&mut df)
                    .unwrap();
            }
            "xlsx" => write_xlsx(&df, &path),
            _ => unreachable!(),
        }
    }
    dir
}

fn write_xlsx(df: &DataFrame, path: &std::path::Path) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (j, c) in df.columns().iter().enumerate() {
        sheet.write_string(0, j as u16, c.name().as_str()).unwrap();
        for i in 0..df.height() {
            if let AnyValue::String(s) = c.get(i).unwrap() {
                // Amounts as Excel numbers, everything else as text.
                match (c.name().as_str(), s.parse::<f64>()) {
                    ("amount", Ok(v)) => sheet.write_number(i as u32 + 1, j as u16, v).unwrap(),
                    _ => sheet.write_string(i as u32 + 1, j as u16, s).unwrap(),
                };
            }
        }
    }
    book.save(path).unwrap();
}

#[test]
fn every_input_format_gives_the_same_funnel() {
    for ext in ["parquet", "arrow", "xlsx"] {
        let dir = company_as(ext);
        let loaded = load(dir.path());
        assert_eq!(
            loaded.report.rejected(),
            0,
            "{ext}: {:?}",
            loaded.report.problems
        );
        let t = funnel::funnel(&snapshot(&loaded, "2024-03"), Mode::Cohort, None).unwrap();
        assert_eq!(ints(&t.funnel, "reached"), [6, 5, 3, 1], "{ext}");
        assert_eq!(ints(&t.funnel, "visited"), [6, 4, 3, 1], "{ext}");
        // Closed in March and the cohort: the same three deals here.
        assert_eq!(texts(&t.win_rate, "won_amount"), ["1000.00"; 2], "{ext}");
        assert_eq!(texts(&t.win_rate, "lost_amount"), ["700.00"; 2], "{ext}");
    }
}

/// Problems in binary formats are reported with the data row number (1 = first row) and,
/// in Excel, the sheet row.
#[test]
fn binary_formats_report_row_numbers() {
    let dir = company_as("parquet");
    let mut df = DataFrame::new(
        1,
        vec![
            Column::new("deal_id".into(), ["D1"]),
            Column::new("stage".into(), ["Звонок"]),
            Column::new("entered_at".into(), ["someday"]),
        ],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(dir.path().join("stage_history.parquet")).unwrap())
        .finish(&mut df)
        .unwrap();
    let loaded = load(dir.path());
    let p = &loaded.report.problems[0];
    assert_eq!(
        p.to_string(),
        "stage_history.parquet:1: entered_at: cannot parse as a date/time (\"someday\")"
    );
    let dir = company_as("xlsx");
    write_xlsx(&df, &dir.path().join("stage_history.xlsx"));
    let loaded = load(dir.path());
    assert_eq!(
        loaded.report.problems[0].to_string(),
        "stage_history.xlsx:2: entered_at: cannot parse as a date/time (\"someday\")"
    );
}

/// A typed Parquet column stays typed through the checks (no text copy of every value); the
/// values it rejects are still shown as text at their row: a placeholder year and a missing
/// required moment, between two good rows.
#[test]
fn typed_parquet_dates_are_rejected_at_their_row_with_their_value() {
    let dir = company_as("parquet");
    let day = |y: i32, m: u32, d: u32| {
        chrono::NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    };
    let when = Int64Chunked::from_iter([
        Some(day(2024, 3, 1)),
        Some(day(1900, 1, 5)),
        None,
        Some(day(2024, 3, 3)),
    ])
    .into_datetime(TimeUnit::Milliseconds, None)
    .into_column()
    .with_name("entered_at".into());
    let mut df = DataFrame::new(
        4,
        vec![
            Column::new("deal_id".into(), ["D1", "D1", "D1", "D1"]),
            Column::new("stage".into(), ["Звонок", "Встреча", "Счет", "Встреча"]),
            when,
        ],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(dir.path().join("stage_history.parquet")).unwrap())
        .finish(&mut df)
        .unwrap();
    let loaded = load(dir.path());
    let shown: Vec<String> = loaded
        .report
        .problems
        .iter()
        .filter(|p| p.file.ends_with("stage_history.parquet"))
        .map(|p| p.to_string())
        .collect();
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(
        shown[0].starts_with(
            "stage_history.parquet:2: entered_at: the year 1900 is outside the plausible years"
        ),
        "{}",
        shown[0]
    );
    assert!(
        shown[0].ends_with("(\"1900-01-05 00:00:00.000\")"),
        "{}",
        shown[0]
    );
    assert_eq!(
        shown[1],
        "stage_history.parquet:3: entered_at: required value is missing (\"\")"
    );
    // The two good rows are used, with their moments.
    assert_eq!(loaded.tables.stage_history.as_ref().unwrap().height(), 2);
}

/// The contacts' subject and outcome, which no figure reads, are not read from a Parquet
/// file by a figure command (nothing there can be rejected): the managers' figures are those
/// from CSV; a SQL query, which may name them, still reads them.
#[test]
fn figure_commands_leave_unread_parquet_columns_out() {
    let run = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("crmstat")
            .unwrap()
            .args(args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stderr).to_string();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        (out.status.code().unwrap_or(-1), text, stdout)
    };
    let dir = common::company();
    let data = dir.path().to_str().unwrap().to_string();
    let outs = tempfile::tempdir().unwrap();
    let managers_into = |out: &std::path::Path| {
        let (code, text, _) = run(&[
            "managers",
            "--data",
            &data,
            "--period",
            "2024-03",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{text}");
    };
    let csv_out = outs.path().join("out-csv");
    managers_into(&csv_out);
    // The same contacts as Parquet, with a subject and an outcome.
    let mut contacts = CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(dir.path().join("contacts.csv")))
        .unwrap()
        .finish()
        .unwrap();
    contacts
        .with_column(Column::new(
            "subject".into(),
            ["счёт", "счёт", "звонок", "счёт"],
        ))
        .unwrap();
    contacts
        .with_column(Column::new("outcome".into(), ["ok", "ok", "нет", "ok"]))
        .unwrap();
    std::fs::remove_file(dir.path().join("contacts.csv")).unwrap();
    ParquetWriter::new(std::fs::File::create(dir.path().join("contacts.parquet")).unwrap())
        .finish(&mut contacts)
        .unwrap();
    let parquet_out = outs.path().join("out-parquet");
    managers_into(&parquet_out);
    for table in ["managers.csv", "contacts_by_kind.csv", "speed_to_lead.csv"] {
        assert_eq!(
            std::fs::read_to_string(parquet_out.join(table)).unwrap(),
            std::fs::read_to_string(csv_out.join(table)).unwrap(),
            "{table}"
        );
    }
    let sql = outs.path().join("subjects.sql");
    std::fs::write(
        &sql,
        "select count(*) as n from contacts where subject = 'счёт' and outcome = 'ok'",
    )
    .unwrap();
    let (code, text, stdout) = run(&["query", "--data", &data, sql.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert!(stdout.contains("|   3 |"), "{stdout}");
}
