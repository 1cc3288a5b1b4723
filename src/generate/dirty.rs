//! `crmstat generate --dirty`: the same company as an older CRM would export it, with the
//! defects real exports carry. Each table is rewritten from the clean CSV the generator
//! wrote: other delimiters (`;` with a trailing one, tab), Windows-1251 or a BOM, CRLF,
//! Russian dates and decimal commas with spaced thousands, blank lines and a header line
//! repeated in the middle; and, at fixed rows, values that break the contract (impossible
//! dates, amounts that are not numbers, missing and unknown ids, duplicate ids, a close
//! before the creation, an unknown stage). Every validation path of the loader runs on it.

use crate::schema::names::{CLIENT_ID, DEAL_ID, MANAGER_ID};
use std::path::Path;

use crate::error::{Error, Result};

/// How one table is written dirty.
struct Style {
    table: &'static str,
    delimiter: u8,
    trailing: bool,
    windows_1251: bool,
    bom: bool,
    crlf: bool,
    russian: bool,
}

const STYLES: [Style; 7] = [
    style("deals", b';', true, true, false, true, true),
    style("stage_history", b';', false, false, true, false, true),
    style("clients", b';', false, false, true, false, false),
    style("contacts", b'\t', false, false, false, false, false),
    style("payments", b';', false, false, true, true, true),
    style("managers", b',', false, false, false, false, true),
    style("campaigns", b',', false, true, false, false, false),
];

const fn style(
    table: &'static str,
    delimiter: u8,
    trailing: bool,
    windows_1251: bool,
    bom: bool,
    crlf: bool,
    russian: bool,
) -> Style {
    Style {
        table,
        delimiter,
        trailing,
        windows_1251,
        bom,
        crlf,
        russian,
    }
}

/// A defect put into column `column` of every `every`-th data row (counted from 1).
struct Defect {
    table: &'static str,
    column: &'static str,
    every: usize,
    value: fn(&str) -> String,
}

const DEFECTS: [Defect; 10] = [
    defect("deals", "created_at", 997, |_| "31.02.2025".into()),
    defect("deals", "amount", 1499, |_| "1O0,00".into()),
    defect("deals", CLIENT_ID, 1777, |_| String::new()),
    defect("deals", CLIENT_ID, 1999, |_| "C9999999".into()),
    defect("deals", "stage", 3001, |_| "Переговоры".into()),
    defect("stage_history", DEAL_ID, 4001, |_| "D9999999".into()),
    defect("contacts", "at", 7919, |_| "2025-13-01 10:00:00".into()),
    defect("contacts", MANAGER_ID, 10007, |_| "M9999".into()),
    defect("payments", "amount", 499, |_| String::new()),
    defect("clients", "created_at", 2999, |v| format!("{v}x")),
];

const fn defect(
    table: &'static str,
    column: &'static str,
    every: usize,
    value: fn(&str) -> String,
) -> Defect {
    Defect {
        table,
        column,
        every,
        value,
    }
}

/// The content of a line that becomes blank.
const BLANK: &str = "\u{1}blank line";

/// Rewrite the clean CSV tables in `dir` as a dirty export.
pub fn soil(dir: &Path) -> Result<()> {
    for s in &STYLES {
        let path = dir.join(format!("{}.csv", s.table));
        let text =
            std::fs::read_to_string(&path).map_err(|e| Error::io(&path, "cannot read", e))?;
        let out = rewrite(&text, s).map_err(|e| Error::io(&path, "cannot rewrite", e))?;
        std::fs::write(&path, out).map_err(|e| Error::io(&path, "cannot write", e))?;
    }
    Ok(())
}

