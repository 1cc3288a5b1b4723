//! `crmstat.toml`: how an export maps onto the canonical tables (SPEC §4), the funnel's
//! stage order and won/lost names, and the defaults of every figure. All keys are optional;
//! unknown keys are refused so that a typo is caught instead of silently ignored.

mod check;
mod profile;
mod tables;
pub use profile::Profile;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub use tables::{JoinConfig, Sheet, StatusFrom, TableConfig};

pub use payroll::{
    AfterLeaving, Basis, Money, PayrollConfig, Percent, RATE_SCALE, Rounding, Scheme, SchemeKind,
    Tier,
};

mod payroll;

/// The whole config file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Currency of amounts that have no `currency` column.
    pub currency: String,
    /// `currency` is written in the config file (else a deals `currency` column sets it).
    #[serde(skip)]
    pub currency_set: bool,
    /// Language of charts and the HTML report: `en` or `ru`.
    pub lang: crate::i18n::Lang,
    /// Read the data folder as this CRM's own export (`bitrix24`, `amocrm`, `hubspot`,
    /// `salesforce`, `pipedrive`) instead of canonical tables.
    pub profile: Option<Profile>,
    /// Settings of reading a CRM export through a profile.
    pub import: ImportConfig,
    /// Extra datetime formats (chrono `strftime` syntax), tried after the built-in
    /// ISO 8601 and `dd.mm.yyyy[ HH:MM[:SS]]` forms.
    pub datetime_formats: Vec<String>,
    /// How input files are decoded.
    pub input: InputConfig,
    /// The sales funnel.
    pub funnel: FunnelConfig,
    /// Campaign attribution and cost (used by `crmstat campaigns`).
    pub campaigns: CampaignsConfig,
    /// Reactivation defaults (used by `crmstat reactivation`).
    pub reactivation: ReactivationConfig,
    /// Lifetime value (used by `crmstat clv`).
    pub clv: ClvConfig,
    /// The forecast (used by `crmstat forecast` and the report).
    pub forecast: ForecastConfig,
    /// Commission schemes and rules (used by `crmstat payroll` and plan attainment).
    pub payroll: PayrollConfig,
    /// The monthly report.
    pub report: ReportConfig,
    /// Per-table file names and column mappings, keyed by canonical table name.
    pub tables: BTreeMap<String, TableConfig>,
}

/// Reading a CRM's own export (with `profile`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ImportConfig {
    /// Keep only the deals of this pipeline (by its name in the export). Default: all.
    pub pipeline: Option<String>,
    /// The manager of deals the export gives no owner for.
    pub default_manager: String,
    /// Stage code → stage name, for stage history that records codes (Bitrix24
    /// `crm.stagehistory.list`: `C3:NEW` = "Новая"). Added to the built-in default codes.
    pub stage_names: BTreeMap<String, String>,
}

impl Default for ImportConfig {
    fn default() -> Self {
        ImportConfig {
            pipeline: None,
            default_manager: "(unassigned)".into(),
            stage_names: BTreeMap::new(),
        }
    }
}

/// A stage name as people mean it: ignoring case, surrounding spaces and ё/е (the key
/// under which two spellings are one stage).
pub fn stage_key(name: &str) -> String {
    name.trim().to_lowercase().replace('ё', "е")
}

/// `[report]`: when an earlier period is worth comparing with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ReportConfig {
    /// The share of the earlier period's days the data must cover.
    pub compare_min_share: f64,
    /// The deals that must have been created in the earlier period.
    pub compare_min_deals: i64,
}

impl Default for ReportConfig {
    fn default() -> Self {
        ReportConfig {
            compare_min_share: 0.5,
            compare_min_deals: 30,
        }
    }
}

/// Decoding of CSV files.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct InputConfig {
    /// `auto` (UTF-8 with or without BOM, else Windows-1251), `utf-8` or `windows-1251`.
    pub encoding: String,
    /// `auto` (detect `,` `;` or tab from the first lines), or the delimiter itself.
    pub delimiter: String,
    /// The plausible years of a date, first and last: a date outside them (`0000-01-01`,
    /// a placeholder `9999-12-31`) is rejected.
    pub years: [i32; 2],
}

