//! What each CRM's export looks like: which files, which header (Russian and English
//! labels, API names) means what, the date forms, the legacy encoding, and the default
//! stage orders. Sources: `../shared/datasets/crm-exports/HEADERS.md`. Headers are compared
//! after [`normalize`]: lower case, spaces collapsed.

use encoding_rs::Encoding;

use super::Profile;

/// What a column of a deal export means to the import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    DealId,
    Title,
    Stage,
    Pipeline,
    Amount,
    Currency,
    Owner,
    Created,
    Closed,
    WonTime,
    LostTime,
    ClosedFlag,
    WonFlag,
    StatusWord,
    Semantic,
    Company,
    Contact,
    Source,
    Campaign,
    LossReason,
    Product,
    Probability,
    ExpectedClose,
    Deleted,
}

impl Role {
    /// Where the column goes, as the mapping report says it.
    pub fn target(self) -> &'static str {
        match self {
            Role::DealId => "deals.deal_id",
            Role::Title => "deals.title (extra column)",
            Role::Stage => "deals.stage",
            Role::Pipeline => "deals.pipeline (extra column)",
            Role::Amount => "deals.amount",
            Role::Currency => "deals.currency",
            Role::Owner => "deals.manager_id, managers",
            Role::Created => "deals.created_at",
            Role::Closed => "deals.closed_at (closed deals only)",
            Role::WonTime => "deals.closed_at of won deals",
            Role::LostTime => "deals.closed_at of lost deals",
            Role::ClosedFlag => "deals.status (closed or not)",
            Role::WonFlag => "deals.status (won or not)",
            Role::StatusWord => "deals.status",
            Role::Semantic => "deals.status (stage group)",
            Role::Company => "deals.client_id, clients",
            Role::Contact => "deals.client_id when no company, clients",
            Role::Source => "deals.source (extra column), clients.source",
            Role::Campaign => "deals.campaign_id",
            Role::LossReason => "deals.loss_reason",
            Role::Product => "product rows: merged into one deal",
            Role::Probability => "deals.probability",
            Role::ExpectedClose => "deals.expected_close_at",
            Role::Deleted => "rows deleted in the CRM are left out",
        }
    }
}

/// One CRM's export.
pub struct Def {
    pub profile: Profile,
    /// The encoding of text that is not UTF-8.
    pub fallback: &'static Encoding,
    /// File name parts (lower case) that mark the deals export, and the stage history.
    pub deal_files: &'static [&'static str],
    pub history_files: &'static [&'static str],
    pub account_files: &'static [&'static str],
    /// Header aliases per role, most specific first.
    pub deals: &'static [(Role, &'static [&'static str])],
    /// Roles a deals file of this CRM must have (the profile check).
    pub required: &'static [Role],
    /// Date forms beyond ISO 8601 and `dd.mm.yyyy[ HH:MM[:SS]]` (chrono syntax).
    pub date_formats: &'static [&'static str],
    /// Default stage orders (won stage last) to use when every stage seen is in one.
    pub orders: &'static [&'static [&'static str]],
    /// Stage values that mean won / lost beyond `[funnel] won_stages` / `lost_stages`.
    pub won: &'static [&'static str],
    pub lost: &'static [&'static str],
}

/// Lower case, `ё` as `е`, spaces (incl. no-break) collapsed, quotes around the whole
/// header removed.
pub fn normalize(header: &str) -> String {
    let h = header
        .trim()
        .trim_matches('"')
        .to_lowercase()
        .replace('ё', "е");
    h.split_whitespace().collect::<Vec<_>>().join(" ")
}

const US_DATES: &[&str] = &[
    "%m/%d/%y %I:%M %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%y %H:%M",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y",
    "%m/%d/%Y",
];

