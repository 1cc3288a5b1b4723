//! Commission per manager (SPEC §3 "Payroll"), exact to the kopeck.
//!
//! The basis is gathered with polars (payments dated in the period on the manager's deals,
//! or the manager's deals won in the period, with refunds in the period either way); the
//! commission itself is integer arithmetic on minor units, because every figure here must be
//! reproducible by hand:
//! - money is held in minor units, rates in millionths ([`Percent`]); a product is exact in
//!   minor × 10⁻⁶ and rounded once to the kopeck ([`Rounding`]);
//! - the manager's commission is the scheme applied to the whole basis, rounded once;
//! - each line's commission is the step in rounded cumulative commission over the lines in
//!   date order, so the lines add up to the summary exactly (a line may differ from
//!   amount × rate by a kopeck of carried rounding);
//! - a marginal line that crosses a tier boundary is split into one line per tier;
//! - money dated after the manager's `left_on` is listed but earns nothing (default), or is
//!   paid as usual (`after_leaving = "pay"`);
//! - a negative basis (refunds only) gives a negative commission at the first tier's rate:
//!   the refunded commission is clawed back.

use crate::i18n::Note;
use crate::schema::names::MANAGER_ID;
use polars::prelude::*;

use super::snapshot::{DAY_MS, Snapshot, in_period};
use super::{JoinOn, texts};
use crate::config::{
    AfterLeaving, Basis, PayrollConfig, Percent, RATE_SCALE, Rounding, Scheme, SchemeKind,
};
use crate::error::{Error, PolarsContext, Result};
use crate::money;
use crate::tables::Tables;

mod basis;
mod columns;
mod commission;

use basis::basis_entries;
use columns::*;
pub use commission::commission;

/// What produced a line of the basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Payment,
    Refund,
    WonDeal,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Payment => "payment",
            Kind::Refund => "refund",
            Kind::WonDeal => "won deal",
        }
    }
}

/// One payment, refund or won deal of a manager's basis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub deal_id: String,
    pub payment_id: Option<String>,
    /// When it was paid (or won), in epoch milliseconds.
    pub at_ms: i64,
    /// Minor units; negative for a refund.
    pub amount: i128,
    pub kind: Kind,
}

/// One line of payroll_lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub entry: Entry,
    /// The rate applied; `None` for withheld money.
    pub rate: Option<Percent>,
    pub commission: i128,
    pub note: Option<String>,
}

/// A manager's payroll figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pay {
    pub basis: i128,
    pub commission: i128,
    /// Money listed but not commissioned (dated after the manager left).
    pub withheld: i128,
    /// The flat rate, or the retroactive rate reached; `None` for marginal schemes.
    pub rate: Option<Percent>,
    pub lines: Vec<Line>,
}

/// The payroll tables of a period.
pub struct Payroll {
    /// One row per manager (SPEC §6 payroll).
    pub summary: DataFrame,
    /// Every payment, refund or won deal behind the figures (SPEC §6 payroll_lines).
    pub lines: DataFrame,
    pub notes: Vec<Note>,
}

/// Commission for every manager of the roster over the snapshot's period.
pub fn payroll(
    tables: &Tables,
    snap: &Snapshot,
    roster: &DataFrame,
    config: &PayrollConfig,
) -> Result<Payroll> {
    let mut notes = Vec::new();
    let entries = basis_entries(tables, snap, config.basis, &mut notes)?;
    let members = members(roster)?;
    let mut s = SummaryColumns::default();
    let mut l = LineColumns::default();
    for m in &members {
        let mine = entries.get(&m.id).map(Vec::as_slice).unwrap_or(&[]);
        pay_member(m, mine, config, (&mut s, &mut l), &mut notes)?;
    }
    let unknown: Vec<&String> = entries
        .keys()
        .filter(|k| !members.iter().any(|m| m.id == **k))
        .collect();
    if !unknown.is_empty() {
        let listed = unknown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let n = unknown.len();
        notes.push(Note::new(
            format!("{n} manager(s) with money in the period are not in the roster and are left out: {listed}"),
            format!("менеджеров с деньгами в периоде, которых нет в списке managers, — {n}; они не учтены: {listed}"),
        ));
    }
    Ok(Payroll {
        summary: s.frame()?,
        lines: l.frame()?,
        notes,
    })
}

