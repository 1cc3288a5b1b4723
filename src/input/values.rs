//! Parsing of single values as exports write them: datetimes in ISO and Russian forms,
//! money with spaces and decimal commas, plain numbers. Money never passes through a float.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Parse a datetime the way SPEC §1 allows: ISO 8601 (`2024-03-05`, `2024-03-05 14:30`,
/// `2024-03-05T14:30:00.123`, with `Z` or an offset), Russian `05.03.2024[ 14:30[:00]]`,
/// then each of `extra_formats` (chrono syntax). A date alone means 00:00. An offset is
/// dropped: the wall-clock time as written is kept (exports write one zone throughout).
pub fn parse_datetime(text: &str, extra_formats: &[String]) -> Option<NaiveDateTime> {
    let s = text.trim();
    parse_builtin(s).or_else(|| parse_with_formats(s, extra_formats))
}

/// Parse a calendar date; a datetime is accepted and its date kept.
pub fn parse_date(text: &str, extra_formats: &[String]) -> Option<NaiveDate> {
    parse_datetime(text, extra_formats).map(|dt| dt.date())
}

fn parse_builtin(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if b.len() < 8 {
        return None;
    }
    let (date, rest) = if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        let date = ymd(num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?)?;
        (date, &s[10..])
    } else if b.len() >= 10 && b[2] == b'.' && b[5] == b'.' {
        let date = ymd(num(&b[6..10])?, num(&b[3..5])?, num(&b[0..2])?)?;
        (date, &s[10..])
    } else {
        return None;
    };
    let time = parse_time_part(rest)?;
    Some(date.and_time(time))
}

fn ymd(y: u32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

/// `""`, `" 14:30"`, `"T14:30:00"`, `" 14:30:00.123+03:00"`, `"T14:30:00Z"`.
fn parse_time_part(rest: &str) -> Option<NaiveTime> {
    if rest.is_empty() {
        return Some(NaiveTime::MIN);
    }
    let rest = rest.strip_prefix(['T', ' '])?.trim_start();
    let rest = strip_offset(rest)?;
    let b = rest.as_bytes();
    if b.len() < 5 || b[2] != b':' {
        return None;
    }
    let (h, m) = (num(&b[0..2])?, num(&b[3..5])?);
    let (sec, nano) = match &rest[5..] {
        "" => (0, 0),
        tail => {
            let tail = tail.strip_prefix(':')?;
            let (secs, frac) = tail.split_once(['.', ',']).unwrap_or((tail, ""));
            if secs.len() != 2 {
                return None;
            }
            (num(secs.as_bytes())?, fraction_nanos(frac)?)
        }
    };
    NaiveTime::from_hms_nano_opt(h, m, sec, nano)
}

/// Remove a trailing `Z`, `+03:00`, `+0300` or `+03`; `None` if what is left is not a time.
fn strip_offset(s: &str) -> Option<&str> {
    if let Some(t) = s.strip_suffix(['Z', 'z']) {
        return Some(t);
    }
    // An offset sign can only appear after the minutes (position 5 or later).
    match s.get(5..).and_then(|t| t.rfind(['+', '-'])) {
        Some(i) => {
            let (time, offset) = s.split_at(5 + i);
            let digits: String = offset[1..].chars().filter(|c| *c != ':').collect();
            (matches!(digits.len(), 2 | 4) && digits.bytes().all(|c| c.is_ascii_digit()))
                .then_some(time)
        }
        None => Some(s),
    }
}

fn fraction_nanos(frac: &str) -> Option<u32> {
    if frac.is_empty() {
        return Some(0);
    }
    if frac.len() > 9 || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let value: u32 = frac.parse().ok()?;
    Some(value * 10u32.pow(9 - frac.len() as u32))
}

fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |acc, c| acc * 10 + u32::from(c - b'0')))
}

fn parse_with_formats(s: &str, formats: &[String]) -> Option<NaiveDateTime> {
    formats.iter().find_map(|f| {
        NaiveDateTime::parse_from_str(s, f).ok().or_else(|| {
            NaiveDate::parse_from_str(s, f)
                .ok()
                .map(|d| d.and_time(NaiveTime::MIN))
        })
    })
}

/// Why a money value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    NotANumber,
    TooManyDecimals,
    TooLarge,
}

