//! The fixed cast of a generated company: its sales stages, managers (of different skill,
//! speed, diligence and discount habits, some of whom have left), campaigns (with costs and
//! different pull) and the vocabulary of segments, regions and loss reasons.

use rand::Rng;
use rand_pcg::Pcg64Mcg;

/// The six-stage Russian B2B funnel.
pub const STAGES: [&str; 6] = [
    "Первичный звонок",
    "Назначена встреча",
    "Встреча проведена",
    "Выставлен счет",
    "Заключен договор",
    "Отгрузка",
];
/// Index of the invoice stage.
pub const INVOICE: usize = 3;

/// Mean days spent in each stage before moving on.
pub const STAGE_DAYS: [f64; 6] = [3.0, 5.0, 6.0, 5.0, 9.0, 4.0];
/// Base chance of moving from each stage to the next (the last entry is unused).
pub const ADVANCE: [f64; 6] = [0.58, 0.74, 0.66, 0.80, 0.92, 1.0];

/// Loss reasons per stage, most frequent first.
pub const REASONS: [&[&str]; 6] = [
    &["Не отвечает", "Нет потребности", "Нет бюджета"],
    &["Отменил встречу", "Нет потребности", "Не отвечает"],
    &["Дорого", "Выбрал конкурента", "Нет бюджета"],
    &["Не оплатил счет", "Дорого", "Выбрал конкурента"],
    &["Отказ руководства", "Сорвались сроки", "Дорого"],
    &["Сорвались сроки"],
];

pub const SEGMENTS: [(&str, f64); 4] = [
    ("Розница", 35_000.0),
    ("Опт", 180_000.0),
    ("Дистрибьютор", 420_000.0),
    ("Госзаказчик", 900_000.0),
];
pub const INDUSTRIES: [&str; 6] = [
    "Строительство",
    "Торговля",
    "Производство",
    "IT",
    "Логистика",
    "Медицина",
];
pub const REGIONS: [&str; 7] = [
    "Москва",
    "Санкт-Петербург",
    "Екатеринбург",
    "Новосибирск",
    "Казань",
    "Нижний Новгород",
    "Краснодар",
];
pub const SOURCES: [&str; 4] = ["Реклама", "Рекомендация", "Сайт", "Выставка"];

const FIRST: [&str; 16] = [
    "Анна",
    "Иван",
    "Мария",
    "Сергей",
    "Ольга",
    "Дмитрий",
    "Елена",
    "Алексей",
    "Наталья",
    "Павел",
    "Татьяна",
    "Андрей",
    "Юлия",
    "Максим",
    "Ирина",
    "Никита",
];
const LAST: [&str; 16] = [
    "Смирнов",
    "Иванов",
    "Кузнецов",
    "Попов",
    "Соколов",
    "Лебедев",
    "Козлов",
    "Новиков",
    "Морозов",
    "Петров",
    "Волков",
    "Соловьев",
    "Васильев",
    "Зайцев",
    "Павлов",
    "Семенов",
];
const FEMININE: [&str; 7] = [
    "Анна",
    "Мария",
    "Ольга",
    "Елена",
    "Наталья",
    "Татьяна",
    "Юлия",
];

/// A manager and the habits that shape their deals.
pub struct Manager {
    pub id: String,
    pub name: String,
    pub team: String,
    pub role: &'static str,
    pub hired_on: i64,
    /// Day (ms) the manager left, if they did.
    pub left_on: Option<i64>,
    /// Multiplies the chance of moving a deal forward.
    pub skill: f64,
    /// Multiplies time spent in each stage.
    pub pace: f64,
    /// Chance of calling the client back within two days of an invoice.
    pub diligence: f64,
    /// Mean discount granted, percent.
    pub discount: f64,
    /// Monthly plan in kopecks.
    pub plan: i64,
}

/// A marketing campaign.
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub channel: &'static str,
    pub start: i64,
    pub end: i64,
    /// Total spend in kopecks.
    pub cost: i64,
    /// Multiplies the chance of moving forward.
    pub pull: f64,
}

