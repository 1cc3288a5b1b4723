//! The commission of one manager's basis: integer arithmetic on minor units and millionths,
//! rounded once (see [`super`]); pure, so property-tested.

use super::*;

/// Commission of one manager's entries, already in date order.
///
/// Kept whole (it runs over 80 lines): the lines add up to the total exactly only as one
/// pass, in which the running total, the clawback and the rounding are shared by every
/// branch (see the module's rules); the property tests check it as one function.
pub fn commission(
    entries: &[Entry],
    scheme: &Scheme,
    rounding: Rounding,
    left_on_ms: Option<i64>,
    after_leaving: AfterLeaving,
) -> Pay {
    let withheld_entry = |e: &Entry| {
        after_leaving == AfterLeaving::Withhold && left_on_ms.is_some_and(|l| e.at_ms >= l)
    };
    let basis: i128 = entries
        .iter()
        .filter(|e| !withheld_entry(e))
        .map(|e| e.amount)
        .sum();
    // Plan-keyed tiers are reached by the money that came in: a refund does not lower the
    // attainment, it claws back at the rate its money earned.
    let keyed = scheme.plan_keyed();
    let reached: i128 = if keyed {
        entries
            .iter()
            .filter(|e| !withheld_entry(e) && e.amount > 0)
            .map(|e| e.amount)
            .sum()
    } else {
        basis
    };
    let rate = match scheme.kind {
        SchemeKind::Flat => scheme.percent,
        SchemeKind::Retroactive => Some(tier_rate(scheme, reached)),
        SchemeKind::Marginal => None,
    };
    let f = |x: i128| -> i128 {
        match rate {
            Some(r) => x * i128::from(r.0),
            None => marginal(scheme, x),
        }
    };
    let half_even = rounding == Rounding::HalfEven;
    let round = |v: i128| money::div_round(v, i128::from(RATE_SCALE), half_even);
    let mut lines = Vec::new();
    let mut withheld = 0i128;
    let mut cum: i128 = 0;
    let mut clawed: i128 = 0;
    for e in entries {
        if withheld_entry(e) {
            withheld += e.amount;
            lines.push(Line {
                entry: e.clone(),
                rate: None,
                commission: 0,
                note: Some("dated after the manager left: not commissioned".into()),
            });
            continue;
        }
        if keyed && rate.is_none() && e.amount < 0 {
            // Marginal and keyed to the plan: the refund at the rate of the tier the money
            // so far reached; the position in the tiers stays.
            let r = tier_rate(scheme, (cum - 1).max(0));
            lines.push(Line {
                entry: e.clone(),
                rate: Some(r),
                commission: round(e.amount * i128::from(r.0)),
                note: Some("refund: clawed back at the rate its money earned".into()),
            });
            clawed += round(e.amount * i128::from(r.0));
            continue;
        }
        let to = cum + e.amount;
        for (a, b) in pieces(scheme, rate.is_none(), cum, to) {
            let piece_rate = rate.unwrap_or_else(|| tier_rate(scheme, a.min(b)));
            let mut entry = e.clone();
            entry.amount = b - a;
            let split = b - a != e.amount;
            lines.push(Line {
                entry,
                rate: Some(piece_rate),
                commission: round(f(b)) - round(f(a)),
                note: split.then(|| {
                    format!(
                        "part of {} in the {piece_rate} tier",
                        money::format_decimal(e.amount, money::SCALE)
                    )
                }),
            });
        }
        cum = to;
    }
    let commission = if keyed && rate.is_none() {
        round(f(cum)) + clawed
    } else {
        round(f(basis))
    };
    Pay {
        basis,
        commission,
        withheld,
        rate,
        lines,
    }
}

/// The rate of the tier that `x` falls in (the first tier below 0).
pub(super) fn tier_rate(scheme: &Scheme, x: i128) -> Percent {
    scheme
        .tiers
        .iter()
        .rev()
        .find(|t| i128::from(t.from.0) <= x)
        .or(scheme.tiers.first())
        .map_or(Percent(0), |t| t.percent)
}

/// Marginal commission on a cumulative basis `x`, in minor × 10⁻⁶: each tier's rate on the
/// part of `x` inside it; below 0 the first tier's rate.
pub(super) fn marginal(scheme: &Scheme, x: i128) -> i128 {
    let t = &scheme.tiers;
    let mut total = 0i128;
    for (i, tier) in t.iter().enumerate() {
        let lo = if i == 0 {
            i128::MIN
        } else {
            i128::from(tier.from.0)
        };
        let hi = t.get(i + 1).map_or(i128::MAX, |n| i128::from(n.from.0));
        let inside = x.clamp(lo, hi) - 0i128.clamp(lo, hi);
        total += inside * i128::from(tier.percent.0);
    }
    total
}

/// The stretch from cumulative `a` to `b`, cut at tier boundaries when `split`.
pub(super) fn pieces(scheme: &Scheme, split: bool, a: i128, b: i128) -> Vec<(i128, i128)> {
    let mut cuts: Vec<i128> = if split {
        scheme
            .tiers
            .iter()
            .skip(1)
            .map(|t| i128::from(t.from.0))
            .filter(|&c| c > a.min(b) && c < a.max(b))
            .collect()
    } else {
        Vec::new()
    };
    if b < a {
        cuts.reverse();
    }
    let mut out = Vec::new();
    let mut from = a;
    for c in cuts {
        out.push((from, c));
        from = c;
    }
    out.push((from, b));
    out
}
