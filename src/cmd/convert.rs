//! `crmstat convert --data DIR --out DIR`: the tables of a data folder, checked, written as
//! typed Parquet that later runs read at Parquet speed (no text to parse, only the columns
//! a figure needs read). Rows are streamed from each file to its Parquet file, so a folder
//! of any size converts in bounded memory. Rejected rows go to rejects.csv, not into the
//! tables; the folder's crmstat.toml comes along without the mappings (the columns have
//! their canonical names now).

use std::io::Write;

use crate::cli::ConvertArgs;
use crate::error::{Error, Result};
use crate::output::{self, Format, NamedTable};
use crate::{schema, validate};

pub fn run(args: &ConvertArgs) -> Result<()> {
    if args.data.filter.is_some() {
        return Err(Error::Usage(
            "--where filters the figures; this command reads every row (drop --where)".into(),
        ));
    }
    super::refuse_inside(&args.out, &args.data.data)?;
    output::prepare_dir(&args.out)?;
    let (config, _) = args.data.config()?;
    let demand = validate::Demand {
        parquet_into: Some(args.out.clone()),
        ..validate::Demand::everything()
    };
    let loaded = validate::load_with(&args.data.data, &config, &demand);
    let loaded = match loaded {
        Ok(l) => l,
        Err(e) => {
            for spec in schema::ALL {
                let _ = std::fs::remove_file(args.out.join(format!("{}.parquet.tmp", spec.name)));
            }
            return Err(e);
        }
    };
    let report = &loaded.report;
    let mut written = Vec::new();
    for spec in schema::ALL {
        let tmp = args.out.join(format!("{}.parquet.tmp", spec.name));
        let path = args.out.join(format!("{}.parquet", spec.name));
        if tmp.is_file() {
            std::fs::rename(&tmp, &path)
                .map_err(|e| Error::io(&path, "cannot move into place", e))?;
            written.push(path);
        } else if path.is_file() {
            // A table of an earlier conversion that this folder no longer has.
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, "cannot remove", e))?;
        }
    }
    let rejects = args.out.join("rejects.csv");
    if report.rejected() > 0 {
        let mut t = [NamedTable::new(
            "rejects",
            "Rejected rows",
            report.rejects_frame()?,
        )];
        written.extend(output::write_tables(&args.out, Format::Csv, &mut t)?);
    } else if rejects.is_file() {
        std::fs::remove_file(&rejects).map_err(|e| Error::io(&rejects, "cannot remove", e))?;
    }
    let toml_path = super::write_folder_config(
        &args.out,
        config.clone(),
        &loaded,
        &format!(
            "# Written by `crmstat convert` from {}: the same settings, the tables now canonical.",
            args.data.data.display()
        ),
    )?;
    written.push(toml_path);
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", report.summary_line());
    super::show_problems(
        &mut err,
        &report.problems,
        false,
        &format!("every one is in {}", rejects.display()),
    );
    if !args.quiet {
        for path in &written {
            let _ = writeln!(err, "wrote {}", path.display());
        }
    }
    Ok(())
}
