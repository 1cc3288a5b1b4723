//! Maximum-likelihood fits by Nelder–Mead (argmin) over the logarithms of the parameters,
//! restarted from the best point with a fresh, smaller simplex until a restart no longer
//! improves the cost: Nelder–Mead stalls on flat ridges, which these likelihoods have.

use argmin::core::{CostFunction, Executor, State};
use argmin::solver::neldermead::NelderMead;

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
        let result = Executor::new(objective.clone(), solver)
            .configure(|s| s.max_iters(r.max_iters))
            .run()
            .map_err(|e| e.to_string())?;
        let state = result.state();
        let cost = state.get_best_cost();
        let param = state
            .get_best_param()
            .cloned()
            .ok_or_else(|| "no parameters".to_string())?;
        let improved = best_cost - cost;
        if cost < best_cost {
            best = param;
            best_cost = cost;
        }
        if round > 0 && improved < r.min_improvement {
            break;
        }
    }
    Ok(best)
}
