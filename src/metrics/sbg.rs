//! The shifted-beta-geometric (sBG) model of retention (Fader & Hardie 2007, "How to
//! project customer retention"): each client of a cohort leaves at the end of a period with
//! a churn probability θ of their own, θ ~ Beta(α, β). Then
//!
//! - P(T = 1) = α / (α + β), P(T = t) = (β + t − 2) / (α + β + t − 1) · P(T = t − 1);
//! - S(t) = S(t − 1) − P(T = t), S(0) = 1 (the share still active after t periods);
//! - the retention rate r(t) = S(t) / S(t − 1) = (β + t − 1) / (α + β + t − 1) rises with t,
//!   because the clients who stay are the ones least likely to leave.
//!
//! A cohort's curve (the counts still active at periods 0, 1, …, n) is fitted by maximum
//! likelihood: the clients lost in each period at P(T = t), the survivors at S(n).

use argmin::core::CostFunction;

/// Fitted sBG parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub alpha: f64,
    pub beta: f64,
}

/// A fit and its log-likelihood.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    pub params: Params,
    pub log_likelihood: f64,
}

impl Params {
    /// P(T = t) for t = 1..=n.
    pub fn churn(&self, n: usize) -> Vec<f64> {
        let (a, b) = (self.alpha, self.beta);
        let mut out = Vec::with_capacity(n);
        let mut p = a / (a + b);
        for t in 1..=n {
            if t > 1 {
                let t = t as f64;
                p *= (b + t - 2.0) / (a + b + t - 1.0);
            }
            out.push(p);
        }
        out
    }

    /// S(t) for t = 0..=n.
    pub fn survival(&self, n: usize) -> Vec<f64> {
        let mut s = vec![1.0];
        for p in self.churn(n) {
            let last = s.last().copied().unwrap_or(1.0);
            s.push((last - p).max(0.0));
        }
        s
    }

    /// The log-likelihood of a cohort's counts still active at periods 0..=n.
    pub fn log_likelihood(&self, active: &[f64]) -> f64 {
        let n = active.len().saturating_sub(1);
        if n == 0 {
            return 0.0;
        }
        let churn = self.churn(n);
        let survival = self.survival(n);
        let mut ll = 0.0;
        for t in 1..=n {
            let lost = (active[t - 1] - active[t]).max(0.0);
            if lost > 0.0 {
                ll += lost * churn[t - 1].ln();
            }
        }
        if active[n] > 0.0 {
            ll += active[n] * survival[n].ln();
        }
        ll
    }
}

/// Why a curve could not be fitted.
#[derive(Debug, Clone, PartialEq)]
pub enum FitError {
    /// Fewer than two periods after the first, or a cohort of nobody.
    TooShort,
    /// Nobody left, or everybody left in the first period: θ is not identified.
    Degenerate(&'static str),
    /// The optimiser failed or ran to a boundary.
    NoConvergence(String),
}

impl std::fmt::Display for FitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FitError::TooShort => write!(
                f,
                "the sBG fit needs a cohort followed for at least 2 periods"
            ),
            FitError::Degenerate(why) => write!(f, "the sBG fit cannot tell churn apart: {why}"),
            FitError::NoConvergence(e) => write!(f, "the sBG fit did not converge: {e}"),
        }
    }
}

#[derive(Clone)]
struct Objective {
    active: Vec<f64>,
}

impl CostFunction for Objective {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, p: &Self::Param) -> Result<f64, argmin::core::Error> {
        let params = from_logs(p);
        let ll = params.log_likelihood(&self.active);
        Ok(if ll.is_finite() { -ll } else { f64::MAX / 4.0 })
    }
}

fn from_logs(p: &[f64]) -> Params {
    let v = |i: usize| p.get(i).copied().unwrap_or(0.0).clamp(-30.0, 30.0).exp();
    Params {
        alpha: v(0),
        beta: v(1),
    }
}

