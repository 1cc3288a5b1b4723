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

pub use crate::tables::changes::{ChangeLog, Changes, DealChanges};

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

/// For the deals with changes: their amount, expected close and owner at `t` by the one
/// rule, and whether each field has changes at all (else today's value stands): deal_id,
/// amount_at_money (money), amount_at (minor units), has_amount_changes, expected_at,
/// has_expected_changes, manager_at, has_manager_changes.
pub fn state_at(log: &ChangeLog, t: i64) -> Result<DataFrame> {
    let (mut amount, mut has_amount, mut expected, mut has_expected) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut owner, mut has_owner) = (Vec::new(), Vec::new());
    for (_, c) in log.deals() {
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

/// The deals of a snapshot at any moment, in the snapshot's row order, for a figure that asks
/// at many moments (the forecast's backtest: 14): each moment's stage, amount, expected close
/// and owner are columns set beside the deals, not joins of millions of string ids.
///
/// A deal's stage at `t` is its last stage entry before t (of two at one moment, the further
/// stage, as the snapshot orders its entries), else its current stage; its amount, expected close and owner by the one rule ([`value_at`]) where
/// `deal_changes` has changes of them, else today's.
pub struct Past<'a> {
    deals: DataFrame,
    log: Option<&'a ChangeLog>,
    /// Per deal row: today's amount in minor units, expected close (ms) and stage index.
    amount: Vec<Option<i64>>,
    expected: Vec<Option<i64>>,
    stage: Vec<Option<i32>>,
    /// Per deal row: created_at and closed_at (ms), when the deals have these columns.
    created: Vec<Option<i64>>,
    closed: Vec<Option<i64>>,
    /// Per deal row: the index of its changes in the log, when it has any.
    changes: Vec<Option<u32>>,
    /// Whether any deal's owner changed.
    owners_changed: bool,
    /// Per deal row r, its entries (entered_at ms, stage index) in time order are
    /// `entries[starts[r]..starts[r + 1]]`.
    starts: Vec<usize>,
    entries: Vec<(i64, i32)>,
}

