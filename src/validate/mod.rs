//! Validation (SPEC §5): every table of a data folder streamed through its checks, typed,
//! and split into good rows and rejects. Every problem is reported as
//! `file:line: column: what is wrong (value)` and counted; nothing is dropped quietly.
//!
//! Tables are checked in the order of [`schema::ALL`] (a table after those it refers to),
//! each in one streaming pass over its file ([`pass`]): memory holds the rows a command
//! needs ([`Demand`]), the ids other tables refer to and the problems, never a whole file.

mod checks;
mod convert;
mod keys;
mod pass;
mod problems;
mod report;

use crate::schema::names::{DEAL_ID, MANAGER_ID};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use polars::prelude::*;

pub use convert::dtype_of;
pub use report::{Problem, Report, TableCount};

use crate::config::Config;
use crate::error::{Error, PolarsContext, Result};
use crate::i18n::Note;
use crate::input::scan::TableSource;
use crate::input::{self, RawTable};
use crate::schema::{self, TableSpec};
use crate::stages::Stages;
use crate::tables::Tables;

/// A data folder after validation: the good rows, typed, and the report.
pub struct Loaded {
    pub tables: Tables,
    pub stages: Stages,
    pub report: Report,
}

/// Which contacts a command needs, given the validated deals and stage history (from
/// which it resolves its period): a condition on the typed contact columns.
pub type ContactWindow =
    Arc<dyn Fn(&DataFrame, Option<&DataFrame>) -> Result<Option<Expr>> + Send + Sync>;

/// What a command needs of the tables. Every row is checked and counted whatever it asks.
#[derive(Clone)]
pub struct Demand {
    /// Keep the rows (`validate` only reports).
    pub rows: bool,
    /// Keep the export's extra columns (SQL queries, conversion).
    pub extras: bool,
    /// Keep only the contacts in the command's windows.
    pub contacts: Option<ContactWindow>,
    /// Write every table's rows to `<table>.parquet.tmp` in this folder as they are checked,
    /// instead of keeping them (the tables of the result are then empty).
    pub parquet_into: Option<std::path::PathBuf>,
    /// Tables the command's figures do not read: not read at all (a note says so, and
    /// `crmstat validate` still checks them).
    pub skip: &'static [&'static str],
    /// Leave out of Parquet and Arrow files the columns no figure reads
    /// ([`schema::UNREAD`]: the subject and outcome of 10M contacts).
    pub leave_unread: bool,
    /// Told which file is being read and checked, as each table starts (a progress bar).
    pub progress: Option<Progress>,
}

/// Told `reading and checking contacts.csv (table 6 of 8)` as each table starts.
pub type Progress = Arc<dyn Fn(&str) + Send + Sync>;

impl Demand {
    /// Every row and column.
    pub fn everything() -> Demand {
        Demand {
            rows: true,
            extras: true,
            contacts: None,
            parquet_into: None,
            skip: &[],
            leave_unread: false,
            progress: None,
        }
    }

    /// The canonical columns of every row that the figures read.
    pub fn figures() -> Demand {
        Demand {
            extras: false,
            leave_unread: true,
            ..Demand::everything()
        }
    }

    /// Nothing kept: the checks and counts only.
    pub fn report_only() -> Demand {
        Demand {
            rows: false,
            extras: false,
            contacts: None,
            parquet_into: None,
            skip: &[],
            leave_unread: false,
            progress: None,
        }
    }
}

/// Read and validate every table in `dir`, keeping everything.
pub fn load(dir: &Path, config: &Config) -> Result<Loaded> {
    load_with(dir, config, &Demand::everything())
}

