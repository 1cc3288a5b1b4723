//! `crmstat generate`: write synthetic data for every table.

use std::time::Instant;

use crate::cli::GenerateArgs;
use crate::error::{Error, Result};
use crate::generate;
use crate::output::Format;

pub fn run(args: &GenerateArgs) -> Result<()> {
    if matches!(args.format, Format::Markdown | Format::Json) {
        return Err(Error::Usage(
            "generate writes csv or parquet (the formats crmstat reads)".into(),
        ));
    }
    crate::output::prepare_dir(&args.out)?;
    let started = Instant::now();
    let mut generated = generate::generate(args.deals, args.seed)?;
    let rows: Vec<String> = generated
        .tables
        .iter()
        .map(|(n, f)| format!("{n} {}", f.height()))
        .collect();
    let written = generate::write(&mut generated, &args.out, args.format)?;
    eprintln!(
        "generated {} deals (seed {}) in {:.1}s: {}",
        args.deals,
        args.seed,
        started.elapsed().as_secs_f64(),
        rows.join(", ")
    );
    for path in written {
        eprintln!("  {}", path.display());
    }
    Ok(())
}
