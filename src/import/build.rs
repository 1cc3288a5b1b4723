//! Building the canonical tables from one CRM's export files (see the module docs of
//! [`super`]). Each step counts what it kept, merged or left out for the mapping report.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use polars::prelude::*;

use super::profiles::{self, Def, Role};
use super::source::{self, Source};
use super::{ColumnUse, Count, FileUse, Imported, Mapping, Profile, export_files, wrong_profile};
use crate::config::Config;
use crate::dates::parse_datetime;
use crate::error::{Error, PolarsContext, Result};
use crate::input::{self, LineSource, ROW, RawTable, csv::TRAILING};
use crate::money::{format_money, parse_money};
use crate::schema::{self, TableSpec};
use crate::stages::normalize as stage_key;

mod history;
mod tables;
mod values;

use history::*;
use tables::*;
use values::*;

/// Read an export folder through the config's profile (`profile` must be set).
pub fn read(dir: &Path, config: &Config) -> Result<Imported> {
    let profile = config.profile.ok_or_else(|| {
        Error::Usage("no profile: pass --profile or set profile in crmstat.toml".into())
    })?;
    let def = profiles::def(profile);
    let mut mapping = Mapping {
        profile: profile.to_string(),
        ..Mapping::default()
    };
    let picked = pick_files(dir, def, config)?;
    let mut tables: Vec<RawTable> = Vec::new();
    let mut passthrough: Vec<&str> = Vec::new();
    for (spec, path) in &picked.canonical {
        let raw = input::read_table(path, spec, config)?;
        mapping.files.push(FileUse {
            file: raw.file.clone(),
            used_as: format!("{} (already canonical, read as it is)", spec.name),
            kind: "canonical table".into(),
            rows: raw.frame.height(),
        });
        passthrough.push(spec.name);
        tables.push(raw);
    }
    for path in &picked.unused {
        mapping.files.push(FileUse {
            file: input::file_label(path),
            used_as: "not used".into(),
            kind: "no table of this profile is read from it".into(),
            rows: 0,
        });
    }
    let deals_src = picked.deals;
    let mut ctx = Context::new(def, config, &deals_src, &mut mapping)?;
    let history = match &picked.history {
        Some(path) => Some(source::read(path, def.fallback, config)?),
        None => None,
    };
    ctx.build_deals(&mut mapping)?;
    let entries = match (profile, &history) {
        (Profile::Hubspot, _) => ctx.hubspot_history(&mut mapping)?,
        (Profile::Salesforce, Some(h)) => {
            ctx.long_history(h, HistoryKind::Salesforce, &mut mapping)?
        }
        (Profile::Bitrix24, Some(h)) => ctx.long_history(h, HistoryKind::Bitrix, &mut mapping)?,
        _ => {
            mapping.notes.push(format!(
                "no stage history in a {profile} export: the funnel knows each deal's current stage only (a deal is counted as having passed the stages before it)"
            ));
            None
        }
    };
    ctx.fill_missing_close(entries.as_ref(), &mut mapping);
    let accounts = match &picked.accounts {
        Some(path) => Some(source::read(path, def.fallback, config)?),
        None => None,
    };
    let funnel = ctx.funnel(entries.as_ref(), &mut mapping);
    tables.push(ctx.deals_table(&deals_src)?);
    if let Some(entries) = entries {
        let (src, file) = match &history {
            Some(h) if profile != Profile::Hubspot => (h, h.file.clone()),
            _ => (&deals_src, deals_src.file.clone()),
        };
        tables.push(history_table(entries, src, file)?);
    }
    if let (Profile::Salesforce, Some(h)) = (profile, &history) {
        if let Some(changes) = ctx.salesforce_changes(h, &mut mapping)? {
            tables.push(changes);
        }
    }
    if !passthrough.contains(&"clients") {
        tables.push(ctx.clients_table(&deals_src, accounts.as_ref(), &mut mapping)?);
    }
    if !passthrough.contains(&"managers") {
        tables.push(ctx.managers_table(&deals_src, &mut mapping)?);
    }
    mapping.files.insert(
        0,
        FileUse {
            file: deals_src.file.clone(),
            used_as: "deals (and the clients and managers named in it)".into(),
            kind: deals_src.kind.clone(),
            rows: deals_src.height(),
        },
    );
    if let Some(h) = &history {
        mapping.files.insert(
            1,
            FileUse {
                file: h.file.clone(),
                used_as: "stage_history".into(),
                kind: h.kind.clone(),
                rows: h.height(),
            },
        );
    }
    if let Some(a) = &accounts {
        mapping.files.push(FileUse {
            file: a.file.clone(),
            used_as: "clients (names, industry, region)".into(),
            kind: a.kind.clone(),
            rows: a.height(),
        });
    }
    for line in &deals_src.repeated_headers {
        mapping.notes.push(format!(
            "{}:{line}: repeated header line left out",
            deals_src.file
        ));
    }
    Ok(Imported {
        tables,
        funnel,
        mapping,
    })
}