/// Read and validate every table in `dir`, keeping what `demand` asks for.
pub fn load_with(dir: &Path, config: &Config, demand: &Demand) -> Result<Loaded> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{}: no such data folder; pass --data DIR with the exported tables",
            dir.display()
        )));
    }
    if config.profile.is_some() {
        let imported = crate::import::read(dir, config)?;
        let mut config = config.clone();
        config.funnel = imported.funnel;
        let sources = imported
            .tables
            .into_iter()
            .map(TableSource::from_raw)
            .collect();
        let mut loaded = check(sources, &config, demand)?;
        loaded
            .report
            .notes
            .extend(imported.mapping.notes.into_iter().map(Note::plain));
        return Ok(loaded);
    }
    let mut sources = Vec::new();
    for spec in schema::ALL {
        if let Some(path) = input::locate(dir, spec, config)? {
            sources.push(TableSource::open(&path, spec, config)?);
        }
    }
    if !sources.iter().any(|r| r.spec.name == "deals") {
        return Err(Error::BadFile {
            file: dir.join("deals.csv").display().to_string(),
            problem: "no deals table in the data folder (deals is the one required table)".into(),
            fix: "add deals.csv (or .parquet/.arrow/.xlsx), or name the file with [tables.deals] file = \"…\"".into(),
        });
    }
    check(sources, config, demand)
}

/// Validate tables already read (built by an import profile), keeping everything.
pub fn load_raw(raws: Vec<RawTable>, config: &Config) -> Result<Loaded> {
    let sources = raws.into_iter().map(TableSource::from_raw).collect();
    check(sources, config, &Demand::everything())
}

fn rules(spec: &TableSpec, config: &Config) -> convert::Rules {
    convert::Rules {
        formats: Arc::new(config.datetime_formats.clone()),
        zero_missing: config.table(spec.name).zero_amount_is_missing,
        years: (config.input.years[0], config.input.years[1]),
        currency: config
            .currency_set
            .then(|| convert::currency_code(&config.currency)),
        default_manager: config.import.default_manager.clone(),
    }
}

/// The stage entries of the history rows that parse, for inferring the stage order.
fn history_entries(source: &TableSource, config: &Config) -> Result<Vec<(String, i64, String)>> {
    let rules = rules(source.spec, config);
    let mut lf = source.scan()?;
    let schema = lf
        .collect_schema()
        .ctx(format!("{}: reading", source.file))?;
    let mut ok = lit(true);
    if let Some(flag) = source.repeated_header() {
        ok = ok.and(flag.not());
    }
    if source.trailing {
        ok = ok.and(
            col(crate::input::csv::TRAILING)
                .str()
                .strip_chars(lit(NULL))
                .fill_null(lit(""))
                .eq(lit("")),
        );
    }
    let mut typed = Vec::new();
    for name in [DEAL_ID, "stage", "entered_at"] {
        let def = source
            .spec
            .column(name)
            .ok_or_else(|| Error::Usage(name.into()))?;
        let from = schema.get(name).cloned().unwrap_or(DataType::String);
        let e = convert::typed(def, &from, &rules);
        ok = ok.and(e.clone().is_not_null());
        typed.push(e.alias(name));
    }
    let frame = lf
        .filter(ok)
        .select(typed)
        .collect()
        .map_err(|e| Error::BadFile {
            file: source.file.clone(),
            problem: format!("cannot be read: {}", crate::error::polars_text(&e)),
            fix: "check the delimiter and quoting, or set [input] delimiter in crmstat.toml".into(),
        })?;
    let deals = frame
        .column(DEAL_ID)
        .ctx(DEAL_ID)?
        .str()
        .ctx(DEAL_ID)?
        .clone();
    let stages = frame
        .column("stage")
        .ctx("stage")?
        .str()
        .ctx("stage")?
        .clone();
    let at = frame
        .column("entered_at")
        .ctx("entered_at")?
        .to_physical_repr();
    let at = at.i64().ctx("entered_at")?;
    Ok(deals
        .iter()
        .zip(stages.iter())
        .zip(at.iter())
        .filter_map(|((d, s), t)| Some((d?.to_string(), t?, s?.to_string())))
        .collect())
}

