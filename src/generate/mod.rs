//! `crmstat generate`: deterministic, realistic synthetic data for every table of the
//! contract: a six-stage Russian B2B funnel with skipped and re-entered stages, loss
//! reasons, managers of different skill and discount habits (some have left), campaigns
//! with costs and different results, repeat clients of whom some stop buying, overdue
//! tasks, and payments that lag wins, come in parts or are refunded.
//! The same `--deals` and `--seed` always give the same files.

pub mod dirty;
mod sim;
mod world;

use crate::schema::names::{CAMPAIGN_ID, CLIENT_ID, DEAL_ID, MANAGER_ID};
use std::path::Path;

use polars::prelude::*;
use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

pub use world::STAGES;

use crate::error::{PolarsContext, Result};
use crate::money;
use world::DAY;

/// First day deals are created: 2024-01-01.
const START_MS: i64 = 1_704_067_200_000;
/// The export moment: 2025-12-31 18:00. Nothing later is written.
const END_MS: i64 = 1_767_204_000_000;

/// The generated tables, in canonical form.
pub struct Generated {
    pub tables: Vec<(&'static str, DataFrame)>,
}

/// The tables in the order they are written.
pub const TABLES: [&str; 8] = [
    "managers",
    "campaigns",
    "clients",
    "deals",
    "stage_history",
    "contacts",
    "payments",
    "deal_changes",
];

/// Deals simulated between two writes of their rows (bounds memory for large companies).
const PART: usize = 50_000;

/// Generate `deals` deals from `seed`.
pub fn generate(deals: usize, seed: u64) -> Result<Generated> {
    generate_with_progress(deals, seed, &mut |_| {})
}

/// Generate in memory, calling `progress` with the number of deals done every part.
pub fn generate_with_progress(
    deals: usize,
    seed: u64,
    progress: &mut dyn FnMut(usize),
) -> Result<Generated> {
    let mut parts: Vec<Vec<DataFrame>> = vec![Vec::new(); TABLES.len()];
    simulate(deals, seed, &mut |tables, done| {
        for (k, (_, frame)) in tables.into_iter().enumerate() {
            parts[k].push(frame);
        }
        progress(done);
        Ok(())
    })?;
    let mut tables = Vec::with_capacity(TABLES.len());
    for (name, frames) in TABLES.iter().zip(parts) {
        let mut frames = frames.into_iter();
        let mut all = frames.next().unwrap_or_default();
        for f in frames {
            all.vstack_mut_owned(f).ctx("joining generated parts")?;
        }
        tables.push((*name, all));
    }
    Ok(Generated { tables })
}

/// Run the simulation, handing the rows to `sink` part by part (with the number of deals
/// done so far). The managers and campaigns come whole with the first part, empty after.
fn simulate(
    deals: usize,
    seed: u64,
    sink: &mut dyn FnMut(Vec<(&'static str, DataFrame)>, usize) -> Result<()>,
) -> Result<()> {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let managers = world::managers(&mut rng, (deals / 300).clamp(8, 2000), START_MS, END_MS);
    let campaigns = world::campaigns(&mut rng, (deals / 4000).clamp(8, 60), START_MS, END_MS);
    let mut sim = sim::Sim::new(rng, &managers, &campaigns, END_MS);
    // Deals are created evenly over the span, up to the export moment.
    let span = (END_MS - START_MS) as f64;
    let (mut contacts_so_far, mut payments_so_far) = (0usize, 0usize);
    let mut first = true;
    let mut i = 0;
    while first || i < deals {
        let upto = (i + PART).min(deals);
        for k in i..upto {
            let t = START_MS + (span * (k as f64 + 0.5) / deals.max(1) as f64) as i64;
            sim.deal(k, t);
        }
        i = upto;
        let b = sim.take();
        let (m, c) = if first {
            (managers_frame(&managers)?, campaigns_frame(&campaigns)?)
        } else {
            (
                managers_frame(&managers[..0])?,
                campaigns_frame(&campaigns[..0])?,
            )
        };
        let tables = vec![
            ("managers", m),
            ("campaigns", c),
            ("clients", clients_frame(&b.clients)?),
            ("deals", deals_frame(&b.deals)?),
            ("stage_history", history_frame(&b.history)?),
            ("contacts", contacts_frame(&b.contacts, contacts_so_far)?),
            ("payments", payments_frame(&b.payments, payments_so_far)?),
            ("deal_changes", changes_frame(&b.changes)?),
        ];
        contacts_so_far += b.contacts.client.len();
        payments_so_far += b.payments.deal.len();
        first = false;
        sink(tables, i)?;
    }
    Ok(())
}

fn datetime(name: &str, ms: impl IntoIterator<Item = Option<i64>>) -> Column {
    Int64Chunked::from_iter_options(name.into(), ms.into_iter())
        .into_datetime(TimeUnit::Milliseconds, None)
        .into_column()
}

fn date(name: &str, ms: impl IntoIterator<Item = Option<i64>>) -> Column {
    Int32Chunked::from_iter_options(
        name.into(),
        ms.into_iter()
            .map(|v| v.map(|ms| (ms.div_euclid(DAY)) as i32)),
    )
    .into_date()
    .into_column()
}

fn text<S: AsRef<str>>(name: &str, values: &[S]) -> Column {
    Column::new(
        name.into(),
        values.iter().map(|s| s.as_ref()).collect::<Vec<_>>(),
    )
}

fn opt_text(name: &str, values: &[Option<String>]) -> Column {
    Column::new(
        name.into(),
        values.iter().map(|s| s.as_deref()).collect::<Vec<_>>(),
    )
}

fn frame(columns: Vec<Column>) -> Result<DataFrame> {
    let height = columns.first().map_or(0, |c| c.len());
    DataFrame::new(height, columns).ctx("building generated table")
}

fn managers_frame(m: &[world::Manager]) -> Result<DataFrame> {
    frame(vec![
        text(
            MANAGER_ID,
            &m.iter().map(|x| x.id.clone()).collect::<Vec<_>>(),
        ),
        text(
            "name",
            &m.iter().map(|x| x.name.clone()).collect::<Vec<_>>(),
        ),
        text(
            "team",
            &m.iter().map(|x| x.team.clone()).collect::<Vec<_>>(),
        ),
        text("role", &m.iter().map(|x| x.role).collect::<Vec<_>>()),
        date("hired_on", m.iter().map(|x| Some(x.hired_on))),
        date("left_on", m.iter().map(|x| x.left_on)),
        // Lead managers (cold calls) pass deals on and carry no sales plan.
        money::column(
            "monthly_plan",
            m.iter().map(|x| (x.role != "lead").then_some(x.plan)),
        ),
    ])
}

fn campaigns_frame(c: &[world::Campaign]) -> Result<DataFrame> {
    frame(vec![
        text(
            CAMPAIGN_ID,
            &c.iter().map(|x| x.id.clone()).collect::<Vec<_>>(),
        ),
        text(
            "name",
            &c.iter().map(|x| x.name.clone()).collect::<Vec<_>>(),
        ),
        text("channel", &c.iter().map(|x| x.channel).collect::<Vec<_>>()),
        date("started_on", c.iter().map(|x| Some(x.start))),
        date("ended_on", c.iter().map(|x| Some(x.end))),
        money::column("cost", c.iter().map(|x| Some(x.cost))),
    ])
}

fn clients_frame(c: &sim::Clients) -> Result<DataFrame> {
    frame(vec![
        text(CLIENT_ID, &c.id),
        text("name", &c.name),
        text("segment", &c.segment),
        text("industry", &c.industry),
        text("region", &c.region),
        text("source", &c.source),
        opt_text(CAMPAIGN_ID, &c.campaign),
        text(MANAGER_ID, &c.manager),
        datetime("created_at", c.created.iter().map(|v| Some(*v))),
    ])
}

fn deals_frame(d: &sim::Deals) -> Result<DataFrame> {
    frame(vec![
        text(DEAL_ID, &d.id),
        text(CLIENT_ID, &d.client),
        text(MANAGER_ID, &d.manager),
        opt_text(CAMPAIGN_ID, &d.campaign),
        datetime("created_at", d.created.iter().map(|v| Some(*v))),
        datetime("closed_at", d.closed.iter().copied()),
        text("status", &d.status),
        text("stage", &d.stage),
        money::column("amount", d.amount.iter().copied()),
        Column::new("loss_reason".into(), d.reason.clone()),
        Column::new("discount_pct".into(), d.discount.clone()),
        datetime("expected_close_at", d.expected_close.iter().copied()),
        Column::new("probability".into(), d.probability.clone()),
    ])
}

fn history_frame(h: &sim::History) -> Result<DataFrame> {
    frame(vec![
        text(DEAL_ID, &h.deal),
        text("stage", &h.stage),
        datetime("entered_at", h.at.iter().map(|v| Some(*v))),
        text(MANAGER_ID, &h.manager),
    ])
}

fn contacts_frame(c: &sim::Contacts, before: usize) -> Result<DataFrame> {
    let ids: Vec<String> = (1..=c.client.len())
        .map(|i| format!("T{:08}", before + i))
        .collect();
    frame(vec![
        text("contact_id", &ids),
        text(CLIENT_ID, &c.client),
        text(MANAGER_ID, &c.manager),
        text(DEAL_ID, &c.deal),
        opt_text(CAMPAIGN_ID, &c.campaign),
        datetime("at", c.at.iter().map(|v| Some(*v))),
        text("channel", &c.channel),
        text("kind", &c.kind),
        text("direction", &c.direction),
        datetime("due_at", c.due.iter().copied()),
        datetime("done_at", c.done.iter().copied()),
        text("outcome", &c.outcome),
    ])
}

fn changes_frame(c: &sim::Changes) -> Result<DataFrame> {
    frame(vec![
        text(DEAL_ID, &c.deal),
        datetime("changed_at", c.at.iter().map(|v| Some(*v))),
        text("field", &c.field),
        Column::new("old_value".into(), c.old.clone()),
        Column::new("new_value".into(), c.new.clone()),
    ])
}

fn payments_frame(p: &sim::Payments, before: usize) -> Result<DataFrame> {
    let ids: Vec<String> = (1..=p.deal.len())
        .map(|i| format!("P{:07}", before + i))
        .collect();
    frame(vec![
        text("payment_id", &ids),
        text(DEAL_ID, &p.deal),
        datetime("paid_at", p.at.iter().map(|v| Some(*v))),
        money::column("amount", p.amount.iter().map(|v| Some(*v))),
    ])
}

/// The crmstat.toml written beside generated data.
pub fn config_text() -> String {
    let stages = STAGES
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "# Written by `crmstat generate`: the funnel of the generated company.\n\
         [funnel]\n\
         stages = [{stages}]\n\
         invoice_stage = \"{}\"\n\
         followup_days = 2.0\n\
         \n\
         # Commission (crmstat payroll): 3% of what the manager's deals were paid in the\n\
         # month, 5% of the part above 1 000 000, 7% above 3 000 000; M0001 is on a\n\
         # retroactive plan (6% of everything once 2 000 000 is reached).\n\
         [payroll]\n\
         basis = \"paid\"\n\
         rounding = \"half-up\"\n\
         after_leaving = \"withhold\"\n\
         scheme = \"sales\"\n\
         \n\
         [payroll.schemes.sales]\n\
         type = \"marginal\"\n\
         tiers = [{{ from = 0, percent = 3 }}, {{ from = 1000000, percent = 5 }}, {{ from = 3000000, percent = 7 }}]\n\
         \n\
         [payroll.schemes.senior]\n\
         type = \"retroactive\"\n\
         tiers = [{{ from = 0, percent = 4 }}, {{ from = 2000000, percent = 6 }}]\n\
         \n\
         [payroll.managers]\n\
         M0001 = \"senior\"\n",
        STAGES[world::INVOICE]
    )
}

/// Write every table (and crmstat.toml) into `dir` in the given format.
pub fn write(
    generated: &mut Generated,
    dir: &Path,
    format: crate::output::Format,
) -> Result<Vec<std::path::PathBuf>> {
    crate::output::prepare_dir(dir)?;
    let mut files = Files::create(dir, format)?;
    let tables = std::mem::take(&mut generated.tables);
    files.write_part(tables)?;
    files.finish(dir)
}

/// Simulate and write straight to files part by part, so memory stays bounded whatever
/// the size. Returns the files written and the rows of each table.
/// The files written and the rows of each table.
pub type Written = (Vec<std::path::PathBuf>, Vec<(&'static str, usize)>);

pub fn write_files(
    deals: usize,
    seed: u64,
    dir: &Path,
    format: crate::output::Format,
    progress: &mut dyn FnMut(usize),
) -> Result<Written> {
    crate::output::prepare_dir(dir)?;
    let mut files = Files::create(dir, format)?;
    simulate(deals, seed, &mut |tables, done| {
        files.write_part(tables)?;
        progress(done);
        Ok(())
    })?;
    let rows = TABLES.iter().copied().zip(files.rows.clone()).collect();
    Ok((files.finish(dir)?, rows))
}

/// The open table files of a generation run (written under a temporary name, moved into
/// place at the end).
struct Files {
    format: crate::output::Format,
    open: Vec<(std::path::PathBuf, TableFile)>,
    rows: Vec<usize>,
}

enum TableFile {
    /// CSV as exporters write it: every text and date value quoted, numbers bare.
    Csv {
        out: std::io::BufWriter<std::fs::File>,
        header_written: bool,
    },
    Parquet(Option<Box<polars::io::parquet::write::BatchedWriter<std::fs::File>>>),
}

impl Files {
    fn create(dir: &Path, format: crate::output::Format) -> Result<Files> {
        use crate::output::Format;
        let ext = match format {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
            _ => {
                return Err(crate::Error::Usage(
                    "generate writes csv or parquet (the formats crmstat reads)".into(),
                ));
            }
        };
        let mut open = Vec::new();
        for name in TABLES {
            let path = dir.join(format!("{name}.{ext}.tmp"));
            let file = std::fs::File::create(&path)
                .map_err(|e| crate::Error::io(&path, "cannot create", e))?;
            let table = match format {
                Format::Csv => TableFile::Csv {
                    out: std::io::BufWriter::with_capacity(1 << 20, file),
                    header_written: false,
                },
                _ => {
                    drop(file);
                    TableFile::Parquet(None)
                }
            };
            open.push((path, table));
        }
        Ok(Files {
            format,
            open,
            rows: vec![0; TABLES.len()],
        })
    }

    fn write_part(&mut self, tables: Vec<(&'static str, DataFrame)>) -> Result<()> {
        for (k, (name, mut frame)) in tables.into_iter().enumerate() {
            let (path, table) = &mut self.open[k];
            self.rows[k] += frame.height();
            match table {
                TableFile::Csv {
                    out,
                    header_written,
                } => {
                    CsvWriter::new(&mut *out)
                        .include_header(!*header_written)
                        .with_quote_style(QuoteStyle::NonNumeric)
                        .with_datetime_format(Some("%Y-%m-%d %H:%M:%S".into()))
                        .finish(&mut frame)
                        .ctx(format!("writing {name}"))?;
                    *header_written = true;
                }
                TableFile::Parquet(writer) => {
                    if writer.is_none() {
                        let file = std::fs::File::create(&*path)
                            .map_err(|e| crate::Error::io(&*path, "cannot create", e))?;
                        *writer = Some(Box::new(
                            ParquetWriter::new(file)
                                .batched(frame.schema())
                                .ctx(format!("writing {name}"))?,
                        ));
                    }
                    if let Some(w) = writer {
                        w.write_batch(&frame).ctx(format!("writing {name}"))?;
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(self, dir: &Path) -> Result<Vec<std::path::PathBuf>> {
        let mut written = Vec::new();
        for (tmp, table) in self.open {
            match table {
                TableFile::Csv { mut out, .. } => {
                    use std::io::Write;
                    out.flush()
                        .map_err(|e| crate::Error::io(&tmp, "cannot write", e))?;
                }
                TableFile::Parquet(Some(w)) => {
                    w.finish().ctx(tmp.display().to_string())?;
                }
                TableFile::Parquet(None) => {}
            }
            let path = tmp.with_extension("");
            std::fs::rename(&tmp, &path)
                .map_err(|e| crate::Error::io(&path, "cannot move into place", e))?;
            written.push(path);
        }
        let _ = self.format;
        let config = dir.join(crate::config::FILE_NAME);
        crate::output::write_atomic(&config, |out| {
            out.write_all(config_text().as_bytes())
                .map_err(|e| crate::Error::io(&config, "cannot write", e))
        })?;
        written.push(config);
        Ok(written)
    }
}
