//! The state of a deal at a moment t, the one rule every figure uses: open when created at
//! or before t and not closed by t; its amount, expected close and owner as of t are the last
//! `deal_changes` value at or before t, else the first change's old value (what the deal had
//! before it changed, even when that change came after as-of), else today's value.

use crate::schema::names::{DEAL_ID, MANAGER_ID};

use polars::prelude::*;

use super::{ints, texts};
use crate::error::{PolarsContext, Result};
use crate::money;
use crate::tables::Tables;

/// One field's changes of one deal, in time order: (changed_at, old, new).
pub type Changes<T> = Vec<(i64, Option<T>, Option<T>)>;

/// A field's value at `t` by the one rule: the last change at or before t, else the first
/// change's old value, else today's.
pub fn value_at<T: Clone>(changes: &Changes<T>, today: Option<T>, t: i64) -> Option<T> {
    match changes.iter().rev().find(|c| c.0 <= t) {
        Some(c) => c.2.clone(),
        None => match changes.first() {
            Some(c) => c.1.clone(),
            None => today,
        },
    }
}

/// One deal's changes from `deal_changes`, each field in time order.
#[derive(Debug, Clone, Default)]
pub struct DealChanges {
    pub amount: Changes<i128>,
    pub expected: Changes<i64>,
    /// Owner changes (`manager_id`).
    pub owner: Changes<String>,
}

/// Each deal's changes from `deal_changes`, in deal_id order, with the deal_id column built
/// once: [`state_at`] runs at many moments (the forecast's backtest: 14) over millions of
/// deals.
#[derive(Debug, Clone, Default)]
pub struct ChangeLog {
    deals: Vec<(String, DealChanges)>,
    ids: Option<Column>,
}

impl ChangeLog {
    pub fn is_empty(&self) -> bool {
        self.deals.is_empty()
    }

    pub fn len(&self) -> usize {
        self.deals.len()
    }

    /// The deal_id column, one row per deal with changes.
    fn ids(&self) -> Column {
        self.ids
            .clone()
            .unwrap_or_else(|| Column::new(DEAL_ID.into(), Vec::<String>::new()))
    }
}

impl IntoIterator for ChangeLog {
    type Item = (String, DealChanges);
    type IntoIter = std::vec::IntoIter<(String, DealChanges)>;
    fn into_iter(self) -> Self::IntoIter {
        self.deals.into_iter()
    }
}

/// The amount, expected-close and owner changes of every deal that has any.
pub fn change_log(tables: &Tables) -> Result<ChangeLog> {
    let mut deals: Vec<(String, DealChanges)> = Vec::new();
    let Some(changes) = &tables.deal_changes else {
        return Ok(ChangeLog::default());
    };
    let c = changes
        .clone()
        .lazy()
        .filter(
            col("field")
                .eq(lit("amount"))
                .or(col("field").eq(lit("expected_close_at")))
                .or(col("field").eq(lit(MANAGER_ID))),
        )
        .select([
            col(DEAL_ID).cast(DataType::String),
            col("changed_at").cast(DataType::Int64).alias("at"),
            col("field"),
            col("old_value"),
            col("new_value"),
        ])
        .sort([DEAL_ID, "at"], SortMultipleOptions::default())
        .collect()
        .ctx("deal changes")?;
    let ids = texts(&c, DEAL_ID)?;
    let at = ints(&c, "at")?;
    let field = texts(&c, "field")?;
    let old = texts(&c, "old_value")?;
    let new = texts(&c, "new_value")?;
    let m = |v: &Option<String>| {
        v.as_deref()
            .and_then(|v| money::parse_money(v).ok())
            .map(i128::from)
    };
    let d = |v: &Option<String>| {
        v.as_deref()
            .and_then(|v| crate::dates::parse_datetime(v, &[]))
            .map(|d| d.and_utc().timestamp_millis())
    };
    for i in 0..c.height() {
        let (Some(id), Some(t)) = (&ids[i], at[i]) else {
            continue;
        };
        // Sorted by deal_id: a deal's changes are consecutive.
        if deals.last().is_none_or(|(last, _)| last != id) {
            deals.push((id.clone(), DealChanges::default()));
        }
        let Some((_, entry)) = deals.last_mut() else {
            continue;
        };
        match field[i].as_deref() {
            Some("amount") => entry.amount.push((t, m(&old[i]), m(&new[i]))),
            Some(MANAGER_ID) => entry.owner.push((t, old[i].clone(), new[i].clone())),
            _ => entry.expected.push((t, d(&old[i]), d(&new[i]))),
        }
    }
    let ids = Column::new(
        DEAL_ID.into(),
        deals.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
    );
    Ok(ChangeLog {
        deals,
        ids: Some(ids),
    })
}

