//! The funnel's stages: their order (from the config, else inferred from stage_history),
//! which names mean won or lost, where lost deals were lost, and the invoice stage.

use std::collections::HashMap;

use crate::config::FunnelConfig;

/// Compare stage names as people write them: ignoring case, surrounding spaces and ё/е.
pub fn normalize(name: &str) -> String {
    crate::config::stage_key(name)
}

/// What a stage name says about a deal's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Won,
    Lost,
}

/// The resolved stages of a run.
#[derive(Debug, Clone)]
pub struct Stages {
    /// Funnel stages in order, spelled as the config (or the data) spells them.
    pub order: Vec<String>,
    /// True when the order was inferred from stage_history rather than configured.
    pub inferred: bool,
    won: Vec<String>,
    lost: Vec<String>,
    lost_at: Option<String>,
    invoice: Option<String>,
    index: HashMap<String, usize>,
    /// `[funnel] stale_after_days`: an open deal older than this counts as lost.
    pub stale_after_days: Option<f64>,
    /// True when `order` is only the deals' stage names by name (no order was configured or
    /// inferred): enough to name stages, not for the funnel.
    pub unordered: bool,
}

impl Stages {
    /// Stages from the config; `history` (stage entries as (deal, stage, time-ordered
    /// position)) is used only when the config lists no stages.
    pub fn resolve(config: &FunnelConfig, history: Option<&[(String, String, u32)]>) -> Stages {
        let (order, inferred) = if !config.stages.is_empty() {
            (config.stages.clone(), false)
        } else {
            match history {
                Some(h) if !h.is_empty() => (infer_order(h, config), true),
                _ => (Vec::new(), false),
            }
        };
        let index = order
            .iter()
            .enumerate()
            .map(|(i, s)| (normalize(s), i))
            .collect();
        Stages {
            order,
            inferred,
            won: config.won_stages.iter().map(|s| normalize(s)).collect(),
            lost: config.lost_stages.iter().map(|s| normalize(s)).collect(),
            lost_at: config.lost_at.clone(),
            stale_after_days: config.stale_after_days,
            invoice: config.invoice_stage.clone(),
            index,
            unordered: false,
        }
    }

    /// These rules with `names` as the stages, by name and not in funnel order.
    pub fn by_name(&self, names: Vec<String>) -> Stages {
        let index = names
            .iter()
            .enumerate()
            .map(|(i, s)| (normalize(s), i))
            .collect();
        Stages {
            order: names,
            inferred: false,
            index,
            unordered: true,
            ..self.clone()
        }
    }

    /// True when the stage order is known (configured or inferred).
    pub fn known(&self) -> bool {
        !self.order.is_empty()
    }

    /// Position of a stage in the funnel.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.index.get(&normalize(name)).copied()
    }

    /// The configured spelling of a stage name, if it is a funnel stage.
    pub fn canonical(&self, name: &str) -> Option<&str> {
        self.index(name).map(|i| self.order[i].as_str())
    }

    /// Whether a stage name marks the deal won or lost.
    pub fn outcome(&self, name: &str) -> Option<Outcome> {
        let n = normalize(name);
        if self.won.contains(&n) {
            Some(Outcome::Won)
        } else if self.lost.contains(&n) {
            Some(Outcome::Lost)
        } else {
            None
        }
    }

    /// Index of the first funnel stage that is a won stage, if the funnel lists one.
    pub fn won_index(&self) -> Option<usize> {
        self.order
            .iter()
            .position(|s| self.outcome(s) == Some(Outcome::Won))
    }

    /// The last stage a deal can be in before it is won: the stage before the first won
    /// stage of the funnel, or the last stage when the funnel lists no won stage.
    pub fn last_open_index(&self) -> Option<usize> {
        match self.won_index() {
            Some(0) => None,
            Some(i) => Some(i - 1),
            None => self.order.len().checked_sub(1),
        }
    }

    /// Where a lost deal with no usable stage was lost: `[funnel] lost_at`, else the last
    /// stage before the won stage.
    pub fn default_loss_index(&self) -> Option<usize> {
        match &self.lost_at {
            Some(name) => self.index(name),
            None => self.last_open_index(),
        }
    }

    /// Whether `[funnel] lost_at` names the loss stage of deals that record none.
    pub fn lost_at_configured(&self) -> bool {
        self.lost_at.is_some()
    }

    /// The invoice stage: configured, else the first stage named like invoice/счет.
    pub fn invoice_index(&self) -> Option<usize> {
        match &self.invoice {
            Some(name) => self.index(name),
            None => self.order.iter().position(|s| {
                let n = normalize(s);
                n.contains("invoice") || n.contains("счет")
            }),
        }
    }

    /// The configured `lost_at` or `invoice_stage` names that are not funnel stages.
    pub fn unknown_settings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.known() {
            return out;
        }
        for (key, value) in [("lost_at", &self.lost_at), ("invoice_stage", &self.invoice)] {
            if let Some(v) = value.as_ref().filter(|v| self.index(v).is_none()) {
                out.push(format!("[funnel] {key} = \"{v}\" is not one of the stages"));
            }
        }
        out
    }
}

