//! The report's two languages: words (English is the key, Russian its translation) and
//! numbers, money and percents written the way each locale writes them:
//! `1,234,567.89` and `1 234 567,89 ₽`.

use serde::{Deserialize, Serialize};

/// The language of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Ru,
}

/// Russian for the English texts of the report and its charts. A text missing here is shown
/// in English (a test checks that every text the report uses is here).
const RU: &[(&str, &str)] = &[
    // Report frame.
    ("Sales report", "Отчёт о продажах"),
    ("as of the end of", "на конец"),
    ("Headline figures", "Главные цифры"),
    ("vs previous period", "к прошлому периоду"),
    ("vs a year earlier", "к тому же периоду год назад"),
    ("Deals created", "Создано сделок"),
    ("Deals won", "Выиграно сделок"),
    ("Won amount", "Сумма выигранных"),
    ("Win rate", "Доля выигранных"),
    ("Paid", "Оплачено"),
    ("Open deals at the end", "Открытых сделок на конец"),
    (
        "Median cycle of won deals, days",
        "Медианный цикл выигранных, дней",
    ),
    ("Where the funnel leaks", "Где теряются сделки"),
    ("Funnel", "Воронка"),
    ("Durations", "Длительность сделок"),
    ("Managers", "Менеджеры"),
    ("Campaigns", "Рекламные кампании"),
    ("Whom to win back", "Кого вернуть"),
    ("Data quality", "Качество данных"),
    ("The last 12 months", "Последние 12 месяцев"),
    ("Notes", "Примечания"),
    ("no data", "нет данных"),
    ("not available", "нет данных"),
    ("This section could not be built", "Раздел не построен"),
    ("table", "таблица"),
    ("rows read", "строк прочитано"),
    ("used", "использовано"),
    ("rejected", "отклонено"),
    ("Rejected rows by reason", "Отклонённые строки по причинам"),
    ("reason", "причина"),
    ("rows", "строк"),
    ("No row was rejected.", "Ни одна строка не отклонена."),
    ("month", "месяц"),
    ("stage", "этап"),
    ("reached", "дошли"),
    ("lost here", "потеряно здесь"),
    ("step conversion", "конверсия шага"),
    ("outcome", "исход"),
    ("won", "выиграны"),
    ("lost", "проиграны"),
    ("deals", "сделок"),
    ("median days", "медиана, дней"),
    ("p90 days", "p90, дней"),
    ("manager", "менеджер"),
    ("won amount", "сумма выигранных"),
    ("win rate", "доля выигранных"),
    ("open deals", "открытые сделки"),
    ("follow-up", "звонок после счёта"),
    ("plan attainment", "выполнение плана"),
    ("(company average)", "(среднее по компании)"),
    ("campaign", "кампания"),
    ("leads", "лиды"),
    ("conversion", "конверсия"),
    ("95% interval", "95% интервал"),
    ("verdict", "вывод"),
    ("paid", "оплачено"),
    ("cost", "расходы"),
    ("client", "клиент"),
    ("owner", "ответственный"),
    ("last purchase", "последняя покупка"),
    ("days overdue", "просрочка, дней"),
    ("typical amount", "типичная сумма"),
    ("segment", "сегмент"),
    ("P(alive)", "P(активен)"),
    ("expected value", "ожидаемая ценность"),
    ("action", "действие"),
    ("better than the rest", "лучше остальных"),
    ("worse than the rest", "хуже остальных"),
    ("no real difference", "разница случайна"),
    ("too few deals to tell", "слишком мало сделок"),
    ("no deals", "нет сделок"),
    ("nothing to compare with", "не с чем сравнить"),
    ("call", "позвонить"),
    (
        "reassign: the owner has left",
        "передать: ответственный уволился",
    ),
    (
        "reassign: the owner is not in managers",
        "передать: ответственного нет в списке",
    ),
    ("assign an owner", "назначить ответственного"),
    (
        "more candidates in the tables",
        "кандидатов ещё — в таблицах",
    ),
    // Charts.
    ("deals that reached the stage", "сделки, дошедшие до этапа"),
    ("Lost deals", "Проигранные сделки"),
    ("Lost amount", "Сумма проигранных"),
    (
        "not recorded for lost deals in this export",
        "в этой выгрузке не записана",
    ),
    (
        "Most frequent loss reasons (all stages)",
        "Частые причины проигрыша (все этапы)",
    ),
    ("lost deals", "проигранные сделки"),
    ("no closed deals", "нет закрытых"),
    ("no losses recorded", "проигрыши не выгружены"),
    ("not recorded", "не указана"),
    ("won / closed, %", "выиграно / закрыто, %"),
    ("days since the deal was created", "дней с создания сделки"),
    ("share of deals still open", "доля ещё открытых сделок"),
    (
        "Won and lost deals: days from creation to close",
        "Выигранные и проигранные: дней от создания до закрытия",
    ),
    ("days", "дни"),
    (
        "Time to close (Kaplan–Meier, 95% band)",
        "Время до закрытия (Каплан–Мейер, 95% интервал)",
    ),
    ("median", "медиана"),
    ("median not reached", "медиана не достигнута"),
    ("Teams", "Команды"),
    (
        "won amount and win rate",
        "сумма выигранных и доля выигранных",
    ),
    (
        "KPIs against the company average",
        "Показатели против среднего по компании",
    ),
    ("Conversion by campaign", "Конверсия по кампаниям"),
    ("deals created in the period", "сделки, созданные в периоде"),
    (
        "won / deals created in the period, % (bar: 95% Wilson interval)",
        "выиграно / создано в периоде, % (отрезок: 95% интервал Уилсона)",
    ),
    ("all deals", "все сделки"),
    ("dashed line: all deals", "пунктир: все сделки"),
    ("level", "уровень"),
    ("group", "группа"),
    ("average won deal", "средняя выигранная сделка"),
    ("days to win", "дней до выигрыша"),
    ("velocity per day", "скорость в день"),
    ("Forecast", "Прогноз"),
    (
        "won ÷ plan (dashed: the share of the period elapsed; solid: the plan)",
        "выиграно ÷ план (пунктир — прошедшая доля периода, линия — план)",
    ),
    ("Forecast and plan", "Прогноз и план"),
    (
        "The period's pipeline: what came in and what went out",
        "Воронка периода: что пришло и что ушло",
    ),
    (
        "Plan pacing at the end of the period",
        "Выполнение плана на конец периода",
    ),
    ("step", "шаг"),
    ("start", "на начало"),
    ("created", "созданы"),
    ("pulled_in", "подтянуты"),
    ("increased", "рост суммы"),
    ("decreased", "снижение суммы"),
    ("pushed_out", "сдвинуты"),
    ("end", "на конец"),
    ("pulled in", "подтянуты"),
    ("pushed out", "сдвинуты"),
    ("plan", "план"),
    ("attainment", "выполнение"),
    ("gap", "осталось"),
    ("team", "команда"),
    ("window", "окно"),
    ("won so far", "уже выиграно"),
    ("open deals expected", "открытых сделок в окне"),
    ("their amount", "их сумма"),
    ("weighted by win chance", "с учётом вероятности"),
    ("projection", "прогноз"),
    ("forecast", "прогноз"),
    ("error", "ошибка"),
    ("off by", "ошибка, %"),
    (
        "Projection for the period and the next one",
        "Прогноз на период и следующий",
    ),
    (
        "Backtest: the forecast made at the start of each month against what was won",
        "Проверка на истории: прогноз на начало каждого месяца против выигранного",
    ),
    ("median hours to answer", "медиана часов до ответа"),
    ("p90 hours", "p90 часов"),
    ("within 5 min", "за 5 мин"),
    ("within 1 h", "за 1 ч"),
    ("within 24 h", "за 24 ч"),
    ("later", "позже"),
    ("never", "без ответа"),
    ("answered", "ответ"),
    ("with a deal", "со сделкой"),
    ("still open", "ещё открыты"),
    ("5 min to 1 h", "от 5 мин до 1 ч"),
    ("1 h to 24 h", "от 1 до 24 ч"),
    ("channel", "канал"),
    (
        "Speed to lead: how fast a new lead is answered",
        "Скорость реакции: как быстро отвечают новому лиду",
    ),
    (
        "Win rate of the next deal by how fast the lead was answered",
        "Доля выигранных следующих сделок по скорости ответа на лид",
    ),
    (
        "Sales velocity: what the open pipeline brings per day",
        "Скорость продаж: сколько открытые сделки приносят в день",
    ),
    ("company", "компания"),
    ("cohort", "когорта"),
    ("α", "α"),
    ("β", "β"),
    (
        "projected active after 12 months",
        "прогноз активных через 12 месяцев",
    ),
    ("no fit because", "модель не подобрана:"),
    ("lifetime value", "пожизненная ценность"),
    ("CLV of new clients", "CLV новых клиентов"),
    (
        "The shifted-beta-geometric fit per cohort",
        "Модель sBG по когортам",
    ),
    (
        "share of the cohort's clients still active (a purchase in that period or later); darker is more",
        "доля клиентов когорты, ещё активных (покупка в этом периоде или позже); темнее — больше",
    ),
    (
        "months since the first purchase",
        "месяцев с первой покупки",
    ),
    (
        "quarters since the first purchase",
        "кварталов с первой покупки",
    ),
    ("Customer lifetime value", "Пожизненная ценность клиента"),
    ("Cohort retention", "Удержание когорт"),
    (
        "Return on marketing investment against spend",
        "Окупаемость маркетинга (ROMI) против расходов",
    ),
    ("cost in the period", "расходы в периоде"),
    (
        "ROMI = (paid − cost) / cost, %",
        "ROMI = (оплачено − расходы) / расходы, %",
    ),
    ("Sales funnel", "Воронка продаж"),
    ("Where deals are lost", "Где теряются сделки"),
    ("(left)", "(уволен)"),
    ("Won amount by month", "Сумма выигранных по месяцам"),
    ("Deals created by month", "Создано сделок по месяцам"),
    ("Win rate by month", "Доля выигранных по месяцам"),
    ("amount", "сумма"),
    // Report page.
    ("from the first stage", "от первого этапа"),
    ("lost amount", "сумма проигранных"),
    ("invoice entries", "вошли в этап счёта"),
    ("judged", "оценено"),
    ("no contact in time", "без контакта вовремя"),
    ("share without contact", "доля без контакта"),
    ("window, days", "окно, дней"),
    ("mean days", "в среднем, дней"),
    ("visits", "заходов"),
    ("still there", "ещё на этапе"),
    ("clients in work", "клиенты в работе"),
    ("top loss reason", "главная причина проигрыша"),
    ("95% interval from", "95% интервал от"),
    ("to", "до"),
    ("ROMI", "ROMI"),
    ("to win back", "вернуть"),
    ("clients", "клиенты"),
    ("revenue", "выручка"),
    ("file", "файл"),
    ("column", "столбец"),
    ("Loss reasons by stage", "Причины проигрыша по этапам"),
    (
        "Follow-up after the invoice",
        "Контакт после выставления счёта",
    ),
    (
        "Cycle of deals closed in the period",
        "Цикл сделок, закрытых в периоде",
    ),
    ("Time in stage", "Время на этапе"),
    (
        "Top candidates to win back",
        "Кого вернуть в первую очередь",
    ),
    ("Buyers by RFM segment", "Покупатели по RFM-сегментам"),
    ("Rows per table", "Строки по таблицам"),
    (
        "Every rejected row, with its file and line, is in tables/rejects.",
        "Каждая отклонённая строка с файлом и номером строки — в tables/rejects.",
    ),
    (
        "No client is due for reactivation.",
        "Некого возвращать: ни один клиент не просрочил свой обычный интервал.",
    ),
    ("no payments table", "нет таблицы платежей"),
    ("no deals won", "нет выигранных"),
    ("Duration of deals", "Длительность сделок"),
    ("Managers and teams", "Менеджеры и команды"),
    ("Champions", "Чемпионы"),
    ("Loyal", "Лояльные"),
    ("Potential loyalists", "Потенциально лояльные"),
    ("New customers", "Новые клиенты"),
    ("Promising", "Перспективные"),
    ("Need attention", "Требуют внимания"),
    ("About to sleep", "Засыпают"),
    ("At risk", "Под угрозой"),
    ("Can't lose them", "Нельзя потерять"),
    ("Hibernating", "Спящие"),
    ("(no campaign)", "(без кампании)"),
    ("Company average", "Среднее по компании"),
    ("amounts in", "суммы в"),
    ("Kaplan–Meier estimate", "оценка Каплана–Мейера"),
    (
        "95% interval (Greenwood, log-log)",
        "95% интервал (Гринвуд, log-log)",
    ),
    ("median: not reached", "медиана не достигнута"),
    (
        "green: better than the company average, red: worse (by z-score); blank: no value",
        "зелёный — лучше среднего по компании, красный — хуже (по z-оценке); пусто — нет значения",
    ),
];

