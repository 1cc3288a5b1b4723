//! `[payroll]` in crmstat.toml: what commission is paid on (the basis), by which scheme,
//! how it is rounded, and what happens to money that arrives after a manager has left.
//! Rates and amounts are read exactly (never kept as floats): a percent is held in
//! millionths of the basis, a tier boundary in minor units.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::money::{format_money, parse_money};

/// Commission settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PayrollConfig {
    /// `paid`: payments dated in the period on the manager's deals ("pay when paid");
    /// `won`: amounts of the manager's deals won in the period. Refunds in the period
    /// reduce either basis.
    pub basis: Basis,
    /// Rounding of commission to the kopeck/cent: `half-up` (halves away from zero) or
    /// `half-even` (banker's rounding).
    pub rounding: Rounding,
    /// Money dated after the manager's `left_on`: `withhold` (listed, earns nothing) or
    /// `pay` (commissioned as usual).
    pub after_leaving: AfterLeaving,
    /// The scheme every manager is paid by unless `managers` names another.
    pub scheme: String,
    /// Named schemes.
    pub schemes: BTreeMap<String, Scheme>,
    /// Per-manager overrides: manager_id = "scheme name".
    pub managers: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    Paid,
    Won,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Rounding {
    HalfUp,
    HalfEven,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AfterLeaving {
    Withhold,
    Pay,
}

/// One commission scheme.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    /// `flat`, `retroactive` (the rate of the tier reached applies to the whole basis)
    /// or `marginal` (each tier's rate applies to the part of the basis inside it).
    #[serde(rename = "type")]
    pub kind: SchemeKind,
    /// The rate of a flat scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<Percent>,
    /// The tiers of a tiered scheme, the first from 0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<Tier>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SchemeKind {
    Flat,
    Retroactive,
    Marginal,
}

/// A tier: from this basis on (inclusive), this percent. `from_plan` keys the tier to the
/// manager's plan instead: from this percent of the period's plan (`from_plan = 100` is the
/// plan met), so one scheme pays every manager by their own attainment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    #[serde(default)]
    pub from: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_plan: Option<Percent>,
    pub percent: Percent,
}

impl Scheme {
    /// Whether the tiers are keyed to the plan (`from_plan`).
    pub fn plan_keyed(&self) -> bool {
        self.tiers.iter().any(|t| t.from_plan.is_some())
    }

    /// The scheme with its plan-keyed tiers turned into amounts for a plan of `plan` minor
    /// units (boundaries rounded half up to the kopeck).
    pub fn for_plan(&self, plan: i128) -> Scheme {
        let mut s = self.clone();
        for t in &mut s.tiers {
            if let Some(p) = t.from_plan {
                let scaled = plan * i128::from(p.0);
                let from = crate::money::div_round(scaled, i128::from(RATE_SCALE), false);
                t.from = Money(i64::try_from(from).unwrap_or(i64::MAX));
            }
        }
        s
    }
}

/// A percent held exactly, in millionths of the amount it applies to (5 % = 50 000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Percent(pub i64);

/// Millionths in one (the scale of [`Percent`]).
pub const RATE_SCALE: i64 = 1_000_000;

impl Percent {
    /// Parse `5`, `2.5`, `0.125` (percent, at most 4 decimals).
    pub fn parse(text: &str) -> Option<Percent> {
        let t = text.trim().trim_end_matches('%').trim();
        let (neg, t) = match t.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, t),
        };
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty() && frac.is_empty()
            || !whole.bytes().all(|c| c.is_ascii_digit())
            || !frac.bytes().all(|c| c.is_ascii_digit())
            || frac.len() > 4
        {
            return None;
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let frac4: i64 = format!("{frac:0<4}").parse().ok()?;
        let v = whole.checked_mul(10_000)?.checked_add(frac4)?;
        Some(Percent(if neg { -v } else { v }))
    }

    /// The rate as a fraction (0.05 for 5 %), for output columns.
    pub fn fraction(self) -> f64 {
        self.0 as f64 / RATE_SCALE as f64
    }
}