/// Order stages by where they usually come in a deal's history: the mean position of a
/// stage's first entry within each deal. Lost-named stages are left out (a deal is lost at
/// a funnel stage, not in a stage of its own); won-named stages go last.
fn infer_order(history: &[(String, String, u32)], config: &FunnelConfig) -> Vec<String> {
    let lost: Vec<String> = config.lost_stages.iter().map(|s| normalize(s)).collect();
    let won: Vec<String> = config.won_stages.iter().map(|s| normalize(s)).collect();
    let mut first_pos: HashMap<(&str, String), u32> = HashMap::new();
    let mut spelling: HashMap<String, &str> = HashMap::new();
    for (deal, stage, pos) in history {
        let n = normalize(stage);
        spelling.entry(n.clone()).or_insert(stage.as_str());
        let e = first_pos.entry((deal.as_str(), n)).or_insert(*pos);
        *e = (*e).min(*pos);
    }
    let mut sums: HashMap<String, (f64, f64)> = HashMap::new();
    for ((_, stage), pos) in first_pos {
        let e = sums.entry(stage).or_insert((0.0, 0.0));
        e.0 += f64::from(pos);
        e.1 += 1.0;
    }
    let mut stages: Vec<(String, f64, bool)> = sums
        .into_iter()
        .filter(|(s, _)| !lost.contains(s))
        .map(|(s, (sum, n))| {
            let is_won = won.contains(&s);
            (s, sum / n, is_won)
        })
        .collect();
    stages.sort_by(|a, b| a.2.cmp(&b.2).then(a.1.total_cmp(&b.1)).then(a.0.cmp(&b.0)));
    stages
        .into_iter()
        .map(|(s, _, _)| spelling[&s].trim().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(stages: &[&str]) -> FunnelConfig {
        FunnelConfig {
            stages: stages.iter().map(|s| s.to_string()).collect(),
            ..FunnelConfig::default()
        }
    }

    #[test]
    fn names_match_ignoring_case_and_yo() {
        let s = Stages::resolve(&config(&["Первичный звонок", "Выставлен счёт"]), None);
        assert_eq!(s.index("выставлен счет"), Some(1));
        assert_eq!(s.canonical(" ПЕРВИЧНЫЙ ЗВОНОК "), Some("Первичный звонок"));
        assert_eq!(s.invoice_index(), Some(1));
        assert_eq!(s.outcome("Closed Won"), Some(Outcome::Won));
        assert_eq!(s.outcome("LOST"), Some(Outcome::Lost));
    }

    #[test]
    fn loss_defaults_to_the_stage_before_won() {
        let s = Stages::resolve(&config(&["Prospecting", "Engaging", "Won"]), None);
        assert_eq!(s.won_index(), Some(2));
        assert_eq!(s.default_loss_index(), Some(1));
        let s = Stages::resolve(&config(&["A", "B", "C"]), None);
        assert_eq!(s.default_loss_index(), Some(2));
    }

    #[test]
    fn order_is_inferred_from_history() {
        // Deal 1: A, B, C; deal 2: A, C (skip); deal 3: B, A (went back), Closed Lost.
        let h: Vec<(String, String, u32)> = [
            ("1", "A", 0),
            ("1", "B", 1),
            ("1", "C", 2),
            ("1", "Won", 3),
            ("2", "A", 0),
            ("2", "C", 1),
            ("3", "A", 0),
            ("3", "B", 1),
            ("3", "A", 2),
            ("3", "Closed Lost", 3),
        ]
        .iter()
        .map(|(d, s, p)| (d.to_string(), s.to_string(), *p))
        .collect();
        let s = Stages::resolve(&FunnelConfig::default(), Some(&h));
        // Mean first positions: A 0, B 1, C 1.5; Won goes last; Closed Lost is left out.
        assert_eq!(s.order, vec!["A", "B", "C", "Won"]);
        assert!(s.inferred);
    }
}
