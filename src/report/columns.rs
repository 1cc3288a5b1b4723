//! The columns each section shows (the files keep every column).

use super::{Col, Fmt::*};

pub const FUNNEL: &[Col] = &[
    Col("stage", "stage", Text),
    Col("reached", "reached", Int),
    Col("lost_here", "lost here", Int),
    Col("step_conversion", "step conversion", Percent),
    Col("cumulative_conversion", "from the first stage", Percent),
];
pub const LOSS_REASONS: &[Col] = &[
    Col("stage", "stage", Text),
    Col("reason", "reason", Text),
    Col("lost", "lost deals", Int),
    Col("lost_amount", "lost amount", Money),
];
pub const FOLLOWUP: &[Col] = &[
    Col("invoice_entries", "invoice entries", Int),
    Col("judged", "judged", Int),
    Col("breaches", "no contact in time", Int),
    Col("breach_rate", "share without contact", Percent),
    Col("window_days", "window, days", Num1),
];
pub const TRENDS: &[Col] = &[
    Col("month", "month", Text),
    Col("deals_created", "Deals created", Int),
    Col("deals_won", "Deals won", Int),
    Col("won_amount", "Won amount", Money),
    Col("win_rate", "Win rate", Percent),
    Col("paid_amount", "Paid", Money),
];
pub const CYCLE: &[Col] = &[
    Col("outcome", "outcome", Word),
    Col("deals", "deals", Int),
    Col("mean_days", "mean days", Num1),
    Col("median_days", "median days", Num1),
    Col("p90_days", "p90 days", Num1),
];
pub const STAGE_DURATIONS: &[Col] = &[
    Col("stage", "stage", Text),
    Col("visits", "visits", Int),
    Col("median_days", "median days", Num1),
    Col("p90_days", "p90 days", Num1),
    Col("open_visits", "still there", Int),
];
pub const MANAGERS: &[Col] = &[
    Col("label", "manager", Text),
    Col("deals_won", "won", Int),
    Col(
        "won_amount",
        "won amount",
        MoneyOf("won_with_amount", "deals_won"),
    ),
    Col("win_rate", "win rate", Percent),
    Col("open_deals", "open deals", Int),
    Col("clients_in_work", "clients in work", Int),
    Col("followup_compliance", "follow-up", Percent),
    Col("plan_attainment", "plan attainment", Percent),
    Col("top_loss_reason", "top loss reason", Text),
];
pub const VELOCITY: &[Col] = &[
    Col("level", "level", Word),
    // A manager by name; crmstat's own words (company, "(no campaign)", …) in the reader's
    // language; a segment or channel of the data as it is.
    Col("name", "group", Word),
    Col("open_deals", "open deals", Int),
    Col("win_rate", "win rate", Percent),
    Col("avg_won_amount", "average won deal", Money),
    Col("mean_days_to_win", "days to win", Num1),
    Col("velocity_per_day", "velocity per day", Money),
];
pub const FORECAST: &[Col] = &[
    Col("window", "window", Text),
    Col("won_so_far", "won so far", Money),
    Col("open_deals", "open deals expected", Int),
    Col("open_amount", "their amount", Money),
    Col("weighted_amount", "weighted by win chance", Money),
    Col("projection", "projection", Money),
];
pub const FORECAST_BACKTEST: &[Col] = &[
    Col("month", "month", Text),
    Col("forecast", "forecast", Money),
    Col("actual", "won", Money),
    Col("error", "error", Money),
    Col("abs_pct_error", "off by", Percent),
];
pub const WATERFALL: &[Col] = &[
    Col("bucket", "step", Word),
    Col("deals", "deals", Int),
    Col("amount", "amount", Money),
];
/// At the period's end nothing is left to close in it: the pipeline and coverage columns of
/// `pacing` (meant for a day inside the period) stay in the table, off the page.
pub const PACING: &[Col] = &[
    Col("level", "level", Word),
    Col("name", "manager", Text),
    Col("team", "team", Text),
    Col("plan", "plan", Money),
    Col("won", "won", Money),
    Col("attainment", "attainment", Percent),
    Col("gap", "gap", Money),
];
pub const SPEED_TO_LEAD: &[Col] = &[
    Col("level", "level", Word),
    // A manager by name; crmstat's own words (company, "(no campaign)", …) in the reader's
    // language; a segment or channel of the data as it is.
    Col("name", "group", Word),
    Col("leads", "leads", Int),
    Col("median_hours", "median hours to answer", Num1),
    Col("p90_hours", "p90 hours", Num1),
    Col("within_5m", "within 5 min", Percent),
    Col("within_1h", "within 1 h", Percent),
    Col("within_24h", "within 24 h", Percent),
    Col("later", "later", Percent),
    Col("never", "never", Percent),
];
pub const SPEED_TO_LEAD_WIN_RATE: &[Col] = &[
    Col("bucket", "answered", Word),
    Col("leads", "leads", Int),
    Col("with_deal", "with a deal", Int),
    Col("won", "won", Int),
    Col("lost", "lost", Int),
    Col("open", "still open", Int),
    Col("win_rate", "win rate", Percent),
];
pub const CAMPAIGNS: &[Col] = &[
    Col("name", "campaign", Word),
    Col("leads", "leads", Count),
    Col("deals", "deals", Count),
    Col("won", "won", Count),
    Col("conversion", "conversion", Percent),
    Col("conversion_ci_low", "95% interval from", Percent),
    Col("conversion_ci_high", "to", Percent),
    Col("verdict", "verdict", Word),
    Col("paid_amount", "paid", Money),
    Col("cost", "cost", Money),
    Col("romi", "ROMI", Percent),
    Col("mean_clv_new_customers", "CLV of new clients", Money),
];
pub const REACTIVATION: &[Col] = &[
    Col("name", "client", Text),
    Col("manager_name", "owner", Text),
    Col("last_purchase_at", "last purchase", Date),
    Col("days_overdue", "days overdue", Int),
    Col("typical_amount", "typical amount", Money),
    Col("rfm_segment", "segment", Word),
    Col("p_alive", "P(alive)", Percent),
    Col("expected_value", "expected value", Money),
    Col("clv", "lifetime value", Money),
    Col("action", "action", Word),
];
pub const RETENTION_FIT: &[Col] = &[
    Col("cohort", "cohort", Text),
    Col("clients", "clients", Int),
    Col("alpha", "α", Num1),
    Col("beta", "β", Num1),
    Col(
        "projected_share_12",
        "projected active after 12 months",
        Percent,
    ),
    Col("why", "no fit because", Text),
];
pub const RFM_SEGMENTS: &[Col] = &[
    Col("segment", "segment", Word),
    Col("clients", "clients", Int),
    Col("candidates", "to win back", Int),
    Col("revenue", "revenue", Money),
];
pub const COUNTS: &[Col] = &[
    Col("table", "table", Text),
    Col("file", "file", Text),
    Col("read", "rows read", Int),
    Col("used", "used", Int),
    Col("rejected", "rejected", Int),
];
pub const REASONS: &[Col] = &[
    Col("table", "table", Text),
    Col("column", "column", Text),
    Col("reason", "reason", Text),
    Col("rows", "rows", Int),
];
/// Every curated column list, for the translation test.
pub const ALL: &[&[Col]] = &[
    FUNNEL,
    LOSS_REASONS,
    FOLLOWUP,
    TRENDS,
    CYCLE,
    STAGE_DURATIONS,
    MANAGERS,
    VELOCITY,
    CAMPAIGNS,
    REACTIVATION,
    RFM_SEGMENTS,
    RETENTION_FIT,
    COUNTS,
    REASONS,
];
