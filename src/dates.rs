//! Dates and times as exports write them: ISO 8601 and Russian forms, then the config's
//! own formats. Ground level: config, periods, validation and import all read dates here.

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
}
