//! The report's two languages: words (English is the key, Russian its translation) and
//! numbers, money and percents written the way each locale writes them:
//! `1,234,567.89` and `1 234 567,89 ₽`.
//!
//! - [`words`]: the report's and charts' texts in Russian;
//! - [`notes`]: the run's notes, each made in both languages where it is made;
//! - [`numbers`]: numbers, money and percents per locale.

mod notes;
mod numbers;
mod words;

pub use notes::Note;
pub use numbers::{currency_symbol, deals, money, number, percent};
use words::RU;

use serde::{Deserialize, Serialize};

/// The language of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Ru,
}

/// The text in the report's language.
pub fn tr(lang: Lang, en: &str) -> String {
    match lang {
        Lang::En => en.to_string(),
        Lang::Ru => RU
            .iter()
            .find(|(k, _)| *k == en)
            .map_or_else(|| en.to_string(), |(_, ru)| ru.to_string()),
    }
}

/// The English or the Russian of a text built with values (both given by the caller).
pub fn pick<T>(lang: Lang, en: T, ru: T) -> T {
    match lang {
        Lang::En => en,
        Lang::Ru => ru,
    }
}

/// The managers' KPIs as the reader sees them.
const KPIS: &[(&str, &str, &str)] = &[
    ("open_deals", "open deals", "открытые сделки"),
    ("clients_in_work", "clients in work", "клиенты в работе"),
    ("deals_created", "deals created", "создано сделок"),
    ("deals_won", "deals won", "выиграно сделок"),
    ("deals_lost", "deals lost", "проиграно сделок"),
    ("win_rate", "win rate", "доля выигранных"),
    ("won_amount", "won amount", "сумма выигранных"),
    ("paid_amount", "paid", "оплачено"),
    ("avg_won_amount", "average won deal", "средняя выигранная"),
    ("mean_cycle_days", "mean cycle, days", "средний цикл, дней"),
    ("contacts", "contacts", "контакты"),
    (
        "followup_compliance",
        "follow-up in time",
        "звонок после счёта вовремя",
    ),
    ("overdue_tasks", "overdue tasks", "просроченные задачи"),
    (
        "avg_discount_pct",
        "average discount, %",
        "средняя скидка, %",
    ),
    ("plan_attainment", "plan attainment", "выполнение плана"),
    ("hours_per_client", "hours per client", "часов на клиента"),
];

/// A KPI's name for the reader (its column name when it has none).
pub fn kpi_label(kpi: &str, lang: Lang) -> String {
    KPIS.iter().find(|(k, _, _)| *k == kpi).map_or_else(
        || kpi.to_string(),
        |(_, en, ru)| pick(lang, en, ru).to_string(),
    )
}

/// Whether a text has its Russian translation.
pub fn has_ru(en: &str) -> bool {
    RU.iter().any(|(k, _)| *k == en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(tr(Lang::Ru, "Funnel"), "Воронка");
        assert_eq!(tr(Lang::En, "Funnel"), "Funnel");
        assert_eq!(tr(Lang::Ru, "unknown text"), "unknown text");
        let mut keys: Vec<&str> = RU.iter().map(|(k, _)| *k).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "a text is listed twice");
    }
}
