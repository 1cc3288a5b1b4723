//! CSV output: UTF-8, comma-separated, a header line; money with two places.

use std::io::Write;

use polars::prelude::*;

use super::TableWriter;
use crate::error::{PolarsContext, Result};

pub struct CsvTable;

impl TableWriter for CsvTable {
    fn extension(&self) -> &'static str {
        "csv"
    }

    fn write(&self, frame: &mut DataFrame, out: &mut dyn Write) -> Result<()> {
        CsvWriter::new(out)
            .include_header(true)
            .with_datetime_format(Some("%Y-%m-%d %H:%M:%S".into()))
            .finish(frame)
            .ctx("writing CSV")
    }
}