/// Maximum-likelihood fit of a cohort's counts still active at periods 0..=n (n ≥ 2).
pub fn fit(active: &[f64]) -> Result<Fit, FitError> {
    if active.len() < 3 || active[0] <= 0.0 {
        return Err(FitError::TooShort);
    }
    let last = active[active.len() - 1];
    if last >= active[0] {
        return Err(FitError::Degenerate("nobody left"));
    }
    if active[1] <= 0.0 {
        return Err(FitError::Degenerate("everybody left in the first period"));
    }
    let objective = Objective {
        active: active.to_vec(),
    };
    let best = super::optimize::minimise(
        &objective,
        vec![0.0, 0.0],
        super::optimize::Restarts {
            rounds: 20,
            sd_tolerance: 1e-14,
            max_iters: 5_000,
            min_improvement: 1e-12,
        },
    )
    .map_err(FitError::NoConvergence)?;
    let params = from_logs(&best);
    if best.iter().any(|v| v.abs() >= 29.0) {
        return Err(FitError::NoConvergence(format!(
            "parameters ran to a boundary: α={:.3e} β={:.3e}",
            params.alpha, params.beta
        )));
    }
    Ok(Fit {
        params,
        log_likelihood: params.log_likelihood(active),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fader & Hardie (2007), Table 1 (../shared/datasets/retention/SOURCE.md): 1,000 clients.
    const REGULAR: [f64; 8] = [1000.0, 631.0, 468.0, 382.0, 326.0, 289.0, 262.0, 241.0];
    const HIGH_END: [f64; 8] = [1000.0, 869.0, 743.0, 653.0, 593.0, 551.0, 517.0, 491.0];

    #[test]
    fn reproduces_fader_hardie_2007() {
        let f = fit(&REGULAR).unwrap();
        assert!((f.params.alpha - 0.704).abs() < 5e-4, "{f:?}");
        assert!((f.params.beta - 1.182).abs() < 5e-4, "{f:?}");
        assert!((f.log_likelihood + 1680.27).abs() < 0.01, "{f:?}");
        let f = fit(&HIGH_END).unwrap();
        assert!((f.params.alpha - 0.668).abs() < 5e-4, "{f:?}");
        assert!((f.params.beta - 3.806).abs() < 5e-4, "{f:?}");
        assert!((f.log_likelihood + 1611.16).abs() < 0.01, "{f:?}");
    }

    #[test]
    fn survival_by_hand() {
        // α = 1, β = 1: P(T=1) = ½, P(T=2) = ½·(1+0)/(1+1+1) = 1/6, S(1) = ½, S(2) = ⅓;
        // retention r(2) = S(2)/S(1) = (β+1)/(α+β+1) = ⅔.
        let p = Params {
            alpha: 1.0,
            beta: 1.0,
        };
        let c = p.churn(2);
        assert!((c[0] - 0.5).abs() < 1e-15 && (c[1] - 1.0 / 6.0).abs() < 1e-15);
        let s = p.survival(2);
        assert!((s[1] - 0.5).abs() < 1e-15 && (s[2] - 1.0 / 3.0).abs() < 1e-15);
        // A cohort 4 → 2 → 1: ln L = 2 ln ½ + 1 ln ⅙ + 1 ln ⅓.
        let ll = p.log_likelihood(&[4.0, 2.0, 1.0]);
        let want = 2.0 * 0.5f64.ln() + (1.0f64 / 6.0).ln() + (1.0f64 / 3.0).ln();
        assert!((ll - want).abs() < 1e-12);
    }

    #[test]
    fn degenerate_cohorts_are_refused() {
        assert_eq!(fit(&[10.0, 5.0]), Err(FitError::TooShort));
        assert_eq!(
            fit(&[10.0, 10.0, 10.0]),
            Err(FitError::Degenerate("nobody left"))
        );
        assert_eq!(
            fit(&[10.0, 0.0, 0.0]),
            Err(FitError::Degenerate("everybody left in the first period"))
        );
    }
}
