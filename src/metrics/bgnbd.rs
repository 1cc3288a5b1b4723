//! The BG/NBD model of repeat buying (Fader, Hardie & Lee 2005, "Counting Your Customers the
//! Easy Way"): while alive, a client buys at a Poisson rate λ ~ Gamma(r, α); after every
//! purchase the client drops out with probability p ~ Beta(a, b).
//!
//! A client is summarised by `x` (repeat purchases: distinct purchase days − 1), `t_x` (time
//! from the first to the last purchase) and `T` (time from the first purchase to the end of
//! calibration), all in one time unit (crmstat uses weeks, as the paper does). The model is
//! fitted by maximum likelihood (Nelder–Mead over the logarithms of the four parameters, so
//! they stay positive, restarted until the likelihood stops improving) and gives, per
//! client, the probability of being alive and the expected purchases in a coming span.
//!
//! A client with no repeat purchase (x = 0) has P(alive) = 1: in BG/NBD a client can only
//! drop out right after a purchase, and the first one opens the relationship. Their expected
//! purchases still fall the longer they stay silent, which is why crmstat ranks by expected
//! value, not by P(alive).

use argmin::core::CostFunction;
use statrs::function::gamma::ln_gamma;

/// One client's purchase summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Repeat purchases.
    pub x: f64,
    /// Time of the last purchase since the first.
    pub t_x: f64,
    /// Time from the first purchase to the end of calibration.
    pub t: f64,
}

/// Fitted parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

/// Which side of the model a fit at the edge of its parameters (a value outside 10⁻⁴–10⁴)
/// ran out on, for the notes that say what it means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Edge {
    /// a tiny: (almost) nobody drops out.
    NoDropOut,
    /// a and b huge together: every buyer has the same drop-out chance after a purchase, in %.
    SameDropOut(f64),
    /// Another side (r and α huge together: one purchase rate for every buyer).
    Other,
}

impl Params {
    /// The side a fit ran out on, or `None` when every parameter is inside 10⁻⁴–10⁴.
    pub fn edge(&self) -> Option<Edge> {
        let inside = |v: &f64| (1e-4..=1e4).contains(v);
        if [self.r, self.alpha, self.a, self.b].iter().all(inside) {
            None
        } else if self.a < 1e-4 {
            Some(Edge::NoDropOut)
        } else if self.a > 1e4 && self.b > 1e4 {
            Some(Edge::SameDropOut(100.0 * self.a / (self.a + self.b)))
        } else {
            Some(Edge::Other)
        }
    }
}

/// A fitted model and its log-likelihood.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    pub params: Params,
    pub log_likelihood: f64,
}

/// Why a model could not be fitted.
#[derive(Debug, Clone, PartialEq)]
pub enum FitError {
    /// Too few clients, or nobody bought twice: the drop-out process cannot be estimated.
    TooLittleData { clients: usize, repeaters: usize },
    /// The optimiser failed or wandered off to a degenerate corner.
    NoConvergence(String),
}

impl std::fmt::Display for FitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FitError::TooLittleData { clients, repeaters } => write!(
                f,
                "BG/NBD needs at least {MIN_CLIENTS} clients of whom {MIN_REPEATERS} bought more than once \
                 (have {clients} and {repeaters})"
            ),
            FitError::NoConvergence(why) => write!(f, "BG/NBD fit did not converge: {why}"),
        }
    }
}

impl FitError {
    /// The reason in Russian, for the report's notes.
    pub fn russian(&self) -> String {
        match self {
            FitError::TooLittleData { clients, repeaters } => format!(
                "для BG/NBD нужно не меньше {MIN_CLIENTS} клиентов, из них {MIN_REPEATERS} с повторными покупками \
                 (есть {clients} и {repeaters})"
            ),
            FitError::NoConvergence(why) => format!("подгонка BG/NBD не сошлась: {why}"),
        }
    }
}

/// Fewest clients the model is fitted on.
pub const MIN_CLIENTS: usize = 20;
/// Fewest clients with a repeat purchase.
pub const MIN_REPEATERS: usize = 5;

impl Params {
    /// Log-likelihood of one client.
    pub fn client_log_likelihood(&self, s: &Summary) -> f64 {
        let Params { r, alpha, a, b } = *self;
        let x = s.x;
        let common =
            ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + ln_gamma(a + b) + ln_gamma(b + x)
                - ln_gamma(b)
                - ln_gamma(a + b + x);
        let still = -(r + x) * (alpha + s.t).ln();
        if x > 0.0 {
            let dropped = a.ln() - (b + x - 1.0).ln() - (r + x) * (alpha + s.t_x).ln();
            common + log_add_exp(still, dropped)
        } else {
            common + still
        }
    }

    /// Log-likelihood of a sample.
    pub fn log_likelihood(&self, data: &[Summary]) -> f64 {
        data.iter().map(|s| self.client_log_likelihood(s)).sum()
    }

