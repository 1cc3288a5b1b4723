//! JSON output: an array of row objects. Money is a JSON number written exactly with its
//! two decimals (`1234.50`); datetimes are strings; empty cells are `null`.

use std::io::Write;

use polars::prelude::*;
use serde_json::{Map, Number, Value};

use super::{TableWriter, cell_text};
use crate::error::{Error, Result};

pub struct JsonTable;

impl TableWriter for JsonTable {
    fn extension(&self) -> &'static str {
        "json"
    }

    fn write(&self, frame: &mut DataFrame, out: &mut dyn Write) -> Result<()> {
        let rows = rows(frame);
        let text =
            serde_json::to_string_pretty(&rows).map_err(|e| Error::Usage(format!("JSON: {e}")))?;
        out.write_all(text.as_bytes())
            .and_then(|_| out.write_all(b"\n"))
            .map_err(|e| Error::io("<output>", "cannot write JSON", e))
    }
}

/// The table as JSON row objects.
pub fn rows(frame: &DataFrame) -> Vec<Value> {
    let columns = frame.columns();
    (0..frame.height())
        .map(|i| {
            let mut row = Map::new();
            for c in columns {
                let v = c.get(i).unwrap_or(AnyValue::Null);
                row.insert(c.name().to_string(), json_value(&v));
            }
            Value::Object(row)
        })
        .collect()
}

fn json_value(v: &AnyValue) -> Value {
    let numeric = matches!(
        v,
        AnyValue::Decimal(..)
            | AnyValue::Float64(_)
            | AnyValue::Float32(_)
            | AnyValue::Int64(_)
            | AnyValue::Int32(_)
            | AnyValue::Int16(_)
            | AnyValue::Int8(_)
            | AnyValue::UInt64(_)
            | AnyValue::UInt32(_)
            | AnyValue::UInt16(_)
            | AnyValue::UInt8(_)
    );
    match (v, cell_text(v)) {
        (_, None) => Value::Null,
        (AnyValue::Boolean(b), _) => Value::Bool(*b),
        (_, Some(text)) if numeric => match text.parse::<Number>() {
            Ok(n) => Value::Number(n),
            Err(_) => Value::Null,
        },
        (_, Some(text)) => Value::String(text),
    }
}

/// An exact amount in minor units as a JSON number with two decimals (`1234.50`).
pub fn exact(minor: i128) -> Value {
    crate::money::format_decimal(minor, crate::money::SCALE)
        .parse::<Number>()
        .map_or(Value::Null, Value::Number)
}
