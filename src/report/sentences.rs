//! The funnel in sentences: the leaks and the outcome of the period.

use super::*;
use crate::i18n::{self, pick};
use crate::metrics::headline::{Figures, Leak};

/// The sentence for one leak: "The stage «Счёт» lost 31.0% of the deals that reached it
/// (37 of 120); 12 of them had no contact within 2 days."
pub fn leak_sentence(leak: &Leak, window_days: f64, loc: &Locale) -> String {
    let pct = loc.pct(leak.rate);
    let (lost, reached) = (loc.int(leak.lost), loc.int(leak.reached));
    let days = i18n::number(
        window_days,
        if window_days.fract() == 0.0 { 0 } else { 1 },
        loc.lang,
    );
    let mut s = pick(
        loc.lang,
        format!(
            "The stage «{}» lost {pct} of the deals that reached it ({lost} of {reached})",
            leak.stage
        ),
        format!(
            "Этап «{}» потерял {pct} дошедших до него сделок ({lost} из {reached})",
            leak.stage
        ),
    );
    if let Some(k) = leak.no_contact {
        s.push_str(&pick(
            loc.lang,
            format!("; {} of them had no contact within {days} days", loc.int(k)),
            format!(
                "; по {} из них не было контакта в течение {days} дн.",
                loc.int(k)
            ),
        ));
    }
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

/// The sentence on the period's outcome: won, lost and the win rate.
pub fn outcome_sentence(f: &Figures, loc: &Locale) -> String {
    let (won, lost) = (loc.int(f.deals_won), loc.int(f.deals_lost));
    if f.no_losses_recorded {
        let conv = f
            .cohort_conversion
            .map_or_else(|| "—".to_string(), |c| loc.pct(c));
        return pick(
            loc.lang,
            format!(
                "In {} {won} deals were won. The export records no lost deal at all, so no win rate is shown (it would be 100 %); of the deals created in {}, {conv} were won.",
                f.period.label, f.period.label
            ),
            format!(
                "В {} выиграно сделок: {won}. В выгрузке нет ни одной проигранной сделки, поэтому доля выигранных не показана (она была бы 100 %); из сделок, созданных в {}, выиграно {conv}.",
                f.period.label, f.period.label
            ),
        );
    }
    match f.win_rate {
        Some(r) => pick(
            loc.lang,
            format!(
                "In {} {won} deals were won and {lost} lost: {} of the deals closed were won.",
                f.period.label,
                loc.pct(r)
            ),
            format!(
                "В {} выиграно сделок: {won}, проиграно: {lost} — выиграна {} закрытых сделок.",
                f.period.label,
                loc.pct(r)
            ),
        ),
        None => pick(
            loc.lang,
            format!("No deal was closed in {}.", f.period.label),
            format!("В {} не закрыта ни одна сделка.", f.period.label),
        ),
    }
}

/// The forecast in one sentence: the projection for the period and how far off forecasts
/// made the same way were (the backtest's mean absolute percentage error).
pub fn forecast_sentence(f: &DataFrame, loc: &Locale) -> crate::error::Result<String> {
    use crate::metrics::{floats, ints, texts};
    let window = texts(f, "window")?;
    let open = ints(f, "open_deals")?;
    let minor = |name: &str| -> crate::error::Result<Vec<Option<i128>>> {
        crate::money::minor_units(
            f.column(name)
                .map_err(|e| crate::error::Error::Usage(e.to_string()))?,
        )
    };
    let (won, weighted, projection) = (
        minor("won_so_far")?,
        minor("weighted_amount")?,
        minor("projection")?,
    );
    let mape = floats(f, "backtest_mape")?;
    let money = |v: Option<i128>| loc.money(v.unwrap_or(0));
    let (Some(Some(w)), Some(n)) = (window.first(), open.first()) else {
        return Ok(String::new());
    };
    let n = loc.int(n.unwrap_or(0));
    let (p, so_far, weighted) = (money(projection[0]), money(won[0]), money(weighted[0]));
    let accuracy = match mape.first().copied().flatten() {
        Some(m) => pick(
            loc.lang,
            format!(
                " Past forecasts made this way were off by {} on average (the last 12 months).",
                loc.pct(m)
            ),
            format!(
                " Прошлые прогнозы, сделанные так же, ошибались в среднем на {} (последние 12 месяцев).",
                loc.pct(m)
            ),
        ),
        None => pick(
            loc.lang,
            " There is no earlier month with sales to measure such forecasts against.".to_string(),
            " Нет прошлых месяцев с продажами, чтобы проверить такой прогноз.".to_string(),
        ),
    };
    Ok(pick(
        loc.lang,
        format!(
            "The projection for {w} is {p}: {so_far} won so far and {weighted} expected from the open deals due to close in it ({n}), weighted by their chance to win.{accuracy}"
        ),
        format!(
            "Прогноз на {w}: {p} — уже выиграно {so_far} и ожидается {weighted} от открытых сделок с закрытием в этом окне ({n}) с учётом вероятности выигрыша.{accuracy}"
        ),
    ))
}
