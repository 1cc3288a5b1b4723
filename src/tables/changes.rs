//! The `deal_changes` table as the figures read it: each deal's amount, expected-close and
//! owner changes in time order, built once per run ([`super::Tables::change_log`]) however
//! many figures and moments ask.

use polars::prelude::*;

use crate::error::{PolarsContext, Result};
use crate::money;
use crate::schema::names::{DEAL_ID, MANAGER_ID};

/// One field's changes of one deal, in time order: (changed_at, old, new).
pub type Changes<T> = Vec<(i64, Option<T>, Option<T>)>;

/// One deal's changes from `deal_changes`, each field in time order.
#[derive(Debug, Clone, Default)]
pub struct DealChanges {
    pub amount: Changes<i128>,
    pub expected: Changes<i64>,
    /// Owner changes (`manager_id`).
    pub owner: Changes<String>,
}

/// Each deal's changes from `deal_changes`, in deal_id order, with the deal_id column built
/// once: the state at a moment is asked at many moments (the forecast's backtest: 14) over
/// millions of deals.
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

    /// Every deal with changes and its changes, in deal_id order.
    pub fn deals(&self) -> &[(String, DealChanges)] {
        &self.deals
    }

    /// The deal_id column, one row per deal with changes, in [`Self::deals`] order.
    pub fn ids(&self) -> Column {
        self.ids
            .clone()
            .unwrap_or_else(|| Column::new(DEAL_ID.into(), Vec::<String>::new()))
    }

    /// The amount, expected-close and owner changes of every deal that has any in a
    /// `deal_changes` frame (deal_id, changed_at, field, old_value, new_value).
    pub fn of(changes: &DataFrame) -> Result<ChangeLog> {
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
                col("field").cast(DataType::String),
                col("old_value").cast(DataType::String),
                col("new_value").cast(DataType::String),
            ])
            .sort([DEAL_ID, "at"], SortMultipleOptions::default())
            .collect()
            .ctx("deal changes")?;
        let text = |name: &str| -> Result<StringChunked> {
            Ok(c.column(name)
                .ctx("deal changes")?
                .str()
                .ctx("deal changes")?
                .clone())
        };
        let (ids, field, old, new) = (
            text(DEAL_ID)?,
            text("field")?,
            text("old_value")?,
            text("new_value")?,
        );
        let at = c
            .column("at")
            .ctx("deal changes")?
            .i64()
            .ctx("deal changes")?
            .clone();
        let m = |v: Option<&str>| v.and_then(|v| money::parse_money(v).ok()).map(i128::from);
        let d = |v: Option<&str>| {
            v.and_then(|v| crate::dates::parse_datetime(v, &[]))
                .map(|d| d.and_utc().timestamp_millis())
        };
        // Room for every deal at once: grown push by push, the list of 5M deals at 10M was
        // copied again and again into fresh pages (most of the snapshot's time there).
        let mut distinct = 0usize;
        let mut previous: Option<&str> = None;
        for id in ids.iter().flatten() {
            if previous != Some(id) {
                distinct += 1;
                previous = Some(id);
            }
        }
        let mut deals: Vec<(String, DealChanges)> = Vec::with_capacity(distinct);
        let rows = ids
            .iter()
            .zip(at.iter())
            .zip(field.iter())
            .zip(old.iter().zip(new.iter()));
        for (((id, t), field), (old, new)) in rows {
            let (Some(id), Some(t)) = (id, t) else {
                continue;
            };
            // Sorted by deal_id: a deal's changes are consecutive.
            if deals.last().is_none_or(|(last, _)| last != id) {
                deals.push((id.to_string(), DealChanges::default()));
            }
            let Some((_, entry)) = deals.last_mut() else {
                continue;
            };
            match field {
                Some("amount") => entry.amount.push((t, m(old), m(new))),
                Some(MANAGER_ID) => {
                    entry
                        .owner
                        .push((t, old.map(str::to_string), new.map(str::to_string)))
                }
                _ => entry.expected.push((t, d(old), d(new))),
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_deals_changes_in_time_order_and_only_the_three_fields() {
        // Rows out of order; D2's amount changed twice (later row first), D1's owner and
        // expected close once each; a probability change is not one of the three fields.
        let changes = DataFrame::new(
            5,
            vec![
                Column::new(DEAL_ID.into(), ["D2", "D1", "D2", "D1", "D1"]),
                Column::new("changed_at".into(), [3_000i64, 2_000, 1_000, 500, 700]),
                Column::new(
                    "field".into(),
                    [
                        "amount",
                        MANAGER_ID,
                        "amount",
                        "expected_close_at",
                        "probability",
                    ],
                ),
                Column::new(
                    "old_value".into(),
                    [Some("200.00"), Some("M1"), Some("100"), None, Some("10")],
                ),
                Column::new(
                    "new_value".into(),
                    [
                        Some("300.50"),
                        Some("M2"),
                        Some("200.00"),
                        Some("2024-03-01"),
                        Some("50"),
                    ],
                ),
            ],
        )
        .unwrap();
        let log = ChangeLog::of(&changes).unwrap();
        assert_eq!(log.len(), 2);
        let ids: Vec<&str> = log.deals().iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["D1", "D2"]);
        let d1 = &log.deals()[0].1;
        assert_eq!(
            d1.owner,
            vec![(2_000, Some("M1".to_string()), Some("M2".to_string()))]
        );
        // 2024-03-01 00:00 UTC in milliseconds.
        assert_eq!(d1.expected, vec![(500, None, Some(1_709_251_200_000))]);
        assert!(d1.amount.is_empty());
        let d2 = &log.deals()[1].1;
        // Minor units: 100 → 10 000, 200.00 → 20 000, 300.50 → 30 050; in time order.
        assert_eq!(
            d2.amount,
            vec![
                (1_000, Some(10_000), Some(20_000)),
                (3_000, Some(20_000), Some(30_050))
            ]
        );
        assert!(d2.owner.is_empty() && d2.expected.is_empty());
        assert_eq!(log.ids().len(), 2);
    }
}
