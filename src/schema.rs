//! The canonical tables and columns of SPEC §1: names, types and which values are required.
//! Reading, validation, the config checker and the docs all take the contract from here.

/// The key columns every layer joins and groups on, named once; the tables below use them.
pub mod names {
    pub const DEAL_ID: &str = "deal_id";
    pub const CLIENT_ID: &str = "client_id";
    pub const MANAGER_ID: &str = "manager_id";
    pub const CAMPAIGN_ID: &str = "campaign_id";
}
use names::*;

/// The type of a canonical column, as the contract names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text identifier; never a number (leading zeros matter).
    Id,
    /// Free text.
    Text,
    /// Date and time (a date alone means 00:00).
    Datetime,
    /// Calendar date.
    Date,
    /// Exact decimal money, stored as whole kopecks/cents.
    Money,
    /// A plain number (e.g. a discount percent).
    Number,
    /// Deal status: `open`, `won` or `lost`.
    Status,
    /// Contact direction: `in` or `out`.
    Direction,
    /// A calendar month, `YYYY-MM` (stored as its first day).
    Month,
}

impl Kind {
    /// How the docs and messages name the type.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Id => "id",
            Kind::Text => "text",
            Kind::Datetime => "datetime",
            Kind::Date => "date",
            Kind::Money => "money",
            Kind::Number => "number",
            Kind::Status => "open/won/lost",
            Kind::Direction => "in/out",
            Kind::Month => "month (YYYY-MM)",
        }
    }
}

/// One canonical column.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    /// A row without a value here is rejected.
    pub required: bool,
}

/// One canonical table.
#[derive(Debug, Clone, Copy)]
pub struct TableSpec {
    pub name: &'static str,
    /// The column that identifies a row, unique within the table.
    pub key: Option<&'static str>,
    pub columns: &'static [Column],
}

