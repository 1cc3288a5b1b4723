//! Row and reference checks of SPEC §5: stage names, status, closed before created, value
//! ranges, duplicate ids and references between tables.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::{Checking, KeySet};
use crate::error::{PolarsContext, Result};
use crate::schema;
use crate::stages::{Outcome, Stages};

/// Stage entries of the usable history rows as (deal, stage, position within the deal).
pub fn history_sequence(history: &Checking) -> Result<Vec<(String, String, u32)>> {
    let deals = history.text("deal_id")?;
    let stages = history.text("stage")?;
    let at = datetime_values(&history.frame, "entered_at")?;
    let mut rows: Vec<(&str, i64, &str)> = Vec::new();
    for (pos, ((d, s), t)) in deals.iter().zip(stages.iter()).zip(at.iter()).enumerate() {
        if let (Some(d), Some(s), Some(t), false) = (d, s, t, history.is_rejected(pos)) {
            rows.push((d, *t, s));
        }
    }
    rows.sort_unstable();
    let mut out = Vec::with_capacity(rows.len());
    let mut position = 0;
    for (i, (deal, _, stage)) in rows.iter().enumerate() {
        position = if i > 0 && rows[i - 1].0 == *deal {
            position + 1
        } else {
            0
        };
        out.push((deal.to_string(), stage.to_string(), position));
    }
    Ok(out)
}

fn datetime_values(frame: &DataFrame, name: &str) -> Result<Vec<Option<i64>>> {
    let c = frame.column(name).ctx(name.to_string())?;
    let phys = c.to_physical_repr();
    Ok(phys.i64().ctx(name.to_string())?.iter().collect())
}

/// Notes about how the stage order was found.
pub fn stage_notes(stages: &Stages) -> Vec<String> {
    let mut notes = stages.unknown_settings();
    if stages.inferred {
        notes.push(format!(
            "stage order inferred from stage_history: {}; set [funnel] stages in crmstat.toml if it is wrong",
            stages.order.join(" → ")
        ));
    } else if !stages.known() {
        notes.push(
            "stage order unknown: set [funnel] stages in crmstat.toml (or provide stage_history)"
                .into(),
        );
    }
    notes
}

/// Table-specific checks of single rows.
pub fn row_checks(c: &mut Checking, stages: &Stages) -> Result<()> {
    match c.spec.name {
        "deals" => deal_checks(c, stages),
        "stage_history" => stage_name_checks(c, stages, "stage"),
        "managers" => order_check(c, "hired_on", "left_on", "left before being hired"),
        "campaigns" => order_check(c, "started_on", "ended_on", "ended before it started"),
        _ => Ok(()),
    }
}

/// Stage names must be funnel stages (or won/lost names); they are rewritten to the
/// config's spelling.
fn stage_name_checks(c: &mut Checking, stages: &Stages, column: &str) -> Result<()> {
    if !stages.known() {
        return Ok(());
    }
    let text = c.text(column)?;
    let known = stages.order.join(", ");
    let mut out: Vec<Option<String>> = Vec::with_capacity(text.len());
    // Exports repeat a handful of stage names millions of times: classify each name once.
    let mut seen: PlHashMap<&str, (Option<&str>, Option<Outcome>)> = PlHashMap::new();
    for (pos, v) in text.iter().enumerate() {
        out.push(match v {
            None => None,
            Some(v) => match *seen
                .entry(v)
                .or_insert_with(|| (stages.canonical(v), stages.outcome(v)))
            {
                (Some(name), _) => Some(name.to_string()),
                (None, Some(_)) => Some(v.to_string()),
                (None, None) => {
                    c.reject(
                        pos,
                        column,
                        v,
                        &format!("unknown stage; the funnel stages are: {known}"),
                    );
                    None
                }
            },
        });
    }
    let col = StringChunked::from_iter(out)
        .with_name(column.into())
        .into_column();
    c.frame.replace(column, col).ctx(column.to_string())?;
    Ok(())
}