/// The text in the report's language.
pub fn tr(lang: Lang, en: &str) -> String {
    match lang {
        Lang::En => en.to_string(),
        Lang::Ru => RU
            .iter()
            .find(|(k, _)| *k == en)
            .map_or_else(|| en.to_string(), |(_, ru)| ru.to_string()),
    }
}

/// The English or the Russian of a text built with values (both given by the caller).
pub fn pick<T>(lang: Lang, en: T, ru: T) -> T {
    match lang {
        Lang::En => en,
        Lang::Ru => ru,
    }
}

/// The managers' KPIs as the reader sees them.
const KPIS: &[(&str, &str, &str)] = &[
    ("open_deals", "open deals", "открытые сделки"),
    ("clients_in_work", "clients in work", "клиенты в работе"),
    ("deals_created", "deals created", "создано сделок"),
    ("deals_won", "deals won", "выиграно сделок"),
    ("deals_lost", "deals lost", "проиграно сделок"),
    ("win_rate", "win rate", "доля выигранных"),
    ("won_amount", "won amount", "сумма выигранных"),
    ("paid_amount", "paid", "оплачено"),
    ("avg_won_amount", "average won deal", "средняя выигранная"),
    ("mean_cycle_days", "mean cycle, days", "средний цикл, дней"),
    ("contacts", "contacts", "контакты"),
    (
        "followup_compliance",
        "follow-up in time",
        "звонок после счёта вовремя",
    ),
    ("overdue_tasks", "overdue tasks", "просроченные задачи"),
    (
        "avg_discount_pct",
        "average discount, %",
        "средняя скидка, %",
    ),
    ("plan_attainment", "plan attainment", "выполнение плана"),
    ("hours_per_client", "hours per client", "часов на клиента"),
];