    /// Probability that the client is still alive at the end of calibration.
    pub fn p_alive(&self, s: &Summary) -> f64 {
        if s.x <= 0.0 {
            return 1.0;
        }
        let Params { r, alpha, a, b } = *self;
        let log_odds =
            a.ln() - (b + s.x - 1.0).ln() + (r + s.x) * ((alpha + s.t).ln() - (alpha + s.t_x).ln());
        1.0 / (1.0 + log_odds.exp())
    }

    /// Expected purchases in the next `span` time units, given the client's history
    /// (FHL 2005, eq. 10). `None` when the hypergeometric series does not converge.
    pub fn expected_purchases(&self, s: &Summary, span: f64) -> Option<f64> {
        let Params { r, alpha, a, b } = *self;
        let (x, t) = (s.x, s.t);
        // (a + b + x − 1) / (a − 1) is singular at a = 1; the limit is continuous, so step
        // off it.
        let a1 = if (a - 1.0).abs() < 1e-9 {
            1.0 + 1e-9
        } else {
            a
        };
        let z = span / (alpha + t + span);
        let f = hyp2f1(r + x, b + x, a1 + b + x - 1.0, z)?;
        let ratio = ((alpha + t) / (alpha + t + span)).powf(r + x);
        let head = (a1 + b + x - 1.0) / (a1 - 1.0) * (1.0 - ratio * f);
        let tail = if x > 0.0 {
            1.0 + a / (b + x - 1.0) * ((alpha + t) / (alpha + s.t_x)).powf(r + x)
        } else {
            1.0
        };
        let e = head / tail;
        e.is_finite().then_some(e.max(0.0))
    }

    /// Expected purchases of a new client in `span` time units (FHL 2005, eq. 9).
    pub fn expected_purchases_new(&self, span: f64) -> Option<f64> {
        let Params { r, alpha, a, b } = *self;
        let a1 = if (a - 1.0).abs() < 1e-9 {
            1.0 + 1e-9
        } else {
            a
        };
        let z = span / (alpha + span);
        let f = hyp2f1(r, b, a1 + b - 1.0, z)?;
        let e = (a1 + b - 1.0) / (a1 - 1.0) * (1.0 - (alpha / (alpha + span)).powf(r) * f);
        e.is_finite().then_some(e)
    }
}

/// ln(eᵘ + eᵛ) without overflow.
fn log_add_exp(u: f64, v: f64) -> f64 {
    let m = u.max(v);
    m + ((u - m).exp() + (v - m).exp()).ln()
}

/// Gauss's hypergeometric function ₂F₁(a, b; c; z) for 0 ≤ z < 1 by its power series.
fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Option<f64> {
    if !(0.0..1.0).contains(&z) {
        return None;
    }
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for k in 0..200_000 {
        let k = k as f64;
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        sum += term;
        if term.abs() <= 1e-15 * sum.abs() {
            return sum.is_finite().then_some(sum);
        }
    }
    None
}

/// Mean negative log-likelihood per client over log-parameters, for the optimiser. Clients
/// with the same summary are evaluated once, with their count as weight (with whole days
/// many share one); the mean keeps the optimiser's tolerances independent of sample size.
/// A sample of a million clients has tens of thousands of distinct summaries but only a
/// handful of distinct `x` and hundreds of distinct `t_x` and `T`, so each evaluation takes
/// the log-gamma terms once per `x` and the logarithms once per time value; every group's
/// term is the same expression, in the same order, as [`Params::client_log_likelihood`].
#[derive(Clone)]
struct Objective {
    /// (x index, t_x index, T index, count) per distinct summary, in first-seen order.
    groups: Vec<(u32, u32, u32, f64)>,
    xs: Vec<f64>,
    t_xs: Vec<f64>,
    ts: Vec<f64>,
    clients: f64,
}

/// Index of `v` in `values`, adding it when new.
fn intern(values: &mut Vec<f64>, index: &mut std::collections::HashMap<u64, u32>, v: f64) -> u32 {
    *index.entry(v.to_bits()).or_insert_with(|| {
        values.push(v);
        (values.len() - 1) as u32
    })
}

/// Largest |ln parameter| the search goes to freely (a parameter of about a million). A
/// likelihood that keeps rising beyond it lies on a ridge to infinity (typically a and b
/// growing together: a constant drop-out chance); the fit there is reported as at the edge
/// either way, and following the ridge only costs time (minutes at a million clients).
const EDGE_LOG: f64 = 13.8;

