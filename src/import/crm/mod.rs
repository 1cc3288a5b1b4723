//! One file per CRM: what its export looks like (the [`Def`]: files, header aliases, date
//! forms, stage words) and what it needs beyond that (the [`Crm`] hooks: product rows,
//! system stage ids, history columns, empty ids). The import machinery in `build` asks
//! these hooks and never names a CRM. Adding a CRM is one new file here, one arm in [`of`]
//! and one name in `config::Profile`.

mod amocrm;
mod bitrix24;
mod hubspot;
mod pipedrive;
mod salesforce;

use crate::config::Profile;
use crate::import::profiles::{Def, Role, normalize};

/// US date forms (Salesforce, HubSpot and Pipedrive exports from US-locale accounts).
pub(crate) const US_DATES: &[&str] = &[
    "%m/%d/%y %I:%M %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%y %H:%M",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y",
    "%m/%d/%Y",
];

/// A history file with one row per stage entry (or per edit), and which columns say what.
pub struct LongHistory {
    /// (key, header aliases): `deal`, `stage` and `at` are required; `deleted` and
    /// `semantic` are read when present.
    pub columns: &'static [(&'static str, &'static [&'static str])],
    /// Whether stages are codes, named by [`Crm::stage_code_name`] and
    /// `[import.stage_names]`.
    pub codes: bool,
    /// (deal_changes field, header aliases): a change is a row whose value differs from
    /// the deal's row before it.
    pub changes: &'static [(&'static str, &'static [&'static str])],
}

impl LongHistory {
    /// The header aliases of a key.
    pub fn aliases(&self, key: &str) -> &'static [&'static str] {
        self.columns
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(&[], |(_, a)| a)
    }
}

/// Where a CRM's stage history comes from.
pub enum History {
    /// No history in its exports: the funnel knows each deal's current stage only.
    None,
    /// Entry-date columns in the deals file itself ([`Crm::stage_column`]).
    WideColumns,
    /// A file of its own.
    File(&'static LongHistory),
}

/// What one CRM's export needs beyond its [`Def`]. Every hook has the plain default.
pub trait Crm: Sync {
    fn def(&self) -> &'static Def;

    /// A header as this CRM's aliases are written.
    fn header_key(&self, header: &str) -> String {
        normalize(header)
    }

    /// Whether a cell of the deals file stands for no value (Salesforce's all-zero ids).
    fn empty_value(&self, _value: &str) -> bool {
        false
    }

    /// A stage as the funnel names it (amoCRM's system ids 142 and 143).
    fn stage(&self, stage: String) -> String {
        stage
    }

    /// Whether the export writes a deal once per product row, to be merged (amounts summed).
    fn product_rows(&self) -> bool {
        false
    }

    /// A deals-file column that holds the entry into a stage: (stage, pipeline).
    fn stage_column(&self, _header: &str) -> Option<(String, Option<String>)> {
        None
    }

    /// A deals-file column the CRM derives from the stage entries (left out on purpose).
    fn derived_column(&self, _header: &str) -> bool {
        false
    }

    /// What the mapping report adds about a role's column.
    fn role_note(&self, _role: Role) -> Option<&'static str> {
        None
    }

    /// Where stage history comes from.
    fn history(&self) -> History {
        History::None
    }

    /// The name of a stage code of the history file (in the export's language).
    fn stage_code_name(&self, _code: &str, _russian: bool) -> Option<String> {
        None
    }

    /// Whether a created date after the close date is the date the record was loaded
    /// (so the deal's cycle is taken as 0 days rather than negative).
    fn created_is_load_date(&self) -> bool {
        false
    }
}

/// The CRM of a profile.
pub fn of(profile: Profile) -> &'static dyn Crm {
    match profile {
        Profile::Bitrix24 => &bitrix24::Bitrix24,
        Profile::Amocrm => &amocrm::Amocrm,
        Profile::Hubspot => &hubspot::Hubspot,
        Profile::Salesforce => &salesforce::Salesforce,
        Profile::Pipedrive => &pipedrive::Pipedrive,
    }
}

/// Every CRM, in the order detection tries them.
pub static ALL: [Profile; 5] = [
    Profile::Bitrix24,
    Profile::Amocrm,
    Profile::Hubspot,
    Profile::Salesforce,
    Profile::Pipedrive,
];

/// Every CRM's definition, in the order detection tries them.
pub fn all() -> impl Iterator<Item = &'static Def> {
    ALL.iter().map(|c| of(*c).def())
}

pub fn def(profile: Profile) -> &'static Def {
    of(profile).def()
}

/// A header as this CRM's aliases are written.
pub fn key(def: &Def, header: &str) -> String {
    of(def.profile).header_key(header)
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
