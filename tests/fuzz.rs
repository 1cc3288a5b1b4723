//! Issue 17 item 27: the readers and value parsers under arbitrary input, on stable Rust
//! (proptest). Nothing panics; every row read is used or rejected; money text written by
//! crmstat reads back as the same amount. `CRMSTAT_FUZZ_CASES=N` runs N cases per target
//! (`bash tests/fuzz.sh` runs them for an hour).

use std::panic::{AssertUnwindSafe, catch_unwind};

use crmstat::config::Config;
use crmstat::dates::parse_datetime;
use crmstat::input::values::parse_number;
use crmstat::money::{format_money, parse_money};
use crmstat::validate::{Demand, load_with};
use proptest::prelude::*;

fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("CRMSTAT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig::with_cases(n)
}

/// Bytes that look like a CSV export: fragments of real values, delimiters, quotes, line
/// breaks (LF, CRLF, bare CR), a BOM, Windows-1251 and broken UTF-8 bytes.
fn csv_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"D1".to_vec()),
        Just(b"K1".to_vec()),
        Just(b"M1".to_vec()),
        Just(b"2024-03-01".to_vec()),
        Just(b"05.03.2024 14:30".to_vec()),
        Just(b"won".to_vec()),
        Just(b"open".to_vec()),
        Just(b"lost".to_vec()),
        Just("Счет".as_bytes().to_vec()),
        Just("Звонок".as_bytes().to_vec()),
        Just(b"1 234,50".to_vec()),
        Just(b"1.2.3".to_vec()),
        Just(b"-15".to_vec()),
        Just(b",".to_vec()),
        Just(b";".to_vec()),
        Just(b"\t".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just(b"\xD1\xF7\xE5\xF2".to_vec()),
        Just(b"\xFF\xFE".to_vec()),
        Just(b"\xD0".to_vec()),
        prop::collection::vec(any::<u8>(), 0..4),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

const HEADER: &[u8] = b"deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount\n";

proptest! {
    #![proptest_config(cases(300))]

    /// Any text: money, dates and numbers parse or refuse, never panic; a parsed amount
    /// formats to a text that parses to the same amount.
    #[test]
    fn value_parsers_never_panic(s in "\\PC{0,24}") {
        if let Ok(m) = parse_money(&s) {
            prop_assert_eq!(parse_money(&format_money(m)), Ok(m));
        }
        let _ = parse_datetime(&s, &["%m/%d/%y".to_string()]);
        let _ = parse_number(&s);
    }

    /// format(parse(x)) = x for money as crmstat writes it.
    #[test]
    fn money_text_round_trips(minor in any::<i64>()) {
        let text = format_money(minor);
        prop_assert_eq!(parse_money(&text), Ok(minor));
        prop_assert_eq!(format_money(parse_money(&text).unwrap()), text);
    }

    /// A deals.csv of any bytes (after a real header, or none): reading never panics, and
    /// when the file can be used every row read is used or rejected.
    #[test]
    fn csv_reader_never_panics(body in csv_bytes(), header in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = if header { HEADER.to_vec() } else { Vec::new() };
        bytes.extend(body);
        std::fs::write(dir.path().join("deals.csv"), &bytes).unwrap();
        std::fs::write(
            dir.path().join("crmstat.toml"),
            "[funnel]\nstages = [\"Звонок\", \"Счет\"]\n",
        )
        .unwrap();
        let config = Config::default();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            load_with(dir.path(), &config, &Demand::everything())
        }));
        prop_assert!(outcome.is_ok(), "panic on {:?}", String::from_utf8_lossy(&bytes));
        if let Ok(Ok(loaded)) = outcome {
            for c in &loaded.report.counts {
                prop_assert_eq!(c.read, c.used + c.rejected, "{}", c.table);
            }
        }
    }

    /// A config of any text is read or refused with a message, never a panic.
    #[test]
    fn config_parser_never_panics(text in "(\\[funnel\\]|\\[payroll\\]|stages = |\\[\"a\", \"b\"\\]|years = \\[1, 2\\]|\\n|= |\"x\"|[a-z_]{1,8}|[0-9]{1,4}){0,12}") {
        let outcome = catch_unwind(|| Config::parse(&text));
        prop_assert!(outcome.is_ok(), "panic on {text:?}");
    }
}

/// A Parquet file cut short (a copy that stopped) is refused
/// with a message, never a panic.
#[test]
fn parquet_reader_refuses_broken_files() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let mut frame = df!(
        "deal_id" => ["D1", "D2"],
        "client_id" => ["K1", "K2"],
        "manager_id" => ["M1", "M1"],
        "created_at" => ["2024-03-01", "2024-03-02"],
        "status" => ["open", "open"],
        "stage" => ["Звонок", "Звонок"],
    )
    .unwrap();
    let path = dir.path().join("whole.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut frame)
        .unwrap();
    let whole = std::fs::read(&path).unwrap();
    let config = Config::default();
    for cut in [
        0,
        4,
        whole.len() / 3,
        whole.len() / 2,
        whole.len() - 9,
        whole.len() - 1,
    ] {
        let case = tempfile::tempdir().unwrap();
        std::fs::write(case.path().join("deals.parquet"), &whole[..cut]).unwrap();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            load_with(case.path(), &config, &Demand::everything())
        }));
        assert!(outcome.is_ok(), "panic on a Parquet file cut at {cut}");
    }
    // Not covered: a file whose metadata parses but points outside the file, or a
    // changed byte in a data page, can abort the process from inside polars' streaming
    // engine (a non-unwinding panic in polars-stream 0.55: row_group_data_fetch.rs); found
    // by this test, recorded in the README and issue 17.
}