pub static BITRIX24: Def = Def {
    profile: Profile::Bitrix24,
    fallback: encoding_rs::WINDOWS_1251,
    deal_files: &["deal", "сделк"],
    history_files: &["stagehistory", "stage_history", "history", "истори"],
    account_files: &[],
    deals: &[
        (Role::DealId, &["id"]),
        (Role::Title, &["название сделки", "deal name", "название"]),
        (Role::Stage, &["стадия сделки", "stage", "стадия"]),
        (Role::Pipeline, &["направление", "pipeline", "воронка"]),
        (Role::Amount, &["сумма", "income", "amount", "opportunity"]),
        (Role::Currency, &["валюта", "currency"]),
        (
            Role::Owner,
            &["ответственный", "responsible", "responsible person"],
        ),
        (
            Role::Created,
            &["дата создания", "created", "дата начала", "start date"],
        ),
        (
            Role::Closed,
            &[
                "предполагаемая дата закрытия",
                "assumed close date",
                "дата закрытия",
            ],
        ),
        (Role::ClosedFlag, &["сделка закрыта", "closed"]),
        (
            Role::Semantic,
            &["группа стадий", "deal status", "stage_semantic_id"],
        ),
        (Role::Company, &["компания", "company"]),
        (Role::Contact, &["контакт", "contact", "клиент"]),
        (Role::Source, &["источник", "source"]),
        (
            Role::LossReason,
            &["причина провала", "причина отказа", "loss reason"],
        ),
        (Role::Product, &["товар", "product", "товары", "products"]),
        (
            Role::Probability,
            &["вероятность", "probability, %", "probability"],
        ),
    ],
    required: &[Role::DealId, Role::Stage, Role::Created],
    date_formats: &[],
    orders: &[
        &[
            "Новая",
            "Подготовка документов",
            "Счёт на предоплату",
            "В работе",
            "Финальный счёт",
            "Сделка успешна",
        ],
        &[
            "New",
            "Prepare documents",
            "Prepayment invoice",
            "In progress",
            "Final invoice",
            "Deal won",
        ],
    ],
    won: &["сделка успешна", "deal won", "won"],
    lost: &[
        "сделка провалена",
        "анализ причины провала",
        "deal lost",
        "analyze failure",
        "lose",
    ],
};

/// Bitrix24's default deal stage codes (`crm.stagehistory.list` gives codes, the deal
/// export names) in Russian and English; `[import.stage_names]` overrides or adds.
pub const BITRIX_CODES: &[(&str, &str, &str)] = &[
    ("NEW", "Новая", "New"),
    ("PREPARATION", "Подготовка документов", "Prepare documents"),
    (
        "PREPAYMENT_INVOICE",
        "Счёт на предоплату",
        "Prepayment invoice",
    ),
    ("EXECUTING", "В работе", "In progress"),
    ("FINAL_INVOICE", "Финальный счёт", "Final invoice"),
    ("WON", "Сделка успешна", "Deal won"),
    ("LOSE", "Сделка провалена", "Deal lost"),
    ("APOLOGY", "Анализ причины провала", "Analyze failure"),
];

pub static AMOCRM: Def = Def {
    profile: Profile::Amocrm,
    fallback: encoding_rs::WINDOWS_1251,
    deal_files: &["lead", "deal", "сделк"],
    history_files: &[],
    account_files: &[],
    deals: &[
        (Role::DealId, &["id"]),
        (
            Role::Title,
            &["название сделки", "lead title", "lead name", "name"],
        ),
        (
            Role::Amount,
            &[
                "бюджет",
                "бюджет ₽",
                "бюджет, ₽",
                "бюджет руб",
                "бюджет, руб",
                "бюджет руб.",
                "budget",
                "sale",
            ],
        ),
        (
            Role::Owner,
            &[
                "ответственный",
                "responsible user",
                "responsible",
                "lead owner",
            ],
        ),
        (
            Role::Created,
            &[
                "дата создания сделки",
                "дата создания",
                "date created",
                "created",
            ],
        ),
        (
            Role::Closed,
            &["дата закрытия", "closing date", "date closed", "closed"],
        ),
        (
            Role::Stage,
            &[
                "этап сделки",
                "статус сделки",
                "этап",
                "stage",
                "lead status",
                "status",
            ],
        ),
        (Role::Pipeline, &["воронка", "pipeline"]),
        (Role::Company, &["компания", "company"]),
        (
            Role::Contact,
            &[
                "полное имя контакта",
                "контакт",
                "contact",
                "contact name",
                "full name",
            ],
        ),
        (Role::Source, &["источник", "source"]),
        (Role::Campaign, &["utm_campaign"]),
        (Role::LossReason, &["причина отказа", "loss reason"]),
    ],
    required: &[Role::DealId, Role::Stage, Role::Created],
    date_formats: &[],
    orders: &[
        &[
            "Первичный контакт",
            "Переговоры",
            "Принимают решение",
            "Согласование договора",
            "Успешно реализовано",
        ],
        &[
            "Initial contact",
            "Negotiation",
            "Making decision",
            "Contract discussion",
            "Closed - won",
        ],
    ],
    won: &["успешно реализовано", "closed - won", "closed won", "142"],
    lost: &[
        "закрыто и не реализовано",
        "closed - lost",
        "closed lost",
        "143",
    ],
};

