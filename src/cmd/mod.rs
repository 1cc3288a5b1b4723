//! The command layer: the only place that joins reading, computing and writing. Each
//! subcommand has its own file; they share loading, period resolution and output here.

mod campaigns;
mod clv;
mod config;
mod convert;
mod diff;
mod durations;
mod forecast;
mod funnel;
mod generate;
mod import;
mod losses;
mod managers;
mod pacing;
mod payroll;
mod pipeline;
mod query;
mod reactivation;
mod report;
mod retention;
mod validate;

pub(crate) use crate::figures::Results;
use crate::schema::names::{CAMPAIGN_ID, CLIENT_ID};
use std::io::Write;

use chrono::NaiveDateTime;
use polars::prelude::*;

use crate::cli::{Cli, Command, DataArgs, OutArgs, PeriodArgs};
use crate::config::Config;
use crate::error::{Error, PolarsContext, Result};
use crate::i18n::{Lang, Note};
use crate::output::{self, NamedTable};
use crate::period::Period;
use crate::tables::Tables;
use crate::validate::{Loaded, Report};

/// Run one command.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Validate(a) => validate::run(&a),
        Command::Funnel(a) => funnel::run(&a),
        Command::Losses(a) => losses::run(&a),
        Command::Durations(a) => durations::run(&a),
        Command::Managers(a) => managers::run(&a),
        Command::Payroll(a) => payroll::run(&a),
        Command::Campaigns(a) => campaigns::run(&a),
        Command::Reactivation(a) => reactivation::run(&a),
        Command::Clv(a) => clv::run(&a),
        Command::Retention(a) => retention::run(&a),
        Command::Forecast(a) => forecast::run(&a),
        Command::Pacing(a) => pacing::run(&a),
        Command::Pipeline(a) => pipeline::run(&a),
        Command::Diff(a) => diff::run(&a),
        Command::Query(a) => query::run(&a),
        Command::Report(a) => report::run(&a),
        Command::Generate(a) => generate::run(&a),
        Command::Config(a) => config::run(&a),
        Command::Import(a) => import::run(&a),
        Command::Convert(a) => convert::run(&a),
    }
}

/// How many problems a figure command shows before pointing at `crmstat validate`.
const PROBLEMS_SHOWN: usize = 5;

/// Which contacts a command needs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Contacts {
    /// Every one, every column (SQL queries).
    All,
    /// Those of the period's windows ([`contact_window`]).
    Period,
    /// None: the command's figures do not read contacts. They are not read either, but
    /// under `--strict` (which stops on any rejected row, so checks them all).
    None,
}

/// Load config and tables, print the one-line row count and notes to stderr, and stop
/// under `--strict` when rows were rejected.
pub(crate) fn load(args: &DataArgs) -> Result<(Config, Loaded)> {
    load_with(args, None, Contacts::All, false)
}

/// [`load`] keeping only what a figure command needs: the canonical columns, and of the
/// contacts those that `period` (the command's) needs. `quiet` prints only the problems (no
/// row counts, no notes).
pub(crate) fn load_with(
    args: &DataArgs,
    period: Option<&PeriodArgs>,
    contacts: Contacts,
    quiet: bool,
) -> Result<(Config, Loaded)> {
    load_shown(args, period, contacts, quiet, None)
}

