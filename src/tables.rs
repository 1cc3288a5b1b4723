//! The validated, typed tables of a run: what every metric reads. Columns have their
//! canonical names and types (see [`crate::schema`]); every canonical column exists, empty
//! where the export did not have it. Extra export columns follow as text.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use polars::prelude::*;

use crate::error::{Error, Result};

pub mod changes;
pub use changes::ChangeLog;

/// The tables of one data folder. Only `deals` is required.
#[derive(Clone)]
pub struct Tables {
    pub deals: DataFrame,
    pub managers: Option<DataFrame>,
    pub clients: Option<DataFrame>,
    pub stage_history: Option<DataFrame>,
    pub contacts: Option<DataFrame>,
    pub payments: Option<DataFrame>,
    pub campaigns: Option<DataFrame>,
    /// Changes of a deal's amount, expected close, probability or owner (SPEC §1).
    pub deal_changes: Option<DataFrame>,
    /// Sales plans per month and manager or team (SPEC §1 `plans`).
    pub plans: Option<DataFrame>,
    /// The manager ids of every contact used, when the contacts kept are only those of the
    /// command's windows and there is no managers table (the roster is then every manager
    /// the data names).
    pub contact_managers: Option<Series>,
    /// `deal_changes` as the figures read it, built at the first ask ([`Tables::change_log`]).
    change_log: OnceLock<Arc<ChangeLog>>,
}

impl Tables {
    /// Assemble from validated frames keyed by table name.
    pub fn from_frames(mut frames: BTreeMap<&'static str, DataFrame>) -> Result<Tables> {
        let deals = frames
            .remove("deals")
            .ok_or_else(|| Error::Usage("no deals table".into()))?;
        Ok(Tables {
            deals,
            managers: frames.remove("managers"),
            clients: frames.remove("clients"),
            stage_history: frames.remove("stage_history"),
            contacts: frames.remove("contacts"),
            payments: frames.remove("payments"),
            campaigns: frames.remove("campaigns"),
            deal_changes: frames.remove("deal_changes"),
            plans: frames.remove("plans"),
            contact_managers: None,
            change_log: OnceLock::new(),
        })
    }

    /// Each deal's amount, expected-close and owner changes from `deal_changes` (empty
    /// without it), built once: the snapshot, the forecast and the pipeline all ask. The
    /// tables are not changed after loading (`--where` keeps deals, not changes), so the log
    /// stays the table's.
    pub fn change_log(&self) -> Result<Arc<ChangeLog>> {
        if let Some(log) = self.change_log.get() {
            return Ok(log.clone());
        }
        let log = match &self.deal_changes {
            Some(changes) => Arc::new(ChangeLog::of(changes)?),
            None => Arc::new(ChangeLog::default()),
        };
        Ok(self.change_log.get_or_init(|| log).clone())
    }

    /// Every present table with its name, in a stable order.
    pub fn named(&self) -> Vec<(&'static str, &DataFrame)> {
        let mut out = vec![("deals", &self.deals)];
        let optional = [
            ("managers", &self.managers),
            ("clients", &self.clients),
            ("stage_history", &self.stage_history),
            ("contacts", &self.contacts),
            ("payments", &self.payments),
            ("campaigns", &self.campaigns),
            ("deal_changes", &self.deal_changes),
            ("plans", &self.plans),
        ];
        out.extend(
            optional
                .into_iter()
                .filter_map(|(n, t)| t.as_ref().map(|t| (n, t))),
        );
        out
    }

    /// A table required by a figure, or an error that says which figure needs it.
    pub fn require<'a>(
        table: &'a Option<DataFrame>,
        name: &str,
        figure: &str,
    ) -> Result<&'a DataFrame> {
        table.as_ref().ok_or_else(|| {
            Error::Usage(format!(
                "{figure} needs the {name} table; add {name}.csv to the data folder"
            ))
        })
    }
}

/// A deal's status as figures compare it: SPEC's `open`, `won` and `lost`, in one place.
pub mod status {
    use polars::prelude::{Expr, col, lit};

    pub const OPEN: &str = "open";
    pub const WON: &str = "won";
    pub const LOST: &str = "lost";

    /// The deal's `status` column is `value`.
    pub fn is(value: &str) -> Expr {
        col("status").eq(lit(value))
    }

    pub fn open() -> Expr {
        is(OPEN)
    }

    /// Won or lost.
    pub fn closed() -> Expr {
        col("status").neq(lit(OPEN))
    }

    pub fn won() -> Expr {
        is(WON)
    }

    pub fn lost() -> Expr {
        is(LOST)
    }
}
