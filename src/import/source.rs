//! One export file as it came from a CRM, read into text columns: CSV in whatever
//! encoding and delimiter, Excel workbooks (.xlsx, real .xls), the "xls" that Bitrix24
//! writes as an HTML table, and JSON rows (a REST dump such as `crm.stagehistory.list`).
//! Repeated header names are kept by position (`Name`, `Name_2`); the original header is
//! kept beside them for the mapping report.

use std::path::{Path, PathBuf};

use encoding_rs::Encoding;
use polars::prelude::*;

use crate::config::Config;
use crate::error::{Error, PolarsContext, Result};
use crate::input::{LineSource, csv};

/// A file read into text columns.
pub struct Source {
    pub path: PathBuf,
    /// The file name as messages show it.
    pub file: String,
    /// Text columns named by `names`.
    pub frame: DataFrame,
    /// Column names in the frame, one per header cell, unique (repeats get `_2`, `_3`).
    pub names: Vec<String>,
    /// The header cells as the file wrote them (trimmed).
    pub header: Vec<String>,
    pub lines: LineSource,
    /// What the file was: `CSV (windows-1251, ';')`, `Excel workbook`, …
    pub kind: String,
    /// Data lines that repeated the header (glued exports), dropped.
    pub repeated_headers: Vec<u64>,
    /// The record number in the file of each row of `frame` (0 = first data record).
    pub rows: Vec<u32>,
}

impl Source {
    /// The header cells the file has, without the empty column a trailing delimiter makes.
    pub fn shown_header(&self) -> Vec<&str> {
        self.header
            .iter()
            .filter(|h| h.as_str() != csv::TRAILING)
            .map(String::as_str)
            .collect()
    }

    /// The text values of a column by its position.
    pub fn values(&self, index: usize) -> Result<Vec<Option<String>>> {
        let name = &self.names[index];
        let c = self
            .frame
            .column(name)
            .ctx(format!("{}: {name}", self.file))?;
        let s = c.str().ctx(format!("{}: {name}", self.file))?;
        Ok(s.iter()
            .map(|v| {
                v.map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
            })
            .collect())
    }

    pub fn height(&self) -> usize {
        self.frame.height()
    }

    /// The line on which each data row starts, for messages and the mapping report.
    pub fn row_lines(&self) -> Vec<u64> {
        self.lines.lines_of(&self.rows)
    }
}

/// Read an export file. `fallback` is the encoding of bytes that are not UTF-8 (the
/// CRM's legacy one), unless `[input] encoding` in the config forces one.
pub fn read(path: &Path, fallback: &'static Encoding, config: &Config) -> Result<Source> {
    let file = crate::input::file_label(path);
    let ext = crate::input::extension(path);
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "cannot read", e))?;
    let mut source = match ext.as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" if !looks_like_html(&bytes) => {
            let (frame, names, lines) = crate::input::excel_frame(path, &file, None)?;
            let header = names.clone();
            Source {
                path: path.into(),
                file: file.clone(),
                frame,
                names,
                header,
                lines,
                kind: "Excel workbook, first sheet".into(),
                repeated_headers: Vec::new(),
                rows: Vec::new(),
            }
        }
        "json" => json_rows(path, &file, &bytes)?,
        _ if looks_like_html(&bytes) => html_table(path, &file, bytes, fallback, config)?,
        _ => csv_text(path, &file, bytes, fallback, config)?,
    };
    source.rows = (0..source.height() as u32).collect();
    drop_repeated_headers(&mut source)?;
    Ok(source)
}

fn decode(
    bytes: Vec<u8>,
    fallback: &'static Encoding,
    config: &Config,
) -> (String, &'static Encoding) {
    let forced = csv::encoding_by_name(&config.input.encoding);
    let utf8 = bytes.starts_with(b"\xEF\xBB\xBF") || std::str::from_utf8(&bytes).is_ok();
    let encoding = match forced {
        Some(e) => e,
        None if utf8 => encoding_rs::UTF_8,
        None => fallback,
    };
    let (text, _) = csv::decode(bytes, Some(encoding));
    (text, encoding)
}

fn csv_text(
    path: &Path,
    file: &str,
    bytes: Vec<u8>,
    fallback: &'static Encoding,
    config: &Config,
) -> Result<Source> {
    let (text, encoding) = decode(bytes, fallback, config);
    let delimiter = config
        .delimiter_byte()
        .unwrap_or_else(|| csv::detect_delimiter(&text));
    let decoded = csv::DecodedCsv {
        text,
        delimiter,
        encoding: encoding.name(),
    };
    let (frame, names) = csv::read_text_frame(file, &decoded)?;
    let (header, _) = csv::header_and_width(&decoded.text, delimiter);
    let mut header: Vec<String> = header.into_iter().take(names.len()).collect();
    if names.last().is_some_and(|n| n == csv::TRAILING) {
        header.truncate(names.len() - 1);
        header.push(csv::TRAILING.into());
    }
    let shown = match delimiter {
        b'\t' => "tab".to_string(),
        d => format!("'{}'", d as char),
    };
    Ok(Source {
        path: path.into(),
        file: file.into(),
        frame,
        names,
        header,
        lines: LineSource::Csv {
            path: path.into(),
            encoding: Some(encoding),
            delimiter,
        },
        kind: format!("CSV ({}, delimiter {shown})", encoding.name()),
        repeated_headers: Vec::new(),
        rows: Vec::new(),
    })
}

