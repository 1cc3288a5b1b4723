//! What the user typed: clap structures only. The command layer turns these into a
//! [`crate::config::Config`], loaded tables and a period; nothing else sees clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Attribution;
use crate::metrics::managers::ManagerGroup;
use crate::metrics::{GroupBy, Mode};

/// A command-line mirror of a metric enum: the metrics know nothing of clap, the command
/// line turns its value into theirs.
macro_rules! cli_enum {
    ($(#[$doc:meta])* $cli:ident => $metric:ty { $($(#[$vdoc:meta])* $v:ident),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
        pub enum $cli {
            $($(#[$vdoc])* $v),*
        }
        impl From<$cli> for $metric {
            fn from(v: $cli) -> Self {
                match v {
                    $($cli::$v => <$metric>::$v),*
                }
            }
        }
    };
}

cli_enum!(
    /// `--mode`: cohort or flow counting.
    ModeArg => Mode {
        /// Deals created in the period, followed to the end of the period.
        Cohort,
        /// Progress made in the period: stage entries, wins and losses dated in it.
        Flow,
    }
);
cli_enum!(
    /// `--by` of the funnel.
    GroupByArg => GroupBy { Manager, Segment, Campaign, Month }
);
cli_enum!(
    /// `--by` of the managers' KPIs.
    ManagerGroupArg => ManagerGroup { Manager, Team }
);
cli_enum!(
    /// `--format`: the format of result tables.
    FormatArg => Format {
        Csv,
        Json,
        Markdown,
        Parquet,
        /// Excel: figure commands write one workbook with a sheet per table.
        Xlsx,
    }
);
cli_enum!(
    /// `--lang`: the language of the page and the charts.
    LangArg => crate::i18n::Lang { En, Ru }
);
cli_enum!(
    /// `--profile`: the CRM an export comes from.
    ProfileArg => crate::config::Profile {
        Bitrix24,
        /// amoCRM, also sold as Kommo.
        #[value(alias = "kommo")]
        Amocrm,
        Hubspot,
        Salesforce,
        Pipedrive,
    }
);
cli_enum!(
    /// `--attribution`: which campaign gets the credit for a deal.
    AttributionArg => Attribution {
        /// The campaign that opened the deal, else the one that brought the client.
        First,
        /// The latest campaign touch up to the deal's close.
        Last,
        /// Every touch up to the close gets an equal share.
        Linear,
    }
);
use crate::output::Format;

/// crmstat: funnel, losses and deal durations from CRM exports.
#[derive(Debug, Parser)]
#[command(name = "crmstat", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The main job: every figure of the period with charts and report.md in one folder.
    Report(ReportArgs),
    /// Check a data folder: list every problem, write the rejects table, count rows.
    Validate(ValidateArgs),
    /// The sales funnel: reached, visited, conversion per stage, and the win rate.
    Funnel(FunnelArgs),
    /// Where deals are lost: per stage, reasons, biggest drop, stalled deals, follow-up.
    Losses(LossesArgs),
    /// How long deals take: cycle, time to close (Kaplan–Meier), time in stage.
    Durations(FigureArgs),
    /// Manager KPIs against the company average, discipline and handoffs.
    Managers(ManagersArgs),
    /// Commission per manager by the schemes in crmstat.toml, with every line behind it.
    Payroll(FigureArgs),
    /// Campaigns: leads, conversion with its 95% interval and z-test, ROMI, cost per lead.
    Campaigns(CampaignsArgs),
    /// Clients due for a call: overdue against their usual interval, with RFM and BG/NBD.
    Reactivation(ReactivationArgs),
    /// Customer lifetime value: Gamma-Gamma spend and BG/NBD purchases, discounted monthly.
    Clv(ReactivationArgs),
    /// Cohort retention: clients still active and revenue per period since the first
    /// purchase, with the shifted-beta-geometric fit per cohort and a heatmap.
    Retention(RetentionArgs),
    /// What will be won: the projection for the period and the next one from the open deals'
    /// expected close dates, with its backtest over the 12 months before.
    Forecast(FigureArgs),
    /// Will the plan be met: plan, won so far, expected by now, gap and pipeline coverage per
    /// manager, team and company, as of a day inside the period.
    Pacing(PacingArgs),
    /// What moved: the waterfall of the period's pipeline (start, created, pulled in, bigger,
    /// smaller, won, lost, pushed out, end) and the deals whose expected close slipped.
    Pipeline(PipelineArgs),
    /// Derive deal_changes (amount, expected close, probability, owner) from two exports of
    /// the same CRM taken on different days.
    Diff(DiffArgs),
    /// Run a SQL file over the validated tables.
    Query(QueryArgs),
    /// Write realistic synthetic data for every table (deterministic for a seed).
    Generate(GenerateArgs),
    /// Show the config: the defaults, or what a data folder's crmstat.toml resolves to.
    Config(ConfigArgs),
    /// Check a data folder and write its tables as typed Parquet (faster to read again).
    Convert(ConvertArgs),
    /// Turn a CRM's own export (Bitrix24, amoCRM, HubSpot, Salesforce, Pipedrive) into
    /// canonical tables, with a mapping report to check once.
    Import(ImportArgs),
}

/// Formats crmstat reads back, for `crmstat import`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    Parquet,
    Csv,
}

impl From<ImportFormat> for Format {
    fn from(f: ImportFormat) -> Format {
        match f {
            ImportFormat::Parquet => Format::Parquet,
            ImportFormat::Csv => Format::Csv,
        }
    }
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CRM the export comes from (default: `profile` in the config).
    #[arg(long, value_enum)]
    pub profile: Option<ProfileArg>,
    /// Folder with the CRM's export files as they came (CSV, Excel, the HTML .xls).
    #[arg(long, value_name = "EXPORT_DIR")]
    pub from: PathBuf,
    /// Folder for the canonical tables, crmstat.toml, mapping.md and rejects.
    #[arg(long, value_name = "DATA_DIR")]
    pub out: PathBuf,
    /// Format of the canonical tables.
    #[arg(long, value_enum, default_value = "parquet")]
    pub format: ImportFormat,
    /// Keep only the deals of this pipeline (default: `[import] pipeline`, else all).
    #[arg(long, value_name = "NAME")]
    pub pipeline: Option<String>,
    /// Config file (default: crmstat.toml in the export folder, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Where the data is and how strictly to take it.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Folder with the exported tables (deals.csv, stage_history.csv, …).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Config file (default: crmstat.toml in the data folder, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Stop with exit code 1 if any row is rejected, instead of going on with good rows.
    #[arg(long)]
    pub strict: bool,
    /// Read the folder as this CRM's own export (default: `profile` in crmstat.toml, else
    /// canonical tables). `crmstat import` writes canonical tables from one once.
    #[arg(long, value_enum)]
    pub profile: Option<ProfileArg>,
    /// Figures over the deals this condition holds for, in SQL syntax, on the deals' columns
    /// and the client's segment, industry, region, source (e.g. "segment = 'Опт' AND amount
    /// > 100000").
    #[arg(long = "where", value_name = "EXPR")]
    pub filter: Option<String>,
}

impl DataArgs {
    /// The config for these arguments, with `--profile` applied.
    pub fn config(&self) -> crate::Result<(crate::config::Config, Option<PathBuf>)> {
        let (mut config, path) = crate::config::Config::load(self.config.as_deref(), &self.data)?;
        if self.profile.is_some() {
            config.profile = self.profile.map(Into::into);
        }
        Ok((config, path))
    }
}

/// The reporting period.
#[derive(Debug, Args)]
pub struct PeriodArgs {
    /// Month (2024-03), quarter (2024-Q1), year (2024) or `all`. Default: the last
    /// calendar month that has data.
    #[arg(long, value_name = "PERIOD")]
    pub period: Option<String>,
    /// First day of the period (inclusive), with --to.
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last day of the period (inclusive), with --from.
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
}

/// Where results go.
#[derive(Debug, Args)]
pub struct OutArgs {
    /// Write one file per table (and the charts) into this folder. Without it, tables
    /// are printed as Markdown.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Format of the table files.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: FormatArg,
}

#[derive(Debug, Args)]
pub struct FigureArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub out: OutArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Folder for the report: index.html, report.xlsx, summary.json, tables/ and charts/.
    #[arg(long, value_name = "DIR", default_value = "report")]
    pub out: PathBuf,
    /// Format of the files in tables/.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: FormatArg,
    /// Language of the page and the charts (default: `lang` in crmstat.toml, else en).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Currency of the amounts, a code (RUB, USD) or a symbol (default: `currency` in
    /// crmstat.toml, else RUB).
    #[arg(long, value_name = "CODE")]
    pub currency: Option<String>,
    /// No progress bar and no notes on stderr (problems with the data are still shown).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct FunnelArgs {
    #[command(flatten)]
    pub figure: FigureArgs,
    /// cohort: deals created in the period; flow: progress made in the period.
    #[arg(long, value_enum, default_value = "cohort")]
    pub mode: ModeArg,
    /// Split the funnel and win rate by this.
    #[arg(long, value_enum)]
    pub by: Option<GroupByArg>,
}