impl Objective {
    fn new(data: &[Summary]) -> Objective {
        use std::collections::HashMap;
        let (mut xs, mut t_xs, mut ts) = (Vec::new(), Vec::new(), Vec::new());
        let (mut xi, mut txi, mut ti) = (HashMap::new(), HashMap::new(), HashMap::new());
        let mut index: HashMap<[u32; 3], usize> = HashMap::new();
        let mut groups: Vec<(u32, u32, u32, f64)> = Vec::new();
        for s in data {
            let key = [
                intern(&mut xs, &mut xi, s.x),
                intern(&mut t_xs, &mut txi, s.t_x),
                intern(&mut ts, &mut ti, s.t),
            ];
            match index.get(&key) {
                Some(&i) => groups[i].3 += 1.0,
                None => {
                    index.insert(key, groups.len());
                    groups.push((key[0], key[1], key[2], 1.0));
                }
            }
        }
        Objective {
            groups,
            xs,
            t_xs,
            ts,
            clients: data.len() as f64,
        }
    }

    /// The sample's log-likelihood at `params`.
    fn log_likelihood(&self, params: &Params) -> f64 {
        let Params { r, alpha, a, b } = *params;
        // Per x: the log-gamma terms and the drop-out constant.
        let per_x: Vec<(f64, f64)> = self
            .xs
            .iter()
            .map(|&x| {
                let common = ln_gamma(r + x) - ln_gamma(r)
                    + r * alpha.ln()
                    + ln_gamma(a + b)
                    + ln_gamma(b + x)
                    - ln_gamma(b)
                    - ln_gamma(a + b + x);
                (common, a.ln() - (b + x - 1.0).ln())
            })
            .collect();
        let ln_t: Vec<f64> = self.ts.iter().map(|t| (alpha + t).ln()).collect();
        let ln_tx: Vec<f64> = self.t_xs.iter().map(|t| (alpha + t).ln()).collect();
        self.groups
            .iter()
            .map(|&(xi, txi, ti, w)| {
                let x = self.xs[xi as usize];
                let (common, drop) = per_x[xi as usize];
                let still = -(r + x) * ln_t[ti as usize];
                let ll = if x > 0.0 {
                    common + log_add_exp(still, drop - (r + x) * ln_tx[txi as usize])
                } else {
                    common + still
                };
                w * ll
            })
            .sum()
    }
}

impl CostFunction for Objective {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, p: &Self::Param) -> Result<f64, argmin::core::Error> {
        let ll = self.log_likelihood(&from_logs(p));
        // Beyond the edge the cost rises with the distance, so the search stops there.
        let beyond: f64 = p
            .iter()
            .map(|v| (v.abs() - EDGE_LOG).max(0.0).powi(2))
            .sum();
        // Outside the numerically sensible region the optimiser just sees a wall.
        Ok(if ll.is_finite() {
            -ll / self.clients + beyond
        } else {
            f64::MAX / 4.0
        })
    }
}

fn from_logs(p: &[f64]) -> Params {
    let v = |i: usize| p.get(i).copied().unwrap_or(0.0).clamp(-30.0, 30.0).exp();
    Params {
        r: v(0),
        alpha: v(1),
        a: v(2),
        b: v(3),
    }
}

