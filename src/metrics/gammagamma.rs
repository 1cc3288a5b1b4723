//! The Gamma-Gamma model of spend per purchase (Fader, Hardie & Lee 2005, "RFM and CLV:
//! Using Iso-Value Curves for Customer Base Analysis"; Fader & Hardie, "The Gamma-Gamma Model
//! of Monetary Value", 2013). A client's purchase values vary around their own mean ζ; the
//! values are Gamma(p, ν) with ν ~ Gamma(q, γ) across clients, so ζ = p / ν.
//!
//! It is fitted on clients with at least one repeat purchase, each summarised by x (repeat
//! purchases) and m̄ (the mean value of the repeat purchases — the lifetimes convention):
//!
//! ln L = Σ lnΓ(px + q) − lnΓ(px) − lnΓ(q) + q ln γ + (px − 1) ln m̄ + px ln x − (px + q) ln(x m̄ + γ)
//!
//! and gives a client's expected mean purchase
//! E[M | x, m̄] = (1 − w) · pγ/(q − 1) + w · m̄, with w = px / (px + q − 1) — the population mean
//! pulled towards the client's own mean the more purchases they made (q > 1 for a finite mean).
//!
//! The model assumes the spend per purchase does not depend on how often a client buys: the
//! correlation of x and m̄ among repeat buyers is reported beside the fit.

use argmin::core::CostFunction;
use statrs::function::gamma::ln_gamma;

/// A repeat buyer: repeat purchases and their mean value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Buyer {
    pub x: f64,
    pub mean_value: f64,
}

/// Fitted parameters (γ is written `v` as in lifetimes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub p: f64,
    pub q: f64,
    pub v: f64,
}

/// A fit, its log-likelihood, and the buyers it saw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    pub params: Params,
    pub log_likelihood: f64,
    pub buyers: usize,
}

/// Fewer repeat buyers than this: no fit.
pub const MIN_BUYERS: usize = 10;

impl Params {
    fn buyer_log_likelihood(&self, b: &Buyer) -> f64 {
        let (p, q, v) = (self.p, self.q, self.v);
        let px = p * b.x;
        ln_gamma(px + q) - ln_gamma(px) - ln_gamma(q)
            + q * v.ln()
            + (px - 1.0) * b.mean_value.ln()
            + px * b.x.ln()
            - (px + q) * (b.x * b.mean_value + v).ln()
    }

    /// The log-likelihood of repeat buyers (x ≥ 1, m̄ > 0).
    pub fn log_likelihood(&self, buyers: &[Buyer]) -> f64 {
        buyers.iter().map(|b| self.buyer_log_likelihood(b)).sum()
    }

    /// The population's mean purchase pγ/(q − 1); `None` when q ≤ 1 (no finite mean).
    pub fn population_mean(&self) -> Option<f64> {
        (self.q > 1.0).then(|| self.p * self.v / (self.q - 1.0))
    }

    /// E[M | x, m̄]: a client's expected mean purchase. With x = 0 it is the population mean.
    pub fn expected_mean(&self, x: f64, mean_value: f64) -> Option<f64> {
        let population = self.population_mean()?;
        if x <= 0.0 {
            return Some(population);
        }
        let w = self.p * x / (self.p * x + self.q - 1.0);
        Some((1.0 - w) * population + w * mean_value)
    }
}

/// Why the spend model could not be fitted.
#[derive(Debug, Clone, PartialEq)]
pub enum FitError {
    TooFewBuyers {
        buyers: usize,
    },
    NoConvergence(String),
    /// q ≤ 1: the fitted spread of spend has no finite mean.
    NoFiniteMean(Params),
    /// p, q or v ÷ the mean spend outside 10⁻⁴–10⁴: the data do not pin the model down (huge p with tiny v:
    /// every client spends the same each time, the spread between clients is not measured).
    AtEdge(Params),
}

impl std::fmt::Display for FitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FitError::TooFewBuyers { buyers } => write!(
                f,
                "the Gamma-Gamma spend model needs at least {MIN_BUYERS} clients with a repeat purchase of known amount (have {buyers})"
            ),
            FitError::NoConvergence(e) => write!(f, "the Gamma-Gamma fit did not converge: {e}"),
            FitError::AtEdge(p) => write!(
                f,
                "the Gamma-Gamma fit ran to the edge of its parameters (p = {:.3e}, q = {:.3e}, v = {:.3e}): the repeat purchases do not tell how spend varies",
                p.p, p.q, p.v
            ),
            FitError::NoFiniteMean(p) => write!(
                f,
                "the Gamma-Gamma fit gives q = {:.3} ≤ 1 (p = {:.3}, v = {:.3}): spend has no finite mean under it",
                p.q, p.p, p.v
            ),
        }
    }
}

