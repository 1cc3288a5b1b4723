//! Bitrix24: deals export (Russian or English labels, windows-1251 when not UTF-8), one row
//! per product row of a deal; stage history from `crm.stagehistory.list`, whose stages are
//! codes (`C14:NEW`) named by Bitrix24's defaults.

use super::{Crm, History, LongHistory};
use crate::config::Profile;
use crate::import::profiles::{Def, Role};

pub static BITRIX24: Def = Def {
    profile: Profile::Bitrix24,
    fallback: encoding_rs::WINDOWS_1251,
    deal_files: &["deal", "сделк"],
    history_files: &["stagehistory", "stage_history", "history", "истори"],
    account_files: &[],
    deals: &[
        (Role::DealId, &["id"]),
        (Role::Title, &["название сделки", "deal name", "название"]),
        (Role::Stage, &["стадия сделки", "stage", "стадия"]),
        (Role::Pipeline, &["направление", "pipeline", "воронка"]),
        (Role::Amount, &["сумма", "income", "amount", "opportunity"]),
        (Role::Currency, &["валюта", "currency"]),
        (
            Role::Owner,
            &["ответственный", "responsible", "responsible person"],
        ),
        (
            Role::Created,
            &["дата создания", "created", "дата начала", "start date"],
        ),
        (
            Role::Closed,
            &[
                "предполагаемая дата закрытия",
                "assumed close date",
                "дата закрытия",
            ],
        ),
        (Role::ClosedFlag, &["сделка закрыта", "closed"]),
        (
            Role::Semantic,
            &["группа стадий", "deal status", "stage_semantic_id"],
        ),
        (Role::Company, &["компания", "company"]),
        (Role::Contact, &["контакт", "contact", "клиент"]),
        (Role::Source, &["источник", "source"]),
        (
            Role::LossReason,
            &["причина провала", "причина отказа", "loss reason"],
        ),
        (Role::Product, &["товар", "product", "товары", "products"]),
        (
            Role::Probability,
            &["вероятность", "probability, %", "probability"],
        ),
    ],
    required: &[Role::DealId, Role::Stage, Role::Created],
    date_formats: &[],
    orders: &[
        &[
            "Новая",
            "Подготовка документов",
            "Счёт на предоплату",
            "В работе",
            "Финальный счёт",
            "Сделка успешна",
        ],
        &[
            "New",
            "Prepare documents",
            "Prepayment invoice",
            "In progress",
            "Final invoice",
            "Deal won",
        ],
    ],
    won: &["сделка успешна", "deal won", "won"],
    lost: &[
        "сделка провалена",
        "анализ причины провала",
        "deal lost",
        "analyze failure",
        "lose",
    ],
};

/// Bitrix24's default deal stage codes (`crm.stagehistory.list` gives codes, the deal
/// export names) in Russian and English; `[import.stage_names]` overrides or adds.
pub const BITRIX_CODES: &[(&str, &str, &str)] = &[
    ("NEW", "Новая", "New"),
    ("PREPARATION", "Подготовка документов", "Prepare documents"),
    (
        "PREPAYMENT_INVOICE",
        "Счёт на предоплату",
        "Prepayment invoice",
    ),
    ("EXECUTING", "В работе", "In progress"),
    ("FINAL_INVOICE", "Финальный счёт", "Final invoice"),
    ("WON", "Сделка успешна", "Deal won"),
    ("LOSE", "Сделка провалена", "Deal lost"),
    ("APOLOGY", "Анализ причины провала", "Analyze failure"),
];

/// `crm.stagehistory.list` rows: one per stage entry, stages as codes.
static HISTORY: LongHistory = LongHistory {
    columns: &[
        ("deal", &["owner_id"]),
        ("stage", &["stage_id", "status_id"]),
        ("at", &["created_time"]),
        ("semantic", &["stage_semantic_id", "status_semantic_id"]),
    ],
    codes: true,
    changes: &[],
};

pub struct Bitrix24;

impl Crm for Bitrix24 {
    fn def(&self) -> &'static Def {
        &BITRIX24
    }

    fn product_rows(&self) -> bool {
        true
    }

    fn role_note(&self, role: Role) -> Option<&'static str> {
        (role == Role::Amount).then_some("product rows of one deal summed")
    }

    fn history(&self) -> History {
        History::File(&HISTORY)
    }

    /// `C14:NEW` is NEW of pipeline 14; the default codes in the export's language.
    fn stage_code_name(&self, code: &str, russian: bool) -> Option<String> {
        let bare = match code.split_once(':') {
            Some((p, rest)) if p.starts_with('C') && p[1..].chars().all(|c| c.is_ascii_digit()) => {
                rest
            }
            _ => code,
        };
        BITRIX_CODES
            .iter()
            .find(|(c, _, _)| *c == bare)
            .map(|(_, ru, en)| if russian { ru } else { en }.to_string())
    }
}