impl<'a> Past<'a> {
    /// From a snapshot's deals (deal_id, amount, expected_close_at, stage_index, manager_id,
    /// …) and entries (deal_id, entered_at, stage_index), with the change log when there is
    /// one.
    pub fn new(
        deals: &DataFrame,
        entries: Option<&DataFrame>,
        log: Option<&'a ChangeLog>,
    ) -> Result<Past<'a>> {
        let height = deals.height();
        // Rows are found by joins in polars (parallel), not by hashing millions of strings here.
        let rows = deals
            .clone()
            .lazy()
            .select([col(DEAL_ID).cast(DataType::String)])
            .with_row_index("row", None);
        let mut changes: Vec<Option<u32>> = vec![None; height];
        if let Some(l) = log.filter(|l| !l.is_empty()) {
            let found = DataFrame::new(l.len(), vec![l.ids()])
                .ctx("deal changes")?
                .lazy()
                .with_row_index("change", None)
                .join(
                    rows.clone(),
                    [col(DEAL_ID)],
                    [col(DEAL_ID)],
                    JoinArgs::new(JoinType::Inner),
                )
                .collect()
                .ctx("deal changes")?;
            let (change, row) = (ints(&found, "change")?, ints(&found, "row")?);
            for (c, r) in change.into_iter().zip(row) {
                if let (Some(c), Some(r)) = (c, r) {
                    changes[r as usize] = Some(c as u32);
                }
            }
        }
        let owners_changed =
            log.is_some_and(|l| l.deals().iter().any(|(_, c)| !c.owner.is_empty()));
        let (starts, flat) = match entries {
            Some(e) => entries_by_row(e, rows, height)?,
            None => (vec![0; height + 1], Vec::new()),
        };
        let ms = |c: &str| {
            col(c)
                .cast(DataType::Datetime(TimeUnit::Milliseconds, None))
                .cast(DataType::Int64)
        };
        let mut today = vec![
            money::minor_expr("amount").alias("amount"),
            ms("expected_close_at").alias("expected"),
            col("stage_index").cast(DataType::Int64).alias("stage"),
        ];
        for c in ["created_at", "closed_at"] {
            if deals.column(c).is_ok() {
                today.push(ms(c).alias(c));
            }
        }
        let today = deals
            .clone()
            .lazy()
            .select(today)
            .collect()
            .ctx("deals today")?;
        let moment = |c: &str| -> Result<Vec<Option<i64>>> {
            match today.column(c) {
                Ok(_) => ints(&today, c),
                Err(_) => Ok(vec![None; height]),
            }
        };
        Ok(Past {
            deals: deals.clone(),
            log,
            amount: ints(&today, "amount")?,
            expected: ints(&today, "expected")?,
            stage: ints(&today, "stage")?
                .into_iter()
                .map(|s| s.and_then(|s| i32::try_from(s).ok()))
                .collect(),
            created: moment("created_at")?,
            closed: moment("closed_at")?,
            changes,
            owners_changed,
            starts,
            entries: flat,
        })
    }

    /// Row r's changes, when it has any.
    fn changes_of(&self, r: usize) -> Option<&DealChanges> {
        let i = self.changes[r]? as usize;
        self.log.and_then(|l| l.deals().get(i)).map(|(_, c)| c)
    }

    /// The deals as they were at `t`: amount_minor (minor units), expected_close_at and
    /// stage_at set as of then, and with `owner` manager_id; every other column as it is.
    pub fn deals_at(&self, t: i64, owner: bool) -> Result<DataFrame> {
        let rows: Vec<usize> = (0..self.deals.height()).collect();
        self.rows_at(&rows, t, owner, self.deals.clone())
    }

    /// The deals open at `t` (created before it, not closed by it) whose expected close
    /// then falls in `[ws, we)`, as [`Past::deals_at`] has them, in row order: the other
    /// rows are left out before any column is built (of millions of deals, a moment's open
    /// pipeline is a few per cent). Deals without created_at or closed_at columns: none.
    pub fn open_at(&self, t: i64, (ws, we): (i64, i64), owner: bool) -> Result<DataFrame> {
        let rows: Vec<usize> = (0..self.deals.height())
            .filter(|&r| {
                self.created[r].is_some_and(|c| c < t)
                    && self.closed[r].is_none_or(|c| c >= t)
                    && self.expected_at(r, t).is_some_and(|e| e >= ws && e < we)
            })
            .collect();
        let idx: Vec<IdxSize> = rows.iter().map(|&r| r as IdxSize).collect();
        let kept = self
            .deals
            .take(&IdxCa::from_vec("row".into(), idx))
            .ctx("open deals")?;
        self.rows_at(&rows, t, owner, kept)
    }

    /// Row r's expected close at `t`.
    fn expected_at(&self, r: usize, t: i64) -> Option<i64> {
        match self.changes_of(r).filter(|c| !c.expected.is_empty()) {
            Some(c) => value_at(&c.expected, None, t),
            None => self.expected[r],
        }
    }

    /// `frame` (the deals of `rows`, in that order) with amount_minor, expected_close_at,
    /// stage_at and with `owner` manager_id set as of `t`.
    fn rows_at(&self, rows: &[usize], t: i64, owner: bool, frame: DataFrame) -> Result<DataFrame> {
        let n = rows.len();
        let (mut amount, mut expected, mut stage) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for &r in rows {
            let c = self.changes_of(r);
            amount.push(match c.filter(|c| !c.amount.is_empty()) {
                Some(c) => value_at(&c.amount, None, t).and_then(|v| i64::try_from(v).ok()),
                None => self.amount[r],
            });
            expected.push(self.expected_at(r, t));
            let mine = &self.entries[self.starts[r]..self.starts[r + 1]];
            stage.push(match mine.partition_point(|e| e.0 < t) {
                0 => self.stage[r],
                k => Some(mine[k - 1].1),
            });
        }
        let expected = Column::new("expected_close_at".into(), expected)
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
            .ctx("expected_close_at")?;
        let mut set = vec![
            Column::new("amount_minor".into(), amount),
            expected,
            Column::new("stage_at".into(), stage),
        ];
        if owner && self.owners_changed {
            let today = texts(&frame, MANAGER_ID)?;
            let then: Vec<Option<String>> = rows
                .iter()
                .zip(today)
                .map(
                    |(&r, today)| match self.changes_of(r).filter(|c| !c.owner.is_empty()) {
                        Some(c) => value_at(&c.owner, None, t),
                        None => today,
                    },
                )
                .collect();
            set.push(Column::new(MANAGER_ID.into(), then));
        }
        let mut deals = frame;
        for c in set {
            deals.with_column(c).ctx("deals then")?;
        }
        Ok(deals)
    }
}

