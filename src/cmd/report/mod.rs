//! `crmstat report`: the main job. Validates the data once, computes every figure family in
//! parallel and writes one folder: `index.html` (the page for people, self-contained),
//! `report.xlsx` (a sheet per summary table), `summary.json` (the headline for machines),
//! `tables/` (every table, row-level ones too) and `charts/` (SVG and PNG).

use crate::i18n::Note;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::chart::Chart;
use crate::cli::ReportArgs;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::i18n;
use crate::metrics::headline::{self, Leak};
use crate::metrics::managers::ManagerGroup;
use crate::metrics::{Mode, snapshot::Snapshot};
use crate::output::{self, NamedTable};
use crate::period::Period;
use crate::report::{self, Headline, Locale, Part, Section};
use crate::validate::Loaded;

mod sections;

use sections::*;

/// Steps the progress bar counts.
const STEPS: u64 = 5;

/// The files of a report folder: a run replaces each of them whole.
const ENTRIES: [&str; 5] = [
    "index.html",
    "report.xlsx",
    "summary.json",
    "tables",
    "charts",
];

/// Build the report in a staging folder beside `--out` and swap it in at the end: a run
/// that fails or is killed leaves the previous report whole, and a finished run leaves no
/// table of an earlier one (tables/ and charts/ are replaced as a whole).
pub fn run(args: &ReportArgs) -> Result<()> {
    super::refuse_inside(&args.out, &args.data.data)?;
    output::prepare_dir(&args.out)?;
    let name = args
        .out
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().to_string());
    let parent = match args.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    // Staging folders of earlier runs that were killed.
    let prefix = format!(".{name}.crmstat-");
    if let Ok(entries) = std::fs::read_dir(&parent) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let staging = parent.join(format!("{prefix}{}", std::process::id()));
    output::prepare_dir(&staging)?;
    let built = build(args, &staging);
    let done = built.and_then(|message| {
        swap_in(&staging, &args.out)?;
        Ok(message)
    });
    let _ = std::fs::remove_dir_all(&staging);
    if let Some(message) = done? {
        crate::say!("{message}");
    }
    Ok(())
}

/// Move the staged report's entries over the target's, each through a rename.
fn swap_in(staging: &std::path::Path, target: &std::path::Path) -> Result<()> {
    for name in ENTRIES {
        let from = staging.join(name);
        if !from.exists() {
            continue;
        }
        let dest = target.join(name);
        let old = target.join(format!(".{name}.old"));
        let _ = remove_any(&old);
        if dest.exists() {
            std::fs::rename(&dest, &old)
                .map_err(|e| Error::io(&dest, "cannot move the previous report aside", e))?;
        }
        std::fs::rename(&from, &dest)
            .map_err(|e| Error::io(&dest, "cannot move the new report into place", e))?;
        let _ = remove_any(&old);
    }
    Ok(())
}

fn remove_any(path: &std::path::Path) -> std::io::Result<()> {
    if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
}

/// The config with `--lang` and `--currency` applied, and the page's locale (charts label
/// amounts with the currency's symbol).
fn configured(args: &ReportArgs, mut config: Config) -> (Config, Locale) {
    if let Some(lang) = args.lang {
        config.lang = lang.into();
    }
    if let Some(c) = &args.currency {
        config.currency = c.clone();
    }
    let loc = Locale {
        lang: config.lang,
        symbol: i18n::currency_symbol(&config.currency),
    };
    config.currency = loc.symbol.clone();
    (config, loc)
}

/// Every figure of the report: lifetime value once (for the win-back list, the campaigns
/// and summary.json), its fits beside the sections that do not need it and the headline.
type Figures = (
    Result<crate::metrics::clv::Clv>,
    Vec<(Section, Result<super::Results>)>,
    Headline,
    polars::prelude::DataFrame,
);

fn figures(
    snap: &Snapshot,
    loaded: &Loaded,
    config: &Config,
    period: &Period,
    started: std::time::Instant,
) -> Result<Figures> {
    let ((clv, mut parts), (others, head)) = rayon::join(
        || {
            let clv = crate::figures::clv::compute(snap, loaded, config);
            crate::validate::trace("clv", started);
            let parts = sections(snap, loaded, config, Some(&clv));
            (clv, parts)
        },
        || {
            rayon::join(
                || sections(snap, loaded, config, None),
                || headline_and_trends(snap, loaded, period, config),
            )
        },
    );
    parts.extend(others);
    parts.sort_by_key(|(section, _)| *section);
    let (head, trends) = head?;
    crate::validate::trace("figures", started);
    Ok((clv, parts, head, trends))
}

