//! Import profiles: a CRM's own export (Bitrix24, amoCRM/Kommo, HubSpot, Salesforce,
//! Pipedrive) turned into the canonical tables of SPEC §1, with a mapping report that says
//! which column went where, what was left out and why, and how many rows each step kept.
//!
//! The result is a set of [`RawTable`]s (text columns with canonical names, each row
//! remembering its line in the export), so validation, messages and rejects work exactly
//! as for canonical files: a bad date in a HubSpot export is reported at its line there.

mod build;
mod crm;
pub mod profiles;
pub mod source;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::{Config, FunnelConfig};
use crate::error::{Error, Result};
use crate::input::RawTable;

pub use build::read;

/// The profiles' names live with the config (which names one) so that the config needs
/// nothing of the import machinery.
pub use crate::config::Profile;

/// An export folder read through a profile.
pub struct Imported {
    pub tables: Vec<RawTable>,
    /// The funnel settings to validate with: the config's, plus the CRM's won/lost names
    /// and, when every stage seen is in one, its default stage order.
    pub funnel: FunnelConfig,
    pub mapping: Mapping,
}

/// What the import did, for people to check once.
#[derive(Debug, Default, Serialize)]
pub struct Mapping {
    pub profile: String,
    pub files: Vec<FileUse>,
    pub columns: Vec<ColumnUse>,
    pub counts: Vec<Count>,
    pub notes: Vec<String>,
}

/// One file of the export folder and what it was used for.
#[derive(Debug, Serialize)]
pub struct FileUse {
    pub file: String,
    pub used_as: String,
    pub kind: String,
    pub rows: usize,
}

/// One column of an export file: where it went, or why it was left out.
#[derive(Debug, Serialize)]
pub struct ColumnUse {
    pub file: String,
    pub position: usize,
    pub header: String,
    /// `None` when the column was not used.
    pub target: Option<String>,
    pub note: String,
}

/// Rows of one step: `rows_in` from the export, `rows_out` into the table.
#[derive(Debug, Serialize)]
pub struct Count {
    pub table: String,
    pub from: String,
    pub rows_in: usize,
    pub rows_out: usize,
    pub note: String,
}

impl Mapping {
    /// The report as Markdown (written as mapping.md next to the canonical tables).
    pub fn markdown(&self, validated: Option<&str>) -> String {
        let mut s = format!(
            "# Import mapping — profile `{}`\n\n## Files\n\n",
            self.profile
        );
        s.push_str("| file | used as | read as | rows |\n|---|---|---|---:|\n");
        for f in &self.files {
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                cell(&f.file),
                cell(&f.used_as),
                cell(&f.kind),
                f.rows
            ));
        }
        s.push_str(
            "\n## Columns\n\n| file | # | header | went to | note |\n|---|---:|---|---|---|\n",
        );
        for c in &self.columns {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                cell(&c.file),
                c.position,
                cell(&c.header),
                c.target.as_deref().map_or("— (not used)".into(), cell),
                cell(&c.note)
            ));
        }
        s.push_str("\n## Rows\n\n| table | from | rows in | rows out | what happened |\n|---|---|---:|---:|---|\n");
        for c in &self.counts {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                c.table,
                cell(&c.from),
                c.rows_in,
                c.rows_out,
                cell(&c.note)
            ));
        }
        if let Some(v) = validated {
            s.push_str("\n## Validation of the canonical tables\n\n");
            s.push_str(v);
        }
        if !self.notes.is_empty() {
            s.push_str("\n## Notes\n\n");
            for n in &self.notes {
                s.push_str(&format!("- {n}\n"));
            }
        }
        s
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The profile to read with: `--profile`, else `profile` in crmstat.toml.
pub fn chosen(flag: Option<Profile>, config: &Config) -> Option<Profile> {
    flag.or(config.profile)
}

/// The error for an export that does not fit the profile: the columns found, the ones
/// expected, and the profile the header fits best.
pub(crate) fn wrong_profile(
    profile: Profile,
    file: &str,
    header: &[String],
    missing: &[(profiles::Role, &[&str])],
) -> Error {
    let found = header
        .iter()
        .filter(|h| h.as_str() != crate::input::csv::TRAILING)
        .map(|h| format!("`{h}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let expected = missing
        .iter()
        .map(|(role, aliases)| {
            format!(
                "{} (one of {})",
                role.target(),
                aliases
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let best = crm::all()
        .filter(|d| d.profile != profile)
        .map(|d| (d.profile, crm::fit(d, header)))
        .filter(|(_, (_, required))| *required)
        .max_by(|a, b| a.1.0.total_cmp(&b.1.0));
    let suggestion = match best {
        Some((p, _)) => format!("this looks like a {p} export: try --profile {p}"),
        None => "no profile fits these headers; map them yourself with [tables.deals.columns] in crmstat.toml (without a profile), or name the right column with [tables.deals.columns] <column> = \"<header>\"".into(),
    };
    Error::BadFile {
        file: file.into(),
        problem: format!(
            "does not look like a deals export of {profile}: no column for {expected}; the columns found are: {found}"
        ),
        fix: suggestion,
    }
}

/// Files of an export folder that can hold a table, sorted by name.
pub(crate) fn export_files(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{}: no such export folder; pass the folder with the CRM's export files",
            dir.display()
        )));
    }
    let entries =
        std::fs::read_dir(dir).map_err(|e| Error::io(dir, "cannot list the export folder", e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            const KINDS: [&str; 10] = [
                "csv", "tsv", "txt", "xlsx", "xlsm", "xls", "ods", "html", "htm", "json",
            ];
            p.is_file() && KINDS.contains(&crate::input::extension(p).as_str())
        })
        .collect();
    files.sort();
    Ok(files)
}
