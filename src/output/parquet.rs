//! Parquet output: typed columns (money as Decimal(38, 2), datetimes in milliseconds).

use std::io::Write;

use polars::prelude::*;

use super::TableWriter;
use crate::error::{PolarsContext, Result};

pub struct ParquetTable;

impl TableWriter for ParquetTable {
    fn extension(&self) -> &'static str {
        "parquet"
    }

    fn write(&self, frame: &mut DataFrame, out: &mut dyn Write) -> Result<()> {
        // The writer needs an owned sink; write into memory, then copy.
        let mut buffer: Vec<u8> = Vec::new();
        ParquetWriter::new(&mut buffer)
            .finish(frame)
            .ctx("writing Parquet")?;
        out.write_all(&buffer)
            .map_err(|e| crate::error::Error::io("<output>", "cannot write Parquet", e))
    }
}
