//! Maximum-likelihood fits by Nelder–Mead (argmin) over the logarithms of the parameters,
//! restarted from the best point with a fresh, smaller simplex until a restart no longer
//! improves the cost: Nelder–Mead stalls on flat ridges, which these likelihoods have.

use argmin::core::{CostFunction, Executor, State};
use argmin::solver::neldermead::NelderMead;
use std::cell::RefCell;

/// How hard to search.
#[derive(Debug, Clone, Copy)]
pub struct Restarts {
    /// At most this many runs (the first with a simplex step of 1, the others 0.1).
    pub rounds: usize,
    /// Each run stops when the simplex's costs spread less than this.
    pub sd_tolerance: f64,
    pub max_iters: u64,
    /// Stop restarting once a restart improves the cost by less than this.
    pub min_improvement: f64,
}

/// The best parameters found from `start`, or why the optimiser failed.
pub fn minimise<O>(objective: &O, start: Vec<f64>, r: Restarts) -> Result<Vec<f64>, String>
where
    O: CostFunction<Param = Vec<f64>, Output = f64> + Clone,
{
    minimise_until(objective, start, r, |_| false)
}

/// [`minimise`], but no restart after a first run that reached a point where `settled` holds:
/// a fit whose caller will judge it at the edge of its parameters either way, which more
/// iterations only polish along a flat ridge. The first run itself stops there once the cost
/// has not improved by `min_improvement` over [`PATIENCE`] evaluations (the Gamma-Gamma fit
/// of spend that does not vary by client crawled 5,000 iterations there, 8 s at a million
/// deals; a BG/NBD fit of a constant drop-out chance 10,000, a minute).
pub fn minimise_until<O>(
    objective: &O,
    start: Vec<f64>,
    r: Restarts,
    settled: impl Fn(&[f64]) -> bool,
) -> Result<Vec<f64>, String>
where
    O: CostFunction<Param = Vec<f64>, Output = f64> + Clone,
{
    let mut best = start;
    let mut best_cost = f64::INFINITY;
    for round in 0..r.rounds {
        let step = if round == 0 { 1.0 } else { 0.1 };
        let mut simplex = vec![best.clone()];
        for i in 0..best.len() {
            let mut v = best.clone();
            v[i] += step;
            simplex.push(v);
        }
        let solver = NelderMead::new(simplex)
            .with_sd_tolerance(r.sd_tolerance)
            .map_err(|e| e.to_string())?;
        let watch = Watched {
            inner: objective.clone(),
            settled: &settled,
            min_improvement: r.min_improvement,
            seen: RefCell::new(Seen::default()),
        };
        let run = Executor::new(watch, solver)
            .configure(|s| s.max_iters(r.max_iters))
            .run();
        let (param, cost, ran_out) = match run {
            Ok(result) => {
                let state = result.state();
                let param = state
                    .get_best_param()
                    .cloned()
                    .ok_or_else(|| "no parameters".to_string())?;
                (
                    param,
                    state.get_best_cost(),
                    state.get_iter() >= r.max_iters,
                )
            }
            Err(e) => match e.downcast_ref::<OnTheRidge>() {
                Some(OnTheRidge { param, cost }) => (param.clone(), *cost, false),
                None => return Err(e.to_string()),
            },
        };
        let improved = best_cost - cost;
        if cost < best_cost {
            best = param;
            best_cost = cost;
        }
        if round > 0 && improved < r.min_improvement {
            break;
        }
        if round == 0 && !ran_out && settled(&best) {
            break;
        }
    }
    Ok(best)
}

/// Evaluations without an improvement of `min_improvement`, at a settled point, after which
/// a run stops (about a hundred Nelder–Mead iterations in four parameters).
pub const PATIENCE: usize = 400;

/// What a run has seen: the best point, and the evaluation at which its cost last improved
/// by `min_improvement`.
#[derive(Default)]
struct Seen {
    evaluations: usize,
    best: Option<(Vec<f64>, f64)>,
    mark: Option<(usize, f64)>,
}

/// The objective, watching the run: past [`PATIENCE`] evaluations without a real
/// improvement at a settled point it ends the run with the best point ([`OnTheRidge`]).
struct Watched<'a, O> {
    inner: O,
    settled: &'a dyn Fn(&[f64]) -> bool,
    min_improvement: f64,
    seen: RefCell<Seen>,
}

/// The end of a run on a flat ridge at a settled point, with the best point seen.
#[derive(Debug)]
struct OnTheRidge {
    param: Vec<f64>,
    cost: f64,
}

impl std::fmt::Display for OnTheRidge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "settled on a flat ridge at {:?}", self.param)
    }
}

impl std::error::Error for OnTheRidge {}

