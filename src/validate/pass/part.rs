//! One part of a table's pass: every check of its rows, and the duplicate ids found once
//! the pass is over.

use super::*;
use crate::schema::names::MANAGER_ID;

impl State {
    /// Check one part of the scan: values, trailing value, short rows, row checks,
    /// duplicate ids and references; keep (or write) its good rows.
    ///
    /// Long on purpose: one check after another over the same part, in SPEC §5's order,
    /// each a block that shares the part's row positions and its reject mask (`p`, which
    /// borrows the problem list); split into methods, every block would take the same five
    /// borrows of `self`.
    pub(super) fn part(&mut self, mut part: DataFrame) -> Result<()> {
        if let Ok(h) = part.column(HEADER) {
            let mask = h.bool().ctx(HEADER)?.clone();
            if mask.any() {
                let rows = part.column(ROW).ctx(ROW)?.idx().ctx(ROW)?.clone();
                for (r, m) in rows.iter().zip(mask.iter()) {
                    if let (Some(r), Some(true)) = (r, m) {
                        self.header_rows.push(r);
                    }
                }
                part = part.filter(&!&mask).ctx("dropping repeated headers")?;
            }
        }
        let n = part.height();
        if n == 0 {
            return Ok(());
        }
        self.read += n;
        for c in part.columns() {
            if let Some(column) = c.name().strip_prefix(crate::input::scan::DEFAULT_FLAG) {
                let filled = c.bool().ctx(column)?.sum().unwrap_or(0) as usize;
                *self.defaults_filled.entry(column.to_string()).or_default() += filled;
            }
        }
        let rows: Vec<u32> = part
            .column(ROW)
            .ctx(ROW)?
            .idx()
            .ctx(ROW)?
            .into_no_null_iter()
            .collect();
        let mut rejected = vec![false; n];
        let mut p = PartProblems {
            rows: &rows,
            references: false,
            out: &mut self.problems,
            rejected: &mut rejected,
        };
        // Lines cut short: their missing fields would read as empty values.
        if let Some(short) = self.short.as_mut() {
            for (pos, r) in rows.iter().enumerate() {
                if let Some(fields) = short.fields(*r) {
                    let width = short.width;
                    p.reject(
                        pos,
                        "(row)",
                        "",
                        &format!(
                            "the line has {fields} of the header's {width} fields: cut off or missing delimiters"
                        ),
                    );
                }
            }
        }
        // A deal in another currency than the company's: never added to the others.
        if self.spec.name == "deals" {
            if let (Ok(text), Ok(owner)) = (
                text_values(&part, &text_name(MANAGER_ID)),
                text_values(&part, MANAGER_ID),
            ) {
                self.owners_filled += text
                    .iter()
                    .zip(owner.iter())
                    .filter(|(t, o)| t.is_none_or(|t| t.trim().is_empty()) && o.is_some())
                    .count();
            }
            if let Ok(c) = part.column("currency") {
                let c = c.str().ctx("currency")?;
                for (pos, v) in c.iter().enumerate() {
                    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
                        continue;
                    };
                    let own = self
                        .setup
                        .rules
                        .currency
                        .get_or_insert_with(|| convert::currency_code(v))
                        .clone();
                    if convert::currency_code(v) != own {
                        p.reject(
                            pos,
                            "currency",
                            v,
                            &format!(
                                "the amount is in {} but the company's currency is {own}: amounts in different currencies are never added; convert the amounts, or run this currency's deals with currency = \"{}\" in crmstat.toml",
                                convert::currency_code(v),
                                convert::currency_code(v)
                            ),
                        );
                    }
                }
            }
        }
        // Bytes that are not UTF-8 in a UTF-8 file: the value is not what was exported.
        if self.bad_bytes {
            for def in &self.present {
                let text = text_values(&part, &text_name(def.name))?;
                for (pos, v) in text.iter().enumerate() {
                    if let Some(v) = v.filter(|v| v.contains('\u{FFFD}')) {
                        p.reject(
                            pos,
                            def.name,
                            v,
                            "bytes that are not UTF-8 (shown as \u{FFFD}) in a UTF-8 file; save the export as UTF-8 again",
                        );
                    }
                }
            }
        }
        // Values: missing where required, or present but not of their type.
        for def in &self.present {
            let typed = part.column(def.name).ctx(def.name)?;
            let nulls = typed.is_null();
            if !nulls.any() {
                continue;
            }
            let (at, text) = text_where(&part, &text_name(def.name), &nulls)?;
            for (pos, v) in at.into_iter().zip(text.iter()) {
                match v.map(str::trim).filter(|v| !v.is_empty()) {
                    None if def.required => {
                        p.reject(pos, def.name, "", "required value is missing")
                    }
                    None => {}
                    Some(v) => {
                        if let Some(reason) = convert::failure(def, v, &self.setup.rules) {
                            p.reject(pos, def.name, v, &reason);
                        }
                    }
                }
            }
        }
        if self.trailing {
            let text = text_values(&part, TRAILING)?;
            for (pos, v) in text.iter().enumerate() {
                if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
                    p.reject(
                        pos,
                        "(after the last column)",
                        v,
                        "value after the last header column",
                    );
                }
            }
        }
        checks::row_checks(
            self.spec,
            &mut part,
            &mut p,
            &self.setup.stages,
            &self.setup.rules,
        )?;
        if let (Some(key), Some(seen)) = (self.spec.key, self.first_seen.as_mut()) {
            let ids = text_values(&part, key)?;
            for (pos, v) in ids.iter().enumerate() {
                if let Some(v) = v {
                    if let Some(first) = seen.insert(v, rows[pos]) {
                        p.add(pos, key, v, Reason::Duplicate { key, first }, true);
                    }
                }
            }
        }
        p.references = true;
        for (r, _) in &self.setup.targets {
            let codes = part.column(&ref_name(r.column)).ctx(r.column)?;
            let codes = codes.u32().ctx(r.column)?;
            if codes.max().unwrap_or(0) == 0 {
                continue;
            }
            let values = text_values(&part, r.column)?;
            for (pos, code) in codes.iter().enumerate() {
                let reason = match code {
                    Some(1) => {
                        format!("unknown {}: no such {} in {}", r.column, r.column, r.target)
                    }
                    Some(2) => format!("refers to a {} row that was rejected", r.target),
                    _ => continue,
                };
                p.reject(pos, r.column, values.get(pos).unwrap_or(""), &reason);
            }
        }
        self.rejected += rejected.iter().filter(|r| **r).count();
        if let Some(pairs) = self.deferred.as_mut() {
            let hashes = part.column(KEY_HASH).ctx(KEY_HASH)?;
            let hashes = hashes.u64().ctx(KEY_HASH)?;
            for (pos, h) in hashes.iter().enumerate() {
                if let Some(h) = h {
                    pairs.push((h, rows[pos]));
                }
            }
            self.rejected_rows.extend(
                rejected
                    .iter()
                    .zip(&rows)
                    .filter(|(r, _)| **r)
                    .map(|(_, row)| *row),
            );
        }
        if let (Some(key), Some(keys)) = (self.spec.key, self.keys.as_mut()) {
            let ids = text_values(&part, key)?;
            for (pos, v) in ids.iter().enumerate() {
                if let Some(v) = v {
                    let set = if rejected[pos] {
                        &mut keys.rejected
                    } else {
                        &mut keys.used
                    };
                    set.insert(v, rows[pos]);
                }
            }
        }
        if let Some(ids) = self.manager_ids.as_mut() {
            let managers = text_values(&part, MANAGER_ID)?;
            for (pos, v) in managers.iter().enumerate() {
                if let (Some(v), false) = (v, rejected[pos]) {
                    ids.insert(v, rows[pos]);
                }
            }
        }
        if !self.setup.keep_rows {
            return Ok(());
        }
        let mut keep: BooleanChunked = rejected.iter().map(|r| !r).collect();
        if let Ok(w) = part.column(KEEP) {
            keep = &keep & w.bool().ctx(KEEP)?;
        }
        let names: Vec<&str> = self.output.iter().map(String::as_str).collect();
        let kept = part
            .filter(&keep)
            .ctx("keeping good rows")?
            .select(names)
            .ctx("keeping good rows")?;
        if self.setup.write_to.is_some() {
            self.write(kept)?;
        } else if kept.height() > 0 {
            self.kept.push(kept);
        }
        Ok(())
    }

    /// Duplicate ids found after the pass: rows sorted by (hash, row); rows sharing a
    /// hash read back and compared by value; a later row with the value of an earlier one
    /// is rejected as a duplicate of it. Returns the duplicate rows.
    pub(super) fn deferred_duplicates(&mut self, source: &TableSource) -> Result<Vec<u32>> {
        use rayon::prelude::*;
        let (Some(pairs), Some(key)) = (self.deferred.as_mut(), self.spec.key) else {
            return Ok(Vec::new());
        };
        pairs.par_sort_unstable();
        let mut candidates: Vec<u32> = Vec::new();
        for run in pairs.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
            candidates.extend(run.iter().map(|p| p.1));
        }
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let def = self
            .spec
            .column(key)
            .ok_or_else(|| Error::Usage(format!("no {key} column")))?;
        let mut lf = source.scan()?;
        let from = lf
            .collect_schema()
            .ctx(format!("{}: reading", source.file))?
            .get(key)
            .cloned()
            .unwrap_or(DataType::String);
        let wanted = Series::new("rows".into(), candidates.clone());
        let values = lf
            .filter(col(ROW).is_in(lit(wanted).implode(false), false))
            .select([
                col(ROW),
                convert::typed(def, &from, &self.setup.rules).alias(key),
            ])
            .collect()
            .ctx(format!("{}: reading the repeated ids", source.file))?;
        let rows = values.column(ROW).ctx(ROW)?.idx().ctx(ROW)?.clone();
        let ids = values.column(key).ctx(key)?.str().ctx(key)?.clone();
        let value_of: std::collections::HashMap<u32, String> = rows
            .iter()
            .zip(ids.iter())
            .filter_map(|(r, v)| Some((r?, v?.to_string())))
            .collect();
        let already: std::collections::HashSet<u32> = self.rejected_rows.iter().copied().collect();
        let mut duplicates = Vec::new();
        for run in pairs.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
            let mut first: std::collections::HashMap<&str, u32> = Default::default();
            for &(_, row) in run {
                let Some(v) = value_of.get(&row) else {
                    continue;
                };
                match first.get(v.as_str()) {
                    Some(&f) => {
                        self.problems.push(RowProblem {
                            row,
                            rank: 1,
                            column: key.into(),
                            value: v.clone(),
                            reason: Reason::Duplicate { key, first: f },
                            rejects: true,
                        });
                        if !already.contains(&row) {
                            self.rejected += 1;
                        }
                        duplicates.push(row);
                    }
                    None => {
                        first.insert(v, row);
                    }
                }
            }
        }
        Ok(duplicates)
    }
}