/// Stage order and outcome names.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FunnelConfig {
    /// Stages in funnel order. Empty: inferred from stage_history and reported.
    pub stages: Vec<String>,
    /// Stage names that mean the deal is won (matched ignoring case).
    pub won_stages: Vec<String>,
    /// Stage names that mean the deal is lost (matched ignoring case).
    pub lost_stages: Vec<String>,
    /// Where a lost deal was lost when the export records only a "lost" stage name and no
    /// stage history tells more. Default: the last funnel stage before the won stage.
    pub lost_at: Option<String>,
    /// The invoice stage for follow-up checks. Default: the first stage whose name
    /// contains `invoice`, `счет` or `счёт`.
    pub invoice_stage: Option<String>,
    /// A deal that entered the invoice stage needs a contact with its client within this
    /// many days.
    pub followup_days: f64,
    /// An open deal older than this many days counts as lost (as Zoho counts overdue
    /// deals): for exports that never record a loss. Unset: open deals stay open.
    pub stale_after_days: Option<f64>,
}

/// Campaign effectiveness settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CampaignsConfig {
    /// Default attribution: `first` (the deal's campaign, else the client's), `last` or
    /// `linear` (over the campaign touches in contacts up to the deal's close).
    pub attribution: Attribution,
    /// How a campaign's cost is put into periods: `spread` (evenly over its days, from
    /// started_on to ended_on inclusive) or `start` (all of it in the period it started).
    pub cost: CostRule,
    /// A campaign touch with the client that is not tied to a deal counts for the client's
    /// deals opened up to this many days later.
    pub lookback_days: f64,
}

/// Which campaign gets the credit for a deal.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Attribution {
    /// The campaign that opened the deal, else the one that brought the client.
    First,
    /// The latest campaign touch up to the deal's close.
    Last,
    /// Every touch up to the close gets an equal share.
    Linear,
}

/// How a campaign's cost is assigned to periods.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CostRule {
    Spread,
    Start,
}

impl Default for CampaignsConfig {
    fn default() -> Self {
        CampaignsConfig {
            attribution: Attribution::First,
            cost: CostRule::Spread,
            lookback_days: 90.0,
        }
    }
}

/// Reactivation thresholds (SPEC §3).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ReactivationConfig {
    /// A client is overdue when days since last purchase > mean gap × factor.
    pub factor: f64,
    /// The threshold never goes below this many days.
    pub floor_days: f64,
    /// The gap used for one-purchase clients when the company median cannot be computed.
    pub default_gap_days: f64,
    /// What a purchase is: `deals` (won deals, at their close) or `payments` (positive
    /// payments, at their date).
    pub purchases: PurchaseSource,
    /// The span of the BG/NBD forecast (expected purchases and expected value), in days.
    pub horizon_days: f64,
}

/// Customer lifetime value (SPEC §3): the horizon and the monthly discount rate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ClvConfig {
    /// Months of future purchases counted.
    pub horizon_months: u32,
    /// Monthly discount rate (0.01 = 1 % a month).
    pub discount_monthly: f64,
}

impl Default for ClvConfig {
    fn default() -> Self {
        ClvConfig {
            horizon_months: 12,
            discount_monthly: 0.01,
        }
    }
}

/// The forecast (SPEC §3): where a deal's win probability comes from.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ForecastConfig {
    /// `stages`: the win rate of deals that reached the same stage (closed in the 12 months
    /// before); `crm`: the deal's own `probability` (percent), else its stage's rate.
    pub probability: ProbabilitySource,
}

/// Where a deal's win probability comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ProbabilitySource {
    /// The win rate of deals that reached the same stage (the default).
    #[default]
    Stages,
    /// The CRM's `probability` column (percent), else the stage's rate.
    Crm,
}

/// What counts as a purchase for reactivation and RFM.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PurchaseSource {
    Deals,
    Payments,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            currency: "RUB".into(),
            currency_set: false,
            lang: crate::i18n::Lang::En,
            profile: None,
            import: ImportConfig::default(),
            datetime_formats: Vec::new(),
            input: InputConfig::default(),
            funnel: FunnelConfig::default(),
            campaigns: CampaignsConfig::default(),
            reactivation: ReactivationConfig::default(),
            clv: ClvConfig::default(),
            forecast: ForecastConfig::default(),
            payroll: PayrollConfig::default(),
            report: ReportConfig::default(),
            tables: BTreeMap::new(),
        }
    }
}

impl Default for InputConfig {
    fn default() -> Self {
        InputConfig {
            encoding: "auto".into(),
            delimiter: "auto".into(),
            years: [1990, 2100],
        }
    }
}

impl Default for FunnelConfig {
    fn default() -> Self {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        FunnelConfig {
            stages: Vec::new(),
            won_stages: names(&["won", "closed won", "успешно реализовано", "сделка успешна"]),
            lost_stages: names(&[
                "lost",
                "closed lost",
                "закрыто и не реализовано",
                "сделка провалена",
            ]),
            lost_at: None,
            invoice_stage: None,
            followup_days: 2.0,
            stale_after_days: None,
        }
    }
}

