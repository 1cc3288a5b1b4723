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

use crate::cli::DiffArgs;
use crate::config::Config;
use crate::error::{Error, Result};

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
    let dated = if args.at.is_some() {
        "--at"
    } else {
        "the after export's latest moment"
    };
    let results = crate::figures::diff::results(&before, &after, at, dated)?;
    super::emit(&args.out, results, &report, crate::i18n::Lang::En)
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
