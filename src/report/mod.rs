//! The monthly report for people: the headline figures with their changes, the funnel's
//! leaks in sentences, every section's charts and a curated view of its tables in the
//! reader's language, and the same facts as `summary.json` for machines. The command
//! (`cmd/report.rs`) computes the sections; this module only words and lays them out.

pub mod html;

pub mod columns;
mod format;
mod headline;
mod page;
mod quality;
mod sentences;
mod summary;

use crate::i18n::Note;
use polars::prelude::*;

use crate::metrics::headline::Figures;
use crate::output::NamedTable;

pub use format::{Col, Fmt, Locale, table};
use headline::{Change, MEASURES};
pub use headline::{cards, headline_frame};
pub use page::{Inputs, page};
pub use quality::rejected_by_reason;
pub use sentences::{leak_sentence, outcome_sentence};
pub use summary::summary;

/// The figure sections of the report, in the order they are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Forecast,
    Funnel,
    Losses,
    Durations,
    Managers,
    Campaigns,
    Reactivation,
    Retention,
}

impl Section {
    pub const ALL: [Section; 8] = [
        Section::Forecast,
        Section::Funnel,
        Section::Losses,
        Section::Durations,
        Section::Managers,
        Section::Campaigns,
        Section::Reactivation,
        Section::Retention,
    ];

    /// Anchor on the page and key in summary.json.
    pub fn key(self) -> &'static str {
        match self {
            Section::Forecast => "forecast",
            Section::Funnel => "funnel",
            Section::Losses => "losses",
            Section::Durations => "durations",
            Section::Managers => "managers",
            Section::Campaigns => "campaigns",
            Section::Reactivation => "reactivation",
            Section::Retention => "retention",
        }
    }

    /// The title in English (the key of its translation).
    pub fn title(self) -> &'static str {
        match self {
            Section::Forecast => "Forecast and plan",
            Section::Funnel => "Funnel",
            Section::Losses => "Losses",
            Section::Durations => "Durations",
            Section::Managers => "Managers",
            Section::Campaigns => "Campaigns",
            Section::Reactivation => "Whom to win back",
            Section::Retention => "Cohort retention",
        }
    }
}

/// A computed section, ready to be laid out.
pub struct Part {
    pub section: Section,
    pub tables: Vec<NamedTable>,
    /// The charts' SVG markup.
    pub svgs: Vec<(&'static str, String)>,
    /// Why the section could not be built.
    pub error: Option<String>,
}

impl Part {
    fn table(&self, name: &str) -> Option<&DataFrame> {
        self.tables
            .iter()
            .find(|t| t.name == name)
            .map(|t| &t.frame)
    }
}

/// The headline: the period's figures and those it is compared with.
pub struct Headline {
    pub current: Figures,
    pub previous: Option<Figures>,
    pub year_earlier: Option<Figures>,
    pub notes: Vec<Note>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::i18n::has_ru;
    use crate::metrics::headline::Leak;
    use crate::period::Period;

    fn month(label: &str) -> Period {
        Period::resolve(Some(label), None, None, None, None).unwrap()
    }

    fn figures(label: &str, won: i64, won_minor: i128, rate: Option<f64>) -> Figures {
        Figures {
            period: month(label),
            deals_created: 10,
            deals_won: won,
            deals_lost: 2,
            won_minor,
            won_with_amount: won,
            win_rate: rate,
            no_losses_recorded: false,
            cohort_conversion: None,
            paid_minor: None,
            open_at_end: 4,
            median_cycle_days: Some(12.5),
        }
    }