fn looks_like_html(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(2048)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let start = text.trim_start_matches('\u{feff}').trim_start();
    (start.starts_with('<') || start.starts_with("<!doctype")) && text.contains("<table")
        || start.starts_with("<html")
}

/// The HTML `<table>` that Bitrix24 serves as `deals.xls`: the first row with cells is the
/// header, each later `<tr>` a record. Line numbers count table rows (header = 1).
fn html_table(
    path: &Path,
    file: &str,
    bytes: Vec<u8>,
    fallback: &'static Encoding,
    config: &Config,
) -> Result<Source> {
    let bad = |problem: String| Error::BadFile {
        file: file.into(),
        problem,
        fix: "export the list again, or as CSV".into(),
    };
    let declared = declared_charset(&bytes);
    let (text, encoding) = match declared {
        Some(e) if csv::encoding_by_name(&config.input.encoding).is_none() => {
            let (t, _) = csv::decode(bytes, Some(e));
            (t, e)
        }
        _ => decode(bytes, fallback, config),
    };
    let dom = tl::parse(&text, tl::ParserOptions::default())
        .map_err(|e| bad(format!("cannot be read as HTML: {e}")))?;
    let parser = dom.parser();
    let mut rows: Vec<Vec<String>> = Vec::new();
    if let Some(trs) = dom.query_selector("tr") {
        for tr in trs {
            let Some(tag) = tr.get(parser).and_then(|n| n.as_tag()) else {
                continue;
            };
            let mut cells = Vec::new();
            for child in tag.children().top().iter() {
                if let Some(cell) = child.get(parser).and_then(|n| n.as_tag()) {
                    let name = cell.name().as_utf8_str().to_ascii_lowercase();
                    if name == "td" || name == "th" {
                        let raw = cell.inner_text(parser);
                        let decoded = html_escape::decode_html_entities(&raw);
                        let clean = decoded.replace('\u{a0}', " ");
                        cells.push(clean.split_whitespace().collect::<Vec<_>>().join(" "));
                    }
                }
            }
            if !cells.is_empty() {
                rows.push(cells);
            }
        }
    }
    let mut rows = rows.into_iter();
    let header_cells = rows
        .next()
        .ok_or_else(|| bad("the HTML has no table rows".into()))?;
    let names = csv::unique_names(&header_cells);
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::new(); names.len()];
    for row in rows {
        for (i, column) in columns.iter_mut().enumerate() {
            column.push(row.get(i).filter(|v| !v.is_empty()).cloned());
        }
    }
    let height = columns.first().map_or(0, Vec::len);
    let series: Vec<Column> = names
        .iter()
        .zip(columns)
        .map(|(n, v)| Column::new(n.as_str().into(), v))
        .collect();
    let frame = DataFrame::new(height, series).ctx(format!("{file}: building the table"))?;
    Ok(Source {
        path: path.into(),
        file: file.into(),
        frame,
        header: header_cells,
        names,
        lines: LineSource::Offset(2),
        kind: format!(
            "HTML table saved as a spreadsheet ({}); lines are table rows",
            encoding.name()
        ),
        repeated_headers: Vec::new(),
        rows: Vec::new(),
    })
}

fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let label: String = head[at..]
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    Encoding::for_label(label.as_bytes())
}

