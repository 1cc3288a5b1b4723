//! `crmstat generate`: write synthetic data for every table.

use std::time::Instant;

use crate::cli::GenerateArgs;
use crate::error::{Error, Result};
use crate::generate;
use crate::output::Format;

pub fn run(args: &GenerateArgs) -> Result<()> {
    let format: Format = args.format.into();
    if matches!(format, Format::Markdown | Format::Json) {
        return Err(Error::Usage(
            "generate writes csv or parquet (the formats crmstat reads)".into(),
        ));
    }
    if args.dirty && format != Format::Csv {
        return Err(Error::Usage("--dirty writes CSV: drop --format".into()));
    }
    crate::output::prepare_dir(&args.out)?;
    let started = Instant::now();
    // A progress bar on a terminal only (indicatif hides it otherwise).
    let bar = indicatif::ProgressBar::new(args.deals as u64);
    let (written, rows) =
        generate::write_files(args.deals, args.seed, &args.out, format, &mut |done| {
            bar.set_position(done as u64)
        })?;
    bar.finish_and_clear();
    if args.dirty {
        generate::dirty::soil(&args.out)?;
    }
    let rows: Vec<String> = rows.iter().map(|(n, r)| format!("{n} {r}")).collect();
    crate::say!(
        "generated {} deals (seed {}) in {:.1}s: {}",
        args.deals,
        args.seed,
        started.elapsed().as_secs_f64(),
        rows.join(", ")
    );
    for path in written {
        crate::say!("  {}", path.display());
    }
    Ok(())
}
