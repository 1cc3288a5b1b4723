//! The page's data-quality block: rows per table and the rejected rows by reason (also in
//! summary.json and tables/).

use polars::prelude::*;

use super::*;
use crate::error::{PolarsContext, Result};
use crate::i18n::tr;
use crate::validate::Report;
use html::{Block, Item};

/// Rejected rows grouped by table, column and reason: table, column, reason, rows.
pub fn rejected_by_reason(report: &Report) -> Result<DataFrame> {
    let mut groups: Vec<((String, String, String), i64)> = Vec::new();
    for p in report.rejections() {
        let key = (p.table.to_string(), p.column.clone(), p.reason.clone());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => groups.push((key, 1)),
        }
    }
    groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    df!(
        "table" => groups.iter().map(|g| g.0.0.clone()).collect::<Vec<_>>(),
        "column" => groups.iter().map(|g| g.0.1.clone()).collect::<Vec<_>>(),
        "reason" => groups.iter().map(|g| g.0.2.clone()).collect::<Vec<_>>(),
        "rows" => groups.iter().map(|g| g.1).collect::<Vec<_>>(),
    )
    .ctx("rejections by reason")
}

/// Rows per table and the rejected rows by reason.
pub(super) fn quality_block(inp: &Inputs) -> Result<Block> {
    let t = |s: &str| tr(inp.loc.lang, s);
    let counts = inp.report.counts_frame()?;
    let reasons = rejected_by_reason(inp.report)?;
    let mut items = vec![Item::Text(inp.report.summary_line())];
    items.push(Item::Table(table(
        &counts,
        &t("Rows per table"),
        columns::COUNTS,
        &inp.loc,
        None,
    )?));
    if reasons.height() == 0 {
        items.push(Item::Text(t("No row was rejected.")));
    } else {
        items.push(Item::Table(table(
            &reasons,
            &t("Rejected rows by reason"),
            columns::REASONS,
            &inp.loc,
            None,
        )?));
        items.push(Item::Text(t(
            "Every rejected row, with its file and line, is in tables/rejects.",
        )));
    }
    Ok(Block {
        id: "quality",
        title: t("Data quality"),
        items,
    })
}