/// One clean CSV rewritten in a messy export's style (dates, numbers, quoting, stray rows).
///
/// Kept whole (it runs over 80 lines): the messes are drawn from one random generator in a
/// fixed order, so that a seed gives the same dirty folder.
fn rewrite(text: &str, s: &Style) -> std::io::Result<Vec<u8>> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let mut writer = csv::WriterBuilder::new()
        .delimiter(s.delimiter)
        .quote_style(csv::QuoteStyle::NonNumeric)
        .terminator(if s.crlf {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .flexible(true)
        .from_writer(Vec::new());
    let with_trailing = |mut fields: Vec<String>| {
        if s.trailing {
            fields.push(String::new());
        }
        fields
    };
    writer.write_record(with_trailing(header.clone()))?;
    let records: Vec<csv::StringRecord> =
        reader.records().collect::<std::result::Result<_, _>>()?;
    let middle = records.len() / 2;
    let mut previous_id = String::new();
    for (i, record) in records.iter().enumerate() {
        let row = i + 1;
        let mut fields: Vec<String> = record
            .iter()
            .zip(&header)
            .map(|(v, h)| {
                if s.russian {
                    russian(h, v)
                } else {
                    v.to_string()
                }
            })
            .collect();
        for d in DEFECTS.iter().filter(|d| d.table == s.table) {
            if row % d.every == 0 {
                if let Some(k) = header.iter().position(|h| h == d.column) {
                    fields[k] = (d.value)(&fields[k]);
                }
            }
        }
        // A repeated contact and payment id.
        if matches!(s.table, "contacts" | "payments") {
            if row % 5003 == 0 || (s.table == "payments" && row % 251 == 0) {
                fields[0] = previous_id.clone();
            }
            previous_id = fields[0].clone();
        }
        if s.table == "deals" {
            // A repeated id, and a deal closed before it was created.
            if row % 2003 == 0 {
                fields[0] = previous_id.clone();
            }
            if row % 2503 == 0 {
                if let (Some(c), Some(k)) = (
                    header.iter().position(|h| h == "created_at"),
                    header.iter().position(|h| h == "closed_at"),
                ) {
                    if !fields[k].is_empty() {
                        fields.swap(c, k);
                    }
                }
            }
            previous_id = fields[0].clone();
        }
        writer.write_record(with_trailing(fields))?;
        if row % 1009 == 0 {
            // A blank line: the csv writer writes an empty record as `""`, so a marker
            // record is written and emptied below.
            writer.write_record([BLANK])?;
        }
        if i + 1 == middle {
            writer.write_record(with_trailing(header.clone()))?;
        }
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    let marker = format!("\"{BLANK}\"");
    let bytes = String::from_utf8_lossy(&bytes)
        .replace(&marker, "")
        .into_bytes();
    let mut out = Vec::with_capacity(bytes.len() + 3);
    if s.bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    if s.windows_1251 {
        let text = String::from_utf8_lossy(&bytes);
        let (encoded, _, _) = encoding_rs::WINDOWS_1251.encode(&text);
        out.extend_from_slice(&encoded);
    } else {
        out.extend_from_slice(&bytes);
    }
    Ok(out)
}

/// A value as a Russian export writes it: `05.03.2024 14:30:00` dates and `1 234,50`
/// amounts (a no-break space between thousands), `9,7` percents.
fn russian(column: &str, value: &str) -> String {
    let b = value.as_bytes();
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        return format!(
            "{}.{}.{}{}",
            &value[8..10],
            &value[5..7],
            &value[0..4],
            &value[10..]
        );
    }
    let money = matches!(column, "amount" | "cost" | "monthly_plan");
    if (money || column == "discount_pct") && !value.is_empty() {
        let (whole, frac) = value.split_once('.').unwrap_or((value, ""));
        let whole = if money { grouped(whole) } else { whole.into() };
        return if frac.is_empty() {
            whole
        } else {
            format!("{whole},{frac}")
        };
    }
    value.to_string()
}

fn grouped(whole: &str) -> String {
    let (sign, digits) = match whole.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", whole),
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_values() {
        assert_eq!(
            russian("created_at", "2024-03-05 14:30:00"),
            "05.03.2024 14:30:00"
        );
        assert_eq!(russian("amount", "1234567.80"), "1\u{a0}234\u{a0}567,80");
        assert_eq!(russian("amount", "-15.00"), "-15,00");
        assert_eq!(russian("discount_pct", "9.7"), "9,7");
        assert_eq!(russian("name", "ООО"), "ООО");
    }
}