fn deal_checks(c: &mut Checking, stages: &Stages) -> Result<()> {
    stage_name_checks(c, stages, "stage")?;
    resolve_status(c, stages)?;
    let created = datetime_values(&c.frame, "created_at")?;
    let mut closed = datetime_values(&c.frame, "closed_at")?;
    let status = c.text("status")?;
    let raw_closed = c.frame.column("closed_at").ctx("closed_at")?.clone();
    for pos in 0..created.len() {
        let shown = || {
            raw_closed
                .get(pos)
                .map(|v| v.to_string())
                .unwrap_or_default()
        };
        match (status.get(pos), closed[pos]) {
            (Some("open"), Some(_)) => {
                c.warn(
                    pos,
                    "closed_at",
                    &shown(),
                    "an open deal has a close date; it is ignored",
                );
                closed[pos] = None;
            }
            (Some(s @ ("won" | "lost")), None) => {
                c.reject(
                    pos,
                    "closed_at",
                    "",
                    &format!("a {s} deal needs the date it was closed"),
                );
            }
            _ => {}
        }
        if let (Some(cr), Some(cl)) = (created[pos], closed[pos]) {
            if cl < cr {
                c.reject(pos, "closed_at", &shown(), "closed before it was created");
            }
        }
    }
    let closed_col = Int64Chunked::from_iter(closed)
        .with_name("closed_at".into())
        .into_datetime(TimeUnit::Milliseconds, None)
        .into_column();
    c.frame.replace("closed_at", closed_col).ctx("closed_at")?;
    range_check(
        c,
        "amount",
        |v| v >= 0.0,
        "a deal amount cannot be negative",
    )?;
    range_check(
        c,
        "discount_pct",
        |v| (0.0..=100.0).contains(&v),
        "a discount must be between 0 and 100",
    )?;
    Ok(())
}

/// Status from the status column, else from a won/lost stage name, else open.
fn resolve_status(c: &mut Checking, stages: &Stages) -> Result<()> {
    let status = c.text("status")?;
    let stage = c.text("stage")?;
    let mut out: Vec<Option<&str>> = Vec::with_capacity(status.len());
    let mut seen: PlHashMap<&str, Option<Outcome>> = PlHashMap::new();
    for pos in 0..status.len() {
        let resolved = match (status.get(pos), stage.get(pos)) {
            (Some(s), _) => Some(s),
            (None, Some(st)) => Some(
                match *seen.entry(st).or_insert_with(|| stages.outcome(st)) {
                    Some(Outcome::Won) => "won",
                    Some(Outcome::Lost) => "lost",
                    None => "open",
                },
            ),
            (None, None) => {
                if !c.is_rejected(pos) {
                    c.reject(
                        pos,
                        "status",
                        "",
                        "no status and no stage: cannot tell whether the deal is open, won or lost",
                    );
                }
                None
            }
        };
        out.push(resolved);
    }
    let col = StringChunked::from_iter(out)
        .with_name("status".into())
        .into_column();
    c.frame.replace("status", col).ctx("status")?;
    Ok(())
}

fn range_check(
    c: &mut Checking,
    column: &str,
    ok: impl Fn(f64) -> bool,
    reason: &str,
) -> Result<()> {
    let values = c
        .frame
        .column(column)
        .ctx(column.to_string())?
        .cast(&DataType::Float64)
        .ctx(column.to_string())?;
    let shown = c.frame.column(column).ctx(column.to_string())?.clone();
    let bad: Vec<usize> = values
        .f64()
        .ctx(column.to_string())?
        .iter()
        .enumerate()
        .filter_map(|(pos, v)| v.filter(|v| !ok(*v)).map(|_| pos))
        .collect();
    for pos in bad {
        let value = shown.get(pos).map(|v| v.to_string()).unwrap_or_default();
        c.reject(pos, column, &value, reason);
    }
    Ok(())
}