/// A manager of the roster as payroll reads them.
struct Member {
    id: String,
    name: Option<String>,
    /// The end of left_on (money from then on is after leaving), in ms.
    left_ms: Option<i64>,
    /// The plan of the period (prorated to the days employed), in minor units.
    plan: Option<i128>,
    monthly: Option<i128>,
    active: Option<bool>,
}

impl SummaryColumns {
    /// A manager's summary row: the basis, plans, commission, scheme and effective rate.
    fn push_paid(&mut self, m: &Member, pay: &Pay, scheme: (&str, &str), rate: Option<f64>) {
        self.manager_id.push(m.id.clone());
        self.name.push(m.name.clone());
        self.basis.push(Some(pay.basis));
        self.monthly_plan.push(m.monthly);
        self.period_plan.push(m.plan);
        self.commission.push(Some(pay.commission));
        self.scheme.push(scheme.0.to_string());
        self.scheme_type.push(scheme.1.to_string());
        self.rate.push(rate);
        self.lines.push(pay.lines.len() as i64);
        self.withheld.push(Some(pay.withheld));
        self.active.push(m.active);
    }
}

/// The roster's rows.
fn members(roster: &DataFrame) -> Result<Vec<Member>> {
    let ids = texts(roster, MANAGER_ID)?;
    let names = texts(roster, "name")?;
    let left = roster
        .column("left_on")
        .ctx("left_on")?
        .cast(&DataType::Int32)
        .ctx("left_on")?;
    let left: Vec<Option<i32>> = left.i32().ctx("left_on")?.iter().collect();
    let plans = money::minor_units(roster.column("period_plan").ctx("period_plan")?)?;
    let monthly = money::minor_units(roster.column("monthly_plan").ctx("monthly_plan")?)?;
    let active: Vec<Option<bool>> = roster
        .column("active")
        .ctx("active")?
        .bool()
        .ctx("active")?
        .iter()
        .collect();
    Ok((0..ids.len())
        .map(|i| Member {
            id: ids[i].clone().unwrap_or_default(),
            name: names[i].clone(),
            // The manager works through left_on; money from the next day on is after leaving.
            left_ms: left[i].map(|d| (i64::from(d) + 1) * DAY_MS as i64),
            plan: plans[i],
            monthly: monthly[i],
            active: active[i],
        })
        .collect())
}

/// One manager's commission on their entries: a summary row, their lines, and notes for a
/// plan-keyed scheme without a plan and for money withheld after leaving.
fn pay_member(
    m: &Member,
    mine: &[Entry],
    config: &PayrollConfig,
    (s, l): (&mut SummaryColumns, &mut LineColumns),
    notes: &mut Vec<Note>,
) -> Result<()> {
    let id = &m.id;
    let (scheme_name, scheme) = config
        .scheme_of(id)
        .ok_or_else(|| Error::Usage(format!("[payroll]: no scheme for manager {id}")))?;
    // Tiers keyed to the plan become amounts for this manager's plan of the period.
    let resolved;
    let scheme = if scheme.plan_keyed() {
        match m.plan {
            Some(p) if p > 0 => {
                resolved = scheme.for_plan(p);
                &resolved
            }
            _ => {
                notes.push(Note::new(
                    format!(
                        "{id}: scheme \"{scheme_name}\" is keyed to the plan, but the manager has no plan for the \
                         period (plans or monthly_plan): no commission computed"
                    ),
                    format!(
                        "{id}: схема \"{scheme_name}\" зависит от плана, но у менеджера нет плана на период \
                         (plans или monthly_plan): комиссия не посчитана"
                    ),
                ));
                s.push_unpaid(id, m.name.clone(), mine, m.monthly, scheme_name, m.active);
                return Ok(());
            }
        }
    } else {
        scheme
    };
    let pay = commission(
        mine,
        scheme,
        config.rounding,
        m.left_ms,
        config.after_leaving,
    );
    for line in &pay.lines {
        l.push(id, scheme_name, line);
    }
    let effective = match pay.rate {
        Some(r) => Some(r.fraction()),
        None if pay.basis != 0 => {
            Some((pay.commission as f64 / pay.basis as f64 * 1e6).round() / 1e6)
        }
        None => None,
    };
    s.push_paid(m, &pay, (scheme_name, kind_name(scheme.kind)), effective);
    if pay.withheld != 0 {
        let withheld = money::format_decimal(pay.withheld, money::SCALE);
        notes.push(Note::new(
            format!(
                "{id}: {withheld} dated after the manager left is listed in payroll_lines but not commissioned \
                 ([payroll] after_leaving = \"pay\" to pay it)"
            ),
            format!(
                "{id}: {withheld} после увольнения менеджера есть в payroll_lines, но без комиссии \
                 ([payroll] after_leaving = \"pay\", чтобы её начислить)"
            ),
        ));
    }
    Ok(())
}

