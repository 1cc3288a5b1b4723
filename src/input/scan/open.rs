//! Opening a table's file: the CSV scan with its delimiter and header, a frame's columns,
//! and the mapping of export headers to canonical columns.

use super::*;

pub(super) fn pl_path(path: &Path) -> Result<PlRefPath> {
    let s = path.to_str().ok_or_else(|| {
        Error::Usage(format!(
            "{}: the path is not valid UTF-8; rename the file or folder",
            path.display()
        ))
    })?;
    Ok(PlRefPath::new(s))
}

pub(super) fn open_csv(
    path: &Path,
    file: &str,
    spec: &'static TableSpec,
    config: &Config,
) -> Result<TableSource> {
    let first = head(path, 1 << 16)?;
    let (encoding, lossy) = choose_encoding(path, &first, config)?;
    // Lines ended by a bare CR: the first lines hold a CR and no line feed.
    let cr_lines = first.contains(&b'\r') && !first.contains(&b'\n');
    let (scanned, temp, first) = if encoding == UTF_8 && !lossy && !cr_lines {
        (path.to_path_buf(), None, first)
    } else {
        let tmp = transcode(path, encoding, cr_lines)?;
        let first = head(&tmp.0, 1 << 16)?;
        (tmp.0.clone(), Some(tmp), first)
    };
    let text = String::from_utf8_lossy(first.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&first));
    let delimiter = config
        .delimiter_byte()
        .unwrap_or_else(|| crate::input::csv::detect_delimiter(&text));
    let (mut names, width) = crate::input::csv::header_and_width(&text, delimiter);
    if names.is_empty() {
        return Err(Error::BadFile {
            file: file.into(),
            problem: "the file is empty: no header line".into(),
            fix: "export the table again with its header line".into(),
        });
    }
    let mut trailing = false;
    if names.last().is_some_and(|n| n.is_empty()) {
        names.pop();
        names.push(TRAILING.into());
        trailing = true;
    } else if width == Some(names.len() + 1) {
        names.push(TRAILING.into());
        trailing = true;
    }
    let names = unique_names(&names);
    let (sources, extras) = map_columns(&names, spec, config, file)?;
    Ok(TableSource {
        spec,
        file: file.into(),
        lines: LineSource::Csv {
            path: scanned.clone(),
            encoding: None,
            delimiter,
        },
        sources,
        extras,
        trailing,
        may_repeat_header: true,
        bad_bytes: lossy,
        skipped_rows: Vec::new(),
        origin: Origin::Csv {
            path: scanned,
            delimiter,
            names,
        },
        _temp: temp,
        table_config: None,
        joined: None,
    })
}

/// An in-memory text frame (Excel) with its header.
pub(super) fn from_frame(
    frame: DataFrame,
    header: &[String],
    spec: &'static TableSpec,
    config: &Config,
    file: &str,
    lines: LineSource,
) -> Result<TableSource> {
    let (sources, extras) = map_columns(header, spec, config, file)?;
    let mut columns: Vec<Column> = Vec::new();
    for (canonical, h) in &sources {
        let c = frame.column(h).ctx(file.to_string())?.clone();
        columns.push(c.with_name(canonical.as_str().into()));
    }
    let mut extra_names = Vec::new();
    for e in &extras {
        let c = frame.column(e).ctx(file.to_string())?.clone();
        let name = if spec.column(e).is_some() {
            format!("export_{e}")
        } else {
            e.clone()
        };
        extra_names.push(name.clone());
        columns.push(c.with_name(name.into()));
    }
    let mut frame = DataFrame::new(frame.height(), columns).ctx(file.to_string())?;
    frame = frame
        .with_row_index(ROW.into(), None)
        .ctx(file.to_string())?;
    Ok(TableSource {
        spec,
        file: file.into(),
        lines,
        sources,
        extras: extra_names,
        trailing: false,
        may_repeat_header: false,
        // Read whole and decoded already: a U+FFFD in a value marks a byte of another
        // encoding (the check finds none in a clean file).
        bad_bytes: true,
        skipped_rows: Vec::new(),
        origin: Origin::Frame(frame),
        _temp: None,
        table_config: None,
        joined: None,
    })
}

/// (canonical column, export header) pairs, and the headers no canonical column takes.
type Mapped = (Vec<(String, String)>, Vec<String>);

/// Which header each canonical column comes from, and the headers left over. A mapped
/// header that is missing, or a required column without a header, stops the run.
pub(super) fn map_columns(
    header: &[String],
    spec: &'static TableSpec,
    config: &Config,
    file: &str,
) -> Result<Mapped> {
    let mapping = config.table(spec.name).columns;
    let mut sources = Vec::new();
    let mut used: Vec<&str> = Vec::new();
    for column in spec.columns {
        let wanted = mapping.get(column.name).map(String::as_str);
        match (
            crate::input::find_header(header, wanted.unwrap_or(column.name)),
            wanted,
        ) {
            (Some(h), _) => {
                used.push(h);
                sources.push((column.name.to_string(), h.to_string()));
            }
            (None, Some(w)) => {
                return Err(Error::BadFile {
                    file: file.into(),
                    problem: format!(
                        "no column `{w}`, which crmstat.toml maps to {}; the headers are: {}",
                        column.name,
                        crate::input::shown_headers(header)
                    ),
                    fix: format!(
                        "correct [tables.{}.columns] {} = \"…\"",
                        spec.name, column.name
                    ),
                });
            }
            (None, None)
                if column.required
                    && !config.table(spec.name).defaults.contains_key(column.name)
                    && !config
                        .table(spec.name)
                        .join
                        .is_some_and(|j| j.columns.contains_key(column.name)) =>
            {
                return Err(crate::input::missing_required(
                    spec,
                    column.name,
                    header,
                    file,
                ));
            }
            (None, None) => {}
        }
    }
    let extras = header
        .iter()
        .filter(|h| !used.contains(&h.as_str()) && h.as_str() != TRAILING)
        .cloned()
        .collect();
    Ok((sources, extras))
}