impl std::fmt::Display for MoneyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MoneyError::NotANumber => "not a money amount",
            MoneyError::TooManyDecimals => "money has more than 2 decimal places",
            MoneyError::TooLarge => "money amount too large",
        })
    }
}

/// Parse money to whole minor units (kopecks, cents) exactly: `1234.50`, `1 234,50`,
/// `1234,5`, `-15`, `1,234.50`, `1.234,50`, `1'234.50`. With both `.` and `,` the last one
/// is the decimal mark; a single `,` or `.` is a decimal mark; repeated ones group
/// thousands. Spaces (also non-breaking), apostrophes, and the `.`/`,` that is not the
/// decimal mark group thousands only as written by people: a first group of 1–3 digits,
/// then groups of exactly 3, one kind of separator throughout (`1.2.3`, `12,34,56`,
/// `1 2`, `,,5` are refused). More than two decimals are refused unless the extra digits
/// are zeros (`12.5000`).
pub fn parse_money(text: &str) -> Result<i64, MoneyError> {
    let s = text.trim();
    let (negative, rest) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let rest = rest.trim_start();
    let (whole, frac) = split_decimal(rest);
    let whole = ungrouped(whole).ok_or(MoneyError::NotANumber)?;
    if whole.is_empty() && frac.is_empty() {
        return Err(MoneyError::NotANumber);
    }
    if !frac.bytes().all(|c| c.is_ascii_digit()) {
        return Err(MoneyError::NotANumber);
    }
    if frac.len() > 2 && frac[2..].bytes().any(|c| c != b'0') {
        return Err(MoneyError::TooManyDecimals);
    }
    let mut minor: i64 = 0;
    let frac2 = frac.bytes().chain(std::iter::repeat(b'0')).take(2);
    for c in whole.bytes().chain(frac2) {
        minor = minor
            .checked_mul(10)
            .and_then(|m| m.checked_add(i64::from(c - b'0')))
            .ok_or(MoneyError::TooLarge)?;
    }
    Ok(if negative { -minor } else { minor })
}

/// Split at the decimal mark: the last of `.` and `,` when both appear, else a `.` or `,`
/// that appears once.
fn split_decimal(s: &str) -> (&str, &str) {
    let dots = s.matches('.').count();
    let commas = s.matches(',').count();
    let decimal_at = match (s.rfind('.'), s.rfind(',')) {
        (Some(d), Some(c)) => Some(d.max(c)),
        (Some(d), None) if dots == 1 => Some(d),
        (None, Some(c)) if commas == 1 => Some(c),
        _ => None,
    };
    match decimal_at {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    }
}

/// The digits of a whole part written with or without thousands separators; `None` when
/// it is not digits grouped by threes with one kind of separator.
fn ungrouped(whole: &str) -> Option<String> {
    fn kind(c: char) -> Option<u8> {
        match c {
            ' ' | '\u{a0}' | '\u{202f}' => Some(0),
            '\'' | '’' => Some(1),
            ',' => Some(2),
            '.' => Some(3),
            _ => None,
        }
    }
    let mut digits = String::with_capacity(whole.len());
    let mut sep: Option<u8> = None;
    let mut group = 0usize;
    let mut first = true;
    for c in whole.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            group += 1;
            continue;
        }
        let k = kind(c)?;
        if sep.is_some_and(|s| s != k) {
            return None;
        }
        // The group before a separator: 1–3 digits first, exactly 3 after.
        let fits = if first {
            (1..=3).contains(&group)
        } else {
            group == 3
        };
        if !fits {
            return None;
        }
        sep = Some(k);
        first = false;
        group = 0;
    }
    (sep.is_none() || group == 3).then_some(digits)
}