pub const DAY: i64 = 86_400_000;

/// A person's name, feminine surnames for feminine first names.
fn person(rng: &mut Pcg64Mcg) -> String {
    let first = FIRST[rng.random_range(0..FIRST.len())];
    let last = LAST[rng.random_range(0..LAST.len())];
    let last = if FEMININE.contains(&first) {
        if let Some(stem) = last.strip_suffix("ий") {
            format!("{stem}ая")
        } else {
            format!("{last}а")
        }
    } else {
        last.to_string()
    };
    format!("{first} {last}")
}

/// `count` managers; about one in six has left before the end of the data.
pub fn managers(rng: &mut Pcg64Mcg, count: usize, start: i64, end: i64) -> Vec<Manager> {
    let teams = (count / 8).max(2);
    (0..count)
        .map(|i| {
            let hired_on = start - rng.random_range(30..900) * DAY;
            let left_on = (i % 6 == 5)
                .then(|| start + rng.random_range(120..((end - start) / DAY - 30).max(121)) * DAY);
            let skill = 0.75 + rng.random::<f64>() * 0.5;
            Manager {
                id: format!("M{:04}", i + 1),
                name: format!("{} ({})", person(rng), i + 1),
                team: format!("Отдел продаж {}", i % teams + 1),
                role: if i % 10 == 9 { "lead" } else { "sales" },
                hired_on,
                left_on,
                skill,
                pace: 0.7 + rng.random::<f64>() * 0.8,
                diligence: 0.45 + rng.random::<f64>() * 0.5,
                discount: [0.0, 2.0, 5.0, 10.0, 15.0][rng.random_range(0..5)],
                // About what a manager wins in a month (300,000–690,000), so attainment
                // lands near 100 % as where plans are set from last year's sales.
                plan: (rng.random_range(30..70) as i64) * 10_000 * 100,
            }
        })
        .collect()
}

const CHANNELS: [(&str, &str); 7] = [
    ("Яндекс.Директ", "context"),
    ("Email-рассылка", "email"),
    ("Выставка", "event"),
    ("Холодные звонки", "phone"),
    ("Партнерская программа", "partner"),
    ("Вебинар", "webinar"),
    ("Таргет ВКонтакте", "social"),
];

/// `count` campaigns spread over the data span, each with its own pull and cost.
pub fn campaigns(rng: &mut Pcg64Mcg, count: usize, start: i64, end: i64) -> Vec<Campaign> {
    let span_days = (end - start) / DAY;
    (0..count)
        .map(|i| {
            let (name, channel) = CHANNELS[i % CHANNELS.len()];
            let c_start = start + rng.random_range(0..(span_days * 3 / 4).max(1)) * DAY;
            let length = rng.random_range(30..180) * DAY;
            Campaign {
                id: format!("K{:03}", i + 1),
                name: format!("{name} #{}", i / CHANNELS.len() + 1),
                channel,
                start: c_start,
                end: (c_start + length).min(end),
                // 0.5–9 million roubles: some campaigns pay back many times, some never.
                cost: rng.random_range(50..900) * 10_000 * 100,
                pull: 0.75 + rng.random::<f64>() * 0.55,
            }
        })
        .collect()
}

/// An exponential draw with the given mean.
pub fn exp(rng: &mut Pcg64Mcg, mean: f64) -> f64 {
    -mean * (1.0 - rng.random::<f64>()).ln()
}

/// A gamma draw with a whole shape and mean 1 (the mean of `shape` exponentials): spread
/// 1/√shape, never negative.
pub fn gamma_unit(rng: &mut Pcg64Mcg, shape: u32) -> f64 {
    (0..shape).map(|_| exp(rng, 1.0)).sum::<f64>() / shape as f64
}

/// Pick an index by weights that sum to about 1.
pub fn weighted(rng: &mut Pcg64Mcg, weights: &[f64]) -> usize {
    let mut x = rng.random::<f64>() * weights.iter().sum::<f64>();
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}