impl FitError {
    /// The reason in Russian, for the report's notes.
    pub fn russian(&self) -> String {
        match self {
            FitError::TooFewBuyers { buyers } => format!(
                "для модели трат Gamma-Gamma нужно не меньше {MIN_BUYERS} клиентов с повторной покупкой известной суммы (есть {buyers})"
            ),
            FitError::NoConvergence(e) => format!("подгонка Gamma-Gamma не сошлась: {e}"),
            FitError::AtEdge(p) => format!(
                "модель Gamma-Gamma упёрлась в край параметров (p = {:.3e}, q = {:.3e}, v = {:.3e}): по повторным покупкам не видно, как меняются траты",
                p.p, p.q, p.v
            ),
            FitError::NoFiniteMean(p) => format!(
                "подгонка Gamma-Gamma даёт q = {:.3} ≤ 1 (p = {:.3}, v = {:.3}): у трат по ней нет конечного среднего",
                p.q, p.p, p.v
            ),
        }
    }
}

/// The likelihood prepared for many evaluations: the terms that depend only on x are
/// computed once per distinct x (repeat purchases are few distinct counts), ln m̄ once per
/// buyer; an evaluation is then one logarithm per buyer.
#[derive(Clone)]
struct Objective {
    /// Distinct x with how many buyers have it.
    xs: Vec<(f64, f64)>,
    /// Per buyer: x, ln m̄, x·m̄.
    buyers: Vec<(f64, f64, f64)>,
    /// How many buyers.
    n: f64,
    /// ln of the mean spend: v is judged against it.
    ln_mean: f64,
}

impl Objective {
    fn new(buyers: &[Buyer]) -> Objective {
        let mut xs: Vec<(f64, f64)> = Vec::new();
        let mut index = std::collections::HashMap::new();
        let mut prepared = Vec::with_capacity(buyers.len());
        for b in buyers {
            let i = *index.entry(b.x.to_bits()).or_insert_with(|| {
                xs.push((b.x, 0.0));
                xs.len() - 1
            });
            xs[i].1 += 1.0;
            prepared.push((b.x, b.mean_value.ln(), b.x * b.mean_value));
        }
        let mean = buyers.iter().map(|b| b.mean_value).sum::<f64>() / buyers.len().max(1) as f64;
        Objective {
            xs,
            buyers: prepared,
            n: buyers.len() as f64,
            ln_mean: mean.ln(),
        }
    }

    /// The log-likelihood, equal to [`Params::log_likelihood`] on the same buyers.
    fn log_likelihood(&self, params: &Params) -> f64 {
        let (p, q, v) = (params.p, params.q, params.v);
        let per_x: Vec<f64> = self
            .xs
            .iter()
            .map(|&(x, _)| {
                let px = p * x;
                ln_gamma(px + q) - ln_gamma(px) - ln_gamma(q) + q * v.ln() + px * x.ln()
            })
            .collect();
        let mut ll: f64 = self.xs.iter().zip(&per_x).map(|((_, n), t)| n * t).sum();
        // In chunks on rayon's threads, the chunk sums added in order (the same result on
        // every run, whatever the threads).
        use rayon::prelude::*;
        let chunks: Vec<f64> = self
            .buyers
            .par_chunks(8192)
            .map(|chunk| {
                chunk
                    .iter()
                    .map(|&(x, ln_m, xm)| {
                        let px = p * x;
                        (px - 1.0) * ln_m - (px + q) * (xm + v).ln()
                    })
                    .sum::<f64>()
            })
            .collect();
        ll += chunks.iter().sum::<f64>();
        ll
    }
}

impl CostFunction for Objective {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, p: &Self::Param) -> Result<f64, argmin::core::Error> {
        // Far beyond the edge the model is degenerate and the optimiser only crawls: a wall
        // (the fit is then reported at its edge).
        let scaled = [p[0], p[1], p[2] - self.ln_mean];
        if scaled.iter().any(|v| v.abs() > 10.0) {
            return Ok(f64::MAX / 4.0);
        }
        let ll = self.log_likelihood(&from_logs(p));
        Ok(if ll.is_finite() {
            -ll / self.n
        } else {
            f64::MAX / 4.0
        })
    }
}

fn from_logs(p: &[f64]) -> Params {
    let v = |i: usize| p.get(i).copied().unwrap_or(0.0).clamp(-30.0, 30.0).exp();
    Params {
        p: v(0),
        q: v(1),
        v: v(2),
    }
}