/// Row starts into one flat list of (entered_at ms, stage index).
type ByRow = (Vec<usize>, Vec<(i64, i32)>);

/// Stage entries (deal_id, entered_at, stage_index) grouped by the deal's row in `rows`
/// (deal_id, row), each deal's in time order and of two at one moment the further stage last
/// (the snapshot's order of its entries), as row starts into one flat list; entries without a
/// stage index or of a deal not in `rows` are left out.
fn entries_by_row(entries: &DataFrame, rows: LazyFrame, height: usize) -> Result<ByRow> {
    let e = entries
        .clone()
        .lazy()
        .filter(col("stage_index").is_not_null())
        .select([
            col(DEAL_ID).cast(DataType::String),
            col("entered_at")
                .cast(DataType::Datetime(TimeUnit::Milliseconds, None))
                .cast(DataType::Int64),
            col("stage_index").cast(DataType::Int32),
        ])
        .join(
            rows,
            [col(DEAL_ID)],
            [col(DEAL_ID)],
            JoinArgs::new(JoinType::Inner),
        )
        .collect()
        .ctx("stage entries")?;
    let row = e.column("row").ctx("row")?.idx().ctx("row")?;
    let at = e
        .column("entered_at")
        .ctx("entered_at")?
        .i64()
        .ctx("entered_at")?;
    let stage = e
        .column("stage_index")
        .ctx("stage_index")?
        .i32()
        .ctx("stage_index")?;
    let kept: Vec<(usize, i64, i32)> = row
        .iter()
        .zip(at.iter())
        .zip(stage.iter())
        .filter_map(|((r, at), s)| Some((r? as usize, at?, s?)))
        .collect();
    // A counting sort by row, then each deal's entries by moment and stage.
    let mut starts = vec![0usize; height + 1];
    for &(r, _, _) in &kept {
        starts[r + 1] += 1;
    }
    for r in 0..height {
        starts[r + 1] += starts[r];
    }
    let mut next = starts.clone();
    let mut flat = vec![(0i64, 0i32); kept.len()];
    for (r, at, s) in kept {
        flat[next[r]] = (at, s);
        next[r] += 1;
    }
    for r in 0..height {
        flat[starts[r]..starts[r + 1]].sort_unstable();
    }
    Ok((starts, flat))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(day: i64) -> i64 {
        day * 86_400_000
    }

    /// Stage at a moment, by hand: d1 entered stage 0 on day 1, stages 1 and 2 both on day 5
    /// (listed 2 first), a won-named stage (no index) on day 7; d2 has no entries (its current
    /// stage 3 stands); an entry of a deal not in the frame is left out.
    #[test]
    fn stage_at_a_moment_is_the_last_entry_before_it() {
        let datetime = DataType::Datetime(TimeUnit::Milliseconds, None);
        let deals = df!(
            DEAL_ID => ["d1", "d2"],
            "amount" => [Some(100i64), None],
            "expected_close_at" => [Some(ms(30)), None],
            "stage_index" => [Some(4i32), Some(3)],
        )
        .unwrap()
        .lazy()
        .with_column(col("expected_close_at").cast(datetime.clone()))
        .collect()
        .unwrap();
        let entries = df!(
            DEAL_ID => ["d1", "d1", "d1", "d1", "d9"],
            "entered_at" => [ms(1), ms(5), ms(5), ms(7), ms(2)],
            "stage_index" => [Some(0i32), Some(2), Some(1), None, Some(0)],
        )
        .unwrap()
        .lazy()
        .with_column(col("entered_at").cast(datetime))
        .collect()
        .unwrap();
        let past = Past::new(&deals, Some(&entries), None).unwrap();
        let stage_at = |day: i64| {
            let d = past.deals_at(ms(day), false).unwrap();
            ints(&d, "stage_at").unwrap()
        };
        // Before the first entry: the current stage; entries count from after their moment.
        assert_eq!(stage_at(1), vec![Some(4), Some(3)]);
        assert_eq!(stage_at(2), vec![Some(0), Some(3)]);
        assert_eq!(stage_at(5), vec![Some(0), Some(3)]);
        // Two entries at one moment: the further stage.
        assert_eq!(stage_at(6), vec![Some(2), Some(3)]);
        // The entry without an index is not a stage.
        assert_eq!(stage_at(9), vec![Some(2), Some(3)]);
        let d = past.deals_at(ms(9), false).unwrap();
        // Without changes: today's amount (minor units) and expected close.
        assert_eq!(ints(&d, "amount_minor").unwrap(), vec![Some(10_000), None]);
        assert_eq!(
            ints(&d, "expected_close_at").unwrap(),
            vec![Some(ms(30)), None]
        );
    }

    /// The open pipeline at a moment, by hand: d1 open from day 2 with an expected close
    /// on day 30, moved to day 40 on day 10; d2 created on day 1 and closed on day 5; d3
    /// created on day 8; d4 has no created_at.
    #[test]
    fn open_at_keeps_the_deals_open_then_and_expected_in_the_window() {
        let datetime = DataType::Datetime(TimeUnit::Milliseconds, None);
        let deals = df!(
            DEAL_ID => ["d1", "d2", "d3", "d4"],
            "amount" => [Some(100i64), Some(5), None, Some(7)],
            "created_at" => [Some(ms(2)), Some(ms(1)), Some(ms(8)), None],
            "closed_at" => [None, Some(ms(5)), None, None],
            "expected_close_at" => [Some(ms(40)), Some(ms(30)), Some(ms(31)), Some(ms(30))],
            "stage_index" => [Some(1i32), Some(2), Some(0), Some(0)],
        )
        .unwrap()
        .lazy()
        .with_columns(
            ["created_at", "closed_at", "expected_close_at"].map(|c| col(c).cast(datetime.clone())),
        )
        .collect()
        .unwrap();
        let changes = df!(
            DEAL_ID => ["d1"],
            "field" => ["expected_close_at"],
            "changed_at" => [ms(10)],
            "old_value" => ["1970-01-31"],
            "new_value" => ["1970-02-10"],
        )
        .unwrap();
        let log = ChangeLog::of(&changes).unwrap();
        let past = Past::new(&deals, None, Some(&log)).unwrap();
        let ids = |t: i64, window: (i64, i64)| {
            texts(&past.open_at(ms(t), window, false).unwrap(), DEAL_ID).unwrap()
        };
        let days = |a: i64, b: i64| (ms(a), ms(b));
        // Day 3: d1 (expected day 30 then) and d2 (open until day 5); d3 not yet, d4 never.
        assert_eq!(
            ids(3, days(30, 31)),
            vec![Some("d1".into()), Some("d2".into())]
        );
        // Day 6: d2 has closed; day 9: d3 is open but expected on day 31.
        assert_eq!(ids(6, days(30, 31)), vec![Some("d1".into())]);
        assert_eq!(ids(9, days(31, 32)), vec![Some("d3".into())]);
        // Day 11: d1's expected close moved to day 40.
        assert_eq!(ids(11, days(30, 31)), Vec::<Option<String>>::new());
        assert_eq!(ids(11, days(40, 41)), vec![Some("d1".into())]);
        let d = past.open_at(ms(11), days(40, 41), false).unwrap();
        assert_eq!(ints(&d, "amount_minor").unwrap(), vec![Some(10_000)]);
        assert_eq!(ints(&d, "stage_at").unwrap(), vec![Some(1)]);
    }
}