impl std::fmt::Display for Percent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let frac = format!("{:04}", a % 10_000);
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            write!(f, "{sign}{}%", a / 10_000)
        } else {
            write!(f, "{sign}{}.{frac}%", a / 10_000)
        }
    }
}

/// An amount of money in minor units, written in TOML as a number or a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Money(pub i64);

/// A TOML scalar as text: numbers in their shortest exact form.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Int(i64),
    Float(f64),
    Text(String),
}

impl Scalar {
    fn text(self) -> String {
        match self {
            Scalar::Int(i) => i.to_string(),
            // `{}` prints the shortest text that reads back as the same float, which is
            // the decimal the user typed (2.5 → "2.5").
            Scalar::Float(f) => format!("{f}"),
            Scalar::Text(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Scalar::deserialize(d)?.text();
        Percent::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "percent `{text}`: write a number such as 5 or 2.5 (at most 4 decimals)"
            ))
        })
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Four decimals at most, so the float prints as the exact decimal (2.5, 0.1234).
        s.serialize_f64(self.0 as f64 / 10_000.0)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Scalar::deserialize(d)?.text();
        parse_money(&text).map(Money).map_err(|e| {
            serde::de::Error::custom(format!(
                "amount `{text}`: {e}; write e.g. 500000 or \"500000.00\""
            ))
        })
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_money(self.0))
    }
}

impl Default for PayrollConfig {
    fn default() -> Self {
        let mut schemes = BTreeMap::new();
        schemes.insert(
            "default".to_string(),
            Scheme {
                kind: SchemeKind::Flat,
                percent: Some(Percent(50_000)),
                tiers: Vec::new(),
            },
        );
        PayrollConfig {
            basis: Basis::Paid,
            rounding: Rounding::HalfUp,
            after_leaving: AfterLeaving::Withhold,
            scheme: "default".into(),
            schemes,
            managers: BTreeMap::new(),
        }
    }
}

impl PayrollConfig {
    /// The scheme a manager is paid by, with its name.
    pub fn scheme_of(&self, manager_id: &str) -> Option<(&str, &Scheme)> {
        let name = self.managers.get(manager_id).unwrap_or(&self.scheme);
        self.schemes.get(name).map(|s| (name.as_str(), s))
    }