struct Picked {
    deals: Source,
    history: Option<PathBuf>,
    accounts: Option<PathBuf>,
    canonical: Vec<(&'static TableSpec, PathBuf)>,
    unused: Vec<PathBuf>,
}

/// Which file is which: canonical tables by their names, then the CRM's history and
/// account files by name, and the deals export by name and by its header.
fn pick_files(dir: &Path, def: &Def, config: &Config) -> Result<Picked> {
    let files = export_files(dir)?;
    let mut canonical = Vec::new();
    let (mut history, mut accounts, mut named, mut other) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for path in files {
        let name = input::file_label(&path).to_lowercase();
        let stem = name
            .rsplit_once('.')
            .map_or(name.as_str(), |(s, _)| s)
            .to_string();
        let has = |parts: &[&str]| parts.iter().any(|p| name.contains(p));
        let passthrough = ["managers", "clients", "contacts", "payments", "campaigns"];
        if let Some(spec) = passthrough
            .iter()
            .find(|t| **t == stem)
            .and_then(|t| schema::table(t))
        {
            canonical.push((spec, path));
        } else if has(def.history_files) {
            history.push(path);
        } else if has(def.account_files) {
            accounts.push(path);
        } else if has(def.deal_files) {
            named.push(path);
        } else {
            other.push(path);
        }
    }
    let one = |mut v: Vec<PathBuf>, what: &str| -> Result<Option<PathBuf>> {
        if v.len() > 1 {
            return Err(Error::BadFile {
                file: v
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" and "),
                problem: format!("more than one {what} file in the export folder"),
                fix: "keep one of them in the folder".into(),
            });
        }
        Ok(v.pop())
    };
    let history = one(history, "stage history")?;
    let accounts = one(accounts, "account")?;
    let candidates = if named.is_empty() { &other } else { &named };
    if candidates.is_empty() {
        return Err(Error::BadFile {
            file: dir.display().to_string(),
            problem: format!(
                "no deals export in the folder (a {} deals file is named like {})",
                def.profile,
                def.deal_files
                    .iter()
                    .map(|p| format!("*{p}*"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            fix: "put the CRM's deal export (CSV, Excel or the HTML .xls) in the folder".into(),
        });
    }
    let mut read: Vec<(Source, bool)> = Vec::new();
    for path in candidates {
        let src = source::read(path, def.fallback, config)?;
        let ok = profiles::fit(def, &src.header).1;
        read.push((src, ok));
    }
    let fitting = read.iter().filter(|(_, ok)| *ok).count();
    if fitting > 1 {
        return Err(Error::BadFile {
            file: read
                .iter()
                .filter(|(_, ok)| *ok)
                .map(|(s, _)| s.file.clone())
                .collect::<Vec<_>>()
                .join(" and "),
            problem: format!(
                "more than one file looks like the {} deals export",
                def.profile
            ),
            fix: "keep one deals export in the folder".into(),
        });
    }
    let index = match read.iter().position(|(_, ok)| *ok) {
        Some(i) => i,
        None => {
            // Explain with the file that looks most like a deals export of any CRM.
            let likeness: Vec<f64> = read
                .iter()
                .map(|(s, _)| {
                    profiles::ALL
                        .iter()
                        .map(|d| profiles::fit(d, &s.header).0)
                        .fold(0.0, f64::max)
                })
                .collect();
            let best = (0..read.len())
                .max_by(|a, b| likeness[*a].total_cmp(&likeness[*b]))
                .unwrap_or(0);
            let src = &read[best].0;
            let header = &src.header;
            let roles = profiles::match_roles(def, header);
            let missing: Vec<(Role, &[&str])> = def
                .deals
                .iter()
                .filter(|(r, _)| def.required.contains(r) && !roles.iter().any(|(m, _)| m == r))
                .map(|(r, a)| (*r, *a))
                .collect();
            return Err(wrong_profile(def.profile, &src.file, &src.header, &missing));
        }
    };
    let (deals, _) = read.swap_remove(index);
    let mut unused: Vec<PathBuf> = read.into_iter().map(|(s, _)| s.path).collect();
    if !named.is_empty() {
        unused.extend(other);
    }
    unused.sort();
    Ok(Picked {
        deals,
        history,
        accounts,
        canonical,
        unused,
    })
}

/// A date as the import read it.
#[derive(Clone, Debug)]
enum When {
    None,
    At(NaiveDateTime),
    /// Not a date crmstat can read: passed on so validation reports it at its line.
    Bad(String),
}

impl When {
    fn at(&self) -> Option<NaiveDateTime> {
        match self {
            When::At(t) => Some(*t),
            _ => None,
        }
    }

    fn text(&self) -> Option<String> {
        match self {
            When::None => None,
            When::At(t) => Some(t.format("%Y-%m-%d %H:%M:%S").to_string()),
            When::Bad(s) => Some(s.clone()),
        }
    }
}

/// One deal as built from its export row(s).
struct Deal {
    /// Record number of the deal's (first) row in the deals file.
    row: u32,
    id: String,
    client: String,
    manager: String,
    created: When,
    closed: When,
    status: &'static str,
    stage: Option<String>,
    amount: Option<String>,
    currency: Option<String>,
    loss_reason: Option<String>,
    campaign: Option<String>,
    title: Option<String>,
    pipeline: Option<String>,
    source: Option<String>,
    probability: Option<String>,
    /// When an open deal is expected to close: the export's expected close column, else an
    /// open deal's close date (CRMs keep the planned close there until the deal closes).
    expected: When,
}

struct Context<'a> {
    def: &'static Def,
    config: &'a Config,
    formats: Vec<String>,
    /// Role → the values of its column.
    values: BTreeMap<Role, Vec<Option<String>>>,
    roles: Vec<(Role, usize)>,
    header: Vec<String>,
    deals: Vec<Deal>,
    won: Vec<String>,
    lost: Vec<String>,
    /// The export is in Russian (for the names of Bitrix24 stage codes).
    russian: bool,
    /// The deals file's name.
    file: String,
    /// Values of columns no role takes but the profile reads (HubSpot's `Date entered`).
    src_values: HashMap<usize, Vec<Option<String>>>,
}

/// `[tables.deals.columns]` canonical names and the role they override.
const OVERRIDES: &[(&str, Role)] = &[
    ("deal_id", Role::DealId),
    ("client_id", Role::Company),
    ("manager_id", Role::Owner),
    ("campaign_id", Role::Campaign),
    ("created_at", Role::Created),
    ("closed_at", Role::Closed),
    ("status", Role::StatusWord),
    ("stage", Role::Stage),
    ("amount", Role::Amount),
    ("currency", Role::Currency),
    ("loss_reason", Role::LossReason),
];

impl<'a> Context<'a> {
    fn new(
        def: &'static Def,
        config: &'a Config,
        src: &Source,
        mapping: &mut Mapping,
    ) -> Result<Self> {
        let header = src.header.clone();
        let mut roles = profiles::match_roles(def, &header);
        for (canonical, header_name) in &config.table("deals").columns {
            let Some((_, role)) = OVERRIDES.iter().find(|(c, _)| c == canonical) else {
                return Err(Error::Usage(format!(
                    "[tables.deals.columns] {canonical}: with a profile, the deals columns you can name are {}",
                    OVERRIDES
                        .iter()
                        .map(|(c, _)| *c)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            let pos = header
                .iter()
                .position(|h| h == header_name)
                .or_else(|| header.iter().position(|h| profiles::normalize(h) == profiles::normalize(header_name)))
                .ok_or_else(|| Error::BadFile {
                    file: src.file.clone(),
                    problem: format!(
                        "no column `{header_name}`, which crmstat.toml maps to {canonical}; the columns are: {}",
                        src.shown_header().iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", ")
                    ),
                    fix: format!("correct [tables.deals.columns] {canonical} = \"…\""),
                })?;
            roles.retain(|(r, i)| r != role && *i != pos);
            roles.push((*role, pos));
            mapping.notes.push(format!(
                "{canonical} taken from `{header_name}` as crmstat.toml says (instead of the profile's column)"
            ));
        }
        let mut values = BTreeMap::new();
        for (role, i) in &roles {
            let mut v = src.values(*i)?;
            if def.profile == Profile::Salesforce {
                // The Data Export writes an empty lookup as the all-zero id.
                for cell in &mut v {
                    if cell.as_deref().is_some_and(is_empty_salesforce_id) {
                        *cell = None;
                    }
                }
            }
            values.insert(*role, v);
        }
        let names = |extra: &[&str], base: &[String]| -> Vec<String> {
            base.iter()
                .map(|s| stage_key(s))
                .chain(extra.iter().map(|s| stage_key(s)))
                .collect()
        };
        let mut formats = config.datetime_formats.clone();
        formats.extend(def.date_formats.iter().map(|s| s.to_string()));
        let russian = header
            .iter()
            .any(|h| h.chars().any(|c| ('\u{400}'..='\u{4ff}').contains(&c)));
        let mut src_values = HashMap::new();
        if def.profile == Profile::Hubspot {
            for (i, h) in header.iter().enumerate() {
                if hubspot_stage_column(h).is_some() {
                    src_values.insert(i, src.values(i)?);
                }
            }
        }
        Ok(Context {
            file: src.file.clone(),
            src_values,
            def,
            config,
            formats,
            values,
            roles,
            header,
            deals: Vec::new(),
            won: names(def.won, &config.funnel.won_stages),
            lost: names(def.lost, &config.funnel.lost_stages),
            russian,
        })
    }

    fn value(&self, role: Role, row: usize) -> Option<&str> {
        self.values.get(&role).and_then(|v| v[row].as_deref())
    }

    fn when(&self, text: Option<&str>) -> When {
        let Some(t) = text else { return When::None };
        let n = profiles::normalize(t);
        if ["не закрыта", "не закрыто", "not closed", "-", "—"].contains(&n.as_str())
        {
            return When::None;
        }
        if let Some(dt) = parse_datetime(t, &self.formats) {
            return When::At(dt);
        }
        match excel_serial(t) {
            Some(dt) => When::At(dt),
            None => When::Bad(t.to_string()),
        }
    }

    fn stage_outcome(&self, stage: &str) -> Option<&'static str> {
        let k = stage_key(stage);
        if self.won.contains(&k) {
            Some("won")
        } else if self.lost.contains(&k) {
            Some("lost")
        } else {
            None
        }
    }

    /// The deal's status from whatever the export says (see the README's profile table).
    fn status(
        &self,
        row: usize,
        stage: Option<&str>,
    ) -> std::result::Result<&'static str, &'static str> {
        if let Some(s) = self.value(Role::Semantic, row).and_then(semantic) {
            return Ok(s);
        }
        if let Some(w) = self.value(Role::StatusWord, row) {
            return status_word(w);
        }
        let won = self.value(Role::WonFlag, row).and_then(flag);
        let closed = self.value(Role::ClosedFlag, row).and_then(flag);
        let by_stage = stage.and_then(|s| self.stage_outcome(s));
        Ok(match (closed, won) {
            (_, Some(true)) => "won",
            (Some(false), _) => "open",
            (Some(true), Some(false)) => "lost",
            (Some(true), None) => match by_stage {
                Some("won") => "won",
                _ => "lost",
            },
            (None, Some(false)) => match by_stage {
                Some("lost") => "lost",
                _ => "open",
            },
            (None, None) => by_stage.unwrap_or("open"),
        })
    }

    fn build_deals(&mut self, mapping: &mut Mapping) -> Result<()> {
        let height = self.values.values().next().map_or(0, Vec::len);
        let (mut deleted, mut other_pipeline, mut no_client, mut no_owner, mut open_close) =
            (0, 0, 0, 0, 0);
        let mut by_contact = 0;
        let mut pipelines: BTreeMap<String, usize> = BTreeMap::new();
        let wanted = self
            .config
            .import
            .pipeline
            .as_deref()
            .map(profiles::normalize);
        if wanted.is_some() && !self.values.contains_key(&Role::Pipeline) {
            return Err(Error::Usage(format!(
                "[import] pipeline is set, but the {} deals export has no pipeline column",
                self.def.profile
            )));
        }
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut merged: BTreeMap<usize, Vec<Option<String>>> = BTreeMap::new();
        let mut rows = 0usize;
        for row in 0..height {
            rows += 1;
            if self.value(Role::Deleted, row).and_then(flag) == Some(true) {
                deleted += 1;
                continue;
            }
            let pipeline = self.value(Role::Pipeline, row).map(str::to_string);
            if let Some(p) = &pipeline {
                *pipelines.entry(p.clone()).or_default() += 1;
            }
            if let Some(w) = &wanted {
                if pipeline.as_deref().map(profiles::normalize).as_ref() != Some(w) {
                    other_pipeline += 1;
                    continue;
                }
            }
            let id = self.value(Role::DealId, row).unwrap_or("").to_string();
            // Bitrix24 writes a deal once per product row: one deal, the rows' amounts summed.
            if self.def.profile == Profile::Bitrix24 && !id.is_empty() {
                if let Some(&first) = index.get(&id) {
                    merged
                        .entry(first)
                        .or_insert_with(|| vec![self.deals[first].amount.clone()])
                        .push(self.value(Role::Amount, row).map(str::to_string));
                    continue;
                }
                index.insert(id.clone(), self.deals.len());
            }
            let mut stage = self.value(Role::Stage, row).map(str::to_string);
            if self.def.profile == Profile::Amocrm {
                stage = stage.map(|s| match s.as_str() {
                    "142" => "Успешно реализовано".to_string(),
                    "143" => "Закрыто и не реализовано".to_string(),
                    _ => s,
                });
            }
            let status = match self.status(row, stage.as_deref()) {
                Ok(s) => s,
                Err(_) => {
                    deleted += 1;
                    continue;
                }
            };
            let client = match (
                self.value(Role::Company, row),
                self.value(Role::Contact, row),
            ) {
                (Some(c), _) => c.to_string(),
                (None, Some(c)) => {
                    by_contact += 1;
                    c.to_string()
                }
                (None, None) => {
                    no_client += 1;
                    format!("deal {id}")
                }
            };
            let manager = match self.value(Role::Owner, row) {
                Some(m) => m.to_string(),
                None => {
                    no_owner += 1;
                    self.config.import.default_manager.clone()
                }
            };
            let closed = match status {
                "won" => self.when(
                    self.value(Role::WonTime, row)
                        .or(self.value(Role::Closed, row)),
                ),
                "lost" => self.when(
                    self.value(Role::LostTime, row)
                        .or(self.value(Role::Closed, row)),
                ),
                _ => {
                    if self.value(Role::Closed, row).is_some() {
                        open_close += 1;
                    }
                    When::None
                }
            };
            let expected = match (self.value(Role::ExpectedClose, row), status) {
                (Some(v), _) => self.when(Some(v)),
                (None, "won" | "lost") => When::None,
                (None, _) => self.when(self.value(Role::Closed, row)),
            };
            let text = |r: Role| self.value(r, row).map(str::to_string);
            self.deals.push(Deal {
                row: row as u32,
                id,
                client,
                manager,
                created: self.when(self.value(Role::Created, row)),
                closed,
                status,
                stage,
                amount: text(Role::Amount),
                currency: text(Role::Currency),
                loss_reason: text(Role::LossReason),
                campaign: text(Role::Campaign),
                title: text(Role::Title),
                pipeline,
                source: text(Role::Source),
                probability: text(Role::Probability),
                expected,
            });
        }
        let mut merged_rows = 0;
        let product_rows = self.values.contains_key(&Role::Product);
        for (first, amounts) in &merged {
            merged_rows += amounts.len() - 1;
            if product_rows {
                let parsed: Option<Vec<i64>> = amounts
                    .iter()
                    .map(|a| a.as_deref().map_or(Some(0), |a| parse_money(a).ok()))
                    .collect();
                if let Some(minor) = parsed {
                    self.deals[*first].amount = Some(format_money(minor.iter().sum()));
                }
            }
        }
        self.column_report(mapping);
        let mut notes: Vec<String> = Vec::new();
        if merged_rows > 0 {
            notes.push(if product_rows {
                format!("{merged_rows} product rows merged into their deals ({} deals had several rows); a deal's amount is the sum of its rows (price × quantity each)", merged.len())
            } else {
                format!("{merged_rows} repeated rows of {} deals merged (same ID); the first row's values are kept", merged.len())
            });
        }
        if deleted > 0 {
            notes.push(format!("{deleted} deals deleted in the CRM left out"));
        }
        if other_pipeline > 0 {
            notes.push(format!(
                "{other_pipeline} deals of other pipelines left out ([import] pipeline = \"{}\")",
                self.config.import.pipeline.as_deref().unwrap_or("")
            ));
        }
        if by_contact > 0 {
            notes.push(format!(
                "{by_contact} deals without a company: their contact is the client"
            ));
        }
        if no_client > 0 {
            notes.push(format!("{no_client} deals name neither company nor contact: each is its own client (`deal <id>`)"));
        }
        if no_owner > 0 {
            notes.push(format!(
                "{no_owner} deals have no owner in the export: manager `{}` ([import] default_manager)",
                self.config.import.default_manager
            ));
        }
        if open_close > 0 {
            notes.push(format!("{open_close} open deals carry a close date: it is their expected close (expected_close_at), not a close"));
        }
        if wanted.is_none() && pipelines.len() > 1 {
            mapping.notes.push(format!(
                "the export holds {} pipelines ({}); their stages are counted in one funnel. Import one with --pipeline NAME (or [import] pipeline)",
                pipelines.len(),
                pipelines.iter().map(|(p, n)| format!("{p}: {n}")).collect::<Vec<_>>().join(", ")
            ));
        }
        mapping.counts.push(Count {
            table: "deals".into(),
            from: self.deals_file(),
            rows_in: rows,
            rows_out: self.deals.len(),
            note: if notes.is_empty() {
                "one row per deal".into()
            } else {
                notes.join("; ")
            },
        });
        Ok(())
    }

    fn deals_file(&self) -> String {
        self.file.clone()
    }

    /// Every column of the deals file: its target, or why it is not used.
    fn column_report(&self, mapping: &mut Mapping) {
        for (i, h) in self.header.iter().enumerate() {
            let role = self.roles.iter().find(|(_, p)| *p == i).map(|(r, _)| *r);
            let wide = match self.def.profile {
                Profile::Hubspot => hubspot_stage_column(h),
                _ => None,
            };
            let (target, note) = match (role, wide) {
                (Some(r), _) => (Some(r.target().to_string()), self.role_note(r)),
                (None, _) if h == TRAILING => (
                    None,
                    "empty column made by the delimiter at the end of every line".to_string(),
                ),
                (None, Some((stage, pipeline))) => (
                    Some("stage_history.entered_at".to_string()),
                    match pipeline {
                        Some(p) => format!("entry into `{stage}` (pipeline {p})"),
                        None => format!("entry into `{stage}`"),
                    },
                ),
                (None, _) if hubspot_derived_column(h) => (
                    None,
                    "crmstat takes a stage's exit and time from the next entry".into(),
                ),
                (None, _) if self.header[..i].contains(h) => {
                    let first = self.header.iter().position(|x| x == h).unwrap_or(0) + 1;
                    (
                        None,
                        format!(
                            "repeated column name; the one at position {first} is the one read"
                        ),
                    )
                }
                (None, _) => (None, "no canonical column for it".into()),
            };
            mapping.columns.push(ColumnUse {
                file: self.file.clone(),
                position: i + 1,
                header: if h == TRAILING {
                    "(empty)".into()
                } else {
                    h.clone()
                },
                target,
                note,
            });
        }
    }

    fn role_note(&self, role: Role) -> String {
        match role {
            Role::Created | Role::Closed | Role::WonTime | Role::LostTime => {
                let mut forms = vec!["ISO 8601", "dd.mm.yyyy[ HH:MM[:SS]]"];
                forms.extend(self.def.date_formats.iter().take(2));
                forms.push("Excel serial numbers");
                let mut s = format!("dates read as {}", forms.join(", "));
                if self.def.profile == Profile::Amocrm && role == Role::Closed {
                    s.push_str("; «не закрыта» = open");
                }
                s
            }
            Role::ClosedFlag | Role::WonFlag | Role::Deleted => {
                "Да/Нет, Yes/No, TRUE/FALSE, 1/0".into()
            }
            Role::Semantic => "P = open, S = won, F = lost (or the group's name)".into(),
            Role::StatusWord => "Open / Won / Lost (Deleted left out)".into(),
            Role::Stage if self.def.profile == Profile::Amocrm => "142 = won, 143 = lost".into(),
            Role::Amount if self.def.profile == Profile::Bitrix24 => {
                "product rows of one deal summed".into()
            }
            Role::Company => "the client; the contact when no company".into(),
            Role::Owner => format!("no owner → `{}`", self.config.import.default_manager),
            _ => String::new(),
        }
    }

    /// A closed deal without its close date takes the time of its last stage entry.
    fn fill_missing_close(&mut self, entries: Option<&Vec<Entry>>, mapping: &mut Mapping) {
        let Some(entries) = entries else { return };
        let mut last: HashMap<&str, NaiveDateTime> = HashMap::new();
        for e in entries {
            if let Some(t) = e.at.at() {
                let slot = last.entry(e.deal.as_str()).or_insert(t);
                *slot = (*slot).max(t);
            }
        }
        let mut filled = 0;
        for d in &mut self.deals {
            if d.status != "open" && matches!(d.closed, When::None) {
                if let Some(t) = last.get(d.id.as_str()) {
                    d.closed = When::At(*t);
                    filled += 1;
                }
            }
        }
        if filled > 0 {
            mapping.notes.push(format!(
                "{filled} closed deals without a close date in the export: closed at their last stage-history entry"
            ));
        }
        if self.def.profile == Profile::Salesforce {
            let mut moved = 0;
            for d in &mut self.deals {
                if let (Some(cr), Some(cl)) = (d.created.at(), d.closed.at()) {
                    if d.status != "open" && cl < cr {
                        d.created = When::At(cl);
                        moved += 1;
                    }
                }
            }
            if moved > 0 {
                mapping.notes.push(format!(
                    "{moved} closed opportunities have a CreatedDate after their CloseDate (records loaded into Salesforce after they closed): their created_at is set to the CloseDate, so their cycle counts as 0 days. If the export has the real creation date in another column, name it with [tables.deals.columns] created_at = \"…\""
                ));
            }
        }
    }

    /// Funnel settings: the CRM's won/lost names added; its default order when every
    /// stage seen belongs to it and the config names none.
    fn funnel(
        &self,
        entries: Option<&Vec<Entry>>,
        mapping: &mut Mapping,
    ) -> crate::config::FunnelConfig {
        let mut funnel = self.config.funnel.clone();
        for (list, extra) in [
            (&mut funnel.won_stages, self.def.won),
            (&mut funnel.lost_stages, self.def.lost),
        ] {
            for name in extra {
                if !list.iter().any(|s| stage_key(s) == stage_key(name)) {
                    list.push(name.to_string());
                }
            }
        }
        if !funnel.stages.is_empty() {
            return funnel;
        }
        let mut seen: Vec<String> = Vec::new();
        let stages = self
            .deals
            .iter()
            .filter_map(|d| d.stage.clone())
            .chain(entries.into_iter().flatten().map(|e| e.stage.clone()));
        for s in stages {
            if self.stage_outcome(&s).is_none()
                && !seen.iter().any(|x| stage_key(x) == stage_key(&s))
            {
                seen.push(s);
            }
        }
        let fits = self.def.orders.iter().find(|order| {
            seen.iter()
                .all(|s| order.iter().any(|o| stage_key(o) == stage_key(s)))
        });
        match fits {
            Some(order) if !seen.is_empty() => {
                funnel.stages = order
                    .iter()
                    .filter(|o| {
                        seen.iter().any(|s| stage_key(s) == stage_key(o)) || self.stage_outcome(o) == Some("won")
                    })
                    .map(|s| s.to_string())
                    .collect();
                mapping.notes.push(format!(
                    "stage order: {}'s default pipeline, {} (set [funnel] stages to change it)",
                    self.def.profile,
                    funnel.stages.join(" → ")
                ));
            }
            _ if entries.is_some() => mapping.notes.push(
                "stage order: inferred from the stage history (the stages are not all in the CRM's default pipeline)".into(),
            ),
            _ => mapping.notes.push(format!(
                "stage order unknown: the stages seen ({}) are not the CRM's default ones and the export has no history; set [funnel] stages in crmstat.toml",
                seen.join(", ")
            )),
        }
        funnel
    }
}
