//! Stage history from an export: a long history file (Salesforce OpportunityHistory,
//! Bitrix24 stage history) or HubSpot's property-history columns, collapsed into stage
//! entries.

use super::*;
use crate::import::crm::LongHistory;
use crate::schema::names::DEAL_ID;

/// A stage entry on its way into stage_history.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub(super) deal: String,
    pub(super) stage: String,
    pub(super) at: When,
    /// Record number in the file the entry came from.
    pub(super) row: u32,
}

impl Context<'_> {
    /// Entries from a long history file (Salesforce OpportunityHistory, Bitrix24
    /// `crm.stagehistory.list` rows).
    pub(super) fn long_history(
        &self,
        h: &Source,
        spec: &LongHistory,
        mapping: &mut Mapping,
    ) -> Result<Option<Vec<Entry>>> {
        let (wanted, names) = (spec.columns, spec.codes);
        let mut pos: HashMap<&str, usize> = HashMap::new();
        for (key, aliases) in wanted {
            if let Some(i) = h
                .header
                .iter()
                .position(|x| aliases.contains(&profiles::normalize(x).as_str()))
            {
                pos.insert(*key, i);
            }
        }
        let missing: Vec<String> = ["deal", "stage", "at"]
            .iter()
            .filter(|k| !pos.contains_key(*k))
            .map(|k| {
                let aliases = wanted
                    .iter()
                    .find(|(w, _)| w == k)
                    .map_or(&[][..], |(_, a)| *a);
                aliases
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            })
            .collect();
        if !missing.is_empty() {
            return Err(Error::BadFile {
                file: h.file.clone(),
                problem: format!(
                    "not a {} stage history: no column {}; the columns found are: {}",
                    self.def.profile,
                    missing.join(", "),
                    h.shown_header().iter().map(|x| format!("`{x}`")).collect::<Vec<_>>().join(", ")
                ),
                fix: "export the history with its standard fields, or remove the file from the folder".into(),
            });
        }
        for (i, header) in h.header.iter().enumerate() {
            let used = pos.iter().find(|(_, p)| **p == i).map(|(k, _)| *k);
            mapping.columns.push(ColumnUse {
                file: h.file.clone(),
                position: i + 1,
                header: header.clone(),
                target: used.map(|k| match k {
                    "deal" => "stage_history.deal_id".to_string(),
                    "stage" => "stage_history.stage".to_string(),
                    "at" => "stage_history.entered_at".to_string(),
                    "semantic" => "won/lost stage of the history".to_string(),
                    _ => "rows deleted in the CRM are left out".to_string(),
                }),
                note: match used {
                    Some("stage") if names => format!(
                        "stage codes named by the {} defaults and [import.stage_names]",
                        self.def.profile
                    ),
                    Some(_) => String::new(),
                    None => "no canonical column for it".into(),
                },
            });
        }
        let deal = h.values(pos["deal"])?;
        let stage = h.values(pos["stage"])?;
        let at = h.values(pos["at"])?;
        let deleted = pos.get("deleted").map(|i| h.values(*i)).transpose()?;
        let known: HashMap<&str, ()> = self.deals.iter().map(|d| (d.id.as_str(), ())).collect();
        let (mut left_deleted, mut unknown) = (0, 0);
        let mut unnamed: BTreeMap<String, usize> = BTreeMap::new();
        let mut entries = Vec::new();
        for r in 0..h.height() {
            if deleted
                .as_ref()
                .and_then(|d| d[r].as_deref())
                .and_then(flag)
                == Some(true)
            {
                left_deleted += 1;
                continue;
            }
            let (Some(d), Some(s)) = (&deal[r], &stage[r]) else {
                // Passed on without a deal or stage: validation rejects it at its line.
                entries.push(Entry {
                    deal: deal[r].clone().unwrap_or_default(),
                    stage: stage[r].clone().unwrap_or_default(),
                    at: self.when(at[r].as_deref()),
                    row: r as u32,
                });
                continue;
            };
            if !known.contains_key(d.as_str()) {
                unknown += 1;
                continue;
            }
            let name = if names {
                match self.stage_code_name(s) {
                    Some(n) => n,
                    None => {
                        *unnamed.entry(s.clone()).or_default() += 1;
                        s.clone()
                    }
                }
            } else {
                s.clone()
            };
            entries.push(Entry {
                deal: d.clone(),
                stage: name,
                at: self.when(at[r].as_deref()),
                row: r as u32,
            });
        }
        let rows_in = h.height();
        let (entries, collapsed) = collapse(entries);
        let mut notes = Vec::new();
        if collapsed > 0 {
            notes.push(format!("{collapsed} rows repeat the stage before them (a change of amount, date or probability, not of stage): runs of one stage collapsed into their first entry"));
        }
        if left_deleted > 0 {
            notes.push(format!("{left_deleted} rows deleted in the CRM left out"));
        }
        if unknown > 0 {
            notes.push(format!(
                "{unknown} rows of deals that are not in the deals export left out"
            ));
        }
        if !unnamed.is_empty() {
            mapping.notes.push(format!(
                "stage codes without a name: {}; name them with [import.stage_names] CODE = \"name in the deals export\"",
                unnamed.iter().map(|(c, n)| format!("{c} ({n} rows)")).collect::<Vec<_>>().join(", ")
            ));
        }
        mapping.counts.push(Count {
            table: "stage_history".into(),
            from: h.file.clone(),
            rows_in,
            rows_out: entries.len(),
            note: if notes.is_empty() {
                "one row per stage entry".into()
            } else {
                notes.join("; ")
            },
        });
        Ok(Some(entries))
    }

    /// A stage code's name: `[import.stage_names]`, else the CRM's defaults.
    pub(super) fn stage_code_name(&self, code: &str) -> Option<String> {
        if let Some(n) = self.config.import.stage_names.get(code) {
            return Some(n.clone());
        }
        self.crm.stage_code_name(code, self.russian)
    }

    /// Entries from the deals file's own entry-date columns (HubSpot's wide
    /// `Date entered "<Stage> (<Pipeline>)"`).
    pub(super) fn wide_history(&self, mapping: &mut Mapping) -> Result<Option<Vec<Entry>>> {
        let columns: Vec<(usize, String, Option<String>)> = self
            .header
            .iter()
            .enumerate()
            .filter_map(|(i, h)| self.crm.stage_column(h).map(|(s, p)| (i, s, p)))
            .collect();
        if columns.is_empty() {
            mapping.notes.push("no `Date entered \"<Stage> (<Pipeline>)\"` columns in the HubSpot export: no stage history (add them to the export view to get one)".into());
            return Ok(None);
        }
        // Values by position in the deals file; the deals keep their record numbers.
        let src_values: Vec<Vec<Option<String>>> = columns
            .iter()
            .map(|(i, _, _)| self.values_at(*i))
            .collect::<Result<_>>()?;
        let mut entries = Vec::new();
        let mut other_pipeline = 0;
        for d in &self.deals {
            for ((_, stage, pipeline), values) in columns.iter().zip(&src_values) {
                let Some(v) = values[d.row as usize].as_deref() else {
                    continue;
                };
                if let (Some(p), Some(dp)) = (pipeline, &d.pipeline) {
                    if profiles::normalize(p) != profiles::normalize(dp) {
                        other_pipeline += 1;
                        continue;
                    }
                }
                entries.push(Entry {
                    deal: d.id.clone(),
                    stage: stage.clone(),
                    at: self.when(Some(v)),
                    row: d.row,
                });
            }
        }
        let cells = entries.len() + other_pipeline;
        let (entries, collapsed) = collapse(entries);
        let mut note = format!(
            "{} `Date entered` columns; one entry per filled cell",
            columns.len()
        );
        if other_pipeline > 0 {
            note.push_str(&format!("; {other_pipeline} entries into stages of another pipeline than the deal's left out"));
        }
        if collapsed > 0 {
            note.push_str(&format!("; {collapsed} repeated entries collapsed"));
        }
        mapping.counts.push(Count {
            table: "stage_history".into(),
            from: "(the Date entered columns of the deals file)".into(),
            rows_in: cells,
            rows_out: entries.len(),
            note,
        });
        Ok(Some(entries))
    }

    /// Values of a deals-file column by position (for columns no role took).
    pub(super) fn values_at(&self, index: usize) -> Result<Vec<Option<String>>> {
        self.src_values
            .get(&index)
            .cloned()
            .ok_or_else(|| Error::Usage(format!("column {index} was not read")))
    }
}

