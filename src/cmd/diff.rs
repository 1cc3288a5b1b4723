//! `crmstat diff --before DIR --after DIR --out DIR`: `deal_changes` from two exports of the
//! same CRM taken on different days — how most companies can get a deal history at all.
//!
//! A deal in both exports whose amount, expected close, probability or owner differs gives
//! one change per field, dated at the after export's moment (`--at`, else the latest moment
//! its deals and stage history name: the change happened by then, the export cannot say
//! when). The before folder's own `deal_changes` come first, so diffing export after export
//! builds the history up. A deal only in the after export is new (its creation is in deals);
//! one only in the before export is counted in a note; one that either export rejected is
//! neither (its changes cannot be told) and counted apart.

use std::io::Write;

use polars::prelude::*;

use crate::cli::DiffArgs;
use crate::config::Config;
use crate::error::{Error, PolarsContext, Result};
use crate::metrics::{floats, ints, texts};
use crate::output::NamedTable;

/// One deal's tracked fields as text, the way deal_changes holds them.
type Fields = [Option<String>; 4];

const FIELDS: [&str; 4] = ["amount", "expected_close_at", "probability", "manager_id"];

fn fields_of(deals: &DataFrame) -> Result<std::collections::BTreeMap<String, Fields>> {
    let ids = texts(deals, "deal_id")?;
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
    let managers = texts(deals, "manager_id")?;
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

pub fn run(args: &DiffArgs) -> Result<()> {
    if let Some(out) = &args.out.out {
        super::refuse_inside(out, &args.before)?;
        super::refuse_inside(out, &args.after)?;
        crate::output::prepare_dir(out)?;
    }
    let load = |dir: &std::path::Path| -> Result<crate::validate::Loaded> {
        let (config, _) = Config::load(args.config.as_deref(), dir)?;
        crate::validate::load(dir, &config)
    };
    let (before, after) = (load(&args.before)?, load(&args.after)?);
    let report = both(&args.before, &before.report, &args.after, &after.report);
    let mut err = std::io::stderr().lock();
    for (name, dir, r) in [
        ("before", &args.before, &before.report),
        ("after", &args.after, &after.report),
    ] {
        let _ = writeln!(err, "{name} ({}): {}", dir.display(), r.summary_line());
    }
    super::show_problems(
        &mut err,
        &report.problems,
        false,
        "every one is in the rejects table (with --out)",
    );
    drop(err);
    let at = match &args.at {
        Some(text) => crate::dates::parse_datetime(text, &[]).ok_or_else(|| {
            Error::Usage(format!(
                "--at {text}: not a date (use 2024-03-15 or 2024-03-15 18:00)"
            ))
        })?,
        None => super::data_span(&after.tables)?.1.ok_or_else(|| {
            Error::Usage("the after export has no dates to date the changes by; give --at".into())
        })?,
    };
    // The changes happened between the two exports: not before the before export's latest
    // moment.
    if let Some(latest) = super::data_span(&before.tables)?.1 {
        if at < latest {
            return Err(Error::Usage(format!(
                "--at {}: the before export already has a moment after it ({}); the changes between the two exports happened after the before export was taken (give a later --at, or swap --before and --after)",
                at.format("%Y-%m-%d %H:%M:%S"),
                latest.format("%Y-%m-%d %H:%M:%S")
            )));
        }
    }
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
                col("deal_id"),
                col("changed_at").dt().strftime("%Y-%m-%d %H:%M:%S"),
                col("field"),
                col("old_value"),
                col("new_value"),
            ])
            .collect()
            .ctx("earlier deal_changes")?;
        deal.extend(texts(&e, "deal_id")?);
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
        "deal_id" => deal,
        "changed_at" => changed_at,
        "field" => field,
        "old_value" => old_value,
        "new_value" => new_value,
    )
    .ctx("deal_changes")?;
    let dated = if args.at.is_some() {
        "--at"
    } else {
        "the after export's latest moment"
    };
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
    super::emit(
        &args.out,
        super::Results {
            book: "deal_changes",
            heading: "Deal changes between two exports".into(),
            tables: vec![NamedTable::detail(
                "deal_changes",
                "Changes of amount, expected close, probability and owner",
                frame,
            )],
            charts: Vec::new(),
            notes,
        },
        &report,
    )
}

/// The two exports' validation in one report, each file named with its folder (both
/// exports have a `deals.csv`): every rejected row of either is listed and counted.
fn both(
    before_dir: &std::path::Path,
    before: &crate::validate::Report,
    after_dir: &std::path::Path,
    after: &crate::validate::Report,
) -> crate::validate::Report {
    let mut out = crate::validate::Report::default();
    for (dir, r) in [(before_dir, before), (after_dir, after)] {
        let named = |file: &str| dir.join(file).display().to_string();
        out.problems.extend(r.problems.iter().cloned().map(|mut p| {
            p.file = named(&p.file);
            p
        }));
        out.counts.extend(r.counts.iter().cloned().map(|mut c| {
            c.file = named(&c.file);
            c
        }));
        out.notes.extend(r.notes.iter().cloned());
    }
    out.currency = after.currency.clone();
    out
}
