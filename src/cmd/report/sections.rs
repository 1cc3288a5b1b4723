//! What the report computes: every figure section in parallel (one that fails is reported,
//! the rest stand), the headline with its comparisons and trends, and the leak facts.

use super::*;
use crate::i18n::Note;

/// The figure sections, computed in parallel; one that fails is reported, the rest stand.
/// With `clv`, the sections that need lifetime value (campaigns, reactivation); without,
/// the others.
pub(super) fn sections(
    snap: &Snapshot,
    loaded: &Loaded,
    config: &Config,
    clv: Option<&Result<crate::metrics::clv::Clv>>,
) -> Vec<(Section, Result<crate::cmd::Results>)> {
    type Build<'a> = Box<dyn Fn() -> Result<crate::cmd::Results> + Sync + 'a>;
    let lang = config.lang;
    let with_clv = clv.is_some();
    let clv_of = move || match clv {
        Some(Ok(c)) => Ok(c),
        Some(Err(e)) => Err(Error::Usage(e.to_string())),
        None => Err(Error::Usage("lifetime value was not computed".into())),
    };
    let sections: Vec<(Section, Build)> = vec![
        (
            Section::Forecast,
            Box::new(|| crate::figures::forecast::report_section(snap, loaded, config)),
        ),
        (
            Section::Funnel,
            Box::new(move || crate::figures::funnel::results(snap, Mode::Cohort, None, lang)),
        ),
        (
            Section::Losses,
            Box::new(|| crate::figures::losses::results(snap, loaded, config, Mode::Cohort)),
        ),
        (
            Section::Durations,
            Box::new(move || crate::figures::durations::results(snap, lang)),
        ),
        (
            Section::Managers,
            Box::new(|| {
                crate::figures::managers::results(snap, loaded, config, ManagerGroup::Manager)
            }),
        ),
        (
            Section::Campaigns,
            Box::new(|| {
                crate::figures::campaigns::results(
                    snap,
                    loaded,
                    config,
                    config.campaigns.attribution,
                    clv_of()?,
                    false,
                )
            }),
        ),
        (
            Section::Reactivation,
            Box::new(move || {
                crate::figures::reactivation::results(snap, loaded, config, clv_of()?)
            }),
        ),
        (
            Section::Retention,
            Box::new(|| {
                crate::figures::retention::results(
                    snap,
                    loaded,
                    config,
                    crate::metrics::retention::Grain::Month,
                )
            }),
        ),
    ];
    let needs_clv = |s: &Section| matches!(s, Section::Campaigns | Section::Reactivation);
    sections
        .par_iter()
        .filter(|(key, _)| needs_clv(key) == with_clv)
        .map(|(key, build)| {
            let started = std::time::Instant::now();
            let built = build();
            crate::validate::trace(key.key(), started);
            (*key, built)
        })
        .collect()
}

/// The figures of a span the period is compared with, or none (with a note why) when the
/// data begin too late in it or it has too few deals; a note when the data cover only part.
fn comparison(
    snap: &Snapshot,
    payments: Option<&polars::prelude::DataFrame>,
    first: Option<chrono::NaiveDateTime>,
    span: Option<Period>,
    rules: &crate::config::ReportConfig,
    notes: &mut Vec<Note>,
) -> Result<Option<headline::Figures>> {
    let Some(span) = span else {
        return Ok(None);
    };
    match first {
        Some(f) if f < span.end => {
            let whole = (span.end - span.start).num_seconds().max(1) as f64;
            let covered = (span.end - f.max(span.start)).num_seconds() as f64 / whole;
            // A comparison against a sliver of data is no comparison (+149,825 %).
            if covered < rules.compare_min_share {
                notes.push(Note::new(format!(
                        "no comparison with {}: the data start on {} and cover {:.0} % of it ([report] compare_min_share = {})",
                        span.label,
                        f.date(),
                        covered * 100.0,
                        rules.compare_min_share
                    ),
                    format!(
                        "без сравнения с {}: данные начинаются {} и покрывают {:.0} % периода ([report] compare_min_share = {})",
                        span.label,
                        f.date(),
                        covered * 100.0,
                        rules.compare_min_share
                    ),
                ));
                return Ok(None);
            }
            let figures = headline::figures(snap, payments, &span)?;
            if figures.deals_created < rules.compare_min_deals {
                notes.push(Note::new(format!(
                        "no comparison with {}: {} deals were created in it, fewer than {} ([report] compare_min_deals)",
                        span.label, figures.deals_created, rules.compare_min_deals
                    ),
                    format!(
                        "без сравнения с {}: в нём создано сделок: {}, меньше {} ([report] compare_min_deals)",
                        span.label, figures.deals_created, rules.compare_min_deals
                    ),
                ));
                return Ok(None);
            }
            if f > span.start {
                notes.push(Note::new(
                    format!(
                        "the data start on {}: the figures for {} cover only part of it",
                        f.date(),
                        span.label
                    ),
                    format!(
                        "данные начинаются {}: цифры за {} охватывают только часть периода",
                        f.date(),
                        span.label
                    ),
                ));
            }
            Ok(Some(figures))
        }
        _ => Ok(None),
    }
}

/// The period's figures, the previous period's and a year earlier's where the data reach
/// back to them, and the last twelve months.
pub(super) fn headline_and_trends(
    snap: &Snapshot,
    loaded: &Loaded,
    period: &Period,
    config: &crate::config::Config,
) -> Result<(Headline, polars::prelude::DataFrame)> {
    let payments = loaded.tables.payments.as_ref();
    let (first, _) = crate::cmd::data_span(&loaded.tables)?;
    let mut notes = Vec::new();
    let mut compare = |span: Option<Period>| -> Result<Option<headline::Figures>> {
        comparison(snap, payments, first, span, &config.report, &mut notes)
    };
    let started = std::time::Instant::now();
    let previous = compare(period.previous())?;
    // A span longer than a year (`--period all`) has no "same period a year earlier".
    let within_a_year = period.end - period.start <= chrono::Duration::days(366);
    let year_earlier = compare(period.year_earlier().filter(|_| within_a_year))?;
    let current = headline::figures(snap, payments, period)?;
    let months = headline::last_months(period, 12);
    let trends = headline::trends(snap, payments, &months)?;
    crate::validate::trace("headline and trends", started);
    Ok((
        Headline {
            current,
            previous,
            year_earlier,
            notes,
        },
        trends,
    ))
}

/// The funnel's leaks from the losses section's tables.
pub(super) fn leaks(parts: &[Part], loaded: &Loaded, snap: &Snapshot) -> Result<Vec<Leak>> {
    let Some(losses) = parts
        .iter()
        .find(|p| p.section == Section::Losses && p.error.is_none())
    else {
        return Ok(Vec::new());
    };
    let find = |name: &str| {
        losses
            .tables
            .iter()
            .find(|t| t.name == name)
            .map(|t| &t.frame)
    };
    let (Some(per_stage), Some(lost)) = (find("losses"), find("lost_deals")) else {
        return Ok(Vec::new());
    };
    let invoice = loaded
        .stages
        .invoice_index()
        .and_then(|i| snap.stages.get(i))
        .map(String::as_str);
    headline::leaks(per_stage, lost, find("followup_breaches"), invoice, 3)
}
