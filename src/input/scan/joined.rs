//! A second file joined onto a table (`[tables.<table>.join]`): read once, one row per key.

use super::*;

pub(super) const JOINED_SUFFIX: &str = "__joined";

/// A second file joined onto a table: its canonical columns as text, one row per key
/// (the first; the repeats are problems), and what was wrong with its rows.
pub struct Joined {
    pub file: String,
    pub key: String,
    /// Canonical columns it brings (the key first).
    pub columns: Vec<String>,
    pub frame: DataFrame,
    /// (line, column, value, reason) of the rows left out.
    pub problems: Vec<(u64, String, String, String)>,
    pub read: usize,
    /// Keys with their line, to find those the main table does not have.
    pub keys: Vec<(String, u64)>,
}

impl Joined {
    pub(super) fn read(
        path: &Path,
        j: &crate::config::JoinConfig,
        spec: &'static TableSpec,
        config: &Config,
    ) -> Result<Joined> {
        let file = crate::input::file_label(path);
        let (frame, header, lines) = crate::input::read_frame(path, config, None)?;
        let mut mapping = j.columns.clone();
        mapping.entry(j.on.clone()).or_insert_with(|| j.on.clone());
        let mut columns = vec![j.on.clone()];
        columns.extend(mapping.keys().filter(|c| **c != j.on).cloned());
        let mut picked = Vec::new();
        for c in &columns {
            let wanted = &mapping[c];
            let Some(h) = crate::input::find_header(&header, wanted) else {
                return Err(Error::BadFile {
                    file: file.clone(),
                    problem: format!(
                        "no column `{wanted}`, which [tables.{}.join.columns] maps to {c}; the headers are: {}",
                        spec.name,
                        crate::input::shown_headers(&header)
                    ),
                    fix: format!("correct [tables.{}.join.columns] {c} = \"…\"", spec.name),
                });
            };
            let column = frame
                .column(h)
                .ctx(h.to_string())?
                .cast(&DataType::String)
                .ctx(h.to_string())?;
            picked.push(column.with_name(c.as_str().into()));
        }
        let frame = DataFrame::new(frame.height(), picked).ctx(file.clone())?;
        let ids: Vec<Option<String>> = frame
            .column(&j.on)
            .ctx(j.on.clone())?
            .str()
            .ctx(j.on.clone())?
            .iter()
            .map(|v| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()))
            .collect();
        let rows: Vec<u32> = (0..frame.height() as u32).collect();
        let line_of = lines.lines_of(&rows);
        let (keep, problems, keys) = checked_keys(&ids, &line_of, &j.on);
        let mask = BooleanChunked::from_slice("keep".into(), &keep);
        let mut frame = frame.filter(&mask).ctx(file.clone())?;
        let trimmed = Column::new(
            j.on.as_str().into(),
            ids.into_iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(v, _)| v)
                .collect::<Vec<_>>(),
        );
        frame.with_column(trimmed).ctx(file.clone())?;
        Ok(Joined {
            file,
            key: j.on.clone(),
            columns,
            frame,
            problems,
            read: keep.len(),
            keys,
        })
    }
}

/// Rows kept, the problems of the rows left out, and the kept keys with their lines.
type Checked = (
    Vec<bool>,
    Vec<(u64, String, String, String)>,
    Vec<(String, u64)>,
);

/// Which rows of the joined file are kept (the first of each key), the problems of those
/// left out (no key, a repeated key) and the kept keys with their lines.
fn checked_keys(ids: &[Option<String>], line_of: &[u64], on: &str) -> Checked {
    let mut first: std::collections::HashMap<String, u64> = Default::default();
    let mut keep = Vec::with_capacity(ids.len());
    let mut problems = Vec::new();
    let mut keys = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let line = line_of.get(i).copied().unwrap_or(0);
        match id {
            None => {
                problems.push((
                    line,
                    on.to_string(),
                    String::new(),
                    format!("the key {} is missing: the row joins nothing", on),
                ));
                keep.push(false);
            }
            Some(id) => match first.get(id) {
                Some(l) => {
                    problems.push((
                        line,
                        on.to_string(),
                        id.clone(),
                        format!("{} repeated in the joined file; first on line {l} (that row is the one joined)", on),
                    ));
                    keep.push(false);
                }
                None => {
                    first.insert(id.clone(), line);
                    keys.push((id.clone(), line));
                    keep.push(true);
                }
            },
        }
    }
    (keep, problems, keys)
}
