//! What `crmstat.toml` may not say: unknown tables or columns in a mapping, stage names
//! that collide, and settings that cannot hold together. Each refusal names the key.

use std::collections::BTreeMap;

use super::{Config, TableConfig, encoding_by_name, stage_key};
use crate::schema;

impl Config {
    /// Refuse stage names that are one name under the ё/е, case and spacing rule (they
    /// would count as one stage or as two), and a name that is both won and lost.
    pub(super) fn check_stages(&self) -> std::result::Result<(), String> {
        let normalize = stage_key;
        let f = &self.funnel;
        for (key, names) in [
            ("stages", &f.stages),
            ("won_stages", &f.won_stages),
            ("lost_stages", &f.lost_stages),
        ] {
            let mut seen: BTreeMap<String, &String> = BTreeMap::new();
            for n in names {
                if let Some(first) = seen.insert(normalize(n), n) {
                    return Err(format!(
                        "[funnel] {key}: \"{first}\" and \"{n}\" are the same stage (names are compared ignoring case, spaces and ё/е); keep one"
                    ));
                }
            }
        }
        for won in &f.won_stages {
            if let Some(lost) = f
                .lost_stages
                .iter()
                .find(|l| normalize(l) == normalize(won))
            {
                return Err(format!(
                    "[funnel] \"{won}\" is in won_stages and \"{lost}\" in lost_stages: a stage cannot mean both; remove it from one"
                ));
            }
        }
        Ok(())
    }

    /// Refuse mappings that name unknown tables or columns, and impossible settings.
    pub(super) fn check(&self) -> std::result::Result<(), String> {
        for (table, tc) in &self.tables {
            check_table(table, tc)?;
        }
        self.check_stages()?;
        let [first, last] = self.input.years;
        if first > last || first < 1 || last > 9999 {
            return Err(format!(
                "[input] years = [{first}, {last}]: give the first and last plausible year, e.g. [1990, 2100]"
            ));
        }
        if self.funnel.followup_days.is_nan() || self.funnel.followup_days < 0.0 {
            return Err("[funnel] followup_days must be zero or more".into());
        }
        if self.input.encoding != "auto" && encoding_by_name(&self.input.encoding).is_none() {
            return Err(format!(
                "[input] encoding `{}`: use auto, utf-8, windows-1251 or windows-1252 (iso-8859-1)",
                self.input.encoding
            ));
        }
        if self.input.delimiter != "auto" && self.delimiter_byte().is_none() {
            return Err(
                "[input] delimiter must be auto or a single character such as \";\" or \"\\t\""
                    .into(),
            );
        }
        let r = &self.reactivation;
        for (key, v) in [
            ("factor", r.factor),
            ("floor_days", r.floor_days),
            ("default_gap_days", r.default_gap_days),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(format!("[reactivation] {key} must be zero or more"));
            }
        }
        if !(self.campaigns.lookback_days >= 0.0 && self.campaigns.lookback_days.is_finite()) {
            return Err("[campaigns] lookback_days must be zero or more".into());
        }
        if !(r.horizon_days > 0.0 && r.horizon_days.is_finite()) {
            return Err("[reactivation] horizon_days must be more than zero".into());
        }
        if self.clv.horizon_months == 0 || self.clv.horizon_months > 600 {
            return Err("[clv] horizon_months must be 1 to 600".into());
        }
        if !(self.clv.discount_monthly >= 0.0 && self.clv.discount_monthly < 1.0) {
            return Err(
                "[clv] discount_monthly must be at least 0 and below 1 (0.01 = 1 % a month)".into(),
            );
        }
        self.payroll.check()?;
        let stages = &self.funnel.stages;
        for (i, s) in stages.iter().enumerate() {
            if stages[..i].iter().any(|t| t.eq_ignore_ascii_case(s)) {
                return Err(format!("[funnel] stages: `{s}` is listed twice"));
            }
        }
        Ok(())
    }
}

/// Refuse a `[tables.<table>]` that names an unknown table or column, a join without its
/// file, or a status rule on another table than deals or with a status other than won,
/// lost or open.
fn check_table(table: &str, tc: &TableConfig) -> std::result::Result<(), String> {
    let spec = schema::table(table).ok_or_else(|| {
        let known: Vec<_> = schema::ALL.iter().map(|t| t.name).collect();
        format!(
            "[tables.{table}]: unknown table; known tables: {}",
            known.join(", ")
        )
    })?;
    for canonical in tc.defaults.keys() {
        if spec.column(canonical).is_none() {
            let known: Vec<_> = spec.columns.iter().map(|c| c.name).collect();
            return Err(format!(
                "[tables.{table}.defaults]: `{canonical}` is not a column of {table}; known columns: {}",
                known.join(", ")
            ));
        }
    }
    if let Some(j) = &tc.join {
        for canonical in std::iter::once(&j.on).chain(j.columns.keys()) {
            if spec.column(canonical).is_none() {
                return Err(format!(
                    "[tables.{table}.join]: `{canonical}` is not a column of {table}"
                ));
            }
        }
        if j.file.is_empty() {
            return Err(format!(
                "[tables.{table}.join]: give the file, e.g. file = \"wins.csv\""
            ));
        }
    }
    if let Some(sf) = &tc.status_from {
        if table != "deals" {
            return Err(format!(
                "[tables.{table}.status_from]: only deals have a status"
            ));
        }
        for (key, c) in [("won_when", &sf.won_when), ("lost_when", &sf.lost_when)] {
            if let Some(c) = c {
                if spec.column(c).is_none() {
                    return Err(format!(
                        "[tables.deals.status_from] {key} = \"{c}\": not a column of deals (name a canonical column, e.g. closed_at)"
                    ));
                }
            }
        }
        for (word, status) in &sf.values {
            if !["won", "lost", "open"].contains(&status.as_str()) {
                return Err(format!(
                    "[tables.deals.status_from.values] \"{word}\" = \"{status}\": use won, lost or open"
                ));
            }
        }
    }
    for canonical in tc.columns.keys() {
        if spec.column(canonical).is_none() {
            let known: Vec<_> = spec.columns.iter().map(|c| c.name).collect();
            return Err(format!(
                "[tables.{table}.columns]: `{canonical}` is not a column of {table}; \
                     map canonical names onto your headers, e.g. deal_id = \"ID\"; \
                     known columns: {}",
                known.join(", ")
            ));
        }
    }
    Ok(())
}
