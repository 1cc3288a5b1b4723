//! Plain numbers as exports write them (a discount percent). Dates are parsed in
//! [`crate::dates`], money in [`crate::money`].

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

    #[test]
    fn numbers_with_decimal_comma() {
        assert_eq!(parse_number("12,5"), Some(12.5));
        assert_eq!(parse_number("7 %"), Some(7.0));
        assert_eq!(parse_number("x"), None);
    }
}
