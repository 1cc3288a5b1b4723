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