pub static HUBSPOT: Def = Def {
    profile: Profile::Hubspot,
    fallback: encoding_rs::WINDOWS_1252,
    deal_files: &["deal"],
    history_files: &[],
    account_files: &[],
    deals: &[
        (Role::DealId, &["record id", "deal id", "hs_object_id"]),
        (Role::Title, &["deal name", "dealname"]),
        (Role::Stage, &["deal stage", "dealstage"]),
        (Role::Pipeline, &["pipeline"]),
        (Role::Amount, &["amount", "amount in company currency"]),
        (Role::Currency, &["currency", "deal currency code"]),
        (Role::Owner, &["deal owner", "hubspot owner", "owner"]),
        (
            Role::Created,
            &["create date", "createdate", "created date"],
        ),
        (Role::Closed, &["close date", "closedate"]),
        (Role::WonFlag, &["is closed won", "hs_is_closed_won"]),
        (
            Role::ClosedFlag,
            &["is deal closed?", "is closed", "hs_is_closed"],
        ),
        (
            Role::Company,
            &[
                "associated company",
                "associated company (primary)",
                "associated companies",
                "company name",
            ],
        ),
        (
            Role::Contact,
            &["associated contact", "associated contacts"],
        ),
        (Role::Source, &["original source type", "source"]),
        (Role::Campaign, &["hubspot campaign"]),
        (
            Role::LossReason,
            &["closed lost reason", "closed_lost_reason"],
        ),
        (Role::Probability, &["deal probability"]),
    ],
    required: &[Role::DealId, Role::Stage, Role::Created],
    date_formats: US_DATES,
    orders: &[&[
        "Appointment Scheduled",
        "Qualified To Buy",
        "Presentation Scheduled",
        "Decision Maker Bought-In",
        "Contract Sent",
        "Closed Won",
    ]],
    won: &["closed won", "closedwon"],
    lost: &["closed lost", "closedlost"],
};

/// HubSpot's default stage ids (internal property names) and their labels.
pub const HUBSPOT_IDS: &[(&str, &str)] = &[
    ("appointmentscheduled", "Appointment Scheduled"),
    ("qualifiedtobuy", "Qualified To Buy"),
    ("presentationscheduled", "Presentation Scheduled"),
    ("decisionmakerboughtin", "Decision Maker Bought-In"),
    ("contractsent", "Contract Sent"),
    ("closedwon", "Closed Won"),
    ("closedlost", "Closed Lost"),
];