#[derive(Debug, Args)]
pub struct LossesArgs {
    #[command(flatten)]
    pub figure: FigureArgs,
    /// cohort: deals created in the period; flow: deals lost in the period.
    #[arg(long, value_enum, default_value = "cohort")]
    pub mode: ModeArg,
}

#[derive(Debug, Args)]
pub struct ManagersArgs {
    #[command(flatten)]
    pub figure: FigureArgs,
    /// One row per manager (default) or per team.
    #[arg(long, value_enum, default_value = "manager")]
    pub by: ManagerGroupArg,
}

#[derive(Debug, Args)]
pub struct CampaignsArgs {
    #[command(flatten)]
    pub figure: FigureArgs,
    /// Which campaign gets a deal: first (the deal's, else the client's), last or linear
    /// (over campaign touches in contacts). Default: [campaigns] attribution, else first.
    #[arg(long, value_enum)]
    pub attribution: Option<AttributionArg>,
}

#[derive(Debug, Args)]
pub struct ReactivationArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Judge as of the end of this day (instead of the end of --period).
    #[arg(long, value_name = "DATE", conflicts_with_all = ["period", "from", "to"])]
    pub as_of: Option<String>,
    #[command(flatten)]
    pub out: OutArgs,
}

/// How `crmstat retention` groups cohorts and periods.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier export (canonical tables; its own deal_changes are carried over).
    #[arg(long, value_name = "DIR")]
    pub before: PathBuf,
    /// The later export.
    #[arg(long, value_name = "DIR")]
    pub after: PathBuf,
    /// When the later export was taken (default: the latest moment its data name).
    #[arg(long, value_name = "DATETIME")]
    pub at: Option<String>,
    /// Config file (default: crmstat.toml in each folder, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub out: OutArgs,
}

