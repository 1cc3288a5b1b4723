//! How a chart takes columns out of a figure's table.

use crate::schema::names::MANAGER_ID;
use polars::prelude::*;

use crate::error::Result;
use crate::i18n::{Lang, tr};
use crate::metrics::managers::ManagerGroup;

pub use crate::metrics::floats;

/// The currency as charts write it: the bundled font has no ₽, ₸ or ₴ (a PNG would show an
/// empty box), so those are written as their codes.
pub fn currency_label(currency: &str) -> String {
    match currency {
        "₽" => "RUB".into(),
        "₸" => "KZT".into(),
        "₴" => "UAH".into(),
        other => other.to_string(),
    }
}

/// Row labels of a managers table: the name (or the id when there is none), or the team.
pub fn row_labels(frame: &DataFrame, group: ManagerGroup, lang: Lang) -> Result<Vec<String>> {
    Ok(match group {
        ManagerGroup::Manager => {
            let ids = strings(frame, MANAGER_ID)?;
            let names = strings(frame, "name")?;
            let active = strings(frame, "active")?;
            ids.into_iter()
                .zip(names)
                .zip(active)
                .map(|((id, name), active)| {
                    let who = if name.is_empty() { id } else { name };
                    if active == "false" {
                        format!("{who} {}", tr(lang, "(left)"))
                    } else {
                        who
                    }
                })
                .collect()
        }
        ManagerGroup::Team => strings(frame, "team")?,
    })
}

pub fn strings(frame: &DataFrame, name: &str) -> Result<Vec<String>> {
    Ok(crate::metrics::texts(frame, name)?
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect())
}

pub fn ints(frame: &DataFrame, name: &str) -> Result<Vec<i64>> {
    Ok(floats(frame, name)?
        .into_iter()
        .map(|v| v.map_or(0, |v| v as i64))
        .collect())
}

/// A money column in currency units (0 where empty), for drawing.
pub fn money_units(frame: &DataFrame, name: &str) -> Result<Vec<f64>> {
    let c = frame
        .column(name)
        .map_err(|e| crate::error::Error::Usage(format!("{name}: {e}")))?;
    Ok(crate::money::minor_units(c)?
        .into_iter()
        .map(|m| m.unwrap_or(0) as f64 / 100.0)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_glyphs_the_font_lacks_become_codes() {
        assert_eq!(currency_label("₽"), "RUB");
        assert_eq!(currency_label("$"), "$");
        assert_eq!(currency_label("RUB"), "RUB");
    }
}