/// The joined file's own account: its rows left out (a repeated or missing key, a key the
/// main table does not have), each at its line, and its rows read = used + left out.
fn joined_report(
    report: &mut Report,
    spec: &'static TableSpec,
    j: &crate::input::scan::Joined,
    keys: Option<&keys::KeySet>,
) {
    let mut problems: Vec<(u64, String, String, String)> = j.problems.clone();
    if let Some(k) = keys {
        for (id, line) in &j.keys {
            if !k.used.contains(id) && !k.rejected.contains(id) {
                problems.push((
                    *line,
                    j.key.clone(),
                    id.clone(),
                    format!("no {} {id} in {}: the row joins nothing", j.key, spec.name),
                ));
            }
        }
    }
    problems.sort();
    let rejected = problems.len();
    report
        .problems
        .extend(
            problems
                .into_iter()
                .map(|(line, column, value, reason)| report::Problem {
                    table: spec.name,
                    file: j.file.clone(),
                    line,
                    column,
                    value,
                    reason,
                    rejects_row: true,
                }),
        );
    report.counts.push(report::TableCount {
        table: spec.name,
        file: format!("{} (joined)", j.file),
        read: j.read,
        used: j.read - rejected,
        rejected,
    });
}

/// The notes on the tables the folder lacks and on those this command leaves unread (taken
/// out of `sources`).
fn absent_and_skipped(
    sources: &mut BTreeMap<&'static str, TableSource>,
    demand: &Demand,
    report: &mut Report,
) {
    // Plans and deal changes are extras few exports have: pacing and the pipeline say
    // themselves what they did without them.
    let absent: Vec<&str> = schema::ALL
        .iter()
        .map(|t| t.name)
        .filter(|t| !sources.contains_key(t) && !matches!(*t, "plans" | "deal_changes"))
        .collect();
    if !absent.is_empty() {
        let absent = absent.join(", ");
        report.notes.push(Note::new(
            format!("not in the data folder: {absent} (figures that need them say so)"),
            format!("в папке с данными нет таблиц: {absent} (разделы, которым они нужны, говорят об этом)"),
        ));
    }
    for name in demand.skip {
        if let Some(s) = sources.remove(name) {
            report.notes.push(Note::plain(format!(
                "{}: not read, as this command's figures do not use {name} (`crmstat validate` checks it; --strict reads it)",
                s.file
            )));
        }
    }
}

/// One table's check in the report: its problems with their lines, its row count, the
/// values it took from defaults, the deals' currency, rejected ids and filled owners, and
/// a joined file's own count.
fn table_report(
    report: &mut Report,
    spec: &'static TableSpec,
    checked: &mut pass::Checked,
    source: &TableSource,
    config: &Config,
) {
    let (problems, notes) = pass::located(checked, source);
    report.problems.extend(problems);
    report.notes.extend(notes.into_iter().map(Note::plain));
    report.counts.push(checked.count.clone());
    let defaults = config.table(spec.name).defaults;
    for (column, n) in &checked.defaults_filled {
        report.notes.push(Note::plain(format!(
            "{}.{column}: {n} values from the default ({:?}, [tables.{}.defaults])",
            spec.name,
            defaults.get(column).cloned().unwrap_or_default(),
            spec.name
        )));
    }
    if spec.name == "deals" {
        report.currency = checked.currency.take();
        if let Some(k) = checked.keys.as_ref() {
            report.rejected_deals = k.rejected.ids().map(str::to_string).collect();
        }
        if checked.owners_filled > 0 {
            let (n, under) = (checked.owners_filled, &config.import.default_manager);
            report.notes.push(Note::new(
                    format!(
                        "{n} open deals have no owner in the export: they count for the company, and under `{under}` \
                         per manager ([import] default_manager)"
                    ),
                    format!(
                        "открытых сделок без ответственного в выгрузке: {n}; они учтены в цифрах компании, а по \
                         менеджерам — под `{under}` ([import] default_manager)"
                    ),
                ));
        }
    }
    if let Some(j) = &source.joined {
        joined_report(report, spec, j, checked.keys.as_ref());
    }
}

