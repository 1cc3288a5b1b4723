//! The figures of `crmstat payroll`: the tables, charts and notes the command writes and
//! the report reuses (see [`super`]).

use crate::config::{Basis, Config, Rounding};
use crate::error::{PolarsContext, Result};
use crate::i18n::Note;
use crate::metrics::managers::{self, ManagerGroup};
use crate::metrics::{payroll, snapshot::Snapshot};
use crate::money;
use crate::output::NamedTable;
use crate::schema::names::MANAGER_ID;
use crate::validate::Loaded;

/// The payroll tables for a snapshot.
pub fn results(snap: &Snapshot, loaded: &Loaded, config: &Config) -> Result<super::Results> {
    refuse_unknown_overrides(loaded, config)?;
    let roster = managers::roster(&loaded.tables, &snap.period)?;
    let p = payroll::payroll(&loaded.tables, snap, &roster, &config.payroll)?;
    // The KPIs sheet beside the money: the same period, the same roster.
    let (kpis, _) = super::managers::kpis(snap, loaded, config, ManagerGroup::Manager)?;

    let total: i128 = money::minor_units(p.summary.column("commission").ctx("commission")?)?
        .into_iter()
        .flatten()
        .sum();
    let (basis, basis_ru) = match config.payroll.basis {
        Basis::Paid => (
            "payments dated in the period on the manager's deals, refunds deducted",
            "платежи периода по сделкам менеджера за вычетом возвратов",
        ),
        Basis::Won => (
            "amounts of deals won in the period, refunds in the period deducted",
            "суммы сделок, выигранных в периоде, за вычетом возвратов периода",
        ),
    };
    let (rounding, rounding_ru) = match config.payroll.rounding {
        Rounding::HalfUp => ("half-up", "половина вверх"),
        Rounding::HalfEven => ("half-even (banker's)", "к чётному (банковское)"),
    };
    let (unit, unit_ru) = if config.currency == "RUB" {
        ("kopeck", "копейки")
    } else {
        ("cent", "цента")
    };
    let total = format!(
        "{} {}",
        money::format_decimal(total, money::SCALE),
        config.currency
    );
    let mut notes = vec![Note::new(
        format!(
            "basis: {basis}; commission rounded once per manager to the {unit} ({rounding}); lines sum to it exactly. \
             Total commission {total}"
        ),
        format!(
            "база: {basis_ru}; комиссия округляется один раз на менеджера до {unit_ru} ({rounding_ru}); строки \
             в сумме дают её точно. Всего комиссия {total}"
        ),
    )];
    if config.payroll.schemes == crate::config::PayrollConfig::default().schemes {
        notes.push(Note::new(
            "no commission scheme in crmstat.toml: the built-in default (flat 5%) was used; \
             define [payroll.schemes.NAME] (see README, \"Payroll\")",
            "в crmstat.toml нет схемы комиссии: взята встроенная (5 % от базы); \
             задайте [payroll.schemes.NAME] (см. README, «Payroll»)",
        ));
    }
    notes.extend(p.notes);
    Ok(super::Results {
        book: "payroll",
        heading: super::heading("Payroll", &snap.period, ""),
        tables: vec![
            NamedTable::new("payroll", "Commission per manager", p.summary),
            NamedTable::detail(
                "payroll_lines",
                "Every payment, refund and won deal behind the commission",
                p.lines,
            ),
            NamedTable::new(
                "managers",
                "Managers: KPIs with the company average (last row)",
                kpis.managers,
            ),
        ],
        charts: Vec::new(),
        notes,
    })
}

/// A `[payroll.managers]` override must name a manager the data knows (the managers table,
/// else the deals' owners): a mistyped id would silently pay that manager by the default
/// scheme.
fn refuse_unknown_overrides(loaded: &Loaded, config: &Config) -> Result<()> {
    if config.payroll.managers.is_empty() {
        return Ok(());
    }
    let mut known = std::collections::BTreeSet::new();
    let mut add = |frame: &polars::prelude::DataFrame| -> Result<()> {
        if let Ok(c) = frame.column(MANAGER_ID) {
            let c = c.str().ctx(MANAGER_ID)?;
            known.extend(c.iter().flatten().map(str::to_string));
        }
        Ok(())
    };
    match &loaded.tables.managers {
        Some(m) => add(m)?,
        None => add(&loaded.tables.deals)?,
    }
    let unknown: Vec<&String> = config
        .payroll
        .managers
        .keys()
        .filter(|id| !known.contains(id.as_str()))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let sample: Vec<&String> = known.iter().take(5).collect();
    Err(crate::error::Error::Usage(format!(
        "[payroll.managers] names {} that {} no manager in the data: {}; known managers include {}",
        if unknown.len() == 1 { "an id" } else { "ids" },
        if unknown.len() == 1 { "is" } else { "are" },
        unknown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        sample
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}
