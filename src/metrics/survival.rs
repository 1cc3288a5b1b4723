//! Kaplan–Meier estimate of "still open after t days", with the Greenwood variance and a
//! 95% interval on the log(−log) scale (it stays inside [0, 1]). Deals still open at
//! as-of are censored: they count as at risk up to their age, never as closed.

use polars::prelude::*;

use crate::error::{PolarsContext, Result};

/// One step of the curve: at `days`, `at_risk` deals were open, `closed` closed that day
/// and `censored` left observation (still open at as-of).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub days: i64,
    pub at_risk: usize,
    pub closed: usize,
    pub censored: usize,
    pub survival: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// The whole estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct KaplanMeier {
    pub steps: Vec<Step>,
    pub deals: usize,
    pub closed: usize,
    /// The first day on which the survival falls to 0.5 or below; `None` = not reached.
    pub median_days: Option<i64>,
}

const Z95: f64 = 1.959_963_984_540_054;

/// Estimate from whole-day durations and whether each deal closed (false = censored).
pub fn kaplan_meier(durations: &[i64], closed: &[bool]) -> KaplanMeier {
    let mut obs: Vec<(i64, bool)> = durations
        .iter()
        .copied()
        .zip(closed.iter().copied())
        .collect();
    obs.sort_unstable();
    let mut at_risk = obs.len();
    let (mut s, mut greenwood) = (1.0f64, 0.0f64);
    let mut steps = Vec::new();
    let mut median = None;
    let mut i = 0;
    while i < obs.len() {
        let t = obs[i].0;
        let (mut d, mut c) = (0, 0);
        while i < obs.len() && obs[i].0 == t {
            if obs[i].1 {
                d += 1
            } else {
                c += 1
            }
            i += 1;
        }
        if d > 0 {
            s *= 1.0 - d as f64 / at_risk as f64;
            if at_risk > d {
                greenwood += d as f64 / (at_risk as f64 * (at_risk - d) as f64);
            }
        }
        if median.is_none() && s <= 0.5 {
            median = Some(t);
        }
        let (ci_low, ci_high) = interval(s, greenwood);
        steps.push(Step {
            days: t,
            at_risk,
            closed: d,
            censored: c,
            survival: s,
            ci_low,
            ci_high,
        });
        at_risk -= d + c;
    }
    KaplanMeier {
        steps,
        deals: obs.len(),
        closed: obs.iter().filter(|o| o.1).count(),
        median_days: median,
    }
}

/// 95% interval: exp(−exp(log(−log S) ± z·se)), se = sqrt(Greenwood) / |log S|.
fn interval(s: f64, greenwood: f64) -> (f64, f64) {
    if s >= 1.0 || s <= 0.0 {
        return (s, s);
    }
    let se = greenwood.sqrt() / s.ln().abs();
    let low = s.powf((Z95 * se).exp());
    let high = s.powf((-Z95 * se).exp());
    (low, high)
}

impl KaplanMeier {
    /// The time_to_close table: days, at_risk, closed, survival, ci_low, ci_high, censored.
    pub fn frame(&self) -> Result<DataFrame> {
        let r = |v: f64| (v * 10_000.0).round() / 10_000.0;
        let s = &self.steps;
        df!(
            "days" => s.iter().map(|x| x.days).collect::<Vec<_>>(),
            "at_risk" => s.iter().map(|x| x.at_risk as i64).collect::<Vec<_>>(),
            "closed" => s.iter().map(|x| x.closed as i64).collect::<Vec<_>>(),
                        "survival" => s.iter().map(|x| r(x.survival)).collect::<Vec<_>>(),
            "ci_low" => s.iter().map(|x| r(x.ci_low)).collect::<Vec<_>>(),
            "ci_high" => s.iter().map(|x| r(x.ci_high)).collect::<Vec<_>>(),
            "censored" => s.iter().map(|x| x.censored as i64).collect::<Vec<_>>(),
        )
        .ctx("time to close table")
    }

    /// The summary row: deals, closed, censored, median_days (empty when not reached) and
    /// median ("not reached" or the number of days).
    pub fn summary(&self) -> Result<DataFrame> {
        let median_text = self
            .median_days
            .map_or("not reached".to_string(), |d| d.to_string());
        df!(
            "deals" => [self.deals as i64],
            "closed" => [self.closed as i64],
            "censored" => [(self.deals - self.closed) as i64],
            "median_days" => [self.median_days],
            "median" => [median_text],
        )
        .ctx("time to close summary")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Six deals: closed at 2, 2, 5 and 9 days; still open at 4 and 7 days (censored).
    /// By hand:
    ///   t=2: n=6, d=2 → S = 4/6 = 0.6667; Greenwood sum 2/(6·4) = 0.083333
    ///   t=4: censored one → n drops to 3
    ///   t=5: n=3, d=1 → S = 0.6667·2/3 = 0.4444; sum += 1/(3·2) → 0.25
    ///   t=7: censored one → n = 1
    ///   t=9: n=1, d=1 → S = 0; median = 5 (first S ≤ 0.5).
    #[test]
    fn hand_worked_curve_with_censoring() {
        let km = kaplan_meier(&[2, 4, 2, 5, 7, 9], &[true, false, true, true, false, true]);
        let s: Vec<(i64, usize, usize, usize)> = km
            .steps
            .iter()
            .map(|x| (x.days, x.at_risk, x.closed, x.censored))
            .collect();
        assert_eq!(
            s,
            vec![
                (2, 6, 2, 0),
                (4, 4, 0, 1),
                (5, 3, 1, 0),
                (7, 2, 0, 1),
                (9, 1, 1, 0)
            ]
        );
        assert!((km.steps[0].survival - 4.0 / 6.0).abs() < 1e-12);
        assert!((km.steps[2].survival - 4.0 / 9.0).abs() < 1e-12);
        assert_eq!(km.steps[4].survival, 0.0);
        assert_eq!(km.median_days, Some(5));
        assert_eq!((km.deals, km.closed), (6, 4));
        // log-log interval at t=2: se = sqrt(1/12)/|ln(2/3)| = 0.711960;
        // low = (2/3)^exp(1.96·0.711960) = 0.1946, high = (2/3)^exp(-1.96·0.711960) = 0.9044.
        assert!(
            (km.steps[0].ci_low - 0.1946).abs() < 5e-4,
            "{}",
            km.steps[0].ci_low
        );
        assert!(
            (km.steps[0].ci_high - 0.9044).abs() < 5e-4,
            "{}",
            km.steps[0].ci_high
        );
    }

    #[test]
    fn median_not_reached_when_most_deals_stay_open() {
        let km = kaplan_meier(&[3, 10, 10, 10], &[true, false, false, false]);
        assert_eq!(km.median_days, None);
        assert!((km.steps[0].survival - 0.75).abs() < 1e-12);
        let summary = km.summary().unwrap();
        assert_eq!(
            summary.column("median").unwrap().str().unwrap().get(0),
            Some("not reached")
        );
    }

    #[test]
    fn no_deals_no_steps() {
        let km = kaplan_meier(&[], &[]);
        assert!(km.steps.is_empty());
        assert_eq!(km.median_days, None);
    }
}