#[derive(Debug, Args)]
pub struct PipelineArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub period: PeriodArgs,
    /// The window whose pipeline is followed (default: the period itself), e.g. next month's
    /// pipeline through this month: `--period 2024-03 --window 2024-04`.
    #[arg(long, value_name = "PERIOD")]
    pub window: Option<String>,
    #[command(flatten)]
    pub out: OutArgs,
}

#[derive(Debug, Args)]
pub struct PacingArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Judge as of the end of this day inside the period (default: the period's end, or
    /// today when the period is the current one).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    #[command(flatten)]
    pub out: OutArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RetentionBy {
    Month,
    Quarter,
}

#[derive(Debug, Args)]
pub struct RetentionArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Judge as of the end of this day (instead of the end of --period).
    #[arg(long, value_name = "DATE", conflicts_with_all = ["period", "from", "to"])]
    pub as_of: Option<String>,
    /// Cohorts and periods by month (default) or quarter.
    #[arg(long, value_enum, default_value = "month")]
    pub by: RetentionBy,
    #[command(flatten)]
    pub out: OutArgs,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Folder for the rejects table (not the data folder). Without it nothing is written.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Format of the rejects table.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: FormatArg,
    /// How many problems to print (0: every one); all of them go to rejects.csv with --out.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub show: usize,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The SQL file to run (see queries/ for examples).
    #[arg(value_name = "FILE.sql")]
    pub sql: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    /// Write the result to this file (its format from --format) instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Format of the result file.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: FormatArg,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of deals.
    #[arg(long, default_value_t = 3000)]
    pub deals: usize,
    /// Random seed: the same seed gives the same files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Folder to write the tables and crmstat.toml into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// File format of the tables.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: FormatArg,
    /// Write the tables as an older CRM exports them, with defects to reject: other
    /// delimiters and encodings, Russian dates and decimal commas, blank and repeated
    /// header lines, bad values, unknown and duplicate ids (CSV only).
    #[arg(long)]
    pub dirty: bool,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Folder for the Parquet tables, crmstat.toml and rejects.csv (not the data folder).
    #[arg(long, value_name = "DIR")]
    pub out: std::path::PathBuf,
    /// Print only the row counts and problems.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Print every default as a crmstat.toml.
    #[arg(long)]
    pub defaults: bool,
    /// Print the config a data folder resolves to (its crmstat.toml over the defaults).
    #[arg(long, value_name = "DIR", conflicts_with = "defaults")]
    pub data: Option<PathBuf>,
    /// Config file to show instead of the data folder's.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// With --data: for each table, its file and where each column comes from (a header,
    /// the joined file, a default, a status rule).
    #[arg(long, requires = "data")]
    pub explain: bool,
}