pub static SALESFORCE: Def = Def {
    profile: Profile::Salesforce,
    fallback: encoding_rs::WINDOWS_1252,
    deal_files: &["opportunit"],
    history_files: &[
        "opportunityhistory",
        "opportunity_history",
        "opportunity history",
    ],
    account_files: &["account"],
    deals: &[
        (
            Role::DealId,
            &["id", "opportunity id", "opportunity id (18)"],
        ),
        (Role::Title, &["name", "opportunity name"]),
        (Role::Stage, &["stagename", "stage"]),
        (Role::Amount, &["amount"]),
        (Role::Currency, &["currencyisocode", "opportunity currency"]),
        (
            Role::Owner,
            &["ownerid", "opportunity owner", "owner name", "owner"],
        ),
        (Role::Created, &["createddate", "created date"]),
        (Role::Closed, &["closedate", "close date"]),
        (Role::ClosedFlag, &["isclosed", "closed"]),
        (Role::WonFlag, &["iswon", "won"]),
        (Role::Company, &["accountid", "account name", "account id"]),
        (Role::Contact, &["contactid"]),
        (Role::Source, &["leadsource", "lead source"]),
        (Role::Campaign, &["campaignid", "primary campaign source"]),
        (
            Role::LossReason,
            &["loss_reason__c", "lossreason__c", "loss reason"],
        ),
        (Role::Probability, &["probability", "probability (%)"]),
        (Role::Deleted, &["isdeleted"]),
    ],
    required: &[Role::DealId, Role::Stage, Role::Created],
    date_formats: US_DATES,
    orders: &[&[
        "Prospecting",
        "Qualification",
        "Needs Analysis",
        "Value Proposition",
        "Id. Decision Makers",
        "Perception Analysis",
        "Proposal/Price Quote",
        "Negotiation/Review",
        "Closed Won",
    ]],
    won: &["closed won"],
    lost: &["closed lost"],
};

pub static PIPEDRIVE: Def = Def {
    profile: Profile::Pipedrive,
    fallback: encoding_rs::WINDOWS_1252,
    deal_files: &["deal", "сделк", "obchod"],
    history_files: &[],
    account_files: &[],
    deals: &[
        (Role::DealId, &["id"]),
        (Role::Title, &["title", "название", "název"]),
        (
            Role::Amount,
            &["value", "deal value", "стоимость", "сумма", "hodnota"],
        ),
        (
            Role::Currency,
            &["currency", "currency of value", "валюта", "měna"],
        ),
        (Role::Owner, &["owner", "владелец", "vlastník"]),
        (
            Role::Created,
            &[
                "deal created",
                "deal created on",
                "add time",
                "creation date",
                "created",
                "сделка создана",
                "дата создания",
                "время добавления",
                "vytvořeno",
                "obchod vytvořen",
            ],
        ),
        (
            Role::Closed,
            &["closed on", "close time", "дата закрытия", "uzavřeno"],
        ),
        (Role::WonTime, &["won time", "время выигрыша", "čas výhry"]),
        (
            Role::LostTime,
            &["lost time", "время проигрыша", "čas prohry"],
        ),
        (Role::Stage, &["stage", "stage (pipeline)", "этап", "fáze"]),
        (Role::Pipeline, &["pipeline", "воронка"]),
        (Role::StatusWord, &["status", "статус", "stav"]),
        (
            Role::Company,
            &["organization", "organisation", "организация", "organizace"],
        ),
        (
            Role::Contact,
            &["contact person", "контактное лицо", "kontaktní osoba"],
        ),
        (
            Role::LossReason,
            &["lost reason", "причина проигрыша", "důvod prohry"],
        ),
        (Role::Source, &["source", "source channel", "источник"]),
        (Role::Probability, &["probability", "вероятность"]),
        (
            Role::ExpectedClose,
            &[
                "expected close date",
                "ожидаемая дата закрытия",
                "očekávané datum uzavření",
            ],
        ),
    ],
    required: &[Role::DealId, Role::StatusWord, Role::Created],
    date_formats: US_DATES,
    orders: &[&[
        "Lead In",
        "Contact Made",
        "Needs Defined",
        "Proposal Made",
        "Negotiations Started",
    ]],
    won: &[],
    lost: &[],
};

