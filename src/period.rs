//! Reporting periods (SPEC §2): `2024-03`, `2024-Q1`, `2024`, `all`, or an inclusive
//! `--from/--to` range. The as-of moment is the end of the period; nothing later is used.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::error::{Error, Result};

/// A half-open span of time `[start, end)` with the label users see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDateTime,
    /// Exclusive end; also the as-of moment.
    pub end: NaiveDateTime,
    pub label: String,
}

impl Period {
    /// The as-of moment: the end of the period.
    pub fn as_of(&self) -> NaiveDateTime {
        self.end
    }

    /// Start as milliseconds since the epoch (the unit of datetime columns).
    pub fn start_ms(&self) -> i64 {
        self.start.and_utc().timestamp_millis()
    }

    /// End (exclusive, as-of) as milliseconds since the epoch.
    pub fn end_ms(&self) -> i64 {
        self.end.and_utc().timestamp_millis()
    }

    /// The calendar month containing `moment`.
    pub fn month_of(moment: NaiveDateTime) -> Period {
        let d = moment.date();
        month(d.year(), d.month()).unwrap_or_else(|| Period {
            start: moment,
            end: moment,
            label: String::new(),
        })
    }

    /// Resolve the user's choice. `last_data` is the latest moment in the data, used when
    /// no period is given (the last calendar month with data); `first_data` for `all`.
    pub fn resolve(
        period: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        first_data: Option<NaiveDateTime>,
        last_data: Option<NaiveDateTime>,
    ) -> Result<Period> {
        match (period, from, to) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(Error::Usage(
                "give either --period or --from/--to, not both".into(),
            )),
            (Some("all"), None, None) => {
                let (Some(first), Some(last)) = (first_data, last_data) else {
                    return Err(Error::Usage("--period all: the data has no dates".into()));
                };
                let (first, last) = (Period::month_of(first), Period::month_of(last));
                Ok(Period {
                    label: format!("{} – {}", first.label, last.label),
                    start: first.start,
                    end: last.end,
                })
            }
            (Some(p), None, None) => parse(p),
            (None, Some(f), Some(t)) => range(f, t),
            (None, Some(_), None) | (None, None, Some(_)) => Err(Error::Usage(
                "--from and --to go together (both inclusive dates)".into(),
            )),
            (None, None, None) => last_data.map(Period::month_of).ok_or_else(|| {
                Error::Usage(
                    "the data has no dates to choose a default period from; pass --period".into(),
                )
            }),
        }
    }
}

fn month(y: i32, m: u32) -> Option<Period> {
    let start = NaiveDate::from_ymd_opt(y, m, 1)?;
    let end = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)?
    };
    Some(Period {
        start: start.and_time(chrono::NaiveTime::MIN),
        end: end.and_time(chrono::NaiveTime::MIN),
        label: format!("{y:04}-{m:02}"),
    })
}

fn span(first: Period, last: Period, label: String) -> Period {
    Period {
        start: first.start,
        end: last.end,
        label,
    }
}