fn order_check(c: &mut Checking, first: &str, second: &str, reason: &str) -> Result<()> {
    let a = c
        .frame
        .column(first)
        .ctx(first.to_string())?
        .to_physical_repr();
    let b = c.frame.column(second).ctx(second.to_string())?.clone();
    let bp = b.to_physical_repr();
    let (a, bp) = (
        a.i32().ctx(first.to_string())?,
        bp.i32().ctx(second.to_string())?,
    );
    let bad: Vec<usize> = a
        .iter()
        .zip(bp.iter())
        .enumerate()
        .filter_map(|(pos, (x, y))| matches!((x, y), (Some(x), Some(y)) if y < x).then_some(pos))
        .collect();
    for pos in bad {
        let value = b.get(pos).map(|v| v.to_string()).unwrap_or_default();
        c.reject(pos, second, &value, reason);
    }
    Ok(())
}

/// Later rows that repeat an id are rejected; the first one is kept.
pub fn duplicate_keys(c: &mut Checking) -> Result<()> {
    let Some(key) = c.spec.key else { return Ok(()) };
    let ids = c.text(key)?;
    let rows: Vec<u32> = c
        .frame
        .column(crate::input::ROW)
        .ctx("row")?
        .idx()
        .ctx("row")?
        .into_no_null_iter()
        .collect();
    let mut first: PlHashMap<&str, usize> = PlHashMap::with_capacity(ids.len());
    let mut dups: Vec<(usize, usize, String)> = Vec::new();
    for (pos, v) in ids.iter().enumerate() {
        if let Some(v) = v {
            match first.get(v) {
                Some(&f) => dups.push((pos, f, v.to_string())),
                None => {
                    first.insert(v, pos);
                }
            }
        }
    }
    if dups.is_empty() {
        return Ok(());
    }
    let first_rows: Vec<u32> = dups.iter().map(|(_, f, _)| rows[*f]).collect();
    let first_lines = c.lines.lines_of(&first_rows);
    for ((pos, _, v), line) in dups.into_iter().zip(first_lines) {
        c.reject(
            pos,
            key,
            &v,
            &format!("duplicate {key}; first seen on line {line}"),
        );
    }
    Ok(())
}

type KeySets = BTreeMap<&'static str, KeySet>;

/// Each reference must point at a used row of its target table (when that table exists).
pub fn references(c: &mut Checking, keys: &KeySets) -> Result<()> {
    for r in schema::REFERENCES.iter().filter(|r| r.table == c.spec.name) {
        let Some(target) = keys.get(r.target) else {
            continue;
        };
        let value = col(r.column);
        let flags = c
            .frame
            .clone()
            .lazy()
            .select([
                value
                    .clone()
                    .is_not_null()
                    .and(
                        value
                            .clone()
                            .is_in(lit(target.used.clone()).implode(false), false)
                            .not(),
                    )
                    .alias("unknown"),
                value
                    .is_in(lit(target.rejected.clone()).implode(false), false)
                    .alias("rejected"),
            ])
            .collect()
            .ctx(format!("checking {} references", r.column))?;
        let unknown = flags
            .column("unknown")
            .ctx("unknown")?
            .bool()
            .ctx("unknown")?
            .clone();
        if !unknown.any() {
            continue;
        }
        let was_rejected = flags
            .column("rejected")
            .ctx("rejected")?
            .bool()
            .ctx("rejected")?
            .clone();
        let values = c.text(r.column)?;
        let bad: Vec<usize> = unknown
            .iter()
            .enumerate()
            .filter_map(|(pos, u)| (u == Some(true)).then_some(pos))
            .collect();
        for pos in bad {
            let reason = if was_rejected.get(pos) == Some(true) {
                format!("refers to a {} row that was rejected", r.target)
            } else {
                format!("unknown {}: no such {} in {}", r.column, r.column, r.target)
            };
            c.reject(pos, r.column, values.get(pos).unwrap_or(""), &reason);
        }
    }
    Ok(())
}
