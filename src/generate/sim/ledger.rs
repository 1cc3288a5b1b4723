//! What the CRM logs of a deal's money: its expected close date as it drifts (pushed out
//! more often than pulled in), its amount as it is re-quoted, its probability, and the
//! payments of a won deal (in parts, late, sometimes refunded).

use rand::Rng;

use super::super::world::{DAY, exp, weighted};
use super::Sim;

impl Sim<'_> {
    /// The expected close date a salesperson keeps on a deal, as CRMs export it today, and the
    /// CRM's stage probability. The first estimate is a few weeks out, often the last day of
    /// its month; an open deal whose estimate has passed is usually pushed out (rarely
    /// pulled in), a few are left overdue; a closed deal's last estimate lies near its close.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn expected_close(
        &mut self,
        deal: &str,
        created: i64,
        stage: usize,
        status: &str,
        closed: Option<i64>,
        amount: i64,
    ) -> (Option<i64>, Option<f64>) {
        let end = self.end;
        let rng = &mut self.plans_rng;
        let log = &mut self.out.changes;
        let mut change = |at: i64, field: &'static str, old: String, new: String| {
            log.push(deal, at, field, old, new);
        };
        let last = closed.unwrap_or(end);
        // One deal in seven had another amount at first (re-quoted, scope changed).
        if rng.random::<f64>() < 1.0 / 7.0 && last > created {
            let first = (amount as f64 * (0.7 + rng.random::<f64>() * 0.6)).round() as i64;
            let at = created + ((last - created) as f64 * (0.2 + rng.random::<f64>() * 0.6)) as i64;
            let money = |m: i64| format!("{}.{:02}", m / 100, m % 100);
            if first != amount && first > 0 {
                change(at, "amount", money(first), money(amount));
            }
        }
        if rng.random::<f64>() < 0.08 {
            return (None, None); // never filled in
        }
        let mut estimate = day_of(created + (exp(rng, 25.0) + 7.0) as i64 * DAY);
        if rng.random::<f64>() < 0.35 {
            estimate = day_of(month_end(estimate));
        }
        let probability = match status {
            "won" => 100.0,
            "lost" => 0.0,
            _ => {
                let base = [10.0, 20.0, 40.0, 60.0, 80.0, 90.0][stage.min(5)];
                (base + rng.random_range(-2..=2) as f64 * 5.0).clamp(5.0, 95.0)
            }
        };
        let expected = match closed {
            Some(at) => {
                let last = day_of(at + rng.random_range(-6..=3) * DAY).max(day_of(created));
                // The estimate was moved once, a few days before it (or the close) came.
                if last != estimate {
                    let when = (estimate.min(at) - rng.random_range(1..5) * DAY
                        + rng.random_range(8..19) * DAY / 24)
                        .clamp(created, at);
                    change(when, "expected_close_at", date(estimate), date(last));
                }
                last
            }
            None => drift(rng, estimate, created, end, &mut change),
        };
        (Some(expected), Some(probability))
    }

    /// Payments lag the win; a quarter come in two parts, a few are never paid, and a few
    /// are partly refunded.
    pub(super) fn pay(&mut self, deal: &str, amount: i64, won_at: i64) {
        let rng = &mut self.rng;
        let lag = (2.0 + exp(rng, 12.0)) * DAY as f64;
        let first = won_at + lag as i64;
        let r = rng.random::<f64>();
        // A prepayment and the rest, or monthly instalments: one to four parts.
        let count = if r < 0.04 {
            0
        } else {
            1 + weighted(rng, &[0.34, 0.35, 0.21, 0.10])
        };
        let mut parts: Vec<(i64, i64)> = Vec::with_capacity(count + 1);
        let (mut at, mut left) = (first, amount);
        for k in 0..count {
            let share = if k + 1 == count {
                left
            } else if k == 0 {
                amount * [30, 50][rng.random_range(0..2)] / 100
            } else {
                left / (count - k) as i64
            };
            parts.push((at, share));
            left -= share;
            at += rng.random_range(10..45) * DAY;
        }
        if !parts.is_empty() && rng.random::<f64>() < 0.03 {
            let last = parts[parts.len() - 1].0;
            parts.push((last + rng.random_range(5..60) * DAY, -(amount / 10)));
        }
        for (at, value) in parts.into_iter().filter(|(at, _)| *at <= self.end) {
            let p = &mut self.out.payments;
            p.deal.push(deal.to_string());
            p.at.push(at);
            p.amount.push(value);
        }
    }
}

impl super::Changes {
    /// One logged change of a deal's field.
    fn push(&mut self, deal: &str, at: i64, field: &'static str, old: String, new: String) {
        self.deal.push(deal.to_string());
        self.at.push(at);
        self.field.push(field);
        self.old.push(Some(old));
        self.new.push(Some(new));
    }
}

/// The day of a moment as the CRM shows it (2025-03-31).
fn date(t: i64) -> String {
    chrono::DateTime::from_timestamp_millis(t)
        .map(|d| d.date_naive().to_string())
        .unwrap_or_default()
}

/// The start of the last day of the moment's month.
fn month_end(t: i64) -> i64 {
    use chrono::{Datelike, NaiveDate};
    let Some(d) = chrono::DateTime::from_timestamp_millis(t) else {
        return t;
    };
    let d = d.date_naive();
    let first_next = if d.month() == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
    };
    first_next.map_or(t, |n| {
        n.and_hms_opt(0, 0, 0)
            .map_or(t, |m| m.and_utc().timestamp_millis() - DAY)
    })
}

/// The start of the moment's day.
fn day_of(t: i64) -> i64 {
    t - t.rem_euclid(DAY)
}

/// An open deal's estimate after the salesperson's edits up to `end`: a passed estimate is
/// pushed out two to six weeks at a time, a day or two after it passes; one in ten is pulled
/// in a little instead, one in six left overdue. Each edit is logged through `change`.
fn drift(
    rng: &mut impl Rng,
    mut estimate: i64,
    created: i64,
    end: i64,
    change: &mut impl FnMut(i64, &'static str, String, String),
) -> i64 {
    while estimate < end && rng.random::<f64>() > 1.0 / 6.0 {
        let when = estimate + rng.random_range(0..3) * DAY + rng.random_range(8..19) * DAY / 24;
        if when >= end {
            break;
        }
        let before = estimate;
        if rng.random::<f64>() < 0.1 {
            estimate -= rng.random_range(1..5) * DAY;
            change(
                when.max(created),
                "expected_close_at",
                date(before),
                date(estimate),
            );
            break;
        }
        estimate += rng.random_range(14..43) * DAY;
        if rng.random::<f64>() < 0.35 {
            estimate = day_of(month_end(estimate));
        }
        change(
            when.max(created),
            "expected_close_at",
            date(before),
            date(estimate),
        );
    }
    estimate
}
