//! Row checks of SPEC §5 that belong to one table: stage names (rewritten to the config's
//! spelling), status from the stage, close dates against status and creation, value ranges,
//! and dates in order. They run on each part of a table as it streams by.

use crate::i18n::Note;
use crate::schema::names::MANAGER_ID;
use polars::prelude::*;

use super::convert::Rules;
use super::problems::PartProblems;
use crate::error::{PolarsContext, Result};
use crate::schema::TableSpec;
use crate::stages::{Outcome, Stages};

/// Notes about how the stage order was found.
pub fn stage_notes(stages: &Stages) -> Vec<Note> {
    let mut notes: Vec<Note> = stages
        .unknown_settings()
        .into_iter()
        .map(Note::plain)
        .collect();
    if stages.inferred {
        let order = stages.order.join(" → ");
        notes.push(Note::new(
            format!("stage order inferred from stage_history: {order}; set [funnel] stages in crmstat.toml if it is wrong"),
            format!(
                "порядок этапов взят из истории этапов: {order}; если он неверен, задайте [funnel] stages в crmstat.toml"
            ),
        ));
    } else if !stages.known() {
        notes.push(Note::new(
            "stage order unknown: set [funnel] stages in crmstat.toml (or provide stage_history)",
            "порядок этапов неизвестен: задайте [funnel] stages в crmstat.toml (или добавьте stage_history)",
        ));
    }
    notes
}

/// Stage entries as (deal, stage, position within the deal in time order), from rows
/// (deal, time, stage).
pub fn history_sequence(mut rows: Vec<(String, i64, String)>) -> Vec<(String, String, u32)> {
    rows.sort_unstable();
    let mut out = Vec::with_capacity(rows.len());
    let mut position = 0;
    let mut previous: Option<String> = None;
    for (deal, _, stage) in rows {
        position = if previous.as_deref() == Some(deal.as_str()) {
            position + 1
        } else {
            0
        };
        previous = Some(deal.clone());
        out.push((deal, stage, position));
    }
    out
}

/// The checks of one table on one part.
pub fn row_checks(
    spec: &TableSpec,
    part: &mut DataFrame,
    p: &mut PartProblems,
    stages: &Stages,
    rules: &Rules,
) -> Result<()> {
    match spec.name {
        "deals" => deal_checks(part, p, stages),
        "stage_history" => stage_name_checks(part, p, stages, "stage"),
        "managers" => order_check(part, p, "hired_on", "left_on", "left before being hired"),
        "campaigns" => order_check(part, p, "started_on", "ended_on", "ended before it started"),
        "plans" => plan_checks(part, p),
        "deal_changes" => change_checks(part, p, rules),
        _ => Ok(()),
    }
}

/// A change names a tracked field, and its values read as that field's type (a date with
/// the built-in forms, in the plausible years like every date).
fn change_checks(part: &DataFrame, p: &mut PartProblems, rules: &Rules) -> Result<()> {
    use crate::schema::{CHANGED_FIELDS, Kind};
    let field = text(part, "field")?;
    let (old, new) = (text(part, "old_value")?, text(part, "new_value")?);
    let names: Vec<&str> = CHANGED_FIELDS.iter().map(|f| f.0).collect();
    for (pos, f) in field.iter().enumerate() {
        let Some(f) = f else { continue };
        let Some((_, kind)) = CHANGED_FIELDS.iter().find(|c| c.0 == f) else {
            p.reject(
                pos,
                "field",
                f,
                &format!("must be one of {}", names.join(", ")),
            );
            continue;
        };
        for (column, value) in [("old_value", old.get(pos)), ("new_value", new.get(pos))] {
            let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
                continue;
            };
            let problem = match kind {
                Kind::Money => crate::money::parse_money(v).err().map(|e| e.to_string()),
                Kind::Datetime => match crate::dates::parse_datetime(v, &[]) {
                    None => Some("cannot parse as a date/time".to_string()),
                    Some(d) if !rules.plausible(chrono::Datelike::year(&d)) => Some(format!(
                        "the year {} is outside the plausible years {}–{} (a placeholder?); [input] years = [{}, {}] in crmstat.toml widens them",
                        chrono::Datelike::year(&d),
                        rules.years.0,
                        rules.years.1,
                        rules.years.0.min(chrono::Datelike::year(&d)),
                        rules.years.1.max(chrono::Datelike::year(&d))
                    )),
                    Some(_) => None,
                },
                Kind::Number => crate::input::values::parse_number(v)
                    .is_none()
                    .then(|| "not a number".to_string()),
                _ => None,
            };
            if let Some(why) = problem {
                p.reject(pos, column, v, &format!("{f}: {why}"));
            }
        }
    }
    Ok(())
}

/// A plan belongs to a manager or a team: a row naming neither is nobody's plan.
fn plan_checks(part: &DataFrame, p: &mut PartProblems) -> Result<()> {
    let (manager, team) = (text(part, MANAGER_ID)?, text(part, "team")?);
    for (pos, (m, t)) in manager.iter().zip(team.iter()).enumerate() {
        if m.is_none() && t.is_none() {
            p.reject(pos, MANAGER_ID, "", "a plan needs a manager_id or a team");
        }
    }
    Ok(())
}