/// Format minor units as a decimal with two places: `123450` → `1234.50`.
pub fn format_money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Parse a plain number such as a discount percent: `12.5`, `12,5`, `12 %`.
pub fn parse_number(text: &str) -> Option<f64> {
    let cleaned: String = text
        .trim()
        .trim_end_matches('%')
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    let value: f64 = cleaned.parse().ok()?;
    value.is_finite().then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> String {
        parse_datetime(s, &[])
            .map(|d| d.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn iso_and_russian_datetimes() {
        assert_eq!(dt("2024-03-05"), "2024-03-05 00:00:00");
        assert_eq!(dt("2024-03-05 14:30"), "2024-03-05 14:30:00");
        assert_eq!(dt("2024-03-05T14:30:15"), "2024-03-05 14:30:15");
        assert_eq!(dt("2024-03-05T14:30:15.250Z"), "2024-03-05 14:30:15.250");
        assert_eq!(dt("2024-03-05T14:30:15+03:00"), "2024-03-05 14:30:15");
        assert_eq!(dt("2024-03-05 14:30:15-0500"), "2024-03-05 14:30:15");
        assert_eq!(dt("05.03.2024"), "2024-03-05 00:00:00");
        assert_eq!(dt(" 05.03.2024 14:30 "), "2024-03-05 14:30:00");
        assert_eq!(dt("05.03.2024 14:30:09"), "2024-03-05 14:30:09");
    }

    #[test]
    fn impossible_dates_are_refused() {
        for bad in [
            "31.02.2024",
            "2024-13-01",
            "2024-03-05 25:00",
            "05/03/2024",
            "",
            "soon",
        ] {
            assert_eq!(parse_datetime(bad, &[]), None, "{bad}");
        }
    }

    #[test]
    fn config_formats_are_tried_last() {
        let formats = vec!["%m/%d/%y".to_string(), "%m/%d/%y %I:%M %p".to_string()];
        let parsed = parse_datetime("02/23/26 08:55 PM", &formats).map(|d| d.to_string());
        assert_eq!(parsed.as_deref(), Some("2026-02-23 20:55:00"));
        let parsed = parse_datetime("02/03/24", &formats).map(|d| d.to_string());
        assert_eq!(parsed.as_deref(), Some("2024-02-03 00:00:00"));
    }

    #[test]
    fn money_forms() {
        assert_eq!(parse_money("1234.50"), Ok(123450));
        assert_eq!(parse_money("1 234,50"), Ok(123450));
        assert_eq!(parse_money("1\u{a0}234,5"), Ok(123450));
        assert_eq!(parse_money("1234,5"), Ok(123450));
        assert_eq!(parse_money("1,234.50"), Ok(123450));
        assert_eq!(parse_money("1.234,50"), Ok(123450));
        assert_eq!(parse_money("1,234,567"), Ok(123456700));
        assert_eq!(parse_money("-15"), Ok(-1500));
        assert_eq!(parse_money("0.07"), Ok(7));
        assert_eq!(parse_money("12.5000"), Ok(1250));
        assert_eq!(parse_money(",5"), Ok(50));
        assert_eq!(parse_money("1'234.50"), Ok(123450));
        assert_eq!(parse_money("1 234 567,00"), Ok(123456700));
        assert_eq!(parse_money("- 15"), Ok(-1500));
        assert_eq!(parse_money("123 456"), Ok(12345600));
    }

    /// Issue 17 item 5: thousands groups are 3 digits after a first group of 1–3.
    #[test]
    fn malformed_grouping_is_refused() {
        for bad in [
            "1.2.3",
            "12,34,56",
            "1,23,4.50",
            "1.2,50",
            "1'2'3",
            ",,5",
            "1 2",
            "1234 567",
            "1 234.567,50",
            "1,234 567",
            "1,,234",
            "1.234.5",
        ] {
            assert_eq!(parse_money(bad), Err(MoneyError::NotANumber), "{bad:?}");
        }
    }

    #[test]
    fn money_refusals() {
        assert_eq!(parse_money("12.345"), Err(MoneyError::TooManyDecimals));
        assert_eq!(parse_money("abc"), Err(MoneyError::NotANumber));
        assert_eq!(parse_money("1.2.3,4,5"), Err(MoneyError::NotANumber));
        assert_eq!(parse_money("-"), Err(MoneyError::NotANumber));
        assert_eq!(
            parse_money("99999999999999999999"),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn money_formatting() {
        assert_eq!(format_money(123450), "1234.50");
        assert_eq!(format_money(-7), "-0.07");
        assert_eq!(format_money(0), "0.00");
    }

    #[test]
    fn numbers_with_decimal_comma() {
        assert_eq!(parse_number("12,5"), Some(12.5));
        assert_eq!(parse_number("7 %"), Some(7.0));
        assert_eq!(parse_number("x"), None);
    }
}