/// [`load_with`], telling `progress` which file it reads as each table starts.
pub(crate) fn load_shown(
    args: &DataArgs,
    period: Option<&PeriodArgs>,
    contacts: Contacts,
    quiet: bool,
    progress: Option<crate::validate::Progress>,
) -> Result<(Config, Loaded)> {
    let (config, _) = args.config()?;
    let mut demand = match (contacts, period) {
        (Contacts::All, _) => crate::validate::Demand::everything(),
        (Contacts::None, _) if !args.strict => crate::validate::Demand {
            skip: &["contacts"],
            ..crate::validate::Demand::figures()
        },
        (Contacts::None, _) => crate::validate::Demand {
            contacts: Some(std::sync::Arc::new(
                |_: &DataFrame, _: Option<&DataFrame>| Ok(Some(lit(false))),
            )),
            ..crate::validate::Demand::figures()
        },
        (Contacts::Period, None) => crate::validate::Demand::figures(),
        (Contacts::Period, Some(p)) => {
            let p = PeriodArgs {
                period: p.period.clone(),
                from: p.from.clone(),
                to: p.to.clone(),
            };
            crate::validate::Demand {
                contacts: Some(std::sync::Arc::new(
                    move |deals: &DataFrame, history: Option<&DataFrame>| {
                        let (first, last) = span_of(deals, history)?;
                        let period = Period::resolve(
                            p.period.as_deref(),
                            p.from.as_deref(),
                            p.to.as_deref(),
                            first,
                            last,
                        )?;
                        Ok(Some(contact_window(&period)))
                    },
                )),
                ..crate::validate::Demand::figures()
            }
        }
    };
    // --strict reads every column; a --where may name one no figure reads.
    if args.strict || args.filter.is_some() {
        demand.leave_unread = false;
    }
    demand.progress = progress;
    let mut loaded = crate::validate::load_with(&args.data, &config, &demand)?;
    if let Some(text) = &args.filter {
        let note = apply_where(&mut loaded.tables, text)?;
        loaded.report.notes.push(note);
    }
    let report = &loaded.report;
    let mut err = std::io::stderr().lock();
    if !quiet {
        let _ = writeln!(err, "{}", report.summary_line());
    }
    let more = format!(
        "run `crmstat validate --data {}{}` to list them all",
        args.data.display(),
        args.config
            .as_ref()
            .map(|c| format!(" --config {}", c.display()))
            .unwrap_or_default()
    );
    show_problems(&mut err, &report.problems, args.strict, &more);
    for note in report.notes.iter().filter(|_| !quiet) {
        let _ = writeln!(err, "note: {}", note.text(config.lang));
    }
    if args.strict && report.rejected() > 0 {
        return Err(Error::DataErrors {
            rejected: report.rejected(),
        });
    }
    Ok((config, loaded))
}

/// The first problems on stderr (every one under `--strict`), then how many more and where
/// to see them (`more`).
pub(crate) fn show_problems(
    err: &mut impl Write,
    problems: &[crate::validate::Problem],
    all: bool,
    more: &str,
) {
    let shown = if all { usize::MAX } else { PROBLEMS_SHOWN };
    for p in problems.iter().take(shown) {
        let _ = writeln!(err, "{p}");
    }
    if problems.len() > shown {
        let _ = writeln!(err, "… {} more problems; {more}", problems.len() - shown);
    }
}

/// The client columns `--where` may name besides the deals' own.
const CLIENT_COLUMNS: [&str; 4] = ["segment", "industry", "region", "source"];

/// `--where EXPR`: keep the deals the SQL condition holds for, before any figure (SPEC §3
/// Filters). The condition may name the deals' columns and the client's segment, industry,
/// region and source; an unknown column is refused by name. Returns the note saying how many
/// deals were kept.
pub(crate) fn apply_where(tables: &mut Tables, text: &str) -> Result<Note> {
    let expr = polars::sql::sql_expr(text).map_err(|e| {
        Error::Usage(format!(
            "--where: cannot read the condition `{text}`: {}",
            crate::error::polars_text(&e)
        ))
    })?;
    let all: Vec<String> = tables
        .deals
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let mut known: Vec<String> = all
        .iter()
        .filter(|c| !c.starts_with("__"))
        .cloned()
        .collect();
    let mut lf = tables.deals.clone().lazy();
    if let Some(clients) = &tables.clients {
        let extra: Vec<&str> = CLIENT_COLUMNS
            .iter()
            .copied()
            .filter(|n| clients.column(n).is_ok() && !all.iter().any(|d| d == n))
            .collect();
        if !extra.is_empty() {
            let mut cols = vec![col(CLIENT_ID)];
            cols.extend(extra.iter().map(|n| col(*n)));
            lf = lf.join(
                clients.clone().lazy().select(cols),
                [col(CLIENT_ID)],
                [col(CLIENT_ID)],
                JoinArgs::new(JoinType::Left),
            );
            known.extend(extra.iter().map(|n| n.to_string()));
        }
    }
    let filtered = lf
        .filter(expr.fill_null(lit(false)))
        .select(all.iter().map(|c| col(c.as_str())).collect::<Vec<_>>());
    let explain = |e: PolarsError| -> Error {
        // polars names the column in its message (wrapped in the plan it failed in).
        let message = e.to_string();
        match message.split_once("unable to find column \"") {
            Some((_, rest)) => Error::Usage(format!(
                "--where: unknown column `{}`; the condition can name: {}",
                rest.split('"').next().unwrap_or(rest),
                known.join(", ")
            )),
            None => Error::Usage(format!(
                "--where `{text}`: {}",
                crate::error::polars_text(&e)
            )),
        }
    };
    let kept = filtered.collect().map_err(explain)?;
    let before = tables.deals.height();
    let n = kept.height();
    tables.deals = kept;
    Ok(Note::new(
        format!("--where `{text}`: {n} of {before} deals kept"),
        format!("--where `{text}`: оставлено сделок: {n} из {before}"),
    ))
}