    #[test]
    fn every_text_of_the_page_has_its_russian() {
        let mut missing: Vec<&str> = Vec::new();
        for cols in columns::ALL {
            missing.extend(cols.iter().map(|c| c.1).filter(|l| !has_ru(l)));
        }
        missing.extend(MEASURES.iter().map(|m| m.label).filter(|l| !has_ru(l)));
        for text in [
            "Headline figures",
            "Where the funnel leaks",
            "The last 12 months",
            "Funnel",
            "Durations",
            "Managers",
            "Campaigns",
            "Whom to win back",
            "Data quality",
            "Notes",
            "Sales report",
            "as of the end of",
            "amounts in",
            "vs previous period",
            "vs a year earlier",
            "Sales funnel",
            "Loss reasons by stage",
            "Follow-up after the invoice",
            "Cycle of deals closed in the period",
            "Time in stage",
            "Top candidates to win back",
            "Buyers by RFM segment",
            "Rows per table",
            "Rejected rows by reason",
            "No row was rejected.",
            "No client is due for reactivation.",
            "This section could not be built",
            "no payments table",
            "no deals won",
            "no closed deals",
            "better than the rest",
            "worse than the rest",
            "no real difference",
            "too few deals to tell",
            "call",
            "reassign: the owner has left",
        ] {
            if !has_ru(text) {
                missing.push(text);
            }
        }
        for segment in crate::metrics::reactivation::SEGMENTS {
            if !has_ru(segment) {
                missing.push(segment);
            }
        }
        assert!(missing.is_empty(), "no Russian for {missing:?}");
    }

    #[test]
    fn leak_sentences_in_both_languages() {
        let leak = Leak {
            stage: "Счёт".into(),
            reached: 120,
            lost: 37,
            rate: 37.0 / 120.0,
            no_contact: Some(12),
        };
        let en = Locale {
            lang: Lang::En,
            symbol: "₽".into(),
        };
        let ru = Locale {
            lang: Lang::Ru,
            symbol: "₽".into(),
        };
        assert_eq!(
            leak_sentence(&leak, 2.0, &en),
            "The stage «Счёт» lost 30.8% of the deals that reached it (37 of 120); \
             12 of them had no contact within 2 days."
        );
        assert_eq!(
            leak_sentence(&leak, 1.5, &ru),
            "Этап «Счёт» потерял 30,8\u{a0}% дошедших до него сделок (37 из 120); \
             по 12 из них не было контакта в течение 1,5 дн."
        );
        let plain = Leak {
            no_contact: None,
            ..leak
        };
        assert_eq!(
            leak_sentence(&plain, 2.0, &en),
            "The stage «Счёт» lost 30.8% of the deals that reached it (37 of 120)."
        );
    }

    #[test]
    fn cards_say_the_change_and_whether_it_is_good() {
        let loc = Locale {
            lang: Lang::En,
            symbol: "₽".into(),
        };
        let h = Headline {
            current: figures("2024-03", 6, 150_050, Some(0.6)),
            previous: Some(figures("2024-02", 4, 200_000, Some(0.5))),
            year_earlier: None,
            notes: Vec::new(),
        };
        let cards = cards(&h, &loc);
        let won = cards.iter().find(|c| c.label == "Deals won").unwrap();
        assert_eq!(won.value, "6");
        // 6 against 4: +2, +50 %, better.
        assert_eq!(
            won.lines,
            vec![("+2 (+50.0%) vs previous period (2024-02: 4)".to_string(), 1)]
        );
        let amount = cards.iter().find(|c| c.label == "Won amount").unwrap();
        assert_eq!(amount.value, "1,500.50\u{a0}₽");
        // 1 500.50 − 2 000.00 = −499.50, −24.975 % → −25.0 %, worse.
        assert_eq!(
            amount.lines[0],
            (
                "−499.50\u{a0}₽ (−25.0%) vs previous period (2024-02: 2,000.00\u{a0}₽)".to_string(),
                -1
            )
        );
        let rate = cards.iter().find(|c| c.label == "Win rate").unwrap();
        assert_eq!(
            rate.lines[0].0,
            "+10.0 pp vs previous period (2024-02: 50.0%)"
        );
        let open = cards
            .iter()
            .find(|c| c.label == "Open deals at the end")
            .unwrap();
        assert_eq!(
            open.lines[0].1, 0,
            "no change, and open deals are neither good nor bad"
        );
        let paid = cards.iter().find(|c| c.label == "Paid").unwrap();
        assert_eq!(paid.value, "no payments table");
    }
}
