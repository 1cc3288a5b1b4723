//! The run's notes: what a figure assumed, left out or could not compute. A note is made
//! where the figure is, in both languages at once, so the page and the summary show it in
//! the report's language without matching its words.

use super::Lang;
use std::fmt;

/// A note of the run in English and, where it has one, Russian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    en: String,
    ru: Option<String>,
}

impl Note {
    /// A note in both languages.
    pub fn new(en: impl Into<String>, ru: impl Into<String>) -> Self {
        Note {
            en: en.into(),
            ru: Some(ru.into()),
        }
    }

    /// A note in English only: technical notes of loading and importing (file names,
    /// config keys, the data's own words), shown as written in either language.
    pub fn plain(en: impl Into<String>) -> Self {
        Note {
            en: en.into(),
            ru: None,
        }
    }

    /// The note in `lang` (English when it has no Russian).
    pub fn text(&self, lang: Lang) -> &str {
        match (lang, &self.ru) {
            (Lang::Ru, Some(ru)) => ru,
            _ => &self.en,
        }
    }

    /// The note in English.
    pub fn english(&self) -> &str {
        &self.en
    }

    /// Whether the English text contains `part` (for tests and de-duplication by meaning).
    pub fn contains(&self, part: &str) -> bool {
        self.en.contains(part)
    }
}

/// The English text.
impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_speaks_the_report_language() {
        let n = Note::new("2 lost deals", "2 проигранные сделки");
        assert_eq!(n.text(Lang::En), "2 lost deals");
        assert_eq!(n.text(Lang::Ru), "2 проигранные сделки");
        assert_eq!(n.to_string(), "2 lost deals");
        let p = Note::plain("deals.csv: not read");
        assert_eq!(p.text(Lang::Ru), "deals.csv: not read");
        assert!(p.contains("not read"));
    }
}
