//! Sales plans: the `plans` rows (a month × a manager or a team), which override
//! `managers.monthly_plan` in the roster's period plan (managers, payroll) and in pacing.

use crate::schema::names::MANAGER_ID;
use std::collections::BTreeMap;

use crate::error::{PolarsContext, Result};
use crate::money;
use crate::tables::Tables;

/// Plan rows keyed by (month, manager) and (month, team).
pub type PlanRows = (
    BTreeMap<(chrono::NaiveDate, String), i128>,
    BTreeMap<(chrono::NaiveDate, String), i128>,
);

/// The `plans` rows by (month, manager) and (month, team), amounts added where a key repeats.
pub fn plan_rows(tables: &Tables) -> Result<PlanRows> {
    let (mut by_manager, mut by_team) = (BTreeMap::new(), BTreeMap::new());
    let Some(plans) = &tables.plans else {
        return Ok((by_manager, by_team));
    };
    let epoch = chrono::NaiveDate::default();
    let months = plans.column("month").ctx("month")?.to_physical_repr();
    let months: Vec<Option<i32>> = months.i32().ctx("month")?.iter().collect();
    let managers = super::texts(plans, MANAGER_ID)?;
    let teams = super::texts(plans, "team")?;
    let amounts = money::minor_units(plans.column("amount").ctx("amount")?)?;
    for i in 0..plans.height() {
        let (Some(m), Some(a)) = (months[i], amounts[i]) else {
            continue;
        };
        let month = epoch + chrono::Duration::days(i64::from(m));
        match (&managers[i], &teams[i]) {
            (Some(id), _) => *by_manager.entry((month, id.clone())).or_insert(0) += a,
            (None, Some(team)) => *by_team.entry((month, team.clone())).or_insert(0) += a,
            (None, None) => {}
        }
    }
    Ok((by_manager, by_team))
}