    /// Refuse schemes that cannot be applied.
    pub(super) fn check(&self) -> Result<(), String> {
        let known = || self.schemes.keys().cloned().collect::<Vec<_>>().join(", ");
        if !self.schemes.contains_key(&self.scheme) {
            return Err(format!(
                "[payroll] scheme = \"{}\": no [payroll.schemes.{}] section; defined schemes: {}",
                self.scheme,
                self.scheme,
                known()
            ));
        }
        for (manager, scheme) in &self.managers {
            if !self.schemes.contains_key(scheme) {
                return Err(format!(
                    "[payroll.managers] {manager} = \"{scheme}\": no such scheme; defined schemes: {}",
                    known()
                ));
            }
        }
        for (name, s) in &self.schemes {
            let at = format!("[payroll.schemes.{name}]");
            match s.kind {
                SchemeKind::Flat => {
                    if s.percent.is_none() || !s.tiers.is_empty() {
                        return Err(format!(
                            "{at}: a flat scheme takes `percent = 5` and no tiers"
                        ));
                    }
                }
                SchemeKind::Retroactive | SchemeKind::Marginal => {
                    if s.percent.is_some() || s.tiers.is_empty() {
                        return Err(format!(
                            "{at}: a tiered scheme takes tiers = [{{ from = 0, percent = 3 }}, \
                             {{ from = 500000, percent = 5 }}] and no percent"
                        ));
                    }
                    let keyed = s.tiers.iter().filter(|t| t.from_plan.is_some()).count();
                    if keyed > 0 {
                        if keyed < s.tiers.len() || s.tiers.iter().any(|t| t.from.0 != 0) {
                            return Err(format!(
                                "{at}: tiers keyed to the plan give every tier `from_plan` (a percent of the \
                                 plan) and no `from`"
                            ));
                        }
                        let starts: Vec<Percent> =
                            s.tiers.iter().filter_map(|t| t.from_plan).collect();
                        if starts[0].0 != 0 {
                            return Err(format!(
                                "{at}: the first tier must start from from_plan = 0"
                            ));
                        }
                        if starts.windows(2).any(|w| w[1] <= w[0]) {
                            return Err(format!(
                                "{at}: tiers must be in rising order of `from_plan`"
                            ));
                        }
                    } else if s.tiers[0].from.0 != 0 {
                        return Err(format!(
                            "{at}: the first tier must start from 0 (use percent = 0 for \
                             \"nothing below the threshold\")"
                        ));
                    }
                    if keyed == 0 && s.tiers.windows(2).any(|w| w[1].from <= w[0].from) {
                        return Err(format!("{at}: tiers must be in rising order of `from`"));
                    }
                }
            }
            let rates = s.percent.iter().chain(s.tiers.iter().map(|t| &t.percent));
            for p in rates {
                if p.0 < 0 || p.0 > RATE_SCALE {
                    return Err(format!("{at}: percent {p} is outside 0–100"));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percents_are_exact() {
        assert_eq!(Percent::parse("5"), Some(Percent(50_000)));
        assert_eq!(Percent::parse("2.5"), Some(Percent(25_000)));
        assert_eq!(Percent::parse("0.1234"), Some(Percent(1_234)));
        assert_eq!(Percent::parse("0.12345"), None);
        assert_eq!(Percent::parse("x"), None);
        assert_eq!(Percent(25_000).to_string(), "2.5%");
        assert_eq!(Percent(50_000).to_string(), "5%");
    }

    #[test]
    fn schemes_are_read_and_checked() {
        let c = crate::config::Config::parse(
            "[payroll]\nbasis = \"won\"\nrounding = \"half-even\"\nscheme = \"tiers\"\n\
             [payroll.schemes.tiers]\ntype = \"marginal\"\n\
             tiers = [{ from = 0, percent = 3 }, { from = \"100 000,00\", percent = 5.5 }]\n\
             [payroll.schemes.flat]\ntype = \"flat\"\npercent = 4\n\
             [payroll.managers]\nM1 = \"flat\"\n",
        )
        .unwrap();
        let p = &c.payroll;
        assert_eq!(p.basis, Basis::Won);
        assert_eq!(p.rounding, Rounding::HalfEven);
        let (name, s) = p.scheme_of("M2").unwrap();
        assert_eq!(name, "tiers");
        assert_eq!(s.tiers[1].from, Money(10_000_000));
        assert_eq!(s.tiers[1].percent, Percent(55_000));
        assert_eq!(p.scheme_of("M1").unwrap().0, "flat");
        // Schemes of the file replace the built-in one: naming no scheme it defines is an
        // error, not a silent 5 %.
        let err =
            crate::config::Config::parse("[payroll.schemes.t]\ntype = \"flat\"\npercent = 3\n")
                .unwrap_err();
        assert!(
            err.contains("scheme = \"default\": no [payroll.schemes.default] section"),
            "{err}"
        );
        let err = crate::config::Config::parse(
            "[payroll]\nscheme = \"t\"\n[payroll.schemes.t]\ntype = \"retroactive\"\ntiers = [{ from = 10, percent = 3 }]\n",
        )
        .unwrap_err();
        assert!(err.contains("first tier must start from 0"), "{err}");
        let err = crate::config::Config::parse("[payroll.managers]\nM1 = \"nope\"\n").unwrap_err();
        assert!(err.contains("no such scheme"), "{err}");
    }
}
