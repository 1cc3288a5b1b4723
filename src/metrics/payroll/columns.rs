//! The payroll and payroll_lines tables, built column by column from the managers' pay.

use super::*;
use crate::schema::names::{DEAL_ID, MANAGER_ID};

#[derive(Default)]
pub(super) struct SummaryColumns {
    pub(super) manager_id: Vec<String>,
    pub(super) name: Vec<Option<String>>,
    pub(super) basis: Vec<Option<i128>>,
    pub(super) monthly_plan: Vec<Option<i128>>,
    pub(super) period_plan: Vec<Option<i128>>,
    pub(super) commission: Vec<Option<i128>>,
    pub(super) scheme: Vec<String>,
    pub(super) scheme_type: Vec<String>,
    pub(super) rate: Vec<Option<f64>>,
    pub(super) lines: Vec<i64>,
    pub(super) withheld: Vec<Option<i128>>,
    pub(super) active: Vec<Option<bool>>,
}

impl SummaryColumns {
    /// A manager whose commission could not be computed: the basis, no commission.
    pub(super) fn push_unpaid(
        &mut self,
        id: &str,
        name: Option<String>,
        entries: &[Entry],
        monthly_plan: Option<i128>,
        scheme: &str,
        active: Option<bool>,
    ) {
        self.manager_id.push(id.to_string());
        self.name.push(name);
        self.basis
            .push(Some(entries.iter().map(|e| e.amount).sum()));
        self.monthly_plan.push(monthly_plan);
        self.period_plan.push(None);
        self.commission.push(None);
        self.scheme.push(scheme.to_string());
        self.scheme_type.push("plan-keyed".into());
        self.rate.push(None);
        self.lines.push(0);
        self.withheld.push(Some(0));
        self.active.push(active);
    }

    pub(super) fn frame(self) -> Result<DataFrame> {
        let n = self.manager_id.len();
        let df = DataFrame::new(
            n,
            vec![
                Column::new(MANAGER_ID.into(), self.manager_id),
                Column::new("name".into(), self.name),
                money::column("basis_amount", self.basis),
                money::column("monthly_plan", self.monthly_plan),
                money::column("period_plan", self.period_plan),
                money::column("commission", self.commission),
                Column::new("scheme".into(), self.scheme),
                Column::new("scheme_type".into(), self.scheme_type),
                Column::new("rate".into(), self.rate),
                Column::new("lines".into(), self.lines),
                money::column("withheld_amount", self.withheld),
                Column::new("active".into(), self.active),
            ],
        )
        .ctx("payroll")?;
        df.lazy()
            .with_column(
                crate::metrics::rate(col("basis_amount"), col("period_plan"))
                    .alias("plan_attainment"),
            )
            .select([
                col(MANAGER_ID),
                col("name"),
                col("basis_amount"),
                col("monthly_plan"),
                col("plan_attainment"),
                col("commission"),
                col("scheme"),
                col("scheme_type"),
                col("rate"),
                col("period_plan"),
                col("lines"),
                col("withheld_amount"),
                col("active"),
            ])
            .collect()
            .ctx("payroll")
    }
}

#[derive(Default)]
pub(super) struct LineColumns {
    pub(super) manager_id: Vec<String>,
    pub(super) deal_id: Vec<String>,
    pub(super) payment_id: Vec<Option<String>>,
    pub(super) at: Vec<i64>,
    pub(super) amount: Vec<Option<i128>>,
    pub(super) rate: Vec<Option<f64>>,
    pub(super) commission: Vec<Option<i128>>,
    pub(super) kind: Vec<&'static str>,
    pub(super) scheme: Vec<String>,
    pub(super) note: Vec<Option<String>>,
}

impl LineColumns {
    pub(super) fn push(&mut self, manager: &str, scheme: &str, line: &Line) {
        self.manager_id.push(manager.to_string());
        self.deal_id.push(line.entry.deal_id.clone());
        self.payment_id.push(line.entry.payment_id.clone());
        self.at.push(line.entry.at_ms);
        self.amount.push(Some(line.entry.amount));
        self.rate.push(line.rate.map(Percent::fraction));
        self.commission.push(Some(line.commission));
        self.kind.push(line.entry.kind.label());
        self.scheme.push(scheme.to_string());
        self.note.push(line.note.clone());
    }

    pub(super) fn frame(self) -> Result<DataFrame> {
        let n = self.manager_id.len();
        let at = Column::new("paid_at".into(), self.at)
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
            .ctx("paid_at")?;
        DataFrame::new(
            n,
            vec![
                Column::new(MANAGER_ID.into(), self.manager_id),
                Column::new(DEAL_ID.into(), self.deal_id),
                Column::new("payment_id".into(), self.payment_id),
                at,
                money::column("amount", self.amount),
                Column::new("rate".into(), self.rate),
                money::column("commission", self.commission),
                Column::new("kind".into(), self.kind),
                Column::new("scheme".into(), self.scheme),
                Column::new("note".into(), self.note),
            ],
        )
        .ctx("payroll lines")
    }
}