/// A rendered chart: its name, the files written and its SVG markup.
type Rendered = (&'static str, Vec<std::path::PathBuf>, String);

/// Render the charts in parallel into `dir`; each SVG is inlined on the page as it was
/// rendered (not read back from disk).
fn render(charts: &[&Chart], dir: &std::path::Path) -> Result<Vec<Rendered>> {
    charts
        .par_iter()
        .map(|c| {
            c.render_with_svg(dir)
                .map(|(files, svg)| (c.name(), files, svg))
        })
        .collect()
}

fn svg_of(rendered: &[Rendered], name: &str) -> Option<String> {
    rendered
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|(.., svg)| svg.clone())
}

/// The sections as the page lays them out (tables, inlined charts, or why one could not be
/// built); every section's notes added to `notes`, each once.
fn lay_out(
    parts: Vec<(Section, Result<super::Results>)>,
    rendered: &[Rendered],
    notes: &mut Vec<Note>,
) -> Vec<Part> {
    let mut laid: Vec<Part> = Vec::new();
    for (section, part) in parts {
        match part {
            Ok(r) => {
                for n in &r.notes {
                    if !notes.contains(n) {
                        notes.push(n.clone());
                    }
                }
                let svgs = r
                    .charts
                    .iter()
                    .filter_map(|c| svg_of(rendered, c.name()).map(|s| (c.name(), s)))
                    .collect();
                laid.push(Part {
                    section,
                    tables: r.tables,
                    svgs,
                    error: None,
                });
            }
            Err(e) => {
                notes.push(Note::new(
                    format!("{}: this section could not be built: {e}", section.title()),
                    format!(
                        "{}: раздел не построен: {e}",
                        i18n::tr(i18n::Lang::Ru, section.title())
                    ),
                ));
                laid.push(Part {
                    section,
                    tables: Vec::new(),
                    svgs: Vec::new(),
                    error: Some(e.to_string()),
                });
            }
        }
    }
    laid
}

/// The report's own tables: headline, trends, data quality, rejects.
fn own_tables(
    head_frame: &polars::prelude::DataFrame,
    trends: &polars::prelude::DataFrame,
    loaded: &Loaded,
) -> Result<Vec<NamedTable>> {
    Ok(vec![
        NamedTable::new("headline", "Headline figures", head_frame.clone()),
        NamedTable::new("trends", "The last 12 months", trends.clone()),
        NamedTable::new(
            "data_quality",
            "Rows per table",
            loaded.report.counts_frame()?,
        ),
        NamedTable::new(
            "rejected_by_reason",
            "Rejected rows by reason",
            report::rejected_by_reason(&loaded.report)?,
        ),
        NamedTable::detail("rejects", "Rejected rows", loaded.report.rejects_frame()?),
    ])
}

/// Every table into `tables/` (one file per name: a section repeating another's table would
/// overwrite it, so two of one name are refused) and the summary tables into `report.xlsx`
/// (row-level lists stay in tables/: they can outgrow a sheet). The files written.
fn write_tables(
    args: &ReportArgs,
    out: &std::path::Path,
    own: &mut [NamedTable],
    laid: &mut [Part],
) -> Result<Vec<std::path::PathBuf>> {
    let mut names: Vec<&str> = own.iter().map(|t| t.name.as_str()).collect();
    names.extend(
        laid.iter()
            .flat_map(|p| p.tables.iter().map(|t| t.name.as_str())),
    );
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::Usage(format!(
            "internal: two report tables are named {} (please report this)",
            w[0]
        )));
    }
    let tables_dir = out.join("tables");
    let mut written = output::write_tables(&tables_dir, args.format.into(), own)?;
    for part in laid.iter_mut() {
        written.extend(output::write_tables(
            &tables_dir,
            args.format.into(),
            &mut part.tables,
        )?);
    }
    let mut sheets: Vec<&NamedTable> = own.iter().filter(|t| !t.detail).collect();
    for part in laid.iter() {
        sheets.extend(part.tables.iter().filter(|t| !t.detail));
    }
    written.push(output::write_book(out, "report", &sheets)?);
    Ok(written)
}