/// Sort each deal's entries by time (unreadable times last, file order within) and drop
/// an entry that repeats the stage of the one before it.
pub(super) fn collapse(mut entries: Vec<Entry>) -> (Vec<Entry>, usize) {
    entries.sort_by(|a, b| {
        a.deal
            .cmp(&b.deal)
            .then_with(|| match (a.at.at(), b.at.at()) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.row.cmp(&b.row))
    });
    let before = entries.len();
    let mut out: Vec<Entry> = Vec::with_capacity(before);
    for e in entries {
        if let Some(prev) = out.last() {
            if prev.deal == e.deal
                && stage_key(&prev.stage) == stage_key(&e.stage)
                && e.at.at().is_some()
            {
                continue;
            }
        }
        out.push(e);
    }
    let collapsed = before - out.len();
    (out, collapsed)
}

/// deal_id, changed_at, field, old value, new value, record number.
type ChangeRow<'a> = (
    String,
    Option<String>,
    &'a str,
    Option<String>,
    Option<String>,
    usize,
);

impl Context<'_> {
    /// `deal_changes` from a history file whose rows carry the deal's values at each edit
    /// (Salesforce OpportunityHistory: Amount, CloseDate and Probability), so a value that
    /// differs from the previous row's is a change, dated by the later row's edit time.
    /// `None` when the file has none of the CRM's change columns.
    pub(super) fn history_changes(
        &self,
        h: &Source,
        spec: &LongHistory,
        mapping: &mut Mapping,
    ) -> Result<Option<RawTable>> {
        let find = |aliases: &[&str]| {
            h.header
                .iter()
                .position(|x| aliases.contains(&profiles::normalize(x).as_str()))
        };
        let (Some(deal), Some(at)) = (find(spec.aliases("deal")), find(spec.aliases("at"))) else {
            return Ok(None);
        };
        let fields: Vec<(&str, usize)> = spec
            .changes
            .iter()
            .filter_map(|(f, aliases)| Some((*f, find(aliases)?)))
            .collect();
        if fields.is_empty() {
            return Ok(None);
        }
        let deal = h.values(deal)?;
        let at = h.values(at)?;
        let deleted = find(spec.aliases("deleted"))
            .map(|i| h.values(i))
            .transpose()?;
        let values: Vec<(&str, Vec<Option<String>>)> = fields
            .iter()
            .map(|(f, i)| Ok((*f, h.values(*i)?)))
            .collect::<Result<_>>()?;
        let rows = self.opportunity_rows(h, &deal, &at, deleted.as_deref());
        // A date value in the export's own form is written as ISO, as validation reads it.
        let shown = |field: &str, v: &Option<String>| -> Option<String> {
            let v = v.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
            if field == "expected_close_at" {
                self.when(Some(v)).text()
            } else {
                Some(v.to_string())
            }
        };
        let mut out: Vec<ChangeRow> = Vec::new();
        for pair in rows.windows(2) {
            let ((d0, _, r0), (d1, t1, r1)) = (&pair[0], &pair[1]);
            if d0 != d1 {
                continue;
            }
            for (field, v) in &values {
                let (old, new) = (shown(field, &v[*r0]), shown(field, &v[*r1]));
                if old != new {
                    let when = t1.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string());
                    out.push((d1.clone(), when, field, old, new, *r1));
                }
            }
        }
        mapping.counts.push(Count {
            table: "deal_changes".into(),
            from: h.file.clone(),
            rows_in: h.height(),
            rows_out: out.len(),
            note: "a change wherever Amount, CloseDate or Probability differs from the opportunity's row before"
                .into(),
        });
        changes_table(h, &out).map(Some)
    }

    /// The history file's rows of known, not deleted deals as (deal, edit time, row), each
    /// deal's rows in time order.
    fn opportunity_rows(
        &self,
        h: &Source,
        deal: &[Option<String>],
        at: &[Option<String>],
        deleted: Option<&[Option<String>]>,
    ) -> Vec<(String, Option<chrono::NaiveDateTime>, usize)> {
        let known: HashMap<&str, ()> = self.deals.iter().map(|d| (d.id.as_str(), ())).collect();
        // Each opportunity's rows in time order.
        let mut rows: Vec<(String, Option<chrono::NaiveDateTime>, usize)> = Vec::new();
        for r in 0..h.height() {
            if deleted.and_then(|d| d[r].as_deref()).and_then(flag) == Some(true) {
                continue;
            }
            let Some(d) = deal[r].as_ref().filter(|d| known.contains_key(d.as_str())) else {
                continue;
            };
            let t = self.when(at[r].as_deref()).at();
            rows.push((d.clone(), t, r));
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        rows
    }
}

