//! The payroll basis: per manager, in date order, the payments dated in the period on the
//! deals they held at its end (or their deals won in it), with the period's refunds.

use super::*;
use crate::schema::names::{DEAL_ID, MANAGER_ID};

/// The basis entries of each manager in date order.
pub(super) fn basis_entries(
    tables: &Tables,
    snap: &Snapshot,
    basis: Basis,
    notes: &mut Vec<Note>,
) -> Result<std::collections::BTreeMap<String, Vec<Entry>>> {
    let frame = basis_frame(tables, snap, basis, notes)?;
    entries_of(&frame, basis, notes)
}

/// The basis as rows (manager_id, deal_id, payment_id, at, amount), sorted by manager and
/// date: the period's payments on the deals each manager held at its end (paid basis), or
/// the deals they won in it and the period's refunds (won basis).
fn basis_frame(
    tables: &Tables,
    snap: &Snapshot,
    basis: Basis,
    notes: &mut Vec<Note>,
) -> Result<DataFrame> {
    // Who held each deal at the period's end (with deal_changes, owner changes after it
    // are not used), as the managers table has it.
    let owners = crate::metrics::state::owners_at(tables, snap.owner_changes.as_ref());
    let payments = match (&tables.payments, basis) {
        (Some(p), _) => Some(
            p.clone()
                .lazy()
                .filter(in_period(col("paid_at"), &snap.period))
                .join_on(owners, &[DEAL_ID], JoinType::Inner)
                .select([
                    col(MANAGER_ID),
                    col(DEAL_ID),
                    col("payment_id"),
                    col("paid_at").alias("at"),
                    col("amount"),
                ]),
        ),
        (None, Basis::Paid) => {
            return Err(Error::Usage(
                "payroll on the paid basis needs the payments table: add payments.csv to the \
                 data folder, or set [payroll] basis = \"won\" in crmstat.toml"
                    .into(),
            ));
        }
        (None, Basis::Won) => {
            notes.push(Note::new(
                "no payments table: refunds cannot reduce the basis",
                "нет таблицы payments: возвраты не уменьшают базу",
            ));
            None
        }
    };
    let frame = match basis {
        Basis::Paid => payments.unwrap_or_else(|| DataFrame::empty().lazy()),
        Basis::Won => {
            let won = snap
                .deals
                .clone()
                .lazy()
                .filter(crate::tables::status::won().and(in_period(col("closed_at"), &snap.period)))
                .select([
                    col(MANAGER_ID),
                    col(DEAL_ID),
                    lit(NULL).cast(DataType::String).alias("payment_id"),
                    col("closed_at").alias("at"),
                    col("amount"),
                ]);
            match payments {
                Some(p) => concat(
                    [won, p.filter(col("amount").lt(lit(0)))],
                    UnionArgs::default(),
                )
                .ctx("won deals and refunds")?,
                None => won,
            }
        }
    };
    frame
        .sort(
            [MANAGER_ID, "at", "payment_id", DEAL_ID],
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .collect()
        .ctx("payroll basis")
}

/// The basis rows as each manager's entries in minor units; a won deal without an amount
/// adds 0 and is counted in a note.
fn entries_of(
    frame: &DataFrame,
    basis: Basis,
    notes: &mut Vec<Note>,
) -> Result<std::collections::BTreeMap<String, Vec<Entry>>> {
    let managers = texts(frame, MANAGER_ID)?;
    let deals = texts(frame, DEAL_ID)?;
    let payments = texts(frame, "payment_id")?;
    let at = frame
        .column("at")
        .ctx("at")?
        .cast(&DataType::Int64)
        .ctx("at")?;
    let at: Vec<Option<i64>> = at.i64().ctx("at")?.iter().collect();
    let amounts = money::minor_units(frame.column("amount").ctx("amount")?)?;
    let mut out: std::collections::BTreeMap<String, Vec<Entry>> = Default::default();
    let mut no_amount = 0;
    for i in 0..frame.height() {
        let amount = amounts[i].unwrap_or_else(|| {
            no_amount += 1;
            0
        });
        let kind = match (&payments[i], amount < 0) {
            (_, true) => Kind::Refund,
            (None, false) if basis == Basis::Won => Kind::WonDeal,
            _ => Kind::Payment,
        };
        out.entry(managers[i].clone().unwrap_or_default())
            .or_default()
            .push(Entry {
                deal_id: deals[i].clone().unwrap_or_default(),
                payment_id: payments[i].clone(),
                at_ms: at[i].unwrap_or_default(),
                amount,
                kind,
            });
    }
    if no_amount > 0 {
        notes.push(Note::new(
            format!("{no_amount} won deal(s) in the period have no amount recorded: they add 0 to the basis"),
            format!("выигранных сделок без суммы в периоде: {no_amount}; они добавляют к базе 0"),
        ));
    }
    Ok(out)
}
