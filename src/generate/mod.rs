//! `crmstat generate`: deterministic, realistic synthetic data for every table of the
//! contract: a six-stage Russian B2B funnel with skipped and re-entered stages, loss
//! reasons, managers of different skill and discount habits (some have left), campaigns
//! with costs and different results, repeat clients of whom some stop buying, overdue
//! tasks, and payments that lag wins, come in parts or are refunded.
//! The same `--deals` and `--seed` always give the same files.

mod sim;
mod world;

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

/// Generate `deals` deals from `seed`.
pub fn generate(deals: usize, seed: u64) -> Result<Generated> {
    generate_with_progress(deals, seed, &mut |_| {})
}

/// Generate, calling `progress` with the number of deals done every 10,000 deals.
pub fn generate_with_progress(
    deals: usize,
    seed: u64,
    progress: &mut dyn FnMut(usize),
) -> Result<Generated> {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let managers = world::managers(&mut rng, (deals / 300).clamp(8, 2000), START_MS, END_MS);
    let campaigns = world::campaigns(&mut rng, (deals / 4000).clamp(8, 60), START_MS, END_MS);
    let mut sim = sim::Sim::new(rng, &managers, &campaigns, END_MS);
    // Deals are created evenly over the span, up to the export moment.
    let span = (END_MS - START_MS) as f64;
    for i in 0..deals {
        let t = START_MS + (span * (i as f64 + 0.5) / deals.max(1) as f64) as i64;
        sim.deal(i, t);
        if i % 10_000 == 9_999 {
            progress(i + 1);
        }
    }
    let b = sim.out;
    let tables = vec![
        ("managers", managers_frame(&managers)?),
        ("campaigns", campaigns_frame(&campaigns)?),
        ("clients", clients_frame(&b.clients)?),
        ("deals", deals_frame(&b.deals)?),
        ("stage_history", history_frame(&b.history)?),
        ("contacts", contacts_frame(&b.contacts)?),
        ("payments", payments_frame(&b.payments)?),
    ];
    Ok(Generated { tables })
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
            "manager_id",
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
            "campaign_id",
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
        text("client_id", &c.id),
        text("name", &c.name),
        text("segment", &c.segment),
        text("industry", &c.industry),
        text("region", &c.region),
        text("source", &c.source),
        opt_text("campaign_id", &c.campaign),
        text("manager_id", &c.manager),
        datetime("created_at", c.created.iter().map(|v| Some(*v))),
    ])
}

fn deals_frame(d: &sim::Deals) -> Result<DataFrame> {
    frame(vec![
        text("deal_id", &d.id),
        text("client_id", &d.client),
        text("manager_id", &d.manager),
        opt_text("campaign_id", &d.campaign),
        datetime("created_at", d.created.iter().map(|v| Some(*v))),
        datetime("closed_at", d.closed.iter().copied()),
        text("status", &d.status),
        text("stage", &d.stage),
        money::column("amount", d.amount.iter().copied()),
        Column::new("loss_reason".into(), d.reason.clone()),
        Column::new("discount_pct".into(), d.discount.clone()),
    ])
}

fn history_frame(h: &sim::History) -> Result<DataFrame> {
    frame(vec![
        text("deal_id", &h.deal),
        text("stage", &h.stage),
        datetime("entered_at", h.at.iter().map(|v| Some(*v))),
        text("manager_id", &h.manager),
    ])
}

fn contacts_frame(c: &sim::Contacts) -> Result<DataFrame> {
    let ids: Vec<String> = (1..=c.client.len()).map(|i| format!("T{i:08}")).collect();
    frame(vec![
        text("contact_id", &ids),
        text("client_id", &c.client),
        text("manager_id", &c.manager),
        text("deal_id", &c.deal),
        opt_text("campaign_id", &c.campaign),
        datetime("at", c.at.iter().map(|v| Some(*v))),
        text("channel", &c.channel),
        text("kind", &c.kind),
        text("direction", &c.direction),
        datetime("due_at", c.due.iter().copied()),
        datetime("done_at", c.done.iter().copied()),
        text("outcome", &c.outcome),
    ])
}

fn payments_frame(p: &sim::Payments) -> Result<DataFrame> {
    let ids: Vec<String> = (1..=p.deal.len()).map(|i| format!("P{i:07}")).collect();
    frame(vec![
        text("payment_id", &ids),
        text("deal_id", &p.deal),
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
    let mut tables: Vec<crate::output::NamedTable> = generated
        .tables
        .drain(..)
        .map(|(name, frame)| crate::output::NamedTable::new(name, name, frame))
        .collect();
    let mut written = crate::output::write_tables(dir, format, &mut tables)?;
    let config = dir.join(crate::config::FILE_NAME);
    crate::output::write_atomic(&config, |out| {
        out.write_all(config_text().as_bytes())
            .map_err(|e| crate::Error::io(&config, "cannot write", e))
    })?;
    written.push(config);
    Ok(written)
}