/// For the deals with changes: their amount, expected close and owner at `t` by the one
/// rule, and whether each field has changes at all (else today's value stands): deal_id,
/// amount_at_money (money), amount_at (minor units), has_amount_changes, expected_at,
/// has_expected_changes, manager_at, has_manager_changes.
pub fn state_at(log: &ChangeLog, t: i64) -> Result<DataFrame> {
    let (mut amount, mut has_amount, mut expected, mut has_expected) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut owner, mut has_owner) = (Vec::new(), Vec::new());
    for (_, c) in &log.deals {
        amount.push(value_at(&c.amount, None, t).and_then(|v| i64::try_from(v).ok()));
        has_amount.push(!c.amount.is_empty());
        expected.push(value_at(&c.expected, None, t));
        has_expected.push(!c.expected.is_empty());
        owner.push(value_at(&c.owner, None, t));
        has_owner.push(!c.owner.is_empty());
    }
    let expected = Column::new("expected_at".into(), expected)
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
        .ctx("expected_at")?;
    let as_money = money::column("amount_at_money", amount.iter().map(|a| a.map(i128::from)));
    DataFrame::new(
        log.len(),
        vec![
            log.ids(),
            as_money,
            Column::new("amount_at".into(), amount),
            Column::new("has_amount_changes".into(), has_amount),
            expected,
            Column::new("has_expected_changes".into(), has_expected),
            Column::new("manager_at".into(), owner),
            Column::new("has_manager_changes".into(), has_owner),
        ],
    )
    .ctx("deal state")
}

/// A deals frame (deal_id, amount, expected_close_at, manager_id) with the values of a
/// [`state_at`] frame where a field has changes; the amount only when
/// `amount` is set.
pub fn with_state(deals: LazyFrame, state: DataFrame, amount: bool) -> LazyFrame {
    let mut set = vec![
        when(col("has_expected_changes").fill_null(lit(false)))
            .then(col("expected_at"))
            .otherwise(col("expected_close_at"))
            .alias("expected_close_at"),
        when(col("has_manager_changes").fill_null(lit(false)))
            .then(col("manager_at"))
            .otherwise(col(MANAGER_ID))
            .alias(MANAGER_ID),
    ];
    if amount {
        set.push(
            when(col("has_amount_changes").fill_null(lit(false)))
                .then(col("amount_at_money"))
                .otherwise(col("amount"))
                .alias("amount"),
        );
    }
    deals
        .join(
            state.lazy(),
            [col(DEAL_ID)],
            [col(DEAL_ID)],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns(set)
        .drop(cols([
            "amount_at_money",
            "amount_at",
            "has_amount_changes",
            "expected_at",
            "has_expected_changes",
            "manager_at",
            "has_manager_changes",
        ]))
}

/// The owner of each deal whose owner changed (deal_id, manager_id), from a
/// [`state_at`] frame; `None` when no owner changed.
pub fn owner_changes(state: &DataFrame) -> Result<Option<DataFrame>> {
    let changed = state
        .clone()
        .lazy()
        .filter(col("has_manager_changes"))
        .select([col(DEAL_ID), col("manager_at").alias(MANAGER_ID)])
        .collect()
        .ctx("owner changes")?;
    Ok((changed.height() > 0).then_some(changed))
}

/// Every deal's owner at a moment (deal_id, manager_id): the export's, or with the owner
/// changes up to then ([`owner_changes`], a snapshot's `owner_changes`), the one it had
/// then. For figures over all deals (payments of the period).
pub fn owners_at(tables: &Tables, changes: Option<&DataFrame>) -> LazyFrame {
    let owners = tables
        .deals
        .clone()
        .lazy()
        .select([col(DEAL_ID), col(MANAGER_ID)]);
    let Some(changed) = changes else {
        return owners;
    };
    owners
        .join(
            changed.clone().lazy().select([
                col(DEAL_ID),
                col(MANAGER_ID).alias("manager_then"),
                lit(true).alias("owner_changed"),
            ]),
            [col(DEAL_ID)],
            [col(DEAL_ID)],
            JoinArgs::new(JoinType::Left),
        )
        .select([
            col(DEAL_ID),
            // A change to no owner stays empty: the deal had none then.
            when(col("owner_changed").fill_null(lit(false)))
                .then(col("manager_then"))
                .otherwise(col(MANAGER_ID))
                .alias(MANAGER_ID),
        ])
}