/// The period asked for, or the last calendar month with data.
pub(crate) fn period(args: &PeriodArgs, tables: &Tables) -> Result<Period> {
    let (first, last) = data_span(tables)?;
    Period::resolve(
        args.period.as_deref(),
        args.from.as_deref(),
        args.to.as_deref(),
        first,
        last,
    )
}

/// The contacts the figures of a period read: every campaign touch (attribution looks
/// back before the period), and every contact or task that happened, was done or was due in
/// the period (activity, tasks, follow-up after an invoice, the first call after a
/// handoff), and those of the 30 days before it that tell a new lead from a returning one
/// (speed to lead).
pub(crate) fn contact_window(period: &Period) -> Expr {
    use crate::metrics::snapshot::in_period;
    col(CAMPAIGN_ID)
        .is_not_null()
        .or(in_period(coalesce(&[col("done_at"), col("at")]), period))
        .or(in_period(col("at"), &speed_to_lead_span(period)))
        .or(in_period(col("due_at"), period))
}

/// The period with the quiet days before it that tell a new lead (speed to lead).
fn speed_to_lead_span(period: &Period) -> Period {
    let start = chrono::DateTime::from_timestamp_millis(
        crate::metrics::speed_to_lead::contact_window_start_ms(period.start_ms()),
    )
    .map_or(period.start, |d| d.naive_utc());
    Period {
        start,
        ..period.clone()
    }
}

/// Earliest and latest moment in deals (created, closed) and stage history.
pub(crate) fn data_span(tables: &Tables) -> Result<(Option<NaiveDateTime>, Option<NaiveDateTime>)> {
    span_of(&tables.deals, tables.stage_history.as_ref())
}

fn span_of(
    deals: &DataFrame,
    history: Option<&DataFrame>,
) -> Result<(Option<NaiveDateTime>, Option<NaiveDateTime>)> {
    let mut moments: Vec<Column> = vec![
        deals.column("created_at").ctx("created_at")?.clone(),
        deals.column("closed_at").ctx("closed_at")?.clone(),
    ];
    if let Some(h) = history {
        moments.push(h.column("entered_at").ctx("entered_at")?.clone());
    }
    let (mut lo, mut hi) = (None::<i64>, None::<i64>);
    for c in moments {
        let phys = c.to_physical_repr();
        let values = phys.i64().ctx("dates")?;
        if let Some(m) = values.min() {
            lo = Some(lo.map_or(m, |l| l.min(m)));
        }
        if let Some(m) = values.max() {
            hi = Some(hi.map_or(m, |h| h.max(m)));
        }
    }
    let dt = |ms: Option<i64>| {
        ms.and_then(chrono::DateTime::from_timestamp_millis)
            .map(|d| d.naive_utc())
    };
    Ok((dt(lo), dt(hi)))
}