impl TableSpec {
    /// The column definition by canonical name.
    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

const fn col(name: &'static str, kind: Kind, required: bool) -> Column {
    Column {
        name,
        kind,
        required,
    }
}

use Kind::*;

pub const MANAGERS: TableSpec = TableSpec {
    name: "managers",
    key: Some(MANAGER_ID),
    columns: &[
        col(MANAGER_ID, Id, true),
        col("name", Text, false),
        col("team", Text, false),
        col("role", Text, false),
        col("hired_on", Date, false),
        col("left_on", Date, false),
        col("monthly_plan", Money, false),
    ],
};

pub const CLIENTS: TableSpec = TableSpec {
    name: "clients",
    key: Some(CLIENT_ID),
    columns: &[
        col(CLIENT_ID, Id, true),
        col("name", Text, false),
        col("segment", Text, false),
        col("industry", Text, false),
        col("region", Text, false),
        col("source", Text, false),
        col(CAMPAIGN_ID, Id, false),
        col(MANAGER_ID, Id, false),
        col("created_at", Datetime, true),
    ],
};

/// `status` and `stage` are each optional on their own; validation requires that the
/// status can be known (a status column, or a stage named as won/lost in the config).
pub const DEALS: TableSpec = TableSpec {
    name: "deals",
    key: Some(DEAL_ID),
    columns: &[
        col(DEAL_ID, Id, true),
        col(CLIENT_ID, Id, true),
        col(MANAGER_ID, Id, true),
        col(CAMPAIGN_ID, Id, false),
        col("created_at", Datetime, true),
        col("closed_at", Datetime, false),
        col("status", Status, false),
        col("stage", Text, false),
        col("amount", Money, false),
        col("currency", Text, false),
        col("loss_reason", Text, false),
        col("discount_pct", Number, false),
        col("expected_close_at", Datetime, false),
        col("probability", Number, false),
    ],
};

pub const STAGE_HISTORY: TableSpec = TableSpec {
    name: "stage_history",
    key: None,
    columns: &[
        col(DEAL_ID, Id, true),
        col("stage", Text, true),
        col("entered_at", Datetime, true),
        col(MANAGER_ID, Id, false),
    ],
};

pub const CONTACTS: TableSpec = TableSpec {
    name: "contacts",
    key: Some("contact_id"),
    columns: &[
        col("contact_id", Id, false),
        col(CLIENT_ID, Id, true),
        col(MANAGER_ID, Id, true),
        col(DEAL_ID, Id, false),
        col(CAMPAIGN_ID, Id, false),
        col("at", Datetime, true),
        col("channel", Text, false),
        col("kind", Text, false),
        col("direction", Direction, false),
        col("due_at", Datetime, false),
        col("done_at", Datetime, false),
        col("subject", Text, false),
        col("outcome", Text, false),
    ],
};

pub const PAYMENTS: TableSpec = TableSpec {
    name: "payments",
    key: Some("payment_id"),
    columns: &[
        col("payment_id", Id, false),
        col(DEAL_ID, Id, true),
        col("paid_at", Datetime, true),
        col("amount", Money, true),
    ],
};

pub const CAMPAIGNS: TableSpec = TableSpec {
    name: "campaigns",
    key: Some(CAMPAIGN_ID),
    columns: &[
        col(CAMPAIGN_ID, Id, true),
        col("name", Text, false),
        col("channel", Text, false),
        col("started_on", Date, false),
        col("ended_on", Date, false),
        col("cost", Money, false),
    ],
};

pub const DEAL_CHANGES: TableSpec = TableSpec {
    name: "deal_changes",
    key: None,
    columns: &[
        col(DEAL_ID, Id, true),
        col("changed_at", Datetime, true),
        col("field", Text, true),
        col("old_value", Text, false),
        col("new_value", Text, false),
    ],
};

/// The fields `deal_changes` tracks, and how their values are typed.
pub const CHANGED_FIELDS: [(&str, Kind); 4] = [
    ("amount", Kind::Money),
    ("expected_close_at", Kind::Datetime),
    ("probability", Kind::Number),
    (MANAGER_ID, Kind::Id),
];

pub const PLANS: TableSpec = TableSpec {
    name: "plans",
    key: None,
    columns: &[
        col("month", Month, true),
        col(MANAGER_ID, Id, false),
        col("team", Text, false),
        col("amount", Money, true),
    ],
};

/// Canonical columns no figure reads: (table, column). A command's figures leave them out of
/// a Parquet or Arrow file (where reading them could reject nothing); `validate`, SQL
/// queries, conversion and `--strict` read them.
pub const UNREAD: &[(&str, &str)] = &[("contacts", "subject"), ("contacts", "outcome")];

/// Canonical columns no figure reads but whose values are checked (an id's duplicates): read
/// and checked, then not kept by commands that leave out [`UNREAD`] columns.
pub const CHECKED_ONLY: &[(&str, &str)] = &[("contacts", "contact_id")];

/// Every table, in the order they are read and validated: a table comes after the
/// tables its references point to.
pub const ALL: [&TableSpec; 9] = [
    &MANAGERS,
    &CAMPAIGNS,
    &CLIENTS,
    &DEALS,
    &STAGE_HISTORY,
    &CONTACTS,
    &PAYMENTS,
    &DEAL_CHANGES,
    &PLANS,
];

/// A table by name.
pub fn table(name: &str) -> Option<&'static TableSpec> {
    ALL.iter().copied().find(|t| t.name == name)
}

/// A reference from a column of one table to the key of another.
#[derive(Debug, Clone, Copy)]
pub struct Reference {
    pub table: &'static str,
    pub column: &'static str,
    pub target: &'static str,
}

const fn reference(table: &'static str, column: &'static str, target: &'static str) -> Reference {
    Reference {
        table,
        column,
        target,
    }
}

/// The references validation checks (when both tables are present).
pub const REFERENCES: &[Reference] = &[
    reference("clients", MANAGER_ID, "managers"),
    reference("clients", CAMPAIGN_ID, "campaigns"),
    reference("deals", CLIENT_ID, "clients"),
    reference("deals", MANAGER_ID, "managers"),
    reference("deals", CAMPAIGN_ID, "campaigns"),
    reference("stage_history", DEAL_ID, "deals"),
    reference("stage_history", MANAGER_ID, "managers"),
    reference("contacts", CLIENT_ID, "clients"),
    reference("contacts", MANAGER_ID, "managers"),
    reference("contacts", DEAL_ID, "deals"),
    reference("contacts", CAMPAIGN_ID, "campaigns"),
    reference("payments", DEAL_ID, "deals"),
    reference("deal_changes", DEAL_ID, "deals"),
    reference("plans", MANAGER_ID, "managers"),
];
