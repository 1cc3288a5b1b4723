//! Single values as CRMs export them: flags, won/lost words and Excel serial dates.

use super::*;

/// Booleans as CRMs write them.
pub(super) fn flag(v: &str) -> Option<bool> {
    match profiles::normalize(v).as_str() {
        "true" | "1" | "yes" | "y" | "да" | "t" | "ano" => Some(true),
        "false" | "0" | "no" | "n" | "нет" | "f" | "ne" => Some(false),
        _ => None,
    }
}

/// Bitrix24's stage group: P/S/F or its name.
pub(super) fn semantic(v: &str) -> Option<&'static str> {
    let n = profiles::normalize(v);
    match n.as_str() {
        "p" => return Some("open"),
        "s" => return Some("won"),
        "f" => return Some("lost"),
        _ => {}
    }
    if n.starts_with("в работе")
        || n.starts_with("в процессе")
        || n.starts_with("in progress")
        || n.starts_with("in work")
    {
        Some("open")
    } else if n.starts_with("успе") || n.starts_with("success") || n == "won" {
        Some("won")
    } else if n.starts_with("провал")
        || n.starts_with("неуспе")
        || n.starts_with("fail")
        || n == "lost"
    {
        Some("lost")
    } else {
        None
    }
}

/// Pipedrive's status word; `Err` for a deleted deal.
pub(super) fn status_word(v: &str) -> std::result::Result<&'static str, &'static str> {
    match profiles::normalize(v).as_str() {
        "open" | "открыта" | "открытая" | "открыто" | "otevřený" | "otevřeno" | "otevřen" => {
            Ok("open")
        }
        "won" | "выиграна" | "выиграно" | "выигран" | "успешно" | "vyhraný" | "vyhráno"
        | "vyhrán" => Ok("won"),
        "lost" | "проиграна" | "проиграно" | "проигран" | "prohraný" | "prohráno" | "prohrán" => {
            Ok("lost")
        }
        "deleted" | "удалена" | "удалено" | "smazaný" | "smazáno" => Err("deleted"),
        // Passed on as written: validation rejects it with its line.
        _ => Ok("unknown"),
    }
}

/// A number that Excel wrote for a date (days since 1899-12-30, fraction = time).
pub(super) fn excel_serial(v: &str) -> Option<NaiveDateTime> {
    if !v.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let f: f64 = v.parse().ok()?;
    if !(20_000.0..=80_000.0).contains(&f) {
        return None;
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
    let ms = (f * 86_400_000.0).round() as i64;
    base.checked_add_signed(chrono::TimeDelta::milliseconds(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn words_flags_and_serials() {
        assert_eq!(flag("Да"), Some(true));
        assert_eq!(flag("FALSE"), Some(false));
        assert_eq!(flag("maybe"), None);
        assert_eq!(semantic("S"), Some("won"));
        assert_eq!(semantic("Провалена"), Some("lost"));
        assert_eq!(status_word("Выиграна"), Ok("won"));
        assert_eq!(status_word("Deleted"), Err("deleted"));
        // 45292 is 2024-01-01 in Excel; + 31 (January) + 29 (February) = 45352, March 1.
        assert_eq!(
            excel_serial("45292").map(|d| d.to_string()),
            Some("2024-01-01 00:00:00".into())
        );
        assert_eq!(
            excel_serial("45352.5").map(|d| d.to_string()),
            Some("2024-03-01 12:00:00".into())
        );
        assert_eq!(excel_serial("150000"), None);
    }
}
