//! The run's notes in Russian: a note is written in English where it is made; here it is
//! matched (a template with its values, or the start of a fixed text) and carried over.

use super::Lang;

/// Russian for the notes a run most often writes (matched by their start); any other note
/// is shown as written, in English.
const NOTES: &[(&str, &str)] = &[
    (
        "velocity: open deals at as-of",
        "скорость продаж: открытые сделки на дату × доля выигранных × средняя выигранная сумма ÷ средний срок до выигрыша (деньги в день); последние три — по сделкам, закрытым за 12 месяцев до даты; по менеджерам, сегментам и компании",
    ),
    (
        "follow-up breaches need the contacts table",
        "для проверки контакта после счёта нужна таблица contacts; не посчитано",
    ),
    (
        "follow-up breaches need stage_history",
        "для проверки контакта после счёта нужна история этапов (stage_history); не посчитано",
    ),
    (
        "no stage_history: time in stage counts",
        "нет истории этапов: время на этапе — вся жизнь сделки на её последнем открытом этапе",
    ),
    (
        "visited needs stage_history",
        "столбец visited требует истории этапов (stage_history); оставлен пустым",
    ),
    (
        "paid amount needs the payments table",
        "для суммы оплат нужна таблица payments; не посчитано",
    ),
    (
        "contacts, tasks and clients contacted need the contacts table",
        "для контактов, задач и охвата клиентов нужна таблица contacts",
    ),
    (
        "handoffs need stage_history with manager_id",
        "для передач сделок нужна история этапов с manager_id; не посчитано",
    ),
    (
        "follow-up compliance needs contacts, stage_history and an invoice stage",
        "для доли звонков после счёта нужны contacts, stage_history и этап счёта; не посчитано",
    ),
    (
        "no campaigns table: names and costs are unknown",
        "нет таблицы campaigns: названия и расходы кампаний неизвестны, ROMI не посчитан",
    ),
    (
        "median time to close: not reached",
        "медиана времени до закрытия не достигнута: закрыто меньше половины сделок, созданных в периоде",
    ),
];