/// Maximum-likelihood fit.
pub fn fit(data: &[Summary]) -> Result<Fit, FitError> {
    let repeaters = data.iter().filter(|s| s.x > 0.0).count();
    if data.len() < MIN_CLIENTS || repeaters < MIN_REPEATERS {
        return Err(FitError::TooLittleData {
            clients: data.len(),
            repeaters,
        });
    }
    // Start at r = α = a = b = 1 with the mean inter-purchase time guiding α.
    let mean_t = data.iter().map(|s| s.t).sum::<f64>() / data.len() as f64;
    let objective = Objective::new(data);
    // Nelder–Mead stalls on flat ridges: restarted until the likelihood stops improving
    // (1e-10 nats per client: far below anything a figure shows). A first run that settles
    // outside 10⁻⁴–10⁴ (the box outside which the figures call the fit at its edge) is not
    // polished: the restarts only crawl along the ridge there (a and b growing together),
    // which changes no figure's reading and took seconds at a million clients.
    let edge = 1e4f64.ln();
    let best = super::optimize::minimise_until(
        &objective,
        vec![0.0, mean_t.max(1e-3).ln().min(10.0), 0.0, 0.0],
        super::optimize::Restarts {
            rounds: 20,
            sd_tolerance: 1e-12,
            max_iters: 5_000,
            min_improvement: 1e-10,
        },
        |l: &[f64]| l.iter().any(|v| v.abs() > edge),
    )
    .map_err(FitError::NoConvergence)?;
    let params = from_logs(&best);
    let ll = params.log_likelihood(data);
    if !ll.is_finite() || best.iter().any(|v| v.abs() >= 29.0) {
        return Err(FitError::NoConvergence(format!(
            "parameters ran to a boundary: r={:.3e} α={:.3e} a={:.3e} b={:.3e}",
            params.r, params.alpha, params.a, params.b
        )));
    }
    Ok(Fit {
        params,
        log_likelihood: ll,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAPER: Params = Params {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };

    #[test]
    fn one_client_log_likelihood_by_hand() {
        // x = 0, T = 10 with r = α = a = b = 1:
        // ln Γ(1) − ln Γ(1) + 1·ln 1 + ln Γ(2) + ln Γ(1) − ln Γ(1) − ln Γ(2) − 1·ln 11 = −ln 11.
        let p = Params {
            r: 1.0,
            alpha: 1.0,
            a: 1.0,
            b: 1.0,
        };
        let s = Summary {
            x: 0.0,
            t_x: 0.0,
            t: 10.0,
        };
        assert!((p.client_log_likelihood(&s) + 11f64.ln()).abs() < 1e-12);
        // x = 1, t_x = 4, T = 10: Γ(2)/Γ(1)·1 · B(1,2)/B(1,1) = 1 · ½;
        // likelihood = ½·(11⁻² + 1/1·5⁻²) = ½·(1/121 + 1/25).
        let s = Summary {
            x: 1.0,
            t_x: 4.0,
            t: 10.0,
        };
        let want = (0.5 * (1.0 / 121.0 + 1.0 / 25.0f64)).ln();
        assert!((p.client_log_likelihood(&s) - want).abs() < 1e-12);
        // P(alive) = 1 / (1 + 1/1 · (11/5)²) = 1 / (1 + 4.84).
        assert!((p.p_alive(&s) - 1.0 / 5.84).abs() < 1e-12);
    }

    #[test]
    fn hardie_spreadsheet_figures() {
        // Customer ID 1 of CDNOW (x = 2, t_x = 30.43, T = 38.86): E[Y(39)] = 1.226 in
        // Hardie's spreadsheet (also lifetimes' test of the same).
        let s = Summary {
            x: 2.0,
            t_x: 30.43,
            t: 38.86,
        };
        let e = PAPER.expected_purchases(&s, 39.0).unwrap();
        assert!((e - 1.226).abs() < 5e-4, "{e}");
        // Unconditional E[X(t)] at t = 1, 3, 78 weeks: 0.0533, 0.1509, 1.8605 with the
        // rounded parameters (0.3 % from the spreadsheet's refitted ones).
        for (t, want) in [(1.0, 0.0533), (3.0, 0.1509), (78.0, 1.8605)] {
            let e = PAPER.expected_purchases_new(t).unwrap();
            assert!((e - want).abs() < 1e-4, "E[X({t})] = {e}");
        }
        // No repeat purchase: alive by definition.
        assert_eq!(
            PAPER.p_alive(&Summary {
                x: 0.0,
                t_x: 0.0,
                t: 38.86
            }),
            1.0
        );
    }

    #[test]
    fn too_little_data_is_refused() {
        let one = Summary {
            x: 0.0,
            t_x: 0.0,
            t: 5.0,
        };
        assert_eq!(
            fit(&[one; 30]),
            Err(FitError::TooLittleData {
                clients: 30,
                repeaters: 0
            })
        );
    }

    /// Buyers who all keep buying at one steady pace (nobody's last purchase is long ago):
    /// the fit runs to its edge (a → 0: nobody drops out). There it is not polished, and the
    /// likelihood it gives is that of the fully restarted search to 10⁻⁶ nats per client.
    #[test]
    fn a_fit_at_the_edge_is_not_polished_but_as_likely() {
        let data: Vec<Summary> = (0..60)
            .map(|i| {
                let x = f64::from(2 + i % 5);
                let t = 40.0 + f64::from(i % 7);
                Summary { x, t_x: t - 0.5, t }
            })
            .collect();
        let fitted = fit(&data).unwrap();
        let p = fitted.params;
        assert_eq!(p.edge(), Some(Edge::NoDropOut), "{p:?}");
        let polished = super::super::optimize::minimise(
            &Objective::new(&data),
            vec![
                0.0,
                (data.iter().map(|s| s.t).sum::<f64>() / 60.0).ln(),
                0.0,
                0.0,
            ],
            super::super::optimize::Restarts {
                rounds: 20,
                sd_tolerance: 1e-12,
                max_iters: 5_000,
                min_improvement: 1e-10,
            },
        )
        .unwrap();
        let best = from_logs(&polished).log_likelihood(&data);
        assert!(
            (fitted.log_likelihood - best).abs() < 1e-6 * 60.0,
            "{} against {best}",
            fitted.log_likelihood
        );
    }

    #[test]
    fn hypergeometric_series_known_values() {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z.
        let z: f64 = 0.5;
        let want = -(1.0 - z).ln() / z;
        assert!((hyp2f1(1.0, 1.0, 2.0, z).unwrap() - want).abs() < 1e-12);
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, 1.0), None);
    }
}
