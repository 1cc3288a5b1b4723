//! The figures of `crmstat clv`: the tables, charts and notes the command writes and
//! the report reuses (see [`super`]).

use crate::config::Config;
use crate::error::Result;
use crate::i18n::Note;
use crate::metrics::{clv, snapshot::Snapshot};
use crate::output::NamedTable;
use crate::validate::Loaded;

/// Every buyer's CLV as of the snapshot (shared by reactivation, campaigns and the report).
pub fn compute(snap: &Snapshot, loaded: &Loaded, config: &Config) -> Result<clv::Clv> {
    clv::clv(
        &loaded.tables,
        snap,
        &config.clv,
        config.reactivation.purchases,
    )
}

/// The CLV tables for a snapshot.
pub fn results(snap: &Snapshot, loaded: &Loaded, config: &Config) -> Result<super::Results> {
    let cfg = &config.clv;
    let c = compute(snap, loaded, config)?;
    let last_day = (snap.period.as_of() - chrono::Duration::days(1)).date();
    let mut notes = vec![Note::new(
        format!(
            "CLV as of the end of {last_day}: expected mean purchase (Gamma-Gamma, on the mean of repeat purchases) × \
             expected purchases (BG/NBD) month by month over {} months, discounted {} % a month; purchases as in reactivation",
            cfg.horizon_months,
            cfg.discount_monthly * 100.0
        ),
        format!(
            "CLV на конец {last_day}: ожидаемая средняя покупка (Gamma-Gamma, по среднему повторных покупок) × \
             ожидаемое число покупок (BG/NBD) по месяцам на {} мес., дисконт {} % в месяц; покупки — как в reactivation",
            cfg.horizon_months,
            cfg.discount_monthly * 100.0
        ),
    )];
    notes.extend(c.notes);
    Ok(super::Results {
        book: "clv",
        heading: super::heading("Customer lifetime value", &snap.period, ""),
        tables: vec![
            NamedTable::detail("clv", "Every buyer's lifetime value, highest first", c.clv),
            NamedTable::new(
                "clv_fit",
                "The spend (Gamma-Gamma) and purchase (BG/NBD) fits",
                c.fit,
            ),
        ],
        charts: Vec::new(),
        notes: [snap.notes.clone(), notes].concat(),
    })
}
