//! The figures of `crmstat diff`: `deal_changes` from two exports of the same CRM taken on
//! different days (the rules are in [`crate::cmd::diff`]).

use crate::schema::names::{DEAL_ID, MANAGER_ID};
use polars::prelude::*;

use crate::error::{PolarsContext, Result};
use crate::metrics::{floats, ints, texts};
use crate::output::NamedTable;
use crate::validate::Loaded;

/// One deal's tracked fields as text, the way deal_changes holds them.
type Fields = [Option<String>; 4];

const FIELDS: [&str; 4] = ["amount", "expected_close_at", "probability", MANAGER_ID];

fn fields_of(deals: &DataFrame) -> Result<std::collections::BTreeMap<String, Fields>> {
    let ids = texts(deals, DEAL_ID)?;
    let amounts = crate::money::minor_units(deals.column("amount").ctx("amount")?)?;
    let expected = ints(
        &deals
            .clone()
            .lazy()
            .select([col("expected_close_at").cast(DataType::Int64)])
            .collect()
            .ctx("expected_close_at")?,
        "expected_close_at",
    )?;
    let probability = floats(deals, "probability")?;
    let managers = texts(deals, MANAGER_ID)?;
    let when = |ms: Option<i64>| {
        ms.and_then(chrono::DateTime::from_timestamp_millis)
            .map(|d| d.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
    };
    Ok((0..deals.height())
        .filter_map(|i| {
            Some((
                ids[i].clone()?,
                [
                    amounts[i].map(|m| crate::money::format_decimal(m, crate::money::SCALE)),
                    when(expected[i]),
                    probability[i].map(|p| format!("{p}")),
                    managers[i].clone(),
                ],
            ))
        })
        .collect())
}

/// The changes between `before` and `after`, dated `at` (`dated` says where that moment came
/// from, for the note), after the before folder's own deal_changes; notes count the deals
/// new, gone, and rejected in one export.
pub fn results(
    before: &Loaded,
    after: &Loaded,
    at: chrono::NaiveDateTime,
    dated: &str,
) -> Result<super::Results> {
    let (old, new) = (
        fields_of(&before.tables.deals)?,
        fields_of(&after.tables.deals)?,
    );
    let stamp = at.format("%Y-%m-%d %H:%M:%S").to_string();
    let (mut deal, mut changed_at, mut field, mut old_value, mut new_value) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    if let Some(earlier) = &before.tables.deal_changes {
        let e = earlier
            .clone()
            .lazy()
            .select([
                col(DEAL_ID),
                col("changed_at").dt().strftime("%Y-%m-%d %H:%M:%S"),
                col("field"),
                col("old_value"),
                col("new_value"),
            ])
            .collect()
            .ctx("earlier deal_changes")?;
        deal.extend(texts(&e, DEAL_ID)?);
        changed_at.extend(texts(&e, "changed_at")?);
        field.extend(texts(&e, "field")?);
        old_value.extend(texts(&e, "old_value")?);
        new_value.extend(texts(&e, "new_value")?);
    }
    let earlier = deal.len();
    // A deal one export rejected is not new or gone: its changes cannot be told.
    let rejected = |r: &crate::validate::Report| -> std::collections::BTreeSet<String> {
        r.rejected_deals.iter().cloned().collect()
    };
    let (rejected_before, rejected_after) = (rejected(&before.report), rejected(&after.report));
    let (mut gone, mut added, mut unread) = (0usize, 0usize, 0usize);
    for (id, was) in &old {
        let Some(is) = new.get(id) else {
            if rejected_after.contains(id) {
                unread += 1;
            } else {
                gone += 1;
            }
            continue;
        };
        for (k, name) in FIELDS.iter().enumerate() {
            if was[k] != is[k] {
                deal.push(Some(id.clone()));
                changed_at.push(Some(stamp.clone()));
                field.push(Some((*name).to_string()));
                old_value.push(was[k].clone());
                new_value.push(is[k].clone());
            }
        }
    }
    for id in new.keys() {
        if !old.contains_key(id) {
            if rejected_before.contains(id) {
                unread += 1;
            } else {
                added += 1;
            }
        }
    }
    let found = deal.len() - earlier;
    let frame = df!(
        DEAL_ID => deal,
        "changed_at" => changed_at,
        "field" => field,
        "old_value" => old_value,
        "new_value" => new_value,
    )
    .ctx("deal_changes")?;
    let mut notes = vec![format!(
        "changes of amount, expected close, probability or owner between the two exports: {found}, dated {stamp} \
         ({dated}){}; deals new in the after export: {added}",
        if earlier > 0 {
            format!(", after the before folder's {earlier} earlier changes")
        } else {
            String::new()
        }
    )];
    if unread > 0 {
        notes.push(format!(
            "deals rejected in one export and read in the other: {unread}; neither new nor gone, their changes cannot be told (fix their rows, listed in the rejects, and diff again)"
        ));
    }
    if gone > 0 {
        notes.push(format!(
            "deals of the before export that are not in the after one (deleted in the CRM, or another filter): {gone}"
        ));
    }
    notes.push("put deal_changes.csv beside the after export's tables to use it".into());
    Ok(super::Results {
        book: "deal_changes",
        heading: "Deal changes between two exports".into(),
        tables: vec![NamedTable::detail(
            "deal_changes",
            "Changes of amount, expected close, probability and owner",
            frame,
        )],
        charts: Vec::new(),
        notes: notes.into_iter().map(crate::i18n::Note::plain).collect(),
    })
}
