//! `[tables.<table>]`: how one canonical table is found and read (file, sheet, column
//! names, constants, the deals' status, a second file joined on).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How one canonical table is found and read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TableConfig {
    /// File name inside the data folder (default: `<table>.csv|parquet|arrow|xlsx`).
    pub file: Option<String>,
    /// Canonical column name → the export's header.
    pub columns: BTreeMap<String, String>,
    /// Treat an amount of exactly zero as "not recorded" (some exports write 0 for the
    /// value of every lost deal).
    pub zero_amount_is_missing: bool,
    /// The sheet of a workbook (`.xlsx`, `.xls`): its name, or its number from 1.
    pub sheet: Option<Sheet>,
    /// A constant for a column the export lacks or leaves empty: `status = "open"`.
    pub defaults: BTreeMap<String, String>,
    /// How the deals' status follows from the export (deals only).
    pub status_from: Option<StatusFrom>,
    /// A second file joined onto the table by a key (left join).
    pub join: Option<JoinConfig>,
}

/// `[tables.<table>.join]`: `file = "wins.csv"`, `on = "deal_id"` (the canonical column
/// both share), and its own `[tables.<table>.join.columns]` (canonical name = its header).
/// Its columns win over the main file's and over defaults.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct JoinConfig {
    pub file: String,
    pub on: String,
    pub columns: BTreeMap<String, String>,
}

/// A sheet by name or by number (1 = the first).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Sheet {
    Number(usize),
    Name(String),
}

/// `[tables.deals.status_from]`: `won_when = "closed_at"` (a value there means won),
/// `lost_when = "loss_reason"`, and `values = { "Выиграна" = "won", … }` (the export's
/// words for won, lost and open, compared ignoring case and surrounding spaces).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StatusFrom {
    pub won_when: Option<String>,
    pub lost_when: Option<String>,
    pub values: BTreeMap<String, String>,
}
