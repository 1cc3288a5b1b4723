//! HubSpot: the deals export; its stage history is in the deals file itself, as wide
//! `Date entered "<Stage> (<Pipeline>)"` columns (or the internal `hs_v2_date_entered_<id>`).

use super::{Crm, History, US_DATES};
use crate::config::Profile;
use crate::import::profiles::{Def, Role};

pub static HUBSPOT: Def = Def {
    profile: Profile::Hubspot,
    fallback: encoding_rs::WINDOWS_1252,
    deal_files: &["deal"],
    history_files: &[],
    account_files: &[],
    deals: &[
        (Role::DealId, &["record id", "deal id", "hs_object_id"]),
        (Role::Title, &["deal name", "dealname"]),
        (Role::Stage, &["deal stage", "dealstage"]),
        (Role::Pipeline, &["pipeline"]),
        (Role::Amount, &["amount", "amount in company currency"]),
        (Role::Currency, &["currency", "deal currency code"]),
        (Role::Owner, &["deal owner", "hubspot owner", "owner"]),
        (
            Role::Created,
            &["create date", "createdate", "created date"],
        ),
        (Role::Closed, &["close date", "closedate"]),
        (Role::WonFlag, &["is closed won", "hs_is_closed_won"]),
        (
            Role::ClosedFlag,
            &["is deal closed?", "is closed", "hs_is_closed"],
        ),
        (
            Role::Company,
            &[
                "associated company",
                "associated company (primary)",
                "associated companies",
                "company name",
            ],
        ),
        (
            Role::Contact,
            &["associated contact", "associated contacts"],
        ),
        (Role::Source, &["original source type", "source"]),
        (Role::Campaign, &["hubspot campaign"]),
        (
            Role::LossReason,
            &["closed lost reason", "closed_lost_reason"],
        ),
        (Role::Probability, &["deal probability"]),
    ],
    required: &[Role::DealId, Role::Stage, Role::Created],
    date_formats: US_DATES,
    orders: &[&[
        "Appointment Scheduled",
        "Qualified To Buy",
        "Presentation Scheduled",
        "Decision Maker Bought-In",
        "Contract Sent",
        "Closed Won",
    ]],
    won: &["closed won", "closedwon"],
    lost: &["closed lost", "closedlost"],
};

/// HubSpot's default stage ids (internal property names) and their labels.
pub const HUBSPOT_IDS: &[(&str, &str)] = &[
    ("appointmentscheduled", "Appointment Scheduled"),
    ("qualifiedtobuy", "Qualified To Buy"),
    ("presentationscheduled", "Presentation Scheduled"),
    ("decisionmakerboughtin", "Decision Maker Bought-In"),
    ("contractsent", "Contract Sent"),
    ("closedwon", "Closed Won"),
    ("closedlost", "Closed Lost"),
];

pub struct Hubspot;

impl Crm for Hubspot {
    fn def(&self) -> &'static Def {
        &HUBSPOT
    }

    fn stage_column(&self, header: &str) -> Option<(String, Option<String>)> {
        stage_column(header)
    }

    fn derived_column(&self, header: &str) -> bool {
        derived_column(header)
    }

    fn history(&self) -> History {
        History::WideColumns
    }
}

/// `Date entered "Closed Won (Sales Pipeline)"` → ("Closed Won", Some("Sales Pipeline"));
/// the internal `hs_v2_date_entered_closedwon` / `hs_date_entered_closedwon` → the
/// default stage's label (or the id).
pub fn stage_column(header: &str) -> Option<(String, Option<String>)> {
    let h = header.trim();
    let lower = h.to_lowercase();
    const PREFIX: &str = "date entered ";
    let prefixed = h
        .get(..PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(PREFIX));
    if let Some(rest) = h.get(PREFIX.len()..).filter(|_| prefixed) {
        let inner = rest.trim().trim_matches('"').trim();
        return Some(match inner.rfind(" (") {
            Some(i) if inner.ends_with(')') => (
                inner[..i].trim().to_string(),
                Some(inner[i + 2..inner.len() - 1].trim().to_string()),
            ),
            _ => (inner.to_string(), None),
        });
    }
    let id = lower
        .strip_prefix("hs_v2_date_entered_")
        .or_else(|| lower.strip_prefix("hs_date_entered_"))?;
    let label = HUBSPOT_IDS
        .iter()
        .find(|(i, _)| *i == id)
        .map_or_else(|| id.to_string(), |(_, l)| l.to_string());
    Some((label, None))
}

/// The exit and time-in columns HubSpot derives from the entries.
pub fn derived_column(header: &str) -> bool {
    let l = header.trim().to_lowercase();
    [
        "date exited ",
        "time in ",
        "cumulative time in ",
        "hs_v2_date_exited_",
        "hs_date_exited_",
        "hs_v2_time_in_",
        "hs_time_in_",
    ]
    .iter()
    .any(|p| l.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hubspot_stage_headers() {
        assert_eq!(
            stage_column("Date entered \"Closed Won (Sales Pipeline)\""),
            Some(("Closed Won".into(), Some("Sales Pipeline".into())))
        );
        assert_eq!(
            stage_column("hs_v2_date_entered_qualifiedtobuy"),
            Some(("Qualified To Buy".into(), None))
        );
        assert_eq!(stage_column("Deal Stage"), None);
        assert!(derived_column(
            "Date exited \"Closed Won (Sales Pipeline)\""
        ));
    }
}