impl<O> CostFunction for Watched<'_, O>
where
    O: CostFunction<Param = Vec<f64>, Output = f64>,
{
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        let cost = self.inner.cost(p)?;
        let mut seen = self.seen.borrow_mut();
        seen.evaluations += 1;
        let n = seen.evaluations;
        if seen.best.as_ref().is_none_or(|(_, b)| cost < *b) {
            seen.best = Some((p.clone(), cost));
        }
        if seen
            .mark
            .is_none_or(|(_, m)| cost < m - self.min_improvement)
        {
            seen.mark = Some((n, cost));
        }
        if let (Some((param, best)), Some((at, _))) = (&seen.best, seen.mark)
            && n - at > PATIENCE
            && (self.settled)(param)
        {
            return Err(OnTheRidge {
                param: param.clone(),
                cost: *best,
            }
            .into());
        }
        Ok(cost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// (x − 20)² + (y − 1)², counting its evaluations.
    #[derive(Clone)]
    struct Bowl(Arc<AtomicUsize>);

    impl CostFunction for Bowl {
        type Param = Vec<f64>;
        type Output = f64;
        fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
            self.0.fetch_add(1, Ordering::Relaxed);
            Ok((p[0] - 20.0).powi(2) + (p[1] - 1.0).powi(2))
        }
    }

    const R: Restarts = Restarts {
        rounds: 10,
        sd_tolerance: 1e-14,
        max_iters: 5_000,
        min_improvement: 1e-30,
    };

    #[test]
    fn a_settled_first_run_is_not_restarted() {
        let (all, first) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let full = minimise(&Bowl(all.clone()), vec![0.0, 0.0], R).unwrap();
        // Settled once x is past 9.21 (the Gamma-Gamma fit's edge, ln 1e4): one run only.
        let once =
            minimise_until(&Bowl(first.clone()), vec![0.0, 0.0], R, |p| p[0] > 9.21).unwrap();
        assert!((full[0] - 20.0).abs() < 1e-5 && (once[0] - 20.0).abs() < 1e-3);
        let (all, first) = (all.load(Ordering::Relaxed), first.load(Ordering::Relaxed));
        assert!(first < all, "one run {first} evaluations, restarted {all}");
        // Never settled: the same evaluations as minimise.
        let again = Arc::new(AtomicUsize::new(0));
        let same = minimise_until(&Bowl(again.clone()), vec![0.0, 0.0], R, |_| false).unwrap();
        assert_eq!(same, full);
        assert_eq!(again.load(Ordering::Relaxed), all);
    }

    /// A narrow valley running diagonally to infinity in the last two parameters (growing
    /// together, as a BG/NBD fit's a and b do for a constant drop-out chance) along which the
    /// cost falls ever more slowly, walled beyond 14 as the fits' costs are, with the rounding
    /// noise of a sum over many clients (about 1e-11: above the tolerance, so the simplex never
    /// settles by itself); counting its evaluations.
    #[derive(Clone)]
    struct Ridge(Arc<AtomicUsize>);

    impl CostFunction for Ridge {
        type Param = Vec<f64>;
        type Output = f64;
        fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
            self.0.fetch_add(1, Ordering::Relaxed);
            let wall: f64 = p.iter().map(|v| (v.abs() - 14.0).max(0.0).powi(2)).sum();
            let along = 1.0 / (1.0 + p[2] + p[3]).max(1.0);
            let valley = 1e4 * (p[2] - p[3] - 0.5).powi(2);
            let noise = p.iter().fold(0u64, |h, v| {
                (h ^ v.to_bits()).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            }) % 1000;
            let bowl = (p[0] - 1.0).powi(2) + (p[1] - 2.0).powi(2);
            Ok(along + valley + bowl + wall + noise as f64 * 1e-14)
        }
    }

    #[test]
    fn a_run_on_a_flat_ridge_stops_once_settled() {
        let r = Restarts {
            min_improvement: 1e-10,
            ..R
        };
        let (all, watched) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let full = minimise(&Ridge(all.clone()), vec![0.0; 4], r).unwrap();
        let settled = |p: &[f64]| p[2] > 9.21;
        let once = minimise_until(&Ridge(watched.clone()), vec![0.0; 4], r, settled).unwrap();
        let (all, watched) = (all.load(Ordering::Relaxed), watched.load(Ordering::Relaxed));
        // Both go far along the valley and stay in it.
        for p in [&full, &once] {
            assert!(p[2] > 9.21 && (p[2] - p[3] - 0.5).abs() < 1e-3, "{p:?}");
        }
        // As good to a billionth, where the unwatched run polishes on through the noise
        // (57,461 evaluations, against 944).
        let cost = |p: &Vec<f64>| Ridge(Arc::new(AtomicUsize::new(0))).cost(p).unwrap();
        assert!(
            cost(&once) - cost(&full) < 1e-9,
            "{once:?} against {full:?}"
        );
        assert!(
            watched * 3 < all,
            "watched {watched} evaluations, unwatched {all}"
        );
    }
}
