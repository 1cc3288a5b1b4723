//! amoCRM (Kommo): the leads export; closed stages may come as the system ids 142 (won)
//! and 143 (lost). No stage history in its exports.

use super::Crm;
use crate::config::Profile;
use crate::import::profiles::{Def, Role};

pub static AMOCRM: Def = Def {
    profile: Profile::Amocrm,
    fallback: encoding_rs::WINDOWS_1251,
    deal_files: &["lead", "deal", "сделк"],
    history_files: &[],
    account_files: &[],
    deals: &[
        (Role::DealId, &["id"]),
        (
            Role::Title,
            &["название сделки", "lead title", "lead name", "name"],
        ),
        (
            Role::Amount,
            &[
                "бюджет",
                "бюджет ₽",
                "бюджет, ₽",
                "бюджет руб",
                "бюджет, руб",
                "бюджет руб.",
                "budget",
                "sale",
            ],
        ),
        (
            Role::Owner,
            &[
                "ответственный",
                "responsible user",
                "responsible",
                "lead owner",
            ],
        ),
        (
            Role::Created,
            &[
                "дата создания сделки",
                "дата создания",
                "date created",
                "created",
            ],
        ),
        (
            Role::Closed,
            &["дата закрытия", "closing date", "date closed", "closed"],
        ),
        (
            Role::Stage,
            &[
                "этап сделки",
                "статус сделки",
                "этап",
                "stage",
                "lead status",
                "status",
            ],
        ),
        (Role::Pipeline, &["воронка", "pipeline"]),
        (Role::Company, &["компания", "company"]),
        (
            Role::Contact,
            &[
                "полное имя контакта",
                "контакт",
                "contact",
                "contact name",
                "full name",
            ],
        ),
        (Role::Source, &["источник", "source"]),
        (Role::Campaign, &["utm_campaign"]),
        (Role::LossReason, &["причина отказа", "loss reason"]),
    ],
    required: &[Role::DealId, Role::Stage, Role::Created],
    date_formats: &[],
    orders: &[
        &[
            "Первичный контакт",
            "Переговоры",
            "Принимают решение",
            "Согласование договора",
            "Успешно реализовано",
        ],
        &[
            "Initial contact",
            "Negotiation",
            "Making decision",
            "Contract discussion",
            "Closed - won",
        ],
    ],
    won: &["успешно реализовано", "closed - won", "closed won", "142"],
    lost: &[
        "закрыто и не реализовано",
        "closed - lost",
        "closed lost",
        "143",
    ],
};

pub struct Amocrm;

impl Crm for Amocrm {
    fn def(&self) -> &'static Def {
        &AMOCRM
    }

    fn stage(&self, stage: String) -> String {
        match stage.as_str() {
            "142" => "Успешно реализовано".to_string(),
            "143" => "Закрыто и не реализовано".to_string(),
            _ => stage,
        }
    }

    fn role_note(&self, role: Role) -> Option<&'static str> {
        match role {
            Role::Closed => Some("«не закрыта» = open"),
            Role::Stage => Some("142 = won, 143 = lost"),
            _ => None,
        }
    }
}
