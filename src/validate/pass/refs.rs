//! Ids as the pass sees them: each id's hash (for duplicates across parts) and each
//! reference's code against the table it names (used, missing, or rejected there).

use std::sync::Arc;

use polars::prelude::*;

use crate::validate::keys::KeySet;

/// Column of the hashes of a table's ids.
pub(super) const KEY_HASH: &str = "__key_hash";

/// The hash of each id (empty for an empty id), computed where the part is read.
pub(super) fn id_hashes(column: &str) -> Expr {
    col(column).map(
        |c: Column| {
            use std::hash::BuildHasher;
            // The same hash for the same id in every part (a fixed-key hasher).
            let hasher = std::hash::BuildHasherDefault::<std::hash::DefaultHasher>::default();
            let s = c.str()?;
            let out: UInt64Chunked = s
                .iter()
                .map(|v| v.map(|v| hasher.hash_one(v.as_bytes())))
                .collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::UInt64)),
    )
}

/// Name of the reference codes of a column.
pub(super) fn ref_name(column: &str) -> String {
    format!("__ref_{column}")
}

/// Per value of an id column: 0 when it is empty or a used id of the target, 1 when the
/// target has no such id, 2 when the target's row with it was rejected.
pub(super) fn reference_codes(column: &str, target: Arc<KeySet>, exempt: Option<String>) -> Expr {
    col(column).map(
        move |c: Column| {
            let s = c.str()?;
            let codes: UInt32Chunked = s
                .iter()
                .map(|v| {
                    Some(match v {
                        Some(v) if exempt.as_deref() == Some(v) => 0,
                        Some(v) if !target.used.contains(v) => {
                            if target.rejected.contains(v) {
                                2
                            } else {
                                1
                            }
                        }
                        _ => 0u32,
                    })
                })
                .collect();
            Ok(codes.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::UInt32)),
    )
}
