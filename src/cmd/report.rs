//! `crmstat report`: the main job. Validates the data once, then writes the funnel, loss,
//! duration, manager, campaign and reactivation tables with their charts into one folder, plus `report.md`, which puts
//! every table and chart of the period on one page.

use std::fmt::Write as _;

use rayon::prelude::*;

use crate::cli::ReportArgs;
use crate::error::{Error, Result};
use crate::metrics::managers::ManagerGroup;
use crate::metrics::{Mode, snapshot::Snapshot};
use crate::output::{self, NamedTable};

pub fn run(args: &ReportArgs) -> Result<()> {
    output::prepare_dir(&args.out)?;
    let (config, loaded) = super::load(&args.data)?;
    let period = super::period(&args.period, &loaded.tables)?;
    let snap = Snapshot::build(&loaded.tables, &loaded.stages, &period)?;
    // Independent sections are computed in parallel; one that fails says why in the report
    // and the rest stand.
    type Section<'a> = (
        &'static str,
        Box<dyn Fn() -> Result<super::Results> + Sync + 'a>,
    );
    let sections: Vec<Section> = vec![
        (
            "Funnel",
            Box::new(|| super::funnel::results(&snap, Mode::Cohort, None, config.lang)),
        ),
        (
            "Losses",
            Box::new(|| super::losses::results(&snap, &loaded, &config, Mode::Cohort)),
        ),
        (
            "Durations",
            Box::new(|| super::durations::results(&snap, config.lang)),
        ),
        (
            "Managers",
            Box::new(|| super::managers::results(&snap, &loaded, &config, ManagerGroup::Manager)),
        ),
        (
            "Campaigns",
            Box::new(|| {
                super::campaigns::results(&snap, &loaded, &config, config.campaigns.attribution)
            }),
        ),
        (
            "Reactivation",
            Box::new(|| super::reactivation::results(&snap, &loaded, &config)),
        ),
    ];
    let parts: Vec<(&str, Result<super::Results>)> = sections
        .par_iter()
        .map(|(name, build)| (*name, build()))
        .collect();
    let mut page = format!(
        "# crmstat report — {}\n\n{}\n\n",
        period.label,
        loaded.report.summary_line()
    );
    for note in &loaded.report.notes {
        let _ = writeln!(page, "> {note}\n");
    }
    let mut written = Vec::new();
    let mut said: Vec<String> = Vec::new();
    for (name, part) in parts {
        let mut part = match part {
            Ok(p) => p,
            Err(e) => {
                eprintln!("note: {name}: this section could not be built: {e}");
                let _ = writeln!(
                    page,
                    "## {name}\n\n> This section could not be built: {e}\n"
                );
                continue;
            }
        };
        let _ = writeln!(page, "## {}\n", part.heading);
        for note in &part.notes {
            if !said.contains(note) {
                eprintln!("note: {note}");
                let _ = writeln!(page, "> {note}\n");
                said.push(note.clone());
            }
        }
        for chart in &part.charts {
            let _ = writeln!(page, "![{}]({}.png)\n", chart.name(), chart.name());
        }
        let mut sections = Vec::new();
        output::print_markdown(&part.tables, &mut sections)?;
        page.push_str(
            &String::from_utf8_lossy(&sections)
                .replace("\n## ", "\n### ")
                .replacen("## ", "### ", 1),
        );
        written.extend(output::write_tables(
            &args.out,
            args.format,
            &mut part.tables,
        )?);
        written.extend(crate::chart::render_all(&part.charts, &args.out)?);
    }
    let mut rejects = [NamedTable::detail(
        "rejects",
        "Rejected rows",
        loaded.report.rejects_frame()?,
    )];
    written.extend(output::write_tables(&args.out, args.format, &mut rejects)?);
    let page_path = args.out.join("report.md");
    output::write_atomic(&page_path, |w| {
        w.write_all(page.as_bytes())
            .map_err(|e| Error::io(&page_path, "cannot write", e))
    })?;
    eprintln!(
        "report for {}: {} files in {}; open {}",
        period.label,
        written.len() + 1,
        args.out.display(),
        page_path.display()
    );
    Ok(())
}