/// Check every table, in dependency order.
fn check(sources: Vec<TableSource>, config: &Config, demand: &Demand) -> Result<Loaded> {
    let mut sources: BTreeMap<&'static str, TableSource> =
        sources.into_iter().map(|s| (s.spec.name, s)).collect();
    if !sources.contains_key("deals") {
        return Err(Error::Usage("no deals table".into()));
    }
    let mut report = Report::default();
    let history = match sources.get("stage_history") {
        Some(h) if config.funnel.stages.is_empty() => {
            Some(checks::history_sequence(history_entries(h, config)?))
        }
        _ => None,
    };
    let stages = Stages::resolve(&config.funnel, history.as_deref());
    report.notes.extend(checks::stage_notes(&stages));
    absent_and_skipped(&mut sources, demand, &mut report);
    if demand.leave_unread {
        for s in sources.values_mut() {
            s.leave_out_unread();
        }
    }
    let shared_stages = Arc::new(stages.clone());
    let mut keys: BTreeMap<&'static str, Arc<keys::KeySet>> = BTreeMap::new();
    let mut frames: BTreeMap<&'static str, DataFrame> = BTreeMap::new();
    let mut contact_managers = None;
    let tables = sources.len();
    for spec in schema::ALL {
        let Some(source) = sources.remove(spec.name) else {
            continue;
        };
        if let Some(tell) = &demand.progress {
            let number = tables - sources.len();
            tell(&format!(
                "reading and checking {} (table {number} of {tables})",
                source.file
            ));
        }
        let targets = schema::REFERENCES
            .iter()
            .filter(|r| r.table == spec.name)
            .filter_map(|r| keys.get(r.target).map(|k| (r, k.clone())))
            .collect();
        let window = match (&demand.contacts, spec.name) {
            (Some(w), "contacts") if demand.rows => {
                let deals = frames.get("deals").ok_or_else(|| {
                    Error::Usage("the deals table is needed before contacts".into())
                })?;
                w(deals, frames.get("stage_history"))?
            }
            _ => None,
        };
        let windowed = window.is_some();
        let setup = pass::Setup {
            rules: rules(spec, config),
            stages: shared_stages.clone(),
            targets,
            keep_rows: demand.rows,
            keep_extras: demand.extras,
            write_to: demand
                .parquet_into
                .as_ref()
                .map(|d| d.join(format!("{}.parquet.tmp", spec.name))),
            window,
            manager_ids: windowed && !frames.contains_key("managers"),
            leave_checked_only: demand.leave_unread,
        };
        let started = std::time::Instant::now();
        let mut checked = pass::run(&source, setup)?;
        trace(spec.name, started);
        table_report(&mut report, spec, &mut checked, &source, config);
        if let Some(k) = checked.keys.take() {
            keys.insert(spec.name, Arc::new(k));
        }
        if let Some(ids) = checked.manager_ids.take() {
            let ids: Vec<&str> = ids.ids().collect();
            contact_managers = Some(Series::new(MANAGER_ID.into(), ids));
        }
        frames.insert(spec.name, checked.frame);
    }
    let mut tables = Tables::from_frames(frames)?;
    tables.contact_managers = contact_managers;
    Ok(Loaded {
        tables,
        stages,
        report,
    })
}

/// With `CRMSTAT_TRACE` set, each step's time and the peak memory so far go to stderr (for
/// profiling at volume).
pub fn trace(step: &str, started: std::time::Instant) {
    if std::env::var_os("CRMSTAT_TRACE").is_none() {
        return;
    }
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .filter(|l| {
                    ["VmHWM:", "RssAnon:", "RssFile:"]
                        .iter()
                        .any(|k| l.starts_with(k))
                })
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .reduce(|a, b| format!("{a}, {b}"))
        })
        .unwrap_or_default();
    crate::say!(
        "trace: {step}: {:.2} s (peak {peak})",
        started.elapsed().as_secs_f64()
    );
}
