//! summary.json: the same facts as the page, for machines.

use polars::prelude::*;
use serde_json::{Map, Value, json};

use super::*;
use crate::error::Result;
use crate::i18n::Lang;

/// summary.json: the headline figures and their changes, the leaks, the trends, each
/// section's state and the data quality, in machine-readable form (see README).
pub fn summary(inp: &Inputs, head_frame: &DataFrame) -> Result<Value> {
    let (spans, changes) = (spans(head_frame), changes(inp));
    let leaks: Vec<Value> = inp
        .leaks
        .iter()
        .map(|l| {
            json!({
                "stage": l.stage,
                "reached": l.reached,
                "lost": l.lost,
                "loss_rate": round(l.rate, 4),
                "lost_without_contact": l.no_contact,
                "followup_days": l.no_contact.map(|_| inp.followup_days),
                "text": leak_sentence(l, inp.followup_days, &inp.loc),
            })
        })
        .collect();
    let sections: Map<String, Value> = inp
        .parts
        .iter()
        .map(|p| {
            let state = match &p.error {
                None => json!({"built": true}),
                Some(e) => json!({"built": false, "error": e}),
            };
            (p.section.key().to_string(), state)
        })
        .collect();
    let r = inp.report;
    Ok(json!({
        "period": inp.period_label,
        "last_day": inp.last_day,
        "lang": match inp.loc.lang { Lang::En => "en", Lang::Ru => "ru" },
        "currency": inp.loc.symbol,
        "headline": spans,
        "changes": changes,
        "outcome": outcome_sentence(&inp.headline.current, &inp.loc),
        "leaks": leaks,
        "trends": crate::output::json::rows(inp.trends),
        "sections": sections,
        "lifetime_value": match inp.mean_clv {
            Some((mean, clients)) => json!({
                "mean_clv": crate::output::json::exact(mean),
                "clients_with_clv": clients,
            }),
            None => Value::Null,
        },
        "forecast": inp
            .part(super::Section::Forecast)
            .and_then(|p| p.table("forecast"))
            .and_then(|f| crate::output::json::rows(f).into_iter().next()),
        "retention_12_months": inp
            .part(super::Section::Retention)
            .and_then(|p| super::page::retention_after(p, 12)),
        "data_quality": {
            "rows_read": r.counts.iter().map(|c| c.read).sum::<usize>(),
            "rows_used": r.counts.iter().map(|c| c.used).sum::<usize>(),
            "rows_rejected": r.rejected(),
            "tables": crate::output::json::rows(&r.counts_frame()?),
            "rejected_by_reason": crate::output::json::rows(&rejected_by_reason(r)?),
        },
        "notes": inp.notes.iter().map(|n| n.text(inp.loc.lang)).collect::<Vec<_>>(),
    }))
}

/// The headline figures per span (current, previous, year earlier), keyed by the span.
fn spans(head_frame: &DataFrame) -> Map<String, Value> {
    let rows = crate::output::json::rows(head_frame);
    let mut spans = Map::new();
    for r in rows {
        let key = r
            .get("span")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mut r = r;
        if let Some(o) = r.as_object_mut() {
            o.shift_remove("span");
        }
        spans.insert(key, r);
    }
    spans
}

/// Each headline measure's change against the previous period and a year earlier: the
/// difference (exact for money) and the relative change.
fn changes(inp: &Inputs) -> Map<String, Value> {
    let mut changes = Map::new();
    for (key, other) in [
        ("previous", &inp.headline.previous),
        ("year_earlier", &inp.headline.year_earlier),
    ] {
        if let Some(o) = other {
            let mut c = Map::new();
            for m in MEASURES {
                let v = match ((m.value)(&inp.headline.current), (m.value)(o)) {
                    (Some(a), Some(b)) => match m.change {
                        Change::Money(exact) => {
                            let minor = exact(&inp.headline.current)
                                .zip(exact(o))
                                .map(|(x, y)| x - y);
                            json!({"difference": minor.map(crate::output::json::exact), "relative": rel(a, b)})
                        }
                        Change::Points => json!({"difference": round(a - b, 4)}),
                        Change::Count => {
                            json!({"difference": (a - b) as i64, "relative": rel(a, b)})
                        }
                        Change::Days => {
                            json!({"difference": round(a - b, 1), "relative": rel(a, b)})
                        }
                    },
                    _ => Value::Null,
                };
                c.insert(m.key.to_string(), v);
            }
            changes.insert(key.to_string(), Value::Object(c));
        }
    }
    changes
}

fn rel(a: f64, b: f64) -> Value {
    if b == 0.0 {
        Value::Null
    } else {
        json!(round((a - b) / b.abs(), 4))
    }
}

fn round(v: f64, places: i32) -> f64 {
    crate::metrics::round_to(v, places)
}
