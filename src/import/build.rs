//! Building the canonical tables from one CRM's export files (see the module docs of
//! [`super`]). Each step counts what it kept, merged or left out for the mapping report.

use crate::schema::names::{CAMPAIGN_ID, CLIENT_ID, DEAL_ID, MANAGER_ID};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use polars::prelude::*;

use super::crm::{self, Crm, History};
use super::profiles::{self, Def, Role};
use super::source::{self, Source};
use super::{ColumnUse, Count, FileUse, Imported, Mapping, export_files, wrong_profile};
use crate::config::Config;
use crate::dates::parse_datetime;
use crate::error::{Error, PolarsContext, Result};
use crate::input::{self, LineSource, ROW, RawTable, csv::TRAILING};
use crate::money::{format_money, parse_money};
use crate::schema::{self, TableSpec};
use crate::stages::normalize as stage_key;

mod columns;
mod deals;
mod files;
mod history;
mod tables;
mod values;

use files::*;
use history::*;
use tables::*;
use values::*;

/// Read an export folder through the config's profile (`profile` must be set).
pub fn read(dir: &Path, config: &Config) -> Result<Imported> {
    let profile = config.profile.ok_or_else(|| {
        Error::Usage("no profile: pass --profile or set profile in crmstat.toml".into())
    })?;
    let def = crm::def(profile);
    let mut mapping = Mapping {
        profile: profile.to_string(),
        ..Mapping::default()
    };
    let picked = pick_files(dir, def, config)?;
    let (mut tables, passthrough) = canonical_tables(&picked, config, &mut mapping)?;
    let deals_src = picked.deals;
    let mut ctx = Context::new(def, config, &deals_src, &mut mapping)?;
    let history = match &picked.history {
        Some(path) => Some(source::read(path, def.fallback, config)?),
        None => None,
    };
    ctx.build_deals(&mut mapping)?;
    let kind = ctx.crm.history();
    let entries = match (&kind, &history) {
        (History::WideColumns, _) => ctx.wide_history(&mut mapping)?,
        (History::File(spec), Some(h)) => ctx.long_history(h, spec, &mut mapping)?,
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
            Some(h) if !matches!(kind, History::WideColumns) => (h, h.file.clone()),
            _ => (&deals_src, deals_src.file.clone()),
        };
        tables.push(history_table(entries, src, file)?);
    }
    if let (History::File(spec), Some(h)) = (&kind, &history) {
        if let Some(changes) = ctx.history_changes(h, spec, &mut mapping)? {
            tables.push(changes);
        }
    }
    if !passthrough.contains(&"clients") {
        tables.push(ctx.clients_table(&deals_src, accounts.as_ref(), &mut mapping)?);
    }
    if !passthrough.contains(&"managers") {
        tables.push(ctx.managers_table(&deals_src, &mut mapping)?);
    }
    list_files(
        &mut mapping,
        &deals_src,
        history.as_ref(),
        accounts.as_ref(),
    );
    Ok(Imported {
        tables,
        funnel,
        mapping,
    })
}

/// The export's files already in canonical form, read as they are, with their names; the
/// files no table is read from listed as not used.
fn canonical_tables(
    picked: &Picked,
    config: &Config,
    mapping: &mut Mapping,
) -> Result<(Vec<RawTable>, Vec<&'static str>)> {
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
    Ok((tables, passthrough))
}

/// The files the CRM's own tables came from in the mapping report (deals first, then the
/// history), and the repeated header lines left out of the deals.
fn list_files(
    mapping: &mut Mapping,
    deals_src: &Source,
    history: Option<&Source>,
    accounts: Option<&Source>,
) {
    mapping.files.insert(
        0,
        FileUse {
            file: deals_src.file.clone(),
            used_as: "deals (and the clients and managers named in it)".into(),
            kind: deals_src.kind.clone(),
            rows: deals_src.height(),
        },
    );
    if let Some(h) = history {
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
    if let Some(a) = accounts {
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
    /// The CRM's own hooks (product rows, system stage ids, …).
    crm: &'static dyn Crm,
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
    (DEAL_ID, Role::DealId),
    (CLIENT_ID, Role::Company),
    (MANAGER_ID, Role::Owner),
    (CAMPAIGN_ID, Role::Campaign),
    ("created_at", Role::Created),
    ("closed_at", Role::Closed),
    ("status", Role::StatusWord),
    ("stage", Role::Stage),
    ("amount", Role::Amount),
    ("currency", Role::Currency),
    ("loss_reason", Role::LossReason),
];

/// The profile's column roles in the deals export, with the columns crmstat.toml names
/// (`[tables.deals.columns]`) in place of the profile's, each noted.
fn roles_with_overrides(
    def: &'static Def,
    config: &Config,
    src: &Source,
    mapping: &mut Mapping,
) -> Result<Vec<(Role, usize)>> {
    let header = &src.header;
    let mut roles = crm::match_roles(def, header);
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
    Ok(roles)
}

impl<'a> Context<'a> {
    fn new(
        def: &'static Def,
        config: &'a Config,
        src: &Source,
        mapping: &mut Mapping,
    ) -> Result<Self> {
        let crm = crm::of(def.profile);
        let header = src.header.clone();
        let roles = roles_with_overrides(def, config, src, mapping)?;
        let mut values = BTreeMap::new();
        for (role, i) in &roles {
            let mut v = src.values(*i)?;
            for cell in &mut v {
                if cell.as_deref().is_some_and(|c| crm.empty_value(c)) {
                    *cell = None;
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
        for (i, h) in header.iter().enumerate() {
            if crm.stage_column(h).is_some() {
                src_values.insert(i, src.values(i)?);
            }
        }
        Ok(Context {
            file: src.file.clone(),
            src_values,
            def,
            crm,
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

    fn deals_file(&self) -> String {
        self.file.clone()
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
