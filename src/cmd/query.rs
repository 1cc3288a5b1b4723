//! `crmstat query FILE.sql`: a SQL file over the validated tables (polars SQL). The
//! tables are registered under their canonical names with canonical columns.

use std::io::Write;

use polars::prelude::*;
use polars::sql::SQLContext;

use crate::cli::QueryArgs;
use crate::error::{Error, PolarsContext, Result};
use crate::output::{self, NamedTable};
use crate::tables::Tables;

pub fn run(args: &QueryArgs) -> Result<()> {
    let sql = std::fs::read_to_string(&args.sql)
        .map_err(|e| Error::io(&args.sql, "cannot read the SQL file", e))?;
    if let Some(out) = &args.out {
        super::refuse_inside(out, &args.data.data)?;
    }
    if let Some(parent) = args
        .out
        .as_ref()
        .and_then(|p| p.parent())
        .filter(|p| !p.as_os_str().is_empty())
    {
        output::prepare_dir(parent)?;
    }
    let (_, loaded) = super::load(&args.data)?;
    let mut frame = run_sql(&loaded.tables, &sql).map_err(|e| match e {
        Error::Polars { source, .. } => Error::Usage(format!("{}: {source}", args.sql.display())),
        other => other,
    })?;
    match &args.out {
        Some(path) => {
            let w = output::writer(args.format.into());
            output::write_atomic(path, |out| w.write(&mut frame, out))?;
            crate::say!("{} rows written to {}", frame.height(), path.display());
            Ok(())
        }
        None => {
            let name = args
                .sql
                .file_stem()
                .map_or("query".into(), |s| s.to_string_lossy().into_owned());
            let table = NamedTable::new(&name, &name, frame);
            output::print_markdown(&[table], &mut std::io::stdout().lock())?;
            std::io::stdout()
                .flush()
                .map_err(|e| Error::io("<stdout>", "cannot write", e))
        }
    }
}

/// Run SQL over the tables; every present table is registered under its name.
pub fn run_sql(tables: &Tables, sql: &str) -> Result<DataFrame> {
    let mut ctx = SQLContext::new();
    for (name, frame) in tables.named() {
        ctx.register(name, frame.clone().lazy());
    }
    ctx.execute(sql)
        .ctx("running the query")?
        .collect()
        .ctx("running the query")
}
