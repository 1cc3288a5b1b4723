//! The figures of `crmstat campaigns`: the tables, charts and notes the command writes and
//! the report reuses (see [`super`]).

use crate::chart::Chart;
use crate::config::{Attribution, Config, CostRule};
use crate::error::Result;
use crate::i18n::Note;
use crate::metrics::{campaigns, clv, snapshot::Snapshot};
use crate::output::NamedTable;
use crate::validate::Loaded;

/// The campaign table and charts for a snapshot.
pub fn results(
    snap: &Snapshot,
    loaded: &Loaded,
    config: &Config,
    how: Attribution,
    clv: &clv::Clv,
    speed_to_lead: bool,
) -> Result<super::Results> {
    let c = campaigns::campaigns(
        &loaded.tables,
        snap,
        how,
        &config.campaigns,
        Some(&clv.by_client),
    )?;
    let mut notes = vec![method_note(how, config.campaigns.cost)];
    if loaded.tables.campaigns.is_none() {
        notes.push(Note::new(
            "no campaigns table: names and costs are unknown, ROMI left empty",
            "нет таблицы campaigns: названия и расходы кампаний неизвестны, ROMI не посчитан",
        ));
    }
    notes.extend(c.notes);
    // A chart with nothing to show (no deals; no campaign with spend and a ROMI) is left out.
    let charts = [
        Chart::campaign_conversion(&c.campaigns, &snap.period.label, config.lang)?,
        Chart::campaign_romi(
            &c.campaigns,
            &snap.period.label,
            &config.currency,
            config.lang,
        )?,
    ]
    .into_iter()
    .filter(|c| !c.is_empty())
    .collect();
    let mut tables = vec![NamedTable::new(
        "campaigns",
        "Campaigns: leads, conversion with its 95% interval, money and cost",
        c.campaigns,
    )];
    // Speed to lead per campaign (and the company), as in `crmstat managers`.
    // (The report has the whole table in its managers section.)
    let stl = match speed_to_lead {
        true => crate::metrics::speed_to_lead::speed_to_lead(&loaded.tables, snap)?,
        false => None,
    };
    if let Some(s) = stl {
        use crate::error::PolarsContext;
        use polars::prelude::*;
        let rows = s
            .table
            .lazy()
            .filter(
                col("level")
                    .eq(lit("campaign"))
                    .or(col("level").eq(lit("company"))),
            )
            .collect()
            .ctx("speed to lead per campaign")?;
        tables.push(NamedTable::new(
            "speed_to_lead",
            "Speed to lead per campaign: hours to the first outbound contact after a new lead",
            rows,
        ));
    }
    Ok(super::Results {
        book: "campaigns",
        heading: super::heading("Campaigns", &snap.period, ""),
        tables,
        charts,
        notes: [snap.notes.clone(), notes].concat(),
    })
}

/// How the table counts: the cohort, the attribution and the cost rule, and the test.
fn method_note(how: Attribution, cost: CostRule) -> Note {
    let (how_en, how_ru) = match how {
        Attribution::First => (
            "first touch: the deal's campaign, else the client's",
            "по первому касанию: кампания сделки, иначе клиента",
        ),
        Attribution::Last => (
            "last touch: the latest campaign touch up to the close",
            "по последнему касанию до закрытия",
        ),
        Attribution::Linear => (
            "linear: every campaign touch up to the close gets an equal share",
            "линейная: каждое касание до закрытия получает равную долю",
        ),
    };
    let (cost_en, cost_ru) = match cost {
        CostRule::Spread => (
            "cost spread evenly over each campaign's days",
            "расходы распределены равномерно по дням кампании",
        ),
        CostRule::Start => (
            "each campaign's whole cost in the period it started",
            "все расходы кампании — в периоде её начала",
        ),
    };
    Note::new(
        format!(
            "deals created in the period, followed to its end; attribution {how_en}; {cost_en}. \
             p_value: two-proportion z-test against all other deals; significant at 5%"
        ),
        format!(
            "сделки, созданные в периоде, прослежены до его конца; атрибуция {how_ru}; {cost_ru}. \
             p_value: z-тест двух долей против всех остальных сделок; значимо при 5 %"
        ),
    )
}