/// The found changes as the deal_changes table, each on its history file's line.
fn changes_table(h: &Source, out: &[ChangeRow]) -> Result<RawTable> {
    let lines: Vec<u32> = out.iter().map(|o| h.rows[o.5]).collect();
    let columns = vec![
        Column::new(
            DEAL_ID.into(),
            out.iter().map(|o| Some(o.0.clone())).collect::<Vec<_>>(),
        ),
        Column::new(
            "changed_at".into(),
            out.iter().map(|o| o.1.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "field".into(),
            out.iter()
                .map(|o| Some(o.2.to_string()))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "old_value".into(),
            out.iter().map(|o| o.3.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "new_value".into(),
            out.iter().map(|o| o.4.clone()).collect::<Vec<_>>(),
        ),
    ];
    raw(
        &schema::DEAL_CHANGES,
        h.file.clone(),
        h.lines.clone(),
        columns,
        lines,
        Vec::new(),
        Vec::new(),
    )
}

pub(super) fn history_table(entries: Vec<Entry>, src: &Source, file: String) -> Result<RawTable> {
    let rows: Vec<u32> = entries.iter().map(|e| src.rows[e.row as usize]).collect();
    let columns = vec![
        Column::new(
            DEAL_ID.into(),
            entries
                .iter()
                .map(|e| Some(e.deal.clone()).filter(|s| !s.is_empty()))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "stage".into(),
            entries
                .iter()
                .map(|e| Some(e.stage.clone()).filter(|s| !s.is_empty()))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "entered_at".into(),
            entries.iter().map(|e| e.at.text()).collect::<Vec<_>>(),
        ),
    ];
    raw(
        &schema::STAGE_HISTORY,
        file,
        src.lines.clone(),
        columns,
        rows,
        Vec::new(),
        Vec::new(),
    )
}
