//! CSV as real exports write it: UTF-8 with or without BOM or Windows-1251; `,` `;` or tab;
//! a trailing delimiter on every line; header lines repeated inside the file. The bytes are
//! decoded here and parsed by polars; the `csv` crate is used only to locate records
//! (line numbers for messages) and to read the header.

use std::io::Cursor;
use std::sync::Arc;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1251};
use polars::prelude::*;

use crate::error::{Error, Result};

/// A decoded CSV file, ready for polars.
pub struct DecodedCsv {
    pub text: String,
    pub delimiter: u8,
    pub encoding: &'static str,
}

pub use crate::config::encoding_by_name;

/// Decode the bytes: a BOM says UTF-8 (bytes that are not read as U+FFFD); else valid UTF-8 is taken as such and anything
/// else as Windows-1251 (the encoding of older Russian exports), unless `forced`.
pub fn decode(mut bytes: Vec<u8>, forced: Option<&'static Encoding>) -> (String, &'static str) {
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    if bom {
        bytes.drain(..3);
    }
    // A BOM says UTF-8: bad bytes after it read as U+FFFD, never as another encoding.
    let forced = forced.or(bom.then_some(UTF_8));
    if forced.is_none_or(|e| e == UTF_8) {
        // Valid UTF-8 is used as it is, without a copy.
        match String::from_utf8(bytes) {
            Ok(text) => return (text, UTF_8.name()),
            Err(e) if forced.is_some() => {
                let (text, _) = UTF_8.decode_without_bom_handling(e.as_bytes());
                return (text.into_owned(), UTF_8.name());
            }
            Err(e) => bytes = e.into_bytes(),
        }
    }
    let encoding = forced.unwrap_or(WINDOWS_1251);
    let (text, _) = encoding.decode_without_bom_handling(&bytes);
    (text.into_owned(), encoding.name())
}

/// Pick the delimiter that splits the first lines most consistently.
pub fn detect_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let mut best = (b',', 0usize);
    for candidate in [b';', b'\t', b','] {
        let counts: Vec<usize> = lines.iter().map(|l| count_unquoted(l, candidate)).collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        // Score: fields on the header line, if every line has at least that many.
        let consistent = counts.iter().all(|&c| c >= first);
        if first > best.1 && consistent {
            best = (candidate, first);
        }
    }
    best.0
}

fn count_unquoted(line: &str, delimiter: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for b in line.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delimiter && !quoted {
            n += 1;
        }
    }
    n
}

fn records_reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// The header's fields and the field count of the first data record, if any.
pub fn header_and_width(text: &str, delimiter: u8) -> (Vec<String>, Option<usize>) {
    let mut reader = records_reader(text, delimiter);
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(r)) => r.iter().map(|f| f.trim().to_string()).collect(),
        _ => Vec::new(),
    };
    let width = records.next().and_then(|r| r.ok()).map(|r| r.len());
    (header, width)
}