fn kind_name(k: SchemeKind) -> &'static str {
    match k {
        SchemeKind::Flat => "flat",
        SchemeKind::Retroactive => "retroactive",
        SchemeKind::Marginal => "marginal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Money, Tier};

    fn entry(amount: i128, day: i64) -> Entry {
        Entry {
            deal_id: format!("D{day}"),
            payment_id: Some(format!("P{day}")),
            at_ms: day * DAY_MS as i64,
            amount,
            kind: if amount < 0 {
                Kind::Refund
            } else {
                Kind::Payment
            },
        }
    }

    fn tiered(kind: SchemeKind) -> Scheme {
        // 0–100 000.00 at 3 %, from 100 000.00 at 5 %.
        Scheme {
            kind,
            percent: None,
            tiers: vec![
                Tier {
                    from: Money(0),
                    from_plan: None,
                    percent: Percent(30_000),
                },
                Tier {
                    from: Money(10_000_000),
                    from_plan: None,
                    percent: Percent(50_000),
                },
            ],
        }
    }

    fn flat(percent: i64) -> Scheme {
        Scheme {
            kind: SchemeKind::Flat,
            percent: Some(Percent(percent)),
            tiers: vec![],
        }
    }

    /// Half-up, no leaving date.
    fn up(e: &[Entry], s: &Scheme) -> Pay {
        commission(e, s, Rounding::HalfUp, None, AfterLeaving::Withhold)
    }

    fn sum(p: &Pay) -> i128 {
        p.lines.iter().map(|l| l.commission).sum()
    }

    #[test]
    fn flat_rounds_once_and_lines_carry_the_kopecks() {
        // Three payments of 0.10 at 5 %: exact 0.005 each; total 0.30 × 5 % = 0.015 → 0.02
        // (half-up) or 0.02 (half-even: 1.5 → 2). Lines: round(0.005)=0.01, round(0.010)
        // − 0.01 = 0.00, round(0.015) − 0.01 = 0.01.
        let e = [entry(10, 1), entry(10, 2), entry(10, 3)];
        let p = up(&e, &flat(50_000));
        assert_eq!(p.basis, 30);
        assert_eq!(p.commission, 2);
        assert_eq!(
            p.lines.iter().map(|l| l.commission).collect::<Vec<_>>(),
            [1, 0, 1]
        );
        // Half-even: 0.005 → 0.00, 0.010 → 0.01, 0.015 → 0.02: lines 0, 1, 1.
        let p = commission(
            &e,
            &flat(50_000),
            Rounding::HalfEven,
            None,
            AfterLeaving::Withhold,
        );
        assert_eq!(p.commission, 2);
        assert_eq!(
            p.lines.iter().map(|l| l.commission).collect::<Vec<_>>(),
            [0, 1, 1]
        );
        // 0.25 at 10 % = 0.025: half-up 0.03, half-even 0.02.
        let e = [entry(25, 1)];
        let up = up(&e, &flat(100_000));
        let even = commission(
            &e,
            &flat(100_000),
            Rounding::HalfEven,
            None,
            AfterLeaving::Withhold,
        );
        assert_eq!((up.commission, even.commission), (3, 2));
    }

    #[test]
    fn marginal_splits_the_line_that_crosses_a_tier() {
        // 60 000 + 60 000: the second payment is 40 000 at 3 % and 20 000 at 5 %.
        // Commission 100 000 × 3 % + 20 000 × 5 % = 3 000 + 1 000 = 4 000.00.
        let e = [entry(6_000_000, 1), entry(6_000_000, 2)];
        let p = up(&e, &tiered(SchemeKind::Marginal));
        assert_eq!(p.commission, 400_000);
        let got: Vec<(i128, Option<Percent>, i128)> = p
            .lines
            .iter()
            .map(|l| (l.entry.amount, l.rate, l.commission))
            .collect();
        assert_eq!(
            got,
            [
                (6_000_000, Some(Percent(30_000)), 180_000),
                (4_000_000, Some(Percent(30_000)), 120_000),
                (2_000_000, Some(Percent(50_000)), 100_000),
            ]
        );
        assert_eq!(sum(&p), p.commission);
    }

    #[test]
    fn retroactive_on_the_boundary_takes_the_higher_rate() {
        // Exactly 100 000.00: the 5 % tier applies to all of it = 5 000.00; one kopeck
        // less stays at 3 %: 99 999.99 × 3 % = 2 999.9997 → 3 000.00.
        let e = [entry(10_000_000, 1)];
        let p = up(&e, &tiered(SchemeKind::Retroactive));
        assert_eq!((p.commission, p.rate), (500_000, Some(Percent(50_000))));
        let e = [entry(9_999_999, 1)];
        let p = up(&e, &tiered(SchemeKind::Retroactive));
        assert_eq!((p.commission, p.rate), (300_000, Some(Percent(30_000))));
    }

    #[test]
    fn a_refund_can_drop_the_basis_below_a_tier() {
        // 120 000 paid, 30 000 refunded: basis 90 000 → 3 % retroactive = 2 700.00.
        let e = [entry(12_000_000, 1), entry(-3_000_000, 2)];
        let p = up(&e, &tiered(SchemeKind::Retroactive));
        assert_eq!((p.basis, p.commission), (9_000_000, 270_000));
        assert_eq!(sum(&p), 270_000);
        // Marginal: the payment earns 3 000 + 1 000; the refund walks back 20 000 at 5 %
        // and 10 000 at 3 %: −1 000 − 300; total 2 700.00.
        let p = up(&e, &tiered(SchemeKind::Marginal));
        assert_eq!(p.commission, 270_000);
        let refund: Vec<i128> = p.lines.iter().skip(2).map(|l| l.commission).collect();
        assert_eq!(refund, [-100_000, -30_000]);
    }

    #[test]
    fn refunds_only_claw_back_at_the_first_rate_and_money_after_leaving_is_withheld() {
        let e = [entry(-1_000_000, 1)];
        let p = up(&e, &tiered(SchemeKind::Marginal));
        assert_eq!((p.basis, p.commission), (-1_000_000, -30_000));
        // Left on day 2 (money from day 2 on is after leaving).
        let e = [entry(1_000_000, 1), entry(2_000_000, 3)];
        let left = Some(2 * DAY_MS as i64);
        let p = commission(
            &e,
            &flat(50_000),
            Rounding::HalfUp,
            left,
            AfterLeaving::Withhold,
        );
        assert_eq!(
            (p.basis, p.commission, p.withheld),
            (1_000_000, 50_000, 2_000_000)
        );
        assert_eq!(p.lines[1].rate, None);
        let p = commission(&e, &flat(50_000), Rounding::HalfUp, left, AfterLeaving::Pay);
        assert_eq!((p.basis, p.commission, p.withheld), (3_000_000, 150_000, 0));
    }
}
