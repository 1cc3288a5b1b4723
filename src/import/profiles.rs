//! What a CRM's export definition says ([`Def`]: which files, which header means what, the
//! date forms, the legacy encoding, the default stage orders) and how a header is matched
//! against it. Each CRM's own definition is in `crate::import::crm`. Sources:
//! `../shared/datasets/crm-exports/HEADERS.md`. Headers are compared after [`normalize`]:
//! lower case, spaces collapsed.

use encoding_rs::Encoding;

use super::Profile;
use super::crm;

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

/// Every CRM's definition, in the order detection tries them.
pub fn all() -> impl Iterator<Item = &'static Def> {
    crm::ALL.iter().map(|c| crm::of(*c).def())
}

pub fn def(profile: Profile) -> &'static Def {
    crm::of(profile).def()
}

/// A header as this CRM's aliases are written.
pub fn key(def: &Def, header: &str) -> String {
    crm::of(def.profile).header_key(header)
}

/// Find each role's column: the first alias (in order) that some header matches; the
/// first header by position when a name repeats. Returns (role, column index).
pub fn match_roles(def: &Def, header: &[String]) -> Vec<(Role, usize)> {
    let keys: Vec<String> = header.iter().map(|h| key(def, h)).collect();
    let mut taken: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    for (role, aliases) in def.deals {
        let found = aliases.iter().find_map(|a| {
            keys.iter()
                .enumerate()
                .find(|(i, k)| k.as_str() == *a && !taken.contains(i))
                .map(|(i, _)| i)
        });
        if let Some(i) = found {
            taken.push(i);
            out.push((*role, i));
        }
    }
    out
}

/// How well a header fits a CRM: the share of its headers this CRM knows, and whether
/// its required roles are all there.
pub fn fit(def: &Def, header: &[String]) -> (f64, bool) {
    let roles = match_roles(def, header);
    let required = def
        .required
        .iter()
        .all(|r| roles.iter().any(|(role, _)| role == r));
    let known = roles.len() as f64 / header.len().max(1) as f64;
    (known + if required { 1.0 } else { 0.0 }, required)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn budget_variants_and_repeated_names() {
        for budget in ["Бюджет", "Бюджет ", "Бюджет ₽", "бюджет, ₽"] {
            let roles = match_roles(
                def(Profile::Amocrm),
                &h(&["ID", budget, "Источник", "Источник"]),
            );
            assert!(roles.contains(&(Role::Amount, 1)), "{budget}");
            assert!(roles.contains(&(Role::Source, 2)), "first by position");
        }
    }

    #[test]
    fn pipedrive_entities_in_three_languages() {
        assert_eq!(key(def(Profile::Pipedrive), "Deal - Title"), "title");
        assert_eq!(key(def(Profile::Pipedrive), "Obchod - Hodnota"), "hodnota");
        assert_eq!(key(def(Profile::Pipedrive), "Сделка - Этап"), "этап");
        assert_eq!(
            key(def(Profile::Pipedrive), "Organization - Name"),
            "organization"
        );
        assert_eq!(
            key(def(Profile::Pipedrive), "Person - Name"),
            "contact person"
        );
        assert_eq!(
            key(def(Profile::Pipedrive), "Person - Email"),
            "person - email"
        );
    }

    #[test]
    fn the_right_crm_fits_best() {
        let sf = h(&[
            "Id",
            "AccountId",
            "Name",
            "StageName",
            "Amount",
            "CloseDate",
            "IsClosed",
            "IsWon",
            "CreatedDate",
        ]);
        let best = all()
            .max_by(|a, b| fit(a, &sf).0.total_cmp(&fit(b, &sf).0))
            .unwrap();
        assert_eq!(best.profile, Profile::Salesforce);
        assert!(!fit(def(Profile::Bitrix24), &sf).1);
    }
}
