//! Pipedrive: the deals export, headers written `Entity - Field` (in English, Russian or
//! Czech). No stage history in its exports.

use super::{Crm, US_DATES};
use crate::config::Profile;
use crate::import::profiles::normalize;
use crate::import::profiles::{Def, Role};

pub static PIPEDRIVE: Def = Def {
    profile: Profile::Pipedrive,
    fallback: encoding_rs::WINDOWS_1252,
    deal_files: &["deal", "сделк", "obchod"],
    history_files: &[],
    account_files: &[],
    deals: &[
        (Role::DealId, &["id"]),
        (Role::Title, &["title", "название", "název"]),
        (
            Role::Amount,
            &["value", "deal value", "стоимость", "сумма", "hodnota"],
        ),
        (
            Role::Currency,
            &["currency", "currency of value", "валюта", "měna"],
        ),
        (Role::Owner, &["owner", "владелец", "vlastník"]),
        (
            Role::Created,
            &[
                "deal created",
                "deal created on",
                "add time",
                "creation date",
                "created",
                "сделка создана",
                "дата создания",
                "время добавления",
                "vytvořeno",
                "obchod vytvořen",
            ],
        ),
        (
            Role::Closed,
            &["closed on", "close time", "дата закрытия", "uzavřeno"],
        ),
        (Role::WonTime, &["won time", "время выигрыша", "čas výhry"]),
        (
            Role::LostTime,
            &["lost time", "время проигрыша", "čas prohry"],
        ),
        (Role::Stage, &["stage", "stage (pipeline)", "этап", "fáze"]),
        (Role::Pipeline, &["pipeline", "воронка"]),
        (Role::StatusWord, &["status", "статус", "stav"]),
        (
            Role::Company,
            &["organization", "organisation", "организация", "organizace"],
        ),
        (
            Role::Contact,
            &["contact person", "контактное лицо", "kontaktní osoba"],
        ),
        (
            Role::LossReason,
            &["lost reason", "причина проигрыша", "důvod prohry"],
        ),
        (Role::Source, &["source", "source channel", "источник"]),
        (Role::Probability, &["probability", "вероятность"]),
        (
            Role::ExpectedClose,
            &[
                "expected close date",
                "ожидаемая дата закрытия",
                "očekávané datum uzavření",
            ],
        ),
    ],
    required: &[Role::DealId, Role::StatusWord, Role::Created],
    date_formats: US_DATES,
    orders: &[&[
        "Lead In",
        "Contact Made",
        "Needs Defined",
        "Proposal Made",
        "Negotiations Started",
    ]],
    won: &[],
    lost: &[],
};

pub struct Pipedrive;

impl Crm for Pipedrive {
    fn def(&self) -> &'static Def {
        &PIPEDRIVE
    }

    fn header_key(&self, header: &str) -> String {
        header_key(header)
    }
}

/// Pipedrive writes `Entity - Field`; the deal entity is dropped so that the field is
/// matched, and the organisation's and person's names become `organization` and
/// `contact person`. Entity words in English, Russian and Czech.
pub fn header_key(h: &str) -> String {
    let n = normalize(h);
    let Some((entity, field)) = n.split_once(" - ") else {
        return n;
    };
    let names = ["name", "название", "имя", "název", "jméno"];
    match entity {
        "deal" | "сделка" | "obchod" => field.to_string(),
        "organization" | "organisation" | "организация" | "organizace"
            if names.contains(&field) =>
        {
            "organization".into()
        }
        "person" | "контакт" | "контактное лицо" | "osoba" | "kontaktní osoba"
            if names.contains(&field) =>
        {
            "contact person".into()
        }
        _ => n,
    }
}