/// The 1-based line on which each record starts (record 0 is the header). The csv
/// crate reports a record's start at the line break that ends the previous record (with
/// CRLF), so the start is moved past line breaks and lines are counted from the bytes.
pub fn record_lines(text: &str, delimiter: u8) -> Vec<u64> {
    let bytes = text.as_bytes();
    let mut reader = records_reader(text, delimiter);
    let mut record = csv::ByteRecord::new();
    let mut lines = Vec::new();
    let (mut counted_to, mut line) = (0usize, 1u64);
    while let Ok(true) = reader.read_byte_record(&mut record) {
        if record.iter().all(<[u8]>::is_empty) {
            continue; // an empty record is not a row (see `read_text_frame`)
        }
        let mut start = record
            .position()
            .map_or(0, |p| p.byte() as usize)
            .min(bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > counted_to {
            line += bytes[counted_to..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            counted_to = start;
        }
        lines.push(line);
    }
    lines
}

/// The first record whose field count differs from the header's, as (line, fields).
fn first_ragged(text: &str, delimiter: u8, width: usize) -> Option<(u64, usize)> {
    let mut reader = records_reader(text, delimiter);
    let mut record = csv::ByteRecord::new();
    let mut index = 0;
    while let Ok(true) = reader.read_byte_record(&mut record) {
        if record.iter().all(<[u8]>::is_empty) {
            continue;
        }
        if record.len() != width {
            let line = record_lines(text, delimiter)
                .get(index)
                .copied()
                .unwrap_or(0);
            return Some((line, record.len()));
        }
        index += 1;
    }
    None
}

/// Name of the column that holds what follows a trailing delimiter.
pub const TRAILING: &str = "__trailing_field";

/// Read a decoded CSV into all-text columns named by its header. A trailing delimiter
/// (on the header, the data lines or both) becomes an extra column [`TRAILING`], which the
/// caller checks is empty.
pub fn read_text_frame(file: &str, csv: &DecodedCsv) -> Result<(DataFrame, Vec<String>)> {
    let (mut names, width) = header_and_width(&csv.text, csv.delimiter);
    if names.is_empty() {
        return Err(Error::BadFile {
            file: file.into(),
            problem: "the file is empty: no header line".into(),
            fix: "export the table again with its header line".into(),
        });
    }
    if names.last().is_some_and(|n| n.is_empty()) {
        names.pop();
        names.push(TRAILING.into());
    } else if width == Some(names.len() + 1) {
        names.push(TRAILING.into());
    }
    let header = unique_names(&names);
    let schema: Schema = header
        .iter()
        .map(|n| Field::new(n.as_str().into(), DataType::String))
        .collect();
    let parse = CsvParseOptions::default()
        .with_separator(csv.delimiter)
        .with_quote_char(Some(b'"'))
        .with_missing_is_null(true);
    let frame = CsvReadOptions::default()
        .with_has_header(false)
        .with_skip_rows(1)
        .with_schema(Some(Arc::new(schema)))
        .with_parse_options(parse)
        .with_raise_if_empty(false)
        .into_reader_with_file_handle(Cursor::new(csv.text.as_bytes()))
        .finish();
    match frame {
        Ok(df) => Ok((without_empty_rows(df, file)?, header)),
        Err(e) => Err(match first_ragged(&csv.text, csv.delimiter, names.len()) {
            Some((line, fields)) => Error::BadFile {
                file: format!("{file}:{line}"),
                problem: format!(
                    "this line has {fields} fields but the header has {}",
                    names.len()
                ),
                fix: "quote values that contain the delimiter, or remove the stray delimiter"
                    .into(),
            },
            None => Error::BadFile {
                file: file.into(),
                problem: format!("cannot be read as CSV: {e}"),
                fix: "check the delimiter and quoting, or set [input] delimiter in crmstat.toml"
                    .into(),
            },
        }),
    }
}

/// Column names polars can hold: an empty header becomes `__column_<n>`, a repeated one
/// gets `_2`, `_3`… (the first keeps its name, so mappings still find it).
pub fn unique_names(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for (i, n) in names.iter().enumerate() {
        let base = if n.is_empty() {
            format!("__column_{}", i + 1)
        } else {
            n.clone()
        };
        let mut name = base.clone();
        let mut k = 2;
        while out.contains(&name) {
            name = format!("{base}_{k}");
            k += 1;
        }
        out.push(name);
    }
    out
}

/// Blank lines (and lines of delimiters only) carry no data and are not rows; polars
/// reads them as rows of nulls, so they are removed to keep rows aligned with records.
fn without_empty_rows(df: DataFrame, file: &str) -> Result<DataFrame> {
    let mut keep = BooleanChunked::full("keep".into(), false, df.height());
    for c in df.columns() {
        keep = &keep | &c.is_not_null();
    }
    if keep.all() {
        return Ok(df);
    }
    df.filter(&keep).map_err(|e| Error::BadFile {
        file: file.into(),
        problem: format!("cannot drop blank lines: {e}"),
        fix: "remove blank lines from the file".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1251_is_detected_and_bom_stripped() {
        let (cp, _, _) = WINDOWS_1251.encode("Стадия;Сумма\n");
        let (text, enc) = decode(cp.into_owned(), None);
        assert_eq!((text.as_str(), enc), ("Стадия;Сумма\n", "windows-1251"));
        let (text, enc) = decode("\u{feff}a,b\n".as_bytes().to_vec(), None);
        assert_eq!((text.as_str(), enc), ("a,b\n", "UTF-8"));
    }

    #[test]
    fn delimiters_are_detected() {
        assert_eq!(detect_delimiter("a;b;c\n1;\"2,5\";3\n"), b';');
        assert_eq!(detect_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(detect_delimiter("a,b\n\"x;y\",2\n"), b',');
        assert_eq!(detect_delimiter("single\n1\n"), b',');
    }

    #[test]
    fn record_lines_follow_multiline_values() {
        let text = "id,note\n1,\"two\nlines\"\n2,plain\n";
        assert_eq!(record_lines(text, b','), vec![1, 2, 4]);
    }

    fn frame(text: &str) -> (DataFrame, Vec<String>) {
        let csv = DecodedCsv {
            text: text.into(),
            delimiter: detect_delimiter(text),
            encoding: "UTF-8",
        };
        read_text_frame("t.csv", &csv).unwrap()
    }

    #[test]
    fn trailing_delimiters_become_an_extra_column() {
        let (df, header) = frame("\"ID\";\"Сумма\";\n\"1\";\"1 234,50\";\n\"2\";\"7\";\n");
        assert_eq!(header, vec!["ID", "Сумма", TRAILING]);
        assert_eq!(df.height(), 2);
        assert_eq!(
            df.column("Сумма").unwrap().str().unwrap().get(0),
            Some("1 234,50")
        );
        assert_eq!(df.column(TRAILING).unwrap().null_count(), 2);
        let (df, header) = frame("a;b\n1;2;\n3;4;\n");
        assert_eq!(header, vec!["a", "b", TRAILING]);
        assert_eq!(df.height(), 2);
    }

    #[test]
    fn empty_and_repeated_headers_get_names() {
        let (df, header) = frame("a,,a,b\n1,2,3,4\n");
        assert_eq!(header, vec!["a", "__column_2", "a_2", "b"]);
        assert_eq!(df.column("a_2").unwrap().str().unwrap().get(0), Some("3"));
    }

    #[test]
    fn ragged_lines_name_the_line() {
        let csv = DecodedCsv {
            text: "a,b\n1,2\n3,4,5,6\n".into(),
            delimiter: b',',
            encoding: "UTF-8",
        };
        let err = read_text_frame("t.csv", &csv).unwrap_err().to_string();
        assert!(
            err.starts_with("t.csv:3: this line has 4 fields but the header has 2"),
            "{err}"
        );
    }
}

#[cfg(test)]
mod line_tests {
    use super::*;

    #[test]
    fn crlf_lines_with_trailing_delimiters() {
        let text =
            "\"a\";\"b\";\r\n\"1\";\"x; y\";\r\n\"2\";\"z\";\r\n\"a\";\"b\";\r\n\"3\";\"w\";\r\n";
        assert_eq!(record_lines(text, b';'), vec![1, 2, 3, 4, 5]);
        let blanks = "a,b\n1,2\n\n3,4\n,\n\n5,6\n";
        assert_eq!(record_lines(blanks, b','), vec![1, 2, 4, 7]);
        let multi = "id,note\r\n1,\"two\r\nlines\"\r\n2,x\r\n";
        assert_eq!(record_lines(multi, b','), vec![1, 2, 4]);
    }
}