/// JSON rows: an array of objects, or a REST answer holding one under `result` /
/// `result.items` / `items`. Line numbers count records (first = 1).
fn json_rows(path: &Path, file: &str, bytes: &[u8]) -> Result<Source> {
    let bad = |problem: String| {
        Error::BadFile {
        file: file.into(),
        problem,
        fix: "save the REST answer as returned (an array of rows, or {\"result\": {\"items\": [...]}})".into(),
    }
    };
    let value: serde_json::Value =
        serde_json::from_slice(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
            .map_err(|e| bad(format!("cannot be read as JSON: {e}")))?;
    let rows = [
        value.pointer("/result/items"),
        value.pointer("/result"),
        value.pointer("/items"),
        Some(&value),
    ]
    .into_iter()
    .flatten()
    .find_map(|v| v.as_array())
    .ok_or_else(|| bad("no array of rows found".into()))?;
    let mut names: Vec<String> = Vec::new();
    for row in rows {
        if let Some(obj) = row.as_object() {
            for k in obj.keys() {
                if !names.contains(k) {
                    names.push(k.clone());
                }
            }
        }
    }
    let text = |v: Option<&serde_json::Value>| -> Option<String> {
        match v? {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    };
    let series: Vec<Column> = names
        .iter()
        .map(|n| {
            let values: Vec<Option<String>> = rows.iter().map(|r| text(r.get(n))).collect();
            Column::new(n.as_str().into(), values)
        })
        .collect();
    let frame = DataFrame::new(rows.len(), series).ctx(format!("{file}: building the table"))?;
    Ok(Source {
        path: path.into(),
        file: file.into(),
        frame,
        header: names.clone(),
        names,
        lines: LineSource::Offset(1),
        kind: "JSON rows; lines are record numbers".into(),
        repeated_headers: Vec::new(),
        rows: Vec::new(),
    })
}

/// Drop data rows in which every non-empty cell repeats its column's header (exports glued
/// together), remembering their lines for the report.
fn drop_repeated_headers(source: &mut Source) -> Result<()> {
    let height = source.height();
    if height == 0 {
        return Ok(());
    }
    let mut repeated = vec![true; height];
    let mut filled = vec![0usize; height];
    for (i, h) in source.header.iter().enumerate() {
        if h == csv::TRAILING || h.is_empty() {
            continue;
        }
        for (pos, v) in source.values(i)?.iter().enumerate() {
            if let Some(v) = v {
                filled[pos] += 1;
                if v != h {
                    repeated[pos] = false;
                }
            }
        }
    }
    let mask: Vec<bool> = repeated
        .iter()
        .zip(&filled)
        .map(|(r, f)| *r && *f >= 2)
        .collect();
    if !mask.iter().any(|m| *m) {
        return Ok(());
    }
    let rows: Vec<u32> = (0..height as u32).filter(|r| mask[*r as usize]).collect();
    source.repeated_headers = source.lines.lines_of(&rows);
    let keep: BooleanChunked = mask.iter().map(|m| !m).collect();
    source.frame = source
        .frame
        .filter(&keep)
        .ctx("dropping repeated headers")?;
    source.rows.retain(|r| !mask[*r as usize]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn html_xls_is_read_as_a_table() {
        let dir = tempfile::tempdir().unwrap();
        let html = "<html><head><meta http-equiv=\"Content-type\" content=\"text/html;charset=windows-1251\"></head>\
            <body><table border=\"1\"><tr><th>ID</th><th>Название сделки</th><th>Сумма</th></tr>\
            <tr><td>7</td><td>Поставка &quot;Альфа&quot; &amp; Ко</td><td>1&nbsp;200,50</td></tr>\
            <tr><td>8</td><td></td><td>5</td></tr></table></body></html>";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(html);
        let p = write(dir.path(), "deals.xls", &bytes);
        let s = read(&p, encoding_rs::WINDOWS_1251, &Config::default()).unwrap();
        assert_eq!(s.header, vec!["ID", "Название сделки", "Сумма"]);
        assert_eq!(s.height(), 2);
        assert_eq!(
            s.values(1).unwrap(),
            vec![Some("Поставка \"Альфа\" & Ко".to_string()), None]
        );
        assert_eq!(s.values(2).unwrap()[0].as_deref(), Some("1 200,50"));
        assert_eq!(s.row_lines(), vec![2, 3]);
    }

    #[test]
    fn latin1_fallback_and_repeated_names_by_position() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "o.csv",
            b"Id,StageName,cid,cid\n1,Negociaci\xf3n,a,b\nId,StageName,cid,cid\n2,X,c,d\n",
        );
        let s = read(&p, encoding_rs::WINDOWS_1252, &Config::default()).unwrap();
        assert_eq!(s.names, vec!["Id", "StageName", "cid", "cid_2"]);
        assert_eq!(s.header, vec!["Id", "StageName", "cid", "cid"]);
        assert_eq!(s.values(1).unwrap()[0].as_deref(), Some("Negociación"));
        assert_eq!(
            s.values(3).unwrap(),
            vec![Some("b".into()), Some("d".into())]
        );
        assert_eq!(s.repeated_headers, vec![3]);
        assert_eq!(s.row_lines(), vec![2, 4]);
    }

    #[test]
    fn rest_json_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "stagehistory.json",
            br#"{"result":{"items":[{"ID":1,"OWNER_ID":7,"STAGE_ID":"NEW"},{"ID":2,"OWNER_ID":7,"STAGE_ID":"WON"}]}}"#,
        );
        let s = read(&p, encoding_rs::UTF_8, &Config::default()).unwrap();
        assert_eq!(s.names, vec!["ID", "OWNER_ID", "STAGE_ID"]);
        assert_eq!(s.values(1).unwrap()[1].as_deref(), Some("7"));
    }
}