/// A KPI's name for the reader (its column name when it has none).
pub fn kpi_label(kpi: &str, lang: Lang) -> String {
    KPIS.iter().find(|(k, _, _)| *k == kpi).map_or_else(
        || kpi.to_string(),
        |(_, en, ru)| pick(lang, en, ru).to_string(),
    )
}

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
        "{} of {} cohorts have no sBG fit (followed for fewer than 2 periods, or nobody left yet); see retention_fit.why",
        "у {} из {} когорт нет подгонки sBG (наблюдались меньше 2 периодов или никто ещё не ушёл); причина — в retention_fit.why",
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

/// Whether a text has its Russian translation.
pub fn has_ru(en: &str) -> bool {
    RU.iter().any(|(k, _)| *k == en)
}

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
                "6 of 24 cohorts have no sBG fit (followed for fewer than 2 periods, or nobody left yet); see retention_fit.why",
                Lang::Ru
            ),
            "у 6 из 24 когорт нет подгонки sBG (наблюдались меньше 2 периодов или никто ещё не ушёл); причина — в retention_fit.why"
        );
        assert_eq!(fill("a {} b {} c", "a 1 b 22 c"), Some(vec!["1", "22"]));
        assert_eq!(fill("a {} b", "a 1 b x"), None);
    }

    #[test]
    fn words() {
        assert_eq!(tr(Lang::Ru, "Funnel"), "Воронка");
        assert_eq!(tr(Lang::En, "Funnel"), "Funnel");
        assert_eq!(tr(Lang::Ru, "unknown text"), "unknown text");
        let mut keys: Vec<&str> = RU.iter().map(|(k, _)| *k).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "a text is listed twice");
    }
}
