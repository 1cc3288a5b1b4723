//! The figures of `crmstat reactivation`: the tables, charts and notes the command writes and
//! the report reuses (see [`super`]).

use crate::config::{Config, PurchaseSource};
use crate::error::{PolarsContext, Result};
use crate::i18n::Note;
use crate::metrics::{clv, managers, reactivation, snapshot::Snapshot};
use crate::output::NamedTable;
use crate::validate::Loaded;
use polars::prelude::*;

/// The reactivation tables for a snapshot.
pub fn results(
    snap: &Snapshot,
    loaded: &Loaded,
    config: &Config,
    clv: &clv::Clv,
) -> Result<super::Results> {
    let roster = managers::roster(&loaded.tables, &snap.period)?;
    // The candidates are ranked by lifetime value (crmstat clv) where it can be computed.
    let r = reactivation::reactivation(
        &loaded.tables,
        snap,
        &roster,
        &config.reactivation,
        Some(clv),
    )?;
    let cfg = &config.reactivation;
    let (what, what_ru) = match cfg.purchases {
        PurchaseSource::Deals => ("won deals", "выигранные сделки"),
        PurchaseSource::Payments => ("payments", "платежи"),
    };
    let last_day = (snap.period.as_of() - chrono::Duration::days(1)).date();
    let mut notes = vec![Note::new(
        format!(
            "purchases are {what} up to the end of {last_day}; a client is due when the days since the last \
             purchase exceed its mean gap × {} (one purchase: the company median gap), never below {} days; \
             clients with an open deal are left out",
            cfg.factor, cfg.floor_days
        ),
        format!(
            "покупки — {what_ru} до конца {last_day}; клиента пора возвращать, когда дней с последней покупки \
             больше его среднего интервала × {} (одна покупка: медианный интервал компании), но не меньше {} дней; \
             клиенты с открытой сделкой не включены",
            cfg.factor, cfg.floor_days
        ),
    )];
    notes.extend(r.notes);
    let (clients, repeaters) = r.fitted_on;
    let fit = match r.fit {
        Some(f) => df!(
            "parameter" => ["r", "alpha", "a", "b", "log_likelihood", "clients", "repeat_buyers"],
            "value" => [
                f.params.r,
                f.params.alpha,
                f.params.a,
                f.params.b,
                f.log_likelihood,
                clients as f64,
                repeaters as f64,
            ],
        )
        .ctx("bgnbd fit")?,
        None => df!(
            "parameter" => ["clients", "repeat_buyers"],
            "value" => [clients as f64, repeaters as f64],
        )
        .ctx("bgnbd fit")?,
    };
    Ok(super::Results {
        book: "reactivation",
        heading: super::heading("Reactivation candidates", &snap.period, ""),
        tables: vec![
            NamedTable::detail(
                "reactivation",
                "Clients to win back, by lifetime value, then expected value",
                r.candidates,
            ),
            NamedTable::new("rfm_segments", "Buyers by RFM segment", r.segments),
            NamedTable::detail("rfm", "Every buyer with R, F, M scores and segment", r.rfm),
            NamedTable::detail(
                "bgnbd_fit",
                "BG/NBD parameters (time unit: weeks), fitted on every buyer",
                fit,
            ),
        ],
        charts: Vec::new(),
        notes: [snap.notes.clone(), notes].concat(),
    })
}