/// Notes with values: `{}` stands for a value, carried into the Russian in the same order.
const NOTE_TEMPLATES: &[(&str, &str)] = &[
    (
        "Gamma-Gamma assumes spend per purchase does not depend on how often a client buys: the correlation of \
         repeat purchases and mean purchase among repeat buyers is {} — not small: read the CLV with care",
        "модель Gamma-Gamma предполагает, что сумма покупки не зависит от того, как часто клиент покупает: \
         корреляция числа повторных покупок и средней покупки у повторных покупателей {} — не мала, читайте CLV осторожно",
    ),
    (
        "Gamma-Gamma assumes spend per purchase does not depend on how often a client buys: the correlation of \
         repeat purchases and mean purchase among repeat buyers is {}",
        "модель Gamma-Gamma предполагает, что сумма покупки не зависит от того, как часто клиент покупает: \
         корреляция числа повторных покупок и средней покупки у повторных покупателей {}",
    ),
    (
        "{} of {} cohorts have no sBG fit (followed for fewer than 2 periods, nobody left, everybody left in the first period, or the fit did not converge); each one's reason is in retention_fit.why",
        "у {} из {} когорт нет подгонки sBG (наблюдались меньше 2 периодов, никто не ушёл, все ушли в первом периоде или подгонка не сошлась); причина каждой — в retention_fit.why",
    ),
    (
        "the stage order is unknown: list the stages in crmstat.toml ([funnel] stages = [\"…\", …]) or provide stage_history",
        "порядок этапов неизвестен: перечислите этапы в crmstat.toml ([funnel] stages = [\"…\", …]) или добавьте stage_history",
    ),
    (
        "stages are listed by name, not in funnel order (no [funnel] stages and no stage_history)",
        "этапы перечислены по названию, а не в порядке воронки (нет [funnel] stages и stage_history)",
    ),
    (
        "won_amount covers the won deals with an amount: {} of {} (won_with_amount); \
         a manager whose won deals have none shows it empty, not 0",
        "сумма выигранных сделок учитывает только сделки с суммой: {} из {} (won_with_amount); \
         у менеджера, чьи выигранные сделки без сумм, она пуста, а не 0",
    ),
    (
        "won_amount covers the won deals with an amount: {} of {} (weighted by attribution, \
         won_with_amount); a campaign whose won deals have none shows it empty, not 0",
        "сумма выигранных сделок учитывает только сделки с суммой: {} из {} (с весами атрибуции, \
         won_with_amount); у кампании, чьи выигранные сделки без сумм, она пуста, а не 0",
    ),
    (
        "lifetime revenue covers the purchases with an amount: {} of {} purchases \
         (purchases_with_amount); a client with none shows it empty, not 0, and gets no m_score",
        "выручка за всё время учитывает только покупки с суммой: {} из {} \
         (purchases_with_amount); у клиента без сумм она пуста, а не 0, и m_score не считается",
    ),
    (
        "{} candidates ({} with one purchase, judged on the company median gap of {} days, \
         where BG/NBD p_alive is 1 by definition); ranked by lifetime value where it is known, then by expected value",
        "кандидатов на возврат: {} (с одной покупкой: {}, их судят по медианному интервалу компании \
         {} дн., и P(активен) по BG/NBD для них по определению 1); порядок — по пожизненной ценности (CLV), где она известна, затем по ожидаемой ценности",
    ),
    (
        "no client is overdue without an open deal ({} buyers looked at)",
        "ни один клиент без открытой сделки не просрочил свой интервал (просмотрено покупателей: {})",
    ),
    (
        "the BG/NBD fit behind the expected purchases ran to the edge of its parameters (a = {}, b = {}): \
         the data show (almost) no client dropping out, so the CLV counts every buyer as still buying at their rate",
        "модель BG/NBD для ожидаемых покупок упёрлась в край параметров (a = {}, b = {}): по данным \
         (почти) никто из клиентов не уходит, поэтому CLV считает каждого покупателя покупающим дальше в его темпе",
    ),
    (
        "the BG/NBD fit behind the expected purchases ran to the edge of its parameters (a = {}, b = {}): \
         every buyer has the same chance of stopping after a purchase ({} %), so the CLV gives every buyer that chance",
        "модель BG/NBD для ожидаемых покупок упёрлась в край параметров (a = {}, b = {}): у всех покупателей \
         одна и та же вероятность уйти после покупки ({} %), и CLV считает её одинаковой для всех",
    ),
    (
        "the BG/NBD fit behind the expected purchases ran to the edge of its parameters (a = {}, b = {}): \
         the data do not tell buyers apart on one side of the model; the CLV follows from these values, read it with care",
        "модель BG/NBD для ожидаемых покупок упёрлась в край параметров (a = {}, b = {}): данные не различают \
         покупателей по одной из сторон модели; CLV следует из этих значений, читайте его осторожно",
    ),
    (
        "the BG/NBD fit ran to the edge of its parameters (r = {}, α = {}, a = {}, b = {}): \
         the data do not tell buyers apart on one side of the model (huge r and α: every buyer buys at \
         the same rate; huge a and b: every buyer has the same drop-out chance; tiny a: almost nobody \
         drops out); p_alive follows from those values, read it with care",
        "модель BG/NBD упёрлась в край параметров (r = {}, α = {}, a = {}, b = {}): данные не различают \
         покупателей по одной из сторон модели; P(активен) следует из этих значений, читайте его осторожно",
    ),
    (
        "BG/NBD needs at least 20 clients of whom 5 bought more than once (have {} and {}); \
         p_alive and expected purchases are left empty",
        "для BG/NBD нужно не меньше 20 клиентов, из них 5 с повторными покупками (есть {} и {}); \
         P(активен) и ожидаемые покупки не посчитаны",
    ),
    (
        "the data start on {}: the figures for {} cover only part of it",
        "данные начинаются {}: цифры за {} охватывают только часть периода",
    ),
    (
        "{} lost deals record no stage they were lost at; counted as lost at {} (as [funnel] lost_at says)",
        "у проигранных сделок ({}) не записан этап проигрыша; они считаются проигранными на этапе {} (так задано в [funnel] lost_at)",
    ),
    (
        "{} lost deals record no stage they were lost at; counted as lost at {} (the stage before the won \
         stage; set [funnel] lost_at in crmstat.toml if that is wrong)",
        "у проигранных сделок ({}) не записан этап проигрыша; они считаются проигранными на этапе {} \
         (последний перед выигрышем; если это не так, задайте [funnel] lost_at в crmstat.toml)",
    ),
    (
        "no payments table: paid amount, ROMI and cost per customer need payments; \
         paying customers are taken as clients with a won deal",
        "нет таблицы платежей: оплаты, ROMI и стоимость клиента без неё не считаются; \
         платящими клиентами считаются клиенты с выигранной сделкой",
    ),
    (
        "not in the data folder: {} (figures that need them say so)",
        "в папке с данными нет таблиц: {} (разделы, которым они нужны, говорят об этом)",
    ),
];

