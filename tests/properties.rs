//! Invariants that must hold for any data: reach never rises along the funnel; every row
//! read is either used or rejected; money sums match the input to the kopeck; money text
//! round-trips exactly.

mod common;

use common::{folder, ints, load, snapshot};
use crmstat::metrics::{Mode, funnel};
use crmstat::money::{format_money, parse_money};
use proptest::prelude::*;

const STAGES: [&str; 4] = ["Звонок", "Встреча", "Счет", "Договор"];

/// A random deal: created on a day of 2024, its outcome, the stages it entered (in order,
/// possibly skipping or going back), its amount in kopecks.
#[derive(Debug, Clone)]
struct Deal {
    day: u32,
    outcome: u8,
    path: Vec<usize>,
    cents: i64,
}

fn deal() -> impl Strategy<Value = Deal> {
    (
        0u32..300,
        0u8..3,
        prop::collection::vec(0usize..4, 1..6),
        0i64..10_000_000,
    )
        .prop_map(|(day, outcome, path, cents)| Deal {
            day,
            outcome,
            path,
            cents,
        })
}

fn date(day: u32, offset: usize) -> String {
    let d = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
        + chrono::Days::new(u64::from(day) + offset as u64);
    d.to_string()
}

/// Deals and their stage history as CSV text.
fn export(deals: &[Deal]) -> (String, String) {
    let mut d =
        String::from("deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount\n");
    let mut h = String::from("deal_id,stage,entered_at\n");
    for (i, x) in deals.iter().enumerate() {
        let status = ["open", "won", "lost"][x.outcome as usize];
        let last = *x.path.last().unwrap();
        let closed = if status == "open" {
            String::new()
        } else {
            date(x.day, x.path.len())
        };
        d.push_str(&format!(
            "D{i},K{},M{},{},{closed},{status},{},{}\n",
            i % 7,
            i % 3,
            date(x.day, 0),
            STAGES[last],
            format_money(x.cents)
        ));
        for (k, s) in x.path.iter().enumerate() {
            h.push_str(&format!("D{i},{},{}\n", STAGES[*s], date(x.day, k)));
        }
    }
    (d, h)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn reach_never_rises_and_starts_with_the_cohort(deals in prop::collection::vec(deal(), 1..40)) {
        let (d, h) = export(&deals);
        let dir = folder(&[("crmstat.toml", common::CONFIG), ("deals.csv", &d), ("stage_history.csv", &h)]);
        let loaded = load(dir.path());
        prop_assert_eq!(loaded.report.rejected(), 0);
        for mode in [Mode::Cohort, Mode::Flow] {
            let t = funnel::funnel(&snapshot(&loaded, "2024"), mode, None).unwrap();
            let reached = ints(&t.funnel, "reached");
            prop_assert!(reached.windows(2).all(|w| w[0] >= w[1]), "{:?} {:?}", mode, reached);
            if mode == Mode::Cohort {
                prop_assert_eq!(reached[0] as usize, deals.len());
                let visited = ints(&t.funnel, "visited");
                prop_assert!(visited.iter().all(|v| *v as usize <= deals.len()));
            }
        }
    }

    #[test]
    fn rows_read_are_used_or_rejected_and_money_adds_up(
        deals in prop::collection::vec(deal(), 1..40),
        broken in prop::collection::vec(any::<bool>(), 40),
    ) {
        // Break some rows' dates; the rest must be used, and their amounts must sum exactly.
        let (d, _) = export(&deals);
        let mut lines: Vec<String> = d.lines().map(String::from).collect();
        let mut expected_cents = 0i64;
        let mut expected_rejects = 0;
        for (i, x) in deals.iter().enumerate() {
            if broken[i] {
                lines[i + 1] = lines[i + 1].replacen("2024-", "2024/", 1);
                expected_rejects += 1;
            } else {
                expected_cents += x.cents;
            }
        }
        let dir = folder(&[("crmstat.toml", common::CONFIG), ("deals.csv", &(lines.join("\n") + "\n"))]);
        let loaded = load(dir.path());
        let c = &loaded.report.counts[0];
        prop_assert_eq!(c.read, c.used + c.rejected);
        prop_assert_eq!(c.read, deals.len());
        prop_assert_eq!(c.rejected, expected_rejects);
        let total = loaded.tables.deals.column("amount").unwrap().as_materialized_series().sum_reduce().unwrap();
        let total = crmstat::output::cell_text(total.value()).unwrap_or_else(|| "0.00".into());
        prop_assert_eq!(parse_money(&total).unwrap(), expected_cents);
    }

    #[test]
    fn money_text_round_trips(cents in -10_000_000_000i64..10_000_000_000) {
        let text = format_money(cents);
        prop_assert_eq!(parse_money(&text), Ok(cents));
        let russian = text.replace('.', ",");
        prop_assert_eq!(parse_money(&russian), Ok(cents));
    }
}

/// Payroll for any payments and refunds under any scheme: the lines add up to the
/// commission exactly; the commission is the scheme on the whole basis, rounded once
/// (checked against an independent exact computation in i128); amounts are kept.
mod payroll_invariants {
    use super::*;
    use crmstat::config::{AfterLeaving, Money, Percent, Rounding, Scheme, SchemeKind, Tier};
    use crmstat::metrics::payroll::{Entry, Kind, commission};