fn text(part: &DataFrame, name: &str) -> Result<StringChunked> {
    Ok(part
        .column(name)
        .ctx(name.to_string())?
        .str()
        .ctx(name.to_string())?
        .clone())
}

/// Stage names must be funnel stages (or won/lost names); they are rewritten to the
/// config's spelling.
fn stage_name_checks(
    part: &mut DataFrame,
    p: &mut PartProblems,
    stages: &Stages,
    column: &str,
) -> Result<()> {
    if !stages.known() {
        return Ok(());
    }
    let names = text(part, column)?;
    let known = stages.order.join(", ");
    let mut out: Vec<Option<String>> = Vec::with_capacity(names.len());
    // Exports repeat a handful of stage names millions of times: classify each name once.
    let mut seen: PlHashMap<&str, (Option<&str>, Option<Outcome>)> = PlHashMap::new();
    for (pos, v) in names.iter().enumerate() {
        out.push(match v {
            None => None,
            Some(v) => match *seen
                .entry(v)
                .or_insert_with(|| (stages.canonical(v), stages.outcome(v)))
            {
                (Some(name), _) => Some(name.to_string()),
                (None, Some(_)) => Some(v.to_string()),
                (None, None) => {
                    p.reject(
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
    part.replace(column, col).ctx(column.to_string())?;
    Ok(())
}

fn datetime_values(part: &DataFrame, name: &str) -> Result<Vec<Option<i64>>> {
    let c = part.column(name).ctx(name.to_string())?;
    let phys = c.to_physical_repr();
    Ok(phys.i64().ctx(name.to_string())?.iter().collect())
}

fn deal_checks(part: &mut DataFrame, p: &mut PartProblems, stages: &Stages) -> Result<()> {
    stage_name_checks(part, p, stages, "stage")?;
    resolve_status(part, p, stages)?;
    let created = datetime_values(part, "created_at")?;
    let mut closed = datetime_values(part, "closed_at")?;
    let status = text(part, "status")?;
    let raw_closed = part.column("closed_at").ctx("closed_at")?.clone();
    for pos in 0..created.len() {
        let shown = || {
            raw_closed
                .get(pos)
                .map(|v| v.to_string())
                .unwrap_or_default()
        };
        match (status.get(pos), closed[pos]) {
            (Some("open"), Some(_)) => {
                p.warn(
                    pos,
                    "closed_at",
                    &shown(),
                    "an open deal has a close date; it is ignored",
                );
                closed[pos] = None;
            }
            (Some(s @ ("won" | "lost")), None) => {
                p.reject(
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
                p.reject(pos, "closed_at", &shown(), "closed before it was created");
            }
        }
    }
    let closed_col = Int64Chunked::from_iter(closed)
        .with_name("closed_at".into())
        .into_datetime(TimeUnit::Milliseconds, None)
        .into_column();
    part.replace("closed_at", closed_col).ctx("closed_at")?;
    range_check(
        part,
        p,
        "amount",
        |v| v >= 0.0,
        "a deal amount cannot be negative",
    )?;
    range_check(
        part,
        p,
        "discount_pct",
        |v| (0.0..=100.0).contains(&v),
        "a discount must be between 0 and 100",
    )?;
    range_check(
        part,
        p,
        "probability",
        |v| (0.0..=100.0).contains(&v),
        "a probability is a percent between 0 and 100",
    )?;
    Ok(())
}

/// Status from the status column, else from a won/lost stage name, else open.
fn resolve_status(part: &mut DataFrame, p: &mut PartProblems, stages: &Stages) -> Result<()> {
    let status = text(part, "status")?;
    let stage = text(part, "stage")?;
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
                if !p.is_rejected(pos) {
                    p.reject(
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
    part.replace("status", col).ctx("status")?;
    Ok(())
}

fn range_check(
    part: &DataFrame,
    p: &mut PartProblems,
    column: &str,
    ok: impl Fn(f64) -> bool,
    reason: &str,
) -> Result<()> {
    let shown = part.column(column).ctx(column.to_string())?;
    let values = shown.cast(&DataType::Float64).ctx(column.to_string())?;
    let bad: Vec<usize> = values
        .f64()
        .ctx(column.to_string())?
        .iter()
        .enumerate()
        .filter_map(|(pos, v)| v.filter(|v| !ok(*v)).map(|_| pos))
        .collect();
    for pos in bad {
        let value = shown.get(pos).map(|v| v.to_string()).unwrap_or_default();
        p.reject(pos, column, &value, reason);
    }
    Ok(())
}

fn order_check(
    part: &DataFrame,
    p: &mut PartProblems,
    first: &str,
    second: &str,
    reason: &str,
) -> Result<()> {
    let a = part
        .column(first)
        .ctx(first.to_string())?
        .to_physical_repr();
    let b = part.column(second).ctx(second.to_string())?.clone();
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
        p.reject(pos, second, &value, reason);
    }
    Ok(())
}