impl Default for ReactivationConfig {
    fn default() -> Self {
        ReactivationConfig {
            factor: 1.0,
            floor_days: 30.0,
            default_gap_days: 90.0,
            purchases: PurchaseSource::Deals,
            horizon_days: 90.0,
        }
    }
}

/// The name of the config file looked for in the data folder.
pub const FILE_NAME: &str = "crmstat.toml";

impl Config {
    /// Load the config: `explicit` if given, else `<data>/crmstat.toml` if it exists, else
    /// the defaults. Returns the path used, if any.
    pub fn load(explicit: Option<&Path>, data_dir: &Path) -> Result<(Config, Option<PathBuf>)> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let candidate = data_dir.join(FILE_NAME);
                if !candidate.exists() {
                    return Ok((Config::default(), None));
                }
                candidate
            }
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::io(&path, "cannot read config", e))?;
        let config = Config::parse(&text).map_err(|message| Error::Config {
            path: path.clone(),
            message,
        })?;
        Ok((config, Some(path)))
    }

    /// Parse and check config text.
    pub fn parse(text: &str) -> std::result::Result<Config, String> {
        let mut config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.currency_set = toml::from_str::<toml::Table>(text)
            .ok()
            .is_some_and(|t| t.contains_key("currency"));
        config.check()?;
        Ok(config)
    }

    /// The configured delimiter byte, if one is set.
    pub fn delimiter_byte(&self) -> Option<u8> {
        match self.input.delimiter.as_str() {
            "\\t" | "tab" => Some(b'\t'),
            d if d.len() == 1 => d.bytes().next(),
            _ => None,
        }
    }

    /// The config of one table (default when not configured).
    pub fn table(&self, name: &str) -> TableConfig {
        self.tables.get(name).cloned().unwrap_or_default()
    }

    /// The defaults as a commented TOML document, for `crmstat config --defaults`.
    pub fn defaults_toml() -> String {
        let body = toml::to_string_pretty(&Config::default()).unwrap_or_default();
        format!(
            "# crmstat.toml defaults. Every key is optional; put the file in the data folder\n\
             # or pass --config. See README.md, section \"The config file\".\n{body}\n\
             # [tables.deals]                 # one section per table you need to map\n\
             # file = \"sales_pipeline.csv\"\n\
             # zero_amount_is_missing = false\n\
             # [tables.deals.columns]         # canonical name = \"your export's header\"\n\
             # deal_id = \"opportunity_id\"\n"
        )
    }
}

/// The encoding named in the config.
pub fn encoding_by_name(name: &str) -> Option<&'static encoding_rs::Encoding> {
    match name.to_ascii_lowercase().replace('_', "-").as_str() {
        "utf-8" | "utf8" => Some(encoding_rs::UTF_8),
        "windows-1251" | "cp1251" | "1251" => Some(encoding_rs::WINDOWS_1251),
        "windows-1252" | "cp1252" | "1252" | "iso-8859-1" | "latin1" | "latin-1" => {
            Some(encoding_rs::WINDOWS_1252)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::names::DEAL_ID;

    #[test]
    fn empty_file_gives_defaults() {
        let c = Config::parse("").unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.funnel.followup_days, 2.0);
        assert_eq!(c.reactivation.default_gap_days, 90.0);
    }

    #[test]
    fn mapping_is_read() {
        let c = Config::parse(
            "[funnel]\nstages = [\"A\", \"B\"]\n[tables.deals]\nfile = \"x.csv\"\n\
             [tables.deals.columns]\ndeal_id = \"ID\"\n",
        )
        .unwrap();
        assert_eq!(c.funnel.stages, vec!["A", "B"]);
        assert_eq!(c.table("deals").file.as_deref(), Some("x.csv"));
        assert_eq!(c.table("deals").columns[DEAL_ID], "ID");
    }

    #[test]
    fn typos_are_refused_with_the_known_names() {
        let err = Config::parse("[tables.deal]\nfile = \"x.csv\"\n").unwrap_err();
        assert!(
            err.contains("unknown table") && err.contains("deals"),
            "{err}"
        );
        let err = Config::parse("[tables.deals.columns]\ndeal = \"ID\"\n").unwrap_err();
        assert!(err.contains("`deal` is not a column of deals"), "{err}");
        let err = Config::parse("[funnel]\nstagez = []\n").unwrap_err();
        assert!(err.contains("stagez"), "{err}");
    }

    #[test]
    fn defaults_document_is_valid_config() {
        let text = Config::defaults_toml();
        let parsed = Config::parse(&text).unwrap();
        assert!(parsed.currency_set, "the document writes `currency`");
        assert_eq!(
            parsed,
            Config {
                currency_set: true,
                ..Config::default()
            }
        );
        assert!(text.contains("followup_days = 2.0"));
    }
}
