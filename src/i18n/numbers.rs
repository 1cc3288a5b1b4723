//! Numbers, money and percents written the way each locale writes them: `1,234,567.89`
//! and `1 234 567,89 ₽`.

use super::Lang;

/// Digits grouped in threes: `,` in English, a no-break space in Russian.
fn group(digits: &str, lang: Lang) -> String {
    let sep = match lang {
        Lang::En => ",",
        Lang::Ru => "\u{a0}",
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

/// A number with `places` decimals per locale: 1234567.891 → `1,234,567.89` /
/// `1 234 567,89`.
pub fn number(v: f64, places: usize, lang: Lang) -> String {
    let text = format!("{:.*}", places, v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let sign = if v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "−"
    } else {
        ""
    };
    let point = match lang {
        Lang::En => ".",
        Lang::Ru => ",",
    };
    if frac.is_empty() {
        format!("{sign}{}", group(int, lang))
    } else {
        format!("{sign}{}{point}{frac}", group(int, lang))
    }
}

/// A count of deals with the noun in its form for the number: `1 deal`, `21 deals`;
/// `1 сделка`, `3 сделки`, `21 сделка`, `25 сделок`, `11 сделок`.
pub fn deals(n: u64, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{n} {}", if n == 1 { "deal" } else { "deals" }),
        Lang::Ru => {
            let form = match (n % 10, n % 100) {
                (_, 11..=14) => "сделок",
                (1, _) => "сделка",
                (2..=4, _) => "сделки",
                _ => "сделок",
            };
            format!("{n} {form}")
        }
    }
}

/// An exact amount in minor units with its currency symbol: `1,234,567.89 ₽` /
/// `1 234 567,89 ₽`; `$1,234,567.89` for a prefix symbol in English.
pub fn money(minor: i128, symbol: &str, lang: Lang) -> String {
    let sign = if minor < 0 { "−" } else { "" };
    let abs = minor.unsigned_abs();
    let int = group(&(abs / 100).to_string(), lang);
    let frac = format!("{:02}", abs % 100);
    let body = match lang {
        Lang::En => format!("{int}.{frac}"),
        Lang::Ru => format!("{int},{frac}"),
    };
    match (lang, symbol) {
        (_, "") => format!("{sign}{body}"),
        (Lang::En, "$" | "€" | "£") => format!("{sign}{symbol}{body}"),
        _ => format!("{sign}{body}\u{a0}{symbol}"),
    }
}

/// A fraction as a percent with one decimal: 0.3126 → `31.3%` / `31,3 %`.
pub fn percent(fraction: f64, lang: Lang) -> String {
    let n = number(fraction * 100.0, 1, lang);
    match lang {
        Lang::En => format!("{n}%"),
        Lang::Ru => format!("{n}\u{a0}%"),
    }
}

/// The symbol for a currency code (`RUB` → `₽`); an unknown code is shown as it is.
pub fn currency_symbol(code: &str) -> String {
    match code.to_ascii_uppercase().as_str() {
        "RUB" | "RUR" => "₽".into(),
        "USD" => "$".into(),
        "EUR" => "€".into(),
        "GBP" => "£".into(),
        "KZT" => "₸".into(),
        "UAH" => "₴".into(),
        _ => code.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deals_counted_in_the_form_for_the_number() {
        assert_eq!(deals(1, Lang::En), "1 deal");
        assert_eq!(deals(21, Lang::En), "21 deals");
        let ru = |n| deals(n, Lang::Ru);
        assert_eq!(
            [
                ru(1),
                ru(3),
                ru(5),
                ru(11),
                ru(14),
                ru(21),
                ru(22),
                ru(103),
                ru(111)
            ],
            [
                "1 сделка",
                "3 сделки",
                "5 сделок",
                "11 сделок",
                "14 сделок",
                "21 сделка",
                "22 сделки",
                "103 сделки",
                "111 сделок"
            ]
        );
    }

    #[test]
    fn numbers_and_money_per_locale() {
        assert_eq!(
            money(123_456_789, "₽", Lang::Ru),
            "1\u{a0}234\u{a0}567,89\u{a0}₽"
        );
        assert_eq!(money(123_456_789, "", Lang::En), "1,234,567.89");
        assert_eq!(money(123_456_789, "$", Lang::En), "$1,234,567.89");
        assert_eq!(money(-5, "₽", Lang::En), "−0.05\u{a0}₽");
        assert_eq!(number(1234.6, 0, Lang::En), "1,235");
        assert_eq!(number(999.0, 0, Lang::Ru), "999");
        assert_eq!(number(-0.001, 1, Lang::En), "0.0");
        assert_eq!(percent(0.3126, Lang::En), "31.3%");
        assert_eq!(percent(0.3126, Lang::Ru), "31,3\u{a0}%");
        assert_eq!(currency_symbol("rub"), "₽");
    }
}