/// Pipedrive writes `Entity - Field`; the deal entity is dropped so that the field is
/// matched, and the organisation's and person's names become `organization` and
/// `contact person`. Entity words in English, Russian and Czech.
pub fn pipedrive_header(h: &str) -> String {
    let n = normalize(h);
    let Some((entity, field)) = n.split_once(" - ") else {
        return n;
    };
    let names = ["name", "название", "имя", "název", "jméno"];
    match entity {
        "deal" | "сделка" | "obchod" => field.to_string(),
        "organization" | "organisation" | "организация" | "organizace"
            if names.contains(&field) =>
        {
            "organization".into()
        }
        "person" | "контакт" | "контактное лицо" | "osoba" | "kontaktní osoba"
            if names.contains(&field) =>
        {
            "contact person".into()
        }
        _ => n,
    }
}

pub static ALL: [&Def; 5] = [&BITRIX24, &AMOCRM, &HUBSPOT, &SALESFORCE, &PIPEDRIVE];

pub fn def(profile: Profile) -> &'static Def {
    match profile {
        Profile::Bitrix24 => &BITRIX24,
        Profile::Amocrm => &AMOCRM,
        Profile::Hubspot => &HUBSPOT,
        Profile::Salesforce => &SALESFORCE,
        Profile::Pipedrive => &PIPEDRIVE,
    }
}

/// A header as this CRM's aliases are written.
pub fn key(def: &Def, header: &str) -> String {
    if def.profile == Profile::Pipedrive {
        pipedrive_header(header)
    } else {
        normalize(header)
    }
}

/// Find each role's column: the first alias (in order) that some header matches; the
/// first header by position when a name repeats. Returns (role, column index).
pub fn match_roles(def: &Def, header: &[String]) -> Vec<(Role, usize)> {
    let keys: Vec<String> = header.iter().map(|h| key(def, h)).collect();
    let mut taken: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    for (role, aliases) in def.deals {
        let found = aliases.iter().find_map(|a| {
            keys.iter()
                .enumerate()
                .find(|(i, k)| k.as_str() == *a && !taken.contains(i))
                .map(|(i, _)| i)
        });
        if let Some(i) = found {
            taken.push(i);
            out.push((*role, i));
        }
    }
    out
}

/// How well a header fits a CRM: the share of its headers this CRM knows, and whether
/// its required roles are all there.
pub fn fit(def: &Def, header: &[String]) -> (f64, bool) {
    let roles = match_roles(def, header);
    let required = def
        .required
        .iter()
        .all(|r| roles.iter().any(|(role, _)| role == r));
    let known = roles.len() as f64 / header.len().max(1) as f64;
    (known + if required { 1.0 } else { 0.0 }, required)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn budget_variants_and_repeated_names() {
        for budget in ["Бюджет", "Бюджет ", "Бюджет ₽", "бюджет, ₽"] {
            let roles = match_roles(&AMOCRM, &h(&["ID", budget, "Источник", "Источник"]));
            assert!(roles.contains(&(Role::Amount, 1)), "{budget}");
            assert!(roles.contains(&(Role::Source, 2)), "first by position");
        }
    }

    #[test]
    fn pipedrive_entities_in_three_languages() {
        assert_eq!(pipedrive_header("Deal - Title"), "title");
        assert_eq!(pipedrive_header("Obchod - Hodnota"), "hodnota");
        assert_eq!(pipedrive_header("Сделка - Этап"), "этап");
        assert_eq!(pipedrive_header("Organization - Name"), "organization");
        assert_eq!(pipedrive_header("Person - Name"), "contact person");
        assert_eq!(pipedrive_header("Person - Email"), "person - email");
    }

    #[test]
    fn the_right_crm_fits_best() {
        let sf = h(&[
            "Id",
            "AccountId",
            "Name",
            "StageName",
            "Amount",
            "CloseDate",
            "IsClosed",
            "IsWon",
            "CreatedDate",
        ]);
        let best = ALL
            .iter()
            .max_by(|a, b| fit(a, &sf).0.total_cmp(&fit(b, &sf).0))
            .unwrap();
        assert_eq!(best.profile, Profile::Salesforce);
        assert!(!fit(&BITRIX24, &sf).1);
    }
}