/// `2024-03`, `2024-Q1`, `2024`.
fn parse(text: &str) -> Result<Period> {
    let bad = || {
        Error::Usage(format!(
            "--period {text}: use a month (2024-03), a quarter (2024-Q1), a year (2024) or all"
        ))
    };
    let t = text.trim();
    // A year is four digits (`24-03` is not the year 24), a month two or one.
    let year = |y: &str| -> Result<i32> {
        if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) {
            y.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    if let Some((y, q)) = t
        .split_once(['-'])
        .filter(|(_, q)| q.starts_with(['Q', 'q']))
    {
        let y = year(y)?;
        let q: u32 = q[1..].parse().map_err(|_| bad())?;
        if !(1..=4).contains(&q) {
            return Err(bad());
        }
        let first = month(y, q * 3 - 2).ok_or_else(bad)?;
        let last = month(y, q * 3).ok_or_else(bad)?;
        return Ok(span(first, last, format!("{y:04}-Q{q}")));
    }
    if let Some((y, m)) = t.split_once('-') {
        let (y, m): (i32, u32) = (year(y)?, m.parse().map_err(|_| bad())?);
        return month(y, m).ok_or_else(bad);
    }
    let y = year(t)?;
    let (first, last) = (month(y, 1).ok_or_else(bad)?, month(y, 12).ok_or_else(bad)?);
    Ok(span(first, last, format!("{y:04}")))
}

impl Period {
    /// `--as-of 2024-03-15`: everything up to the end of that day (the period is the
    /// month up to it).
    pub fn as_of_date(text: &str) -> Result<Period> {
        let d = crate::dates::parse_date(text, &[]).ok_or_else(|| {
            Error::Usage(format!(
                "--as-of {text}: not a date (use 2024-03-15 or 15.03.2024)"
            ))
        })?;
        let first = d.with_day(1).unwrap_or(d).to_string();
        let mut p = range(&first, &d.to_string())?;
        p.label = format!("as of {d}");
        Ok(p)
    }
}

impl Period {
    /// The span just before this one: the previous month, quarter or year (any whole
    /// months: as many months before); other spans the same number of days before.
    pub fn previous(&self) -> Option<Period> {
        match self.whole_months() {
            Some(n) => self.shift_months(n),
            None => {
                let len = self.end - self.start;
                let start = self.start.checked_sub_signed(len)?;
                Some(Period::from_bounds(start, self.start))
            }
        }
    }

    /// The span just after this one: the next month, quarter or year (any whole months: as
    /// many months after); other spans the same number of days after.
    pub fn next(&self) -> Option<Period> {
        match self.whole_months() {
            Some(n) => {
                let m = chrono::Months::new(n);
                Some(Period::from_bounds(
                    self.start.checked_add_months(m)?,
                    self.end.checked_add_months(m)?,
                ))
            }
            None => {
                let end = self.end.checked_add_signed(self.end - self.start)?;
                Some(Period::from_bounds(self.end, end))
            }
        }
    }

    /// The calendar month `n` months before the month this period starts in.
    pub fn month_before(&self, n: u32) -> Option<Period> {
        let first = Period::month_of(self.start).start;
        let start = first.checked_sub_months(chrono::Months::new(n))?;
        Some(Period::month_of(start))
    }

    /// The same span twelve months earlier.
    pub fn year_earlier(&self) -> Option<Period> {
        self.shift_months(12)
    }

    /// How many whole calendar months the period covers, if it runs from a first of the
    /// month to a first of the month.
    fn whole_months(&self) -> Option<u32> {
        let first = |t: NaiveDateTime| t.day() == 1 && t.time() == chrono::NaiveTime::MIN;
        if !first(self.start) || !first(self.end) {
            return None;
        }
        let months = (self.end.year() - self.start.year()) * 12 + self.end.month() as i32
            - self.start.month() as i32;
        u32::try_from(months).ok().filter(|m| *m > 0)
    }

    fn shift_months(&self, n: u32) -> Option<Period> {
        let m = chrono::Months::new(n);
        let start = self.start.checked_sub_months(m)?;
        let end = if self.whole_months().is_some() {
            self.end.checked_sub_months(m)?
        } else {
            start.checked_add_signed(self.end - self.start)?
        };
        Some(Period::from_bounds(start, end))
    }

    /// A period from its bounds, labelled the way the user would have asked for it.
    fn from_bounds(start: NaiveDateTime, end: NaiveDateTime) -> Period {
        let p = Period {
            start,
            end,
            label: String::new(),
        };
        let (y, m) = (start.year(), start.month());
        let label = match p.whole_months() {
            Some(1) => format!("{y:04}-{m:02}"),
            Some(3) if m % 3 == 1 => format!("{y:04}-Q{}", m.div_ceil(3)),
            Some(12) if m == 1 => format!("{y:04}"),
            _ => {
                let last = (end - chrono::Duration::days(1)).date();
                format!("{} – {last}", start.date())
            }
        };
        Period { label, ..p }
    }
}

/// `--from 2024-03-01 --to 2024-03-31`, both inclusive.
fn range(from: &str, to: &str) -> Result<Period> {
    let date = |s: &str, flag: &str| {
        crate::dates::parse_date(s, &[]).ok_or_else(|| {
            Error::Usage(format!(
                "{flag} {s}: not a date (use 2024-03-01 or 01.03.2024)"
            ))
        })
    };
    let (f, t) = (date(from, "--from")?, date(to, "--to")?);
    if t < f {
        return Err(Error::Usage(format!("--to {to} is before --from {from}")));
    }
    let end = t
        .succ_opt()
        .ok_or_else(|| Error::Usage(format!("--to {to}: out of range")))?;
    Ok(Period {
        start: f.and_time(chrono::NaiveTime::MIN),
        end: end.and_time(chrono::NaiveTime::MIN),
        label: format!("{f} – {t}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previous_and_a_year_earlier() {
        let label = |p: Option<Period>| p.map(|p| p.label).unwrap_or_default();
        let march = parse("2024-03").unwrap();
        assert_eq!(label(march.previous()), "2024-02");
        assert_eq!(label(march.year_earlier()), "2023-03");
        let jan = parse("2024-01").unwrap();
        assert_eq!(label(jan.previous()), "2023-12");
        assert_eq!(label(parse("2024-Q1").unwrap().previous()), "2023-Q4");
        assert_eq!(label(parse("2024-Q3").unwrap().year_earlier()), "2023-Q3");
        assert_eq!(label(parse("2024").unwrap().previous()), "2023");
        let r = range("2024-03-10", "2024-03-19").unwrap();
        let p = r.previous().unwrap();
        assert_eq!(p.label, "2024-02-29 – 2024-03-09");
        assert_eq!(p.end, r.start);
        assert_eq!(label(r.year_earlier()), "2023-03-10 – 2023-03-19");
        // A leap day a year earlier falls back to the 28th.
        let leap = range("2024-02-29", "2024-02-29").unwrap();
        assert_eq!(label(leap.year_earlier()), "2023-02-28 – 2023-02-28");
    }

    fn p(s: &str) -> Period {
        Period::resolve(Some(s), None, None, None, None).unwrap()
    }

    #[test]
    fn a_year_has_four_digits() {
        for bad in ["24-03", "24", "024-Q1", "+2024-03", "20245-01"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(parse("2024-3").unwrap().label, "2024-03");
    }

    #[test]
    fn months_quarters_years() {
        let m = p("2024-02");
        assert_eq!(
            (m.start.to_string(), m.end.to_string()),
            ("2024-02-01 00:00:00".into(), "2024-03-01 00:00:00".into())
        );
        let q = p("2024-Q4");
        assert_eq!(
            (q.start.date().to_string(), q.end.date().to_string()),
            ("2024-10-01".into(), "2025-01-01".into())
        );
        let y = p("2023");
        assert_eq!(
            (y.start.date().to_string(), y.end.date().to_string()),
            ("2023-01-01".into(), "2024-01-01".into())
        );
    }

    #[test]
    fn inclusive_range_and_default() {
        let r = Period::resolve(None, Some("2024-03-01"), Some("31.03.2024"), None, None).unwrap();
        assert_eq!(r.end.date().to_string(), "2024-04-01");
        let last = NaiveDate::from_ymd_opt(2024, 5, 17)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        let d = Period::resolve(None, None, None, None, Some(last)).unwrap();
        assert_eq!(d.label, "2024-05");
    }

    #[test]
    fn as_of_a_day() {
        let p = Period::as_of_date("15.03.2024").unwrap();
        assert_eq!(p.start.to_string(), "2024-03-01 00:00:00");
        assert_eq!(p.end.to_string(), "2024-03-16 00:00:00");
        assert_eq!(p.label, "as of 2024-03-15");
        assert!(Period::as_of_date("soon").is_err());
    }

    #[test]
    fn bad_periods_say_what_to_type() {
        for bad in ["2024-13", "2024-Q5", "March", "2024-03-01"] {
            let e = Period::resolve(Some(bad), None, None, None, None)
                .unwrap_err()
                .to_string();
            assert!(e.contains("use a month (2024-03)"), "{bad}: {e}");
        }
        assert!(Period::resolve(Some("2024"), Some("2024-01-01"), None, None, None).is_err());
    }
}