/// `index.html` and `summary.json`; the files written.
fn write_page(
    out: &std::path::Path,
    inputs: &report::Inputs,
    head_frame: &polars::prelude::DataFrame,
) -> Result<Vec<std::path::PathBuf>> {
    let page = report::html::render(&report::page(inputs)?);
    let index = out.join("index.html");
    output::write_atomic(&index, |w| {
        w.write_all(page.as_bytes())
            .map_err(|e| Error::io(&index, "cannot write", e))
    })?;
    let summary = report::summary(inputs, head_frame)?;
    let summary_path = out.join("summary.json");
    let text = serde_json::to_string_pretty(&summary)
        .map_err(|e| Error::Usage(format!("summary.json: {e}")))?;
    output::write_atomic(&summary_path, |w| {
        w.write_all(text.as_bytes())
            .and_then(|_| w.write_all(b"\n"))
            .map_err(|e| Error::io(&summary_path, "cannot write", e))
    })?;
    Ok(vec![index, summary_path])
}

/// Write the whole report into `out`; the closing message, unless quiet.
///
/// Kept whole (it runs over 80 lines): these are the report's steps in order, each
/// advancing the progress bar, and each step is a function of its own.
fn build(args: &ReportArgs, out: &std::path::Path) -> Result<Option<String>> {
    let bar = progress(args.quiet);
    bar.set_message("reading and checking the data");
    let shown = bar.clone();
    let (config, loaded) = super::load_shown(
        &args.data,
        Some(&args.period),
        super::Contacts::Period,
        args.quiet,
        Some(std::sync::Arc::new(move |step: &str| {
            shown.set_message(step.to_string())
        })),
    )?;
    let (config, loc) = configured(args, config);
    let period = super::period(&args.period, &loaded.tables)?;
    let started = std::time::Instant::now();
    let snap = Snapshot::build(&loaded.tables, &loaded.stages, &period)?;
    crate::validate::trace("snapshot", started);
    bar.inc(1);
    bar.set_message("computing the figures");
    let (clv, parts, head, trends) = figures(&snap, &loaded, &config, &period, started)?;
    bar.inc(1);
    bar.set_message("drawing the charts");
    for dir in [out.join("tables"), out.join("charts")] {
        output::prepare_dir(&dir)?;
    }
    let trends_chart = Chart::trends(&trends, &loc.symbol, loc.lang)?;
    let mut charts: Vec<&Chart> = vec![&trends_chart];
    for (_, part) in &parts {
        if let Ok(r) = part {
            charts.extend(r.charts.iter());
        }
    }
    let rendered = render(&charts, &out.join("charts"))?;
    crate::validate::trace("charts", started);
    let mut written: Vec<std::path::PathBuf> = rendered
        .iter()
        .flat_map(|(_, files, _)| files.clone())
        .collect();
    bar.inc(1);
    bar.set_message("writing the tables");
    let mut notes: Vec<Note> = loaded.report.notes.clone();
    notes.extend(head.notes.iter().cloned());
    match &clv {
        Ok(c) => notes.extend(c.notes.iter().cloned()),
        Err(e) => notes.push(Note::new(
            format!("lifetime value could not be computed: {e}"),
            format!("пожизненная ценность не посчитана: {e}"),
        )),
    }
    let mut laid = lay_out(parts, &rendered, &mut notes);
    let leaks = leaks(&laid, &loaded, &snap)?;
    let head_frame = report::headline_frame(&head)?;
    let mut own = own_tables(&head_frame, &trends, &loaded)?;
    written.extend(write_tables(args, out, &mut own, &mut laid)?);
    crate::validate::trace("tables", started);
    bar.inc(1);
    bar.set_message("writing the page");
    let inputs = report::Inputs {
        loc: loc.clone(),
        period_label: period.label.clone(),
        last_day: (period.end - chrono::Duration::days(1)).date().to_string(),
        headline: &head,
        leaks: &leaks,
        followup_days: config.funnel.followup_days,
        trends: &trends,
        trends_svg: svg_of(&rendered, trends_chart.name()),
        parts: &laid,
        report: &loaded.report,
        notes: notes.clone(),
        mean_clv: clv.as_ref().ok().and_then(|c| c.mean()),
    };
    written.extend(write_page(out, &inputs, &head_frame)?);
    crate::validate::trace("page", started);
    bar.inc(1);
    bar.finish_and_clear();
    if args.quiet {
        return Ok(None);
    }
    // The loading notes were printed when the data was read.
    for n in notes.iter().filter(|n| !loaded.report.notes.contains(n)) {
        crate::say!("note: {}", n.text(config.lang));
    }
    Ok(Some(format!(
        "report for {}: {} files in {}; open {}",
        period.label,
        written.len(),
        args.out.display(),
        args.out.join("index.html").display()
    )))
}

/// The progress bar on stderr: hidden with --quiet or when stderr is not a terminal.
fn progress(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(STEPS);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} [{bar:24}] {pos}/{len} {msg} ({elapsed})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
