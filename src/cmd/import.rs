//! `crmstat import --profile P --from EXPORT_DIR --out DATA_DIR`: a CRM's own export
//! turned into canonical tables once, with `mapping.md` (which column went where, what
//! was left out and why, row counts), `crmstat.toml` (the funnel the import found) and
//! `rejects.csv` when rows break the contract. Everything else then runs on DATA_DIR.

use std::io::Write;

use crate::cli::ImportArgs;
use crate::config::{Config, ImportConfig};
use crate::error::{Error, Result};
use crate::output::{self, Format, NamedTable};
use crate::{import, schema, validate};

pub fn run(args: &ImportArgs) -> Result<()> {
    let (config, profile) = configure(args)?;
    let imported = import::read(&args.from, &config)?;
    let mut checked = config.clone();
    checked.funnel = imported.funnel.clone();
    let loaded = validate::load_raw(imported.tables, &checked)?;
    let report = &loaded.report;

    output::prepare_dir(&args.out)?;
    let removed = remove_old_tables(&args.out)?;
    let written = write_tables(args, &loaded)?;

    // The data folder's config: the funnel the import settled on, no import settings.
    let mut out_config = checked.clone();
    out_config.import = ImportConfig::default();
    let toml_path = super::write_folder_config(
        &args.out,
        out_config,
        &loaded,
        &format!(
            "# Written by `crmstat import --profile {profile}` from {}.\n# The stage order is what the import found; edit it if it is wrong.",
            args.from.display()
        ),
    )?;

    let mut mapping = imported.mapping;
    mapping
        .notes
        .extend(report.notes.iter().map(|n| n.english().to_string()));
    if !removed.is_empty() {
        mapping.notes.push(format!(
            "replaced the tables of an earlier import: {}",
            removed.join(", ")
        ));
    }
    let md = mapping.markdown(Some(&validation(args, report)?));
    let mapping_path = args.out.join("mapping.md");
    output::write_atomic(&mapping_path, |out| {
        out.write_all(md.as_bytes())
            .map_err(|e| Error::io(&mapping_path, "cannot write", e))
    })?;

    show_problems(report);
    tell(
        args,
        profile,
        &mapping.counts,
        &written,
        report,
        [&toml_path, &mapping_path],
    )
}

/// What was imported and written, on stdout.
fn tell(
    args: &ImportArgs,
    profile: crate::config::Profile,
    counts: &[import::Count],
    written: &[std::path::PathBuf],
    report: &validate::Report,
    [toml_path, mapping_path]: [&std::path::Path; 2],
) -> Result<()> {
    let rejects_path = args.out.join("rejects.csv");
    let mut out = std::io::stdout().lock();
    let io = |e| Error::io("<stdout>", "cannot write", e);
    writeln!(
        out,
        "imported a {profile} export from {}",
        args.from.display()
    )
    .map_err(io)?;
    for c in counts {
        writeln!(
            out,
            "  {} ← {}: {} rows in, {} out; {}",
            c.table, c.from, c.rows_in, c.rows_out, c.note
        )
        .map_err(io)?;
    }
    for path in written {
        writeln!(out, "wrote {}", path.display()).map_err(io)?;
    }
    if report.rejected() > 0 {
        writeln!(
            out,
            "wrote {} ({} rejected rows)",
            rejects_path.display(),
            report.rejected()
        )
        .map_err(io)?;
    }
    writeln!(out, "wrote {}", toml_path.display()).map_err(io)?;
    writeln!(
        out,
        "wrote {} — check it once, then run e.g. `crmstat report --data {}`",
        mapping_path.display(),
        args.out.display()
    )
    .map_err(io)?;
    Ok(())
}

/// The config for the import (--profile and --pipeline over crmstat.toml) and its profile;
/// refuses an --out that is, or lies inside, --from.
fn configure(args: &ImportArgs) -> Result<(Config, crate::config::Profile)> {
    let same = |a: &std::path::Path, b: &std::path::Path| {
        a.canonicalize()
            .ok()
            .is_some_and(|a| b.canonicalize().ok() == Some(a))
    };
    if same(&args.from, &args.out) {
        return Err(Error::Usage(
            "--out must be another folder than --from (the canonical tables would mix with the export)"
                .into(),
        ));
    }
    super::refuse_inside(&args.out, &args.from)?;
    let (mut config, _) = Config::load(args.config.as_deref(), &args.from)?;
    if args.profile.is_some() {
        config.profile = args.profile.map(Into::into);
    }
    let Some(profile) = config.profile else {
        return Err(Error::Usage(
            "crmstat import needs --profile bitrix24|amocrm|hubspot|salesforce|pipedrive (or profile = \"…\" in crmstat.toml)".into(),
        ));
    };
    if let Some(p) = &args.pipeline {
        config.import.pipeline = Some(p.clone());
    }
    Ok((config, profile))
}

/// The canonical tables in --format, and rejects.csv when rows were rejected (an earlier
/// import's rejects.csv removed when none are).
fn write_tables(args: &ImportArgs, loaded: &validate::Loaded) -> Result<Vec<std::path::PathBuf>> {
    let report = &loaded.report;
    let mut tables: Vec<NamedTable> = loaded
        .tables
        .named()
        .into_iter()
        .map(|(name, frame)| NamedTable::new(name, name, frame.clone()))
        .collect();
    let written = output::write_tables(&args.out, args.format.into(), &mut tables)?;
    let rejects_path = args.out.join("rejects.csv");
    if report.rejected() > 0 {
        let mut rejects = [NamedTable::new(
            "rejects",
            "Rejected rows",
            report.rejects_frame()?,
        )];
        output::write_tables(&args.out, Format::Csv, &mut rejects)?;
    } else if rejects_path.exists() {
        std::fs::remove_file(&rejects_path)
            .map_err(|e| Error::io(&rejects_path, "cannot remove the old rejects", e))?;
    }
    Ok(written)
}

/// The validation part of mapping.md: rows per table and the first problems.
fn validation(args: &ImportArgs, report: &validate::Report) -> Result<String> {
    let mut validation = output::markdown_table(&report.counts_frame()?);
    if !report.problems.is_empty() {
        validation.push_str(&format!(
            "\n{} problems; the first ones (all of them are in rejects.csv and `crmstat validate --data {}`):\n\n",
            report.problems.len(),
            args.out.display()
        ));
        for p in report.problems.iter().take(20) {
            validation.push_str(&format!("- {p}\n"));
        }
    }
    Ok(validation)
}

/// The row counts and the first problems on stderr.
fn show_problems(report: &validate::Report) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", report.summary_line());
    super::show_problems(
        &mut err,
        &report.problems,
        false,
        "every one is in rejects.csv",
    );
}

/// Remove canonical table files an earlier import left (another format would make two
/// files for one table). Only files named like a canonical table are touched.
fn remove_old_tables(dir: &std::path::Path) -> Result<Vec<String>> {
    let mut removed = Vec::new();
    for spec in schema::ALL {
        for ext in ["csv", "parquet"] {
            let path = dir.join(format!("{}.{ext}", spec.name));
            if path.is_file() {
                std::fs::remove_file(&path).map_err(|e| Error::io(&path, "cannot replace", e))?;
                removed.push(format!("{}.{ext}", spec.name));
            }
        }
    }
    Ok(removed)
}