/// Maximum-likelihood fit on the buyers with x ≥ 1 and m̄ > 0 (others are left out).
pub fn fit(all: &[Buyer]) -> Result<Fit, FitError> {
    let buyers: Vec<Buyer> = all
        .iter()
        .copied()
        .filter(|b| b.x >= 1.0 && b.mean_value > 0.0 && b.mean_value.is_finite())
        .collect();
    if buyers.len() < MIN_BUYERS {
        return Err(FitError::TooFewBuyers {
            buyers: buyers.len(),
        });
    }
    // Start from p = q = 1 and v at the mean spend's scale.
    let mean = buyers.iter().map(|b| b.mean_value).sum::<f64>() / buyers.len() as f64;
    let objective = Objective::new(&buyers);
    // Outside the box below (p, q, v ÷ mean spend in [1e-4, 1e4]) the fit is not used: once
    // the first run has converged there, it is not polished.
    let edge = 1e4f64.ln();
    let outside = |l: &[f64]| {
        [l[0], l[1], l[2] - mean.ln()]
            .iter()
            .any(|v| v.abs() > edge)
    };
    let best = super::optimize::minimise_until(
        &objective,
        vec![0.0, 0.0, mean.ln()],
        super::optimize::Restarts {
            rounds: 10,
            sd_tolerance: 1e-14,
            max_iters: 5_000,
            min_improvement: 1e-10,
        },
        outside,
    )
    .map_err(FitError::NoConvergence)?;
    let params = from_logs(&best);
    if best.iter().any(|v| v.abs() >= 29.0) {
        return Err(FitError::NoConvergence(format!(
            "parameters ran to a boundary: p={:.3e} q={:.3e} v={:.3e}",
            params.p, params.q, params.v
        )));
    }
    // v is a scale (in the currency): judged against the mean spend, p and q as they are.
    if [params.p, params.q, params.v / mean]
        .iter()
        .any(|v| !(1e-4..=1e4).contains(v))
    {
        return Err(FitError::AtEdge(params));
    }
    if params.q <= 1.0 {
        return Err(FitError::NoFiniteMean(params));
    }
    Ok(Fit {
        params,
        log_likelihood: params.log_likelihood(&buyers),
        buyers: buyers.len(),
    })
}

/// Pearson's correlation of x and m̄ among repeat buyers (the model assumes none); `None`
/// with fewer than 3 buyers or no spread.
pub fn frequency_spend_correlation(all: &[Buyer]) -> Option<f64> {
    let b: Vec<&Buyer> = all
        .iter()
        .filter(|b| b.x >= 1.0 && b.mean_value > 0.0)
        .collect();
    if b.len() < 3 {
        return None;
    }
    let n = b.len() as f64;
    let (mx, mm) = (
        b.iter().map(|b| b.x).sum::<f64>() / n,
        b.iter().map(|b| b.mean_value).sum::<f64>() / n,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for b in &b {
        let (dx, dm) = (b.x - mx, b.mean_value - mm);
        sxy += dx * dm;
        sxx += dx * dx;
        syy += dm * dm;
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spend that does not vary by client (every repeat buyer's mean is 100.00): the model's
    /// p runs off to infinity, and the fit says it is at the edge.
    #[test]
    fn spend_that_does_not_vary_by_client_is_at_the_edge() {
        let buyers: Vec<Buyer> = (0..500)
            .map(|i| Buyer {
                x: (1 + i % 4) as f64,
                mean_value: 100.0,
            })
            .collect();
        match fit(&buyers) {
            Err(FitError::AtEdge(p)) => assert!(p.p > 1e3, "{p:?}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn expected_mean_by_the_formula() {
        // p = 6, q = 4, v = 15: population mean 6·15/3 = 30. A client with x = 2, m̄ = 50:
        // w = 12 / (12 + 3) = 0.8, E[M] = 0.2·30 + 0.8·50 = 46.
        let p = Params {
            p: 6.0,
            q: 4.0,
            v: 15.0,
        };
        assert!((p.expected_mean(2.0, 50.0).unwrap() - 46.0).abs() < 1e-12);
        // x = 1, m̄ = 10: w = 6/9, E[M] = 30/3 + 10·6/9 = 10 + 6.667 = 16.667.
        assert!((p.expected_mean(1.0, 10.0).unwrap() - (10.0 + 60.0 / 9.0)).abs() < 1e-12);
        // x = 5, m̄ = 30: the population mean itself, whatever w.
        assert!((p.expected_mean(5.0, 30.0).unwrap() - 30.0).abs() < 1e-12);
        assert_eq!(p.expected_mean(0.0, 0.0), Some(30.0));
        assert_eq!(
            Params {
                p: 1.0,
                q: 1.0,
                v: 1.0
            }
            .population_mean(),
            None
        );
    }

    #[test]
    fn one_buyer_log_likelihood_by_hand() {
        // p = q = v = 1, x = 1, m̄ = 1: lnΓ(2) − lnΓ(1) − lnΓ(1) + 0 + 0 + 0 − 2 ln 2 = −2 ln 2.
        let p = Params {
            p: 1.0,
            q: 1.0,
            v: 1.0,
        };
        let ll = p.log_likelihood(&[Buyer {
            x: 1.0,
            mean_value: 1.0,
        }]);
        assert!((ll + 2.0 * 2f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn the_prepared_likelihood_is_the_formula() {
        let buyers: Vec<Buyer> = (1..40)
            .map(|i| Buyer {
                x: f64::from(i % 5 + 1),
                mean_value: 10.0 + f64::from(i) * 1.7,
            })
            .collect();
        let p = Params {
            p: 6.25,
            q: 3.74,
            v: 15.44,
        };
        let a = Objective::new(&buyers).log_likelihood(&p);
        let b = p.log_likelihood(&buyers);
        assert!((a - b).abs() < 1e-9 * b.abs(), "{a} {b}");
    }

    #[test]
    fn too_few_buyers_is_refused() {
        let b = Buyer {
            x: 0.0,
            mean_value: 0.0,
        };
        assert_eq!(fit(&[b; 50]), Err(FitError::TooFewBuyers { buyers: 0 }));
    }
}
