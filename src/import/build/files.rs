//! Which files of an export folder are the deals, the stage history, the accounts and the
//! tables already in canonical form.

use super::*;

pub(super) struct Picked {
    pub(super) deals: Source,
    pub(super) history: Option<PathBuf>,
    pub(super) accounts: Option<PathBuf>,
    pub(super) canonical: Vec<(&'static TableSpec, PathBuf)>,
    pub(super) unused: Vec<PathBuf>,
}

/// Which file is which: canonical tables by their names, then the CRM's history and
/// account files by name, and the deals export by name and by its header.
pub(super) fn pick_files(dir: &Path, def: &Def, config: &Config) -> Result<Picked> {
    let sorted = sort_files(export_files(dir)?, def);
    let history = at_most_one(sorted.history, "stage history")?;
    let accounts = at_most_one(sorted.accounts, "account")?;
    let candidates = if sorted.named.is_empty() {
        &sorted.other
    } else {
        &sorted.named
    };
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
    let (deals, mut unused) = deals_export(candidates, def, config)?;
    if !sorted.named.is_empty() {
        unused.extend(sorted.other);
    }
    unused.sort();
    Ok(Picked {
        deals,
        history,
        accounts,
        canonical: sorted.canonical,
        unused,
    })
}

/// An export folder's files by what their names say.
struct Sorted {
    canonical: Vec<(&'static TableSpec, PathBuf)>,
    history: Vec<PathBuf>,
    accounts: Vec<PathBuf>,
    /// Named like the CRM's deals export.
    named: Vec<PathBuf>,
    other: Vec<PathBuf>,
}

/// Canonical tables by their names (managers.csv, …), then the CRM's history, account and
/// deal files by the parts of the name the profile knows.
fn sort_files(files: Vec<PathBuf>, def: &Def) -> Sorted {
    let mut sorted = Sorted {
        canonical: Vec::new(),
        history: Vec::new(),
        accounts: Vec::new(),
        named: Vec::new(),
        other: Vec::new(),
    };
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
            sorted.canonical.push((spec, path));
        } else if has(def.history_files) {
            sorted.history.push(path);
        } else if has(def.account_files) {
            sorted.accounts.push(path);
        } else if has(def.deal_files) {
            sorted.named.push(path);
        } else {
            sorted.other.push(path);
        }
    }
    sorted
}

/// The one file of a kind, or none; two are an error (which one is meant is not guessed).
fn at_most_one(mut v: Vec<PathBuf>, what: &str) -> Result<Option<PathBuf>> {
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
}

/// The one candidate whose header fits the profile's deals export, and the others' paths;
/// none fitting is explained with the file most like a deals export of any CRM.
fn deals_export(
    candidates: &[PathBuf],
    def: &Def,
    config: &Config,
) -> Result<(Source, Vec<PathBuf>)> {
    let mut read: Vec<(Source, bool)> = Vec::new();
    for path in candidates {
        let src = source::read(path, def.fallback, config)?;
        let ok = crm::fit(def, &src.header).1;
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
    let Some(index) = read.iter().position(|(_, ok)| *ok) else {
        let likeness: Vec<f64> = read
            .iter()
            .map(|(s, _)| {
                crm::all()
                    .map(|d| crm::fit(d, &s.header).0)
                    .fold(0.0, f64::max)
            })
            .collect();
        let best = (0..read.len())
            .max_by(|a, b| likeness[*a].total_cmp(&likeness[*b]))
            .unwrap_or(0);
        let src = &read[best].0;
        let roles = crm::match_roles(def, &src.header);
        let missing: Vec<(Role, &[&str])> = def
            .deals
            .iter()
            .filter(|(r, _)| def.required.contains(r) && !roles.iter().any(|(m, _)| m == r))
            .map(|(r, a)| (*r, *a))
            .collect();
        return Err(wrong_profile(def.profile, &src.file, &src.header, &missing));
    };
    let (deals, _) = read.swap_remove(index);
    Ok((deals, read.into_iter().map(|(s, _)| s.path).collect()))
}
