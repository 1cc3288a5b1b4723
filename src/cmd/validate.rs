//! `crmstat validate`: every problem as `file:line: column: problem (value)`, the rejects
//! table, and rows read / used / rejected per table. Exit code 1 when any row is rejected.

use std::io::Write;

use crate::cli::ValidateArgs;
use crate::error::{Error, Result};
use crate::output::{self, NamedTable};
use crate::validate;

pub fn run(args: &ValidateArgs) -> Result<()> {
    if args.data.filter.is_some() {
        return Err(Error::Usage(
            "--where filters the figures; this command reads every row (drop --where)".into(),
        ));
    }
    if let Some(dir) = &args.out {
        super::refuse_inside(dir, &args.data.data)?;
        output::prepare_dir(dir)?;
    }
    let (config, config_path) = args.data.config()?;
    let loaded = validate::load_with(&args.data.data, &config, &validate::Demand::report_only())?;
    let report = &loaded.report;
    let mut out = std::io::stdout().lock();
    let io = |e| Error::io("<stdout>", "cannot write", e);
    match config_path {
        Some(p) => writeln!(out, "config: {}", p.display()).map_err(io)?,
        None => {
            writeln!(out, "config: defaults (no crmstat.toml in the data folder)").map_err(io)?
        }
    }
    let shown = match args.show {
        0 => report.problems.len(),
        n => n.min(report.problems.len()),
    };
    for p in &report.problems[..shown] {
        writeln!(out, "{p}").map_err(io)?;
    }
    if shown < report.problems.len() {
        let rest = report.problems.len() - shown;
        let whereto = match &args.out {
            Some(dir) => format!("every one is in {}", dir.join("rejects.csv").display()),
            None => "add --out DIR to write every one to rejects.csv".to_string(),
        };
        writeln!(
            out,
            "… {rest} more problems; {whereto}, or --show 0 to print them all"
        )
        .map_err(io)?;
    }
    for note in &report.notes {
        writeln!(out, "note: {note}").map_err(io)?;
    }
    writeln!(out).map_err(io)?;
    out.write_all(output::markdown_table(&report.counts_frame()?).as_bytes())
        .map_err(io)?;
    let mut tables = [NamedTable::new(
        "rejects",
        "Rejected rows",
        report.rejects_frame()?,
    )];
    match &args.out {
        Some(dir) => {
            for path in output::write_tables(dir, args.format.into(), &mut tables)? {
                writeln!(out, "\nrejects written to {}", path.display()).map_err(io)?;
            }
        }
        None if report.rejected() > 0 => {
            writeln!(
                out,
                "\nrejects not written: add --out DIR to write rejects.csv there"
            )
            .map_err(io)?;
        }
        None => {}
    }
    match report.rejected() {
        0 => Ok(()),
        n => Err(Error::DataErrors { rejected: n }),
    }
}