/// The values a template's `{}` stand for in `text`, if `text` is that template filled in.
fn fill<'a>(template: &str, text: &'a str) -> Option<Vec<&'a str>> {
    let parts: Vec<&str> = template.split("{}").collect();
    let mut rest = text.strip_prefix(parts[0])?;
    let mut values = Vec::new();
    for (i, part) in parts.iter().enumerate().skip(1) {
        let at = if i + 1 == parts.len() {
            // The last literal ends the text.
            rest.len()
                .checked_sub(part.len())
                .filter(|at| rest[*at..] == **part)?
        } else {
            rest.find(part)?
        };
        values.push(&rest[..at]);
        rest = &rest[at + part.len()..];
    }
    Some(values)
}

/// A note in the report's language (English when it has no translation).
pub fn note(text: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return text.to_string();
    }
    for (en, ru) in NOTE_TEMPLATES {
        if let Some(values) = fill(en, text) {
            let mut out = String::new();
            for (i, part) in ru.split("{}").enumerate() {
                if i > 0 {
                    out.push_str(values.get(i - 1).copied().unwrap_or(""));
                }
                out.push_str(part);
            }
            return out;
        }
    }
    NOTES
        .iter()
        .find(|(en, _)| text.starts_with(en))
        .map_or_else(|| text.to_string(), |(_, ru)| ru.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_with_values() {
        let en = "328 candidates (266 with one purchase, judged on the company median gap of 113 days, \
                  where BG/NBD p_alive is 1 by definition); ranked by lifetime value where it is known, then by expected value";
        assert_eq!(
            note(en, Lang::Ru),
            "кандидатов на возврат: 328 (с одной покупкой: 266, их судят по медианному интервалу \
             компании 113 дн., и P(активен) по BG/NBD для них по определению 1); порядок — по \
             пожизненной ценности (CLV), где она известна, затем по ожидаемой ценности"
        );
        assert_eq!(note(en, Lang::En), en);
        assert_eq!(
            note(
                "not in the data folder: clients, payments (figures that need them say so)",
                Lang::Ru
            ),
            "в папке с данными нет таблиц: clients, payments (разделы, которым они нужны, говорят об этом)"
        );
        assert_eq!(note("something else", Lang::Ru), "something else");
        // A note with an optional tail: the longer template is tried first, so the tail is
        // translated too, not carried over as a value.
        let gg = "Gamma-Gamma assumes spend per purchase does not depend on how often a client buys: the correlation of \
                  repeat purchases and mean purchase among repeat buyers is";
        assert_eq!(
            note(&format!("{gg} -0.142"), Lang::Ru),
            "модель Gamma-Gamma предполагает, что сумма покупки не зависит от того, как часто клиент покупает: \
             корреляция числа повторных покупок и средней покупки у повторных покупателей -0.142"
        );
        assert!(
            note(
                &format!("{gg} 0.412 — not small: read the CLV with care"),
                Lang::Ru
            )
            .ends_with("у повторных покупателей 0.412 — не мала, читайте CLV осторожно")
        );
        assert_eq!(
            note(
                "6 of 24 cohorts have no sBG fit (followed for fewer than 2 periods, nobody left, everybody left in the first period, or the fit did not converge); each one's reason is in retention_fit.why",
                Lang::Ru
            ),
            "у 6 из 24 когорт нет подгонки sBG (наблюдались меньше 2 периодов, никто не ушёл, все ушли в первом периоде или подгонка не сошлась); причина каждой — в retention_fit.why"
        );
        assert_eq!(fill("a {} b {} c", "a 1 b 22 c"), Some(vec!["1", "22"]));
        assert_eq!(fill("a {} b", "a 1 b x"), None);
    }
}