/// The crmstat.toml of a folder of canonical tables written by `import` or `convert`: the
/// same settings without profile, mappings or input decoding (the tables are canonical
/// now), the stage order the check settled on, and the currency the deals' own column
/// named. Written atomically under `heading` (comment lines); returns its path.
pub(crate) fn write_folder_config(
    out: &std::path::Path,
    mut config: crate::config::Config,
    loaded: &crate::validate::Loaded,
    heading: &str,
) -> Result<std::path::PathBuf> {
    config.profile = None;
    config.tables.clear();
    config.input = crate::config::InputConfig::default();
    config.datetime_formats.clear();
    config.funnel.stages = loaded.stages.order.clone();
    if let Some(c) = &loaded.report.currency {
        config.currency = c.clone();
    }
    let body = toml::to_string_pretty(&config)
        .map_err(|e| Error::Usage(format!("cannot write crmstat.toml: {e}")))?;
    let path = out.join(crate::config::FILE_NAME);
    output::write_atomic(&path, |w| {
        write!(w, "{heading}\n{body}").map_err(|e| Error::io(&path, "cannot write", e))
    })?;
    Ok(path)
}

/// Refuse an output folder that is the data folder or inside it: writing there would put
/// outputs over the inputs (or beside them, to be read as inputs next time).
pub(crate) fn refuse_inside(out: &std::path::Path, data: &std::path::Path) -> Result<()> {
    let absolute = |p: &std::path::Path| {
        std::path::absolute(p).map(|a| {
            // Resolve what exists (links), keep the rest as written.
            let mut base = a.clone();
            let mut rest = Vec::new();
            while !base.exists() {
                match (base.file_name().map(|n| n.to_os_string()), base.parent()) {
                    (Some(n), Some(parent)) => {
                        rest.push(n);
                        base = parent.to_path_buf();
                    }
                    _ => break,
                }
            }
            let mut resolved = base.canonicalize().unwrap_or(base);
            for n in rest.into_iter().rev() {
                resolved.push(n);
            }
            resolved
        })
    };
    if let (Ok(o), Ok(d)) = (absolute(out), absolute(data)) {
        if o.starts_with(&d) {
            return Err(Error::Usage(format!(
                "--out {} is {} the data folder {}: outputs would be written over or beside the inputs; choose a folder outside it",
                out.display(),
                if o == d { "" } else { "inside" },
                data.display()
            ).replace("is  the", "is the")));
        }
    }
    Ok(())
}

/// Make sure `--out` can be written before any heavy work.
pub(crate) fn prepare(out: &OutArgs, data: &crate::cli::DataArgs) -> Result<()> {
    match &out.out {
        Some(dir) => {
            refuse_inside(dir, &data.data)?;
            output::prepare_dir(dir)
        }
        None => Ok(()),
    }
}

/// Write results to `--out` (tables, rejects, charts) or print them as Markdown; notes in
/// `lang`.
pub(crate) fn emit(out: &OutArgs, mut results: Results, report: &Report, lang: Lang) -> Result<()> {
    let mut stderr = std::io::stderr().lock();
    for note in &results.notes {
        let _ = writeln!(stderr, "note: {}", note.text(lang));
    }
    match &out.out {
        None => {
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "# {}\n", results.heading);
            for note in &results.notes {
                let _ = writeln!(stdout, "> {}\n", note.text(lang));
            }
            output::print_markdown(&results.tables, &mut stdout)
        }
        Some(dir) => {
            results.tables.push(NamedTable::detail(
                "rejects",
                "Rejected rows",
                report.rejects_frame()?,
            ));
            let mut written = match out.format.into() {
                output::Format::Xlsx => {
                    let all: Vec<&NamedTable> = results.tables.iter().collect();
                    vec![output::write_book(dir, results.book, &all)?]
                }
                format => output::write_tables(dir, format, &mut results.tables)?,
            };
            written.extend(crate::chart::render_all(&results.charts, dir)?);
            let _ = writeln!(
                stderr,
                "{}: wrote {} files to {}",
                results.heading,
                written.len(),
                dir.display()
            );
            for path in written {
                let _ = writeln!(stderr, "  {}", path.display());
            }
            Ok(())
        }
    }
}
