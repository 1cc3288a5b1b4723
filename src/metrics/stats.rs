//! Small statistical tools the figures share: the Wilson score interval of a proportion,
//! the two-proportion z-test and Holm's correction for many comparisons.

use statrs::function::erf::erfc;

/// z for a two-sided 95 % interval: Φ⁻¹(0.975).
pub const Z95: f64 = 1.959_963_984_540_054;

/// Wilson score interval for `successes` out of `n` at the given z (SPEC: 95 %).
/// `None` when `n` is 0. Counts may be fractional (linear attribution).
pub fn wilson(successes: f64, n: f64, z: f64) -> Option<(f64, f64)> {
    if n <= 0.0 {
        return None;
    }
    let p = (successes / n).clamp(0.0, 1.0);
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At 0 and at n successes one end is exactly 0 or 1; keep rounding noise out.
    let low = if successes <= 0.0 { 0.0 } else { centre - half };
    let high = if successes >= n { 1.0 } else { centre + half };
    Some((low.clamp(0.0, 1.0), high.clamp(0.0, 1.0)))
}

/// Two-sided p-value of the pooled two-proportion z-test of x1/n1 against x2/n2.
/// `None` when either group is empty or the pooled proportion is 0 or 1 (no variance: the
/// groups cannot differ).
pub fn two_proportion_p(x1: f64, n1: f64, x2: f64, n2: f64) -> Option<f64> {
    if n1 <= 0.0 || n2 <= 0.0 {
        return None;
    }
    let pooled = (x1 + x2) / (n1 + n2);
    let var = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2);
    if var <= 0.0 {
        return Some(1.0);
    }
    let z = (x1 / n1 - x2 / n2) / var.sqrt();
    Some(normal_two_sided(z))
}

/// P(|Z| ≥ |z|) for a standard normal Z.
pub fn normal_two_sided(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2).clamp(0.0, 1.0)
}

/// Holm–Bonferroni adjusted p-values, in the input order (empty stays empty).
pub fn holm(p: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut order: Vec<(usize, f64)> = p
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let m = order.len();
    let mut out = vec![None; p.len()];
    let mut running: f64 = 0.0;
    for (rank, (i, v)) in order.into_iter().enumerate() {
        running = running.max(((m - rank) as f64 * v).min(1.0));
        out[i] = Some(running);
    }
    out
}

/// Whether a normal approximation is fair: at least 5 expected successes and 5 expected
/// failures in each group under the pooled rate.
pub fn enough_for_z(x1: f64, n1: f64, x2: f64, n2: f64) -> bool {
    if n1 <= 0.0 || n2 <= 0.0 {
        return false;
    }
    let pooled = (x1 + x2) / (n1 + n2);
    [n1, n2]
        .iter()
        .all(|n| n * pooled >= 5.0 && n * (1.0 - pooled) >= 5.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() < tol
    }

    #[test]
    fn wilson_at_zero_and_at_n() {
        // 0 of 10: low 0, high = z²/(n + z²) = 3.8415/13.8415 = 0.27753.
        let (lo, hi) = wilson(0.0, 10.0, Z95).unwrap();
        assert_eq!(lo, 0.0);
        assert!(close(hi, 3.841_459 / 13.841_459, 1e-6), "{hi}");
        // 10 of 10: high 1, low = n/(n + z²) = 10/13.8415 = 0.72247.
        let (lo, hi) = wilson(10.0, 10.0, Z95).unwrap();
        assert_eq!(hi, 1.0);
        assert!(close(lo, 10.0 / 13.841_459, 1e-6), "{lo}");
        // 30 of 100 (the textbook case): 0.2189 to 0.3958.
        let (lo, hi) = wilson(30.0, 100.0, Z95).unwrap();
        assert!(
            close(lo, 0.2189, 1e-4) && close(hi, 0.3958, 1e-4),
            "{lo} {hi}"
        );
        assert_eq!(wilson(0.0, 0.0, Z95), None);
    }

    #[test]
    fn two_proportion_test_by_hand() {
        // 30/100 vs 20/100: pooled 0.25, se = √(0.25·0.75·0.02) = 0.0612372, z = 1.632993;
        // p = erfc(1.632993/√2) = 0.102470 (Python: math.erfc(1.632993161855452/2**0.5)).
        let p = two_proportion_p(30.0, 100.0, 20.0, 100.0).unwrap();
        assert!(close(p, 0.102_470, 1e-6), "{p}");
        // Equal rates: p = 1.
        assert!(close(
            two_proportion_p(5.0, 50.0, 10.0, 100.0).unwrap(),
            1.0,
            1e-12
        ));
        // Nobody won anywhere: nothing to tell apart.
        assert_eq!(two_proportion_p(0.0, 10.0, 0.0, 10.0), Some(1.0));
        assert_eq!(two_proportion_p(1.0, 0.0, 1.0, 10.0), None);
        assert!(close(normal_two_sided(Z95), 0.05, 1e-9));
    }

    #[test]
    fn holm_adjusts_in_order() {
        // p = 0.01, 0.04, 0.03 (m = 3): sorted 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 → max(0.06, 0.04) = 0.06.
        let adj = holm(&[Some(0.01), Some(0.04), None, Some(0.03)]);
        let want = [Some(0.03), Some(0.06), None, Some(0.06)];
        for (a, w) in adj.iter().zip(want) {
            match (a, w) {
                (Some(a), Some(w)) => assert!(close(*a, w, 1e-12), "{adj:?}"),
                (a, w) => assert_eq!(*a, w),
            }
        }
    }
}
