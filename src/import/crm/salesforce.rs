//! Salesforce: the Opportunity export with OpportunityHistory (one row per edit: stage,
//! amount, close date, probability) and Account. A Data Export writes an empty lookup as
//! the all-zero id; records loaded after they closed carry the load date as CreatedDate.

use super::{Crm, History, LongHistory, US_DATES};
use crate::config::Profile;
use crate::import::profiles::{Def, Role};

pub static SALESFORCE: Def = Def {
    profile: Profile::Salesforce,
    fallback: encoding_rs::WINDOWS_1252,
    deal_files: &["opportunit"],
    history_files: &[
        "opportunityhistory",
        "opportunity_history",
        "opportunity history",
    ],
    account_files: &["account"],
    deals: &[
        (
            Role::DealId,
            &["id", "opportunity id", "opportunity id (18)"],
        ),
        (Role::Title, &["name", "opportunity name"]),
        (Role::Stage, &["stagename", "stage"]),
        (Role::Amount, &["amount"]),
        (Role::Currency, &["currencyisocode", "opportunity currency"]),
        (
            Role::Owner,
            &["ownerid", "opportunity owner", "owner name", "owner"],
        ),
        (Role::Created, &["createddate", "created date"]),
        (Role::Closed, &["closedate", "close date"]),
        (Role::ClosedFlag, &["isclosed", "closed"]),
        (Role::WonFlag, &["iswon", "won"]),
        (Role::Company, &["accountid", "account name", "account id"]),
        (Role::Contact, &["contactid"]),
        (Role::Source, &["leadsource", "lead source"]),
        (Role::Campaign, &["campaignid", "primary campaign source"]),
        (
            Role::LossReason,
            &["loss_reason__c", "lossreason__c", "loss reason"],
        ),
        (Role::Probability, &["probability", "probability (%)"]),
        (Role::Deleted, &["isdeleted"]),
    ],
    required: &[Role::DealId, Role::Stage, Role::Created],
    date_formats: US_DATES,
    orders: &[&[
        "Prospecting",
        "Qualification",
        "Needs Analysis",
        "Value Proposition",
        "Id. Decision Makers",
        "Perception Analysis",
        "Proposal/Price Quote",
        "Negotiation/Review",
        "Closed Won",
    ]],
    won: &["closed won"],
    lost: &["closed lost"],
};

/// OpportunityHistory: a row per edit; a stage entry where the stage changes, a
/// deal_changes row where amount, close date or probability does.
static HISTORY: LongHistory = LongHistory {
    columns: &[
        ("deal", &["opportunityid", "opportunity id"]),
        ("stage", &["stagename", "stage"]),
        ("at", &["createddate", "created date", "edit date"]),
        ("deleted", &["isdeleted"]),
    ],
    codes: false,
    changes: &[
        ("amount", &["amount"]),
        ("expected_close_at", &["closedate", "close date"]),
        ("probability", &["probability", "probability (%)"]),
    ],
};

pub struct Salesforce;

impl Crm for Salesforce {
    fn def(&self) -> &'static Def {
        &SALESFORCE
    }

    fn empty_value(&self, value: &str) -> bool {
        is_empty_id(value)
    }

    fn history(&self) -> History {
        History::File(&HISTORY)
    }

    fn created_is_load_date(&self) -> bool {
        true
    }
}

/// `000000000000000AAA`: how a Salesforce Data Export writes an empty lookup.
fn is_empty_id(v: &str) -> bool {
    (v.len() == 15 || v.len() == 18) && v.starts_with("000000000000000")
}