    fn scheme() -> impl Strategy<Value = Scheme> {
        (
            0u8..3,
            prop::collection::vec((1i64..50_000_000, 0i64..200_000), 0..4),
            0i64..200_000,
        )
            .prop_map(|(kind, mut rest, first)| {
                rest.sort();
                rest.dedup_by_key(|t| t.0);
                let mut tiers = vec![Tier {
                    from: Money(0),
                    from_plan: None,
                    percent: Percent(first),
                }];
                tiers.extend(rest.into_iter().map(|(from, p)| Tier {
                    from: Money(from),
                    from_plan: None,
                    percent: Percent(p),
                }));
                match kind {
                    0 => Scheme {
                        kind: SchemeKind::Flat,
                        percent: Some(Percent(first)),
                        tiers: vec![],
                    },
                    1 => Scheme {
                        kind: SchemeKind::Retroactive,
                        percent: None,
                        tiers,
                    },
                    _ => Scheme {
                        kind: SchemeKind::Marginal,
                        percent: None,
                        tiers,
                    },
                }
            })
    }

    /// The scheme on a basis, exactly, in minor units × 10⁻⁶ — written independently of
    /// the engine: by tiers for marginal, by the tier reached otherwise.
    fn exact(s: &Scheme, basis: i128) -> i128 {
        match s.kind {
            SchemeKind::Flat => basis * i128::from(s.percent.unwrap().0),
            SchemeKind::Retroactive => {
                let mut rate = s.tiers[0].percent.0;
                for t in &s.tiers {
                    if basis >= i128::from(t.from.0) {
                        rate = t.percent.0;
                    }
                }
                basis * i128::from(rate)
            }
            SchemeKind::Marginal => {
                if basis < 0 {
                    return basis * i128::from(s.tiers[0].percent.0);
                }
                let mut total = 0;
                for (i, t) in s.tiers.iter().enumerate() {
                    let lo = i128::from(t.from.0);
                    let hi = s
                        .tiers
                        .get(i + 1)
                        .map_or(i128::MAX, |n| i128::from(n.from.0));
                    if basis > lo {
                        total += (basis.min(hi) - lo) * i128::from(t.percent.0);
                    }
                }
                total
            }
        }
    }

    fn half_up(v: i128) -> i128 {
        let m = 1_000_000;
        let q = v.abs() / m;
        let r = v.abs() % m;
        let q = if r * 2 >= m { q + 1 } else { q };
        if v < 0 { -q } else { q }
    }

    proptest! {
        #[test]
        fn lines_sum_to_the_rounded_scheme(
            s in scheme(),
            amounts in prop::collection::vec(-5_000_000i64..20_000_000, 0..30),
        ) {
            let entries: Vec<Entry> = amounts
                .iter()
                .enumerate()
                .map(|(i, a)| Entry {
                    deal_id: format!("D{i}"),
                    payment_id: Some(format!("P{i}")),
                    at_ms: i as i64 * 1000,
                    amount: i128::from(*a),
                    kind: if *a < 0 { Kind::Refund } else { Kind::Payment },
                })
                .collect();
            let p = commission(&entries, &s, Rounding::HalfUp, None, AfterLeaving::Withhold);
            let basis: i128 = amounts.iter().map(|a| i128::from(*a)).sum();
            prop_assert_eq!(p.basis, basis);
            prop_assert_eq!(p.commission, half_up(exact(&s, basis)));
            prop_assert_eq!(p.lines.iter().map(|l| l.commission).sum::<i128>(), p.commission);
            prop_assert_eq!(p.lines.iter().map(|l| l.entry.amount).sum::<i128>(), basis);
        }
    }
}

proptest! {
    /// The Wilson interval lies within [0, 1] and holds the observed rate.
    #[test]
    fn wilson_interval_holds_the_rate(n in 1u32..5000, k in 0u32..5000) {
        let k = k.min(n);
        let (lo, hi) = crmstat::metrics::stats::wilson(k as f64, n as f64, crmstat::metrics::stats::Z95).unwrap();
        let p = k as f64 / n as f64;
        prop_assert!(0.0 <= lo && lo <= p + 1e-12 && p <= hi + 1e-12 && hi <= 1.0, "{k}/{n}: {lo}..{hi}");
    }

    /// However a campaign's days are cut into periods, the spread costs add up to its cost.
    #[test]
    fn spread_cost_parts_add_up(
        cost in 0i128..10_000_000_000,
        start in 0i32..400,
        len in 0i32..400,
        mut cuts in proptest::collection::vec(-50i32..900, 0..8),
    ) {
        use crmstat::config::CostRule;
        use crmstat::metrics::campaigns::cost_in_period;
        cuts.push(-100);
        cuts.push(1000);
        cuts.sort();
        let total: i128 = cuts
            .windows(2)
            .map(|w| cost_in_period(cost, Some(start), Some(start + len), w[0], w[1], CostRule::Spread).unwrap())
            .sum();
        prop_assert_eq!(total, cost);
    }
}
