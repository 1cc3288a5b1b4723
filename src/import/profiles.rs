//! What a CRM's export definition says ([`Def`]: which files, which header means what, the
//! date forms, the legacy encoding, the default stage orders) and how a header is matched
//! against it. Each CRM's own definition is in `crate::import::crm`. Sources:
//! `../shared/datasets/crm-exports/HEADERS.md`. Headers are compared after [`normalize`]:
//! lower case, spaces collapsed.

use encoding_rs::Encoding;

use super::Profile;

/// What a column of a deal export means to the import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    DealId,
    Title,
    Stage,
    Pipeline,
    Amount,
    Currency,
    Owner,
    Created,
    Closed,
    WonTime,
    LostTime,
    ClosedFlag,
    WonFlag,
    StatusWord,
    Semantic,
    Company,
    Contact,
    Source,
    Campaign,
    LossReason,
    Product,
    Probability,
    ExpectedClose,
    Deleted,
}

impl Role {
    /// Where the column goes, as the mapping report says it.
    pub fn target(self) -> &'static str {
        match self {
            Role::DealId => "deals.deal_id",
            Role::Title => "deals.title (extra column)",
            Role::Stage => "deals.stage",
            Role::Pipeline => "deals.pipeline (extra column)",
            Role::Amount => "deals.amount",
            Role::Currency => "deals.currency",
            Role::Owner => "deals.manager_id, managers",
            Role::Created => "deals.created_at",
            Role::Closed => "deals.closed_at (closed deals only)",
            Role::WonTime => "deals.closed_at of won deals",
            Role::LostTime => "deals.closed_at of lost deals",
            Role::ClosedFlag => "deals.status (closed or not)",
            Role::WonFlag => "deals.status (won or not)",
            Role::StatusWord => "deals.status",
            Role::Semantic => "deals.status (stage group)",
            Role::Company => "deals.client_id, clients",
            Role::Contact => "deals.client_id when no company, clients",
            Role::Source => "deals.source (extra column), clients.source",
            Role::Campaign => "deals.campaign_id",
            Role::LossReason => "deals.loss_reason",
            Role::Product => "product rows: merged into one deal",
            Role::Probability => "deals.probability",
            Role::ExpectedClose => "deals.expected_close_at",
            Role::Deleted => "rows deleted in the CRM are left out",
        }
    }
}

/// One CRM's export.
pub struct Def {
    pub profile: Profile,
    /// The encoding of text that is not UTF-8.
    pub fallback: &'static Encoding,
    /// File name parts (lower case) that mark the deals export, and the stage history.
    pub deal_files: &'static [&'static str],
    pub history_files: &'static [&'static str],
    pub account_files: &'static [&'static str],
    /// Header aliases per role, most specific first.
    pub deals: &'static [(Role, &'static [&'static str])],
    /// Roles a deals file of this CRM must have (the profile check).
    pub required: &'static [Role],
    /// Date forms beyond ISO 8601 and `dd.mm.yyyy[ HH:MM[:SS]]` (chrono syntax).
    pub date_formats: &'static [&'static str],
    /// Default stage orders (won stage last) to use when every stage seen is in one.
    pub orders: &'static [&'static [&'static str]],
    /// Stage values that mean won / lost beyond `[funnel] won_stages` / `lost_stages`.
    pub won: &'static [&'static str],
    pub lost: &'static [&'static str],
}

/// Lower case, `ё` as `е`, spaces (incl. no-break) collapsed, quotes around the whole
/// header removed.
pub fn normalize(header: &str) -> String {
    let h = header
        .trim()
        .trim_matches('"')
        .to_lowercase()
        .replace('ё', "е");
    h.split_whitespace().collect::<Vec<_>>().join(" ")
}
