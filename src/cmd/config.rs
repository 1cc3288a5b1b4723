//! `crmstat config`: print the defaults, or the config a data folder resolves to.

use crate::cli::ConfigArgs;
use crate::config::Config;
use crate::error::{Error, Result};

pub fn run(args: &ConfigArgs) -> Result<()> {
    if let (true, Some(dir)) = (args.explain, &args.data) {
        let (config, _) = Config::load(args.config.as_deref(), dir)?;
        print!("{}", explain(dir, &config)?);
        return Ok(());
    }
    let text = match (&args.data, &args.config) {
        _ if args.defaults => Config::defaults_toml(),
        (None, None) => Config::defaults_toml(),
        (data, explicit) => {
            let dir = data.clone().unwrap_or_else(|| ".".into());
            let (config, path) = Config::load(explicit.as_deref(), &dir)?;
            let body = toml::to_string_pretty(&config).map_err(|e| Error::Usage(e.to_string()))?;
            let source = path.map_or("defaults (no crmstat.toml found)".to_string(), |p| {
                p.display().to_string()
            });
            format!("# resolved from {source}\n{body}")
        }
    };
    print!("{text}");
    Ok(())
}

/// Which file each table comes from and where each of its columns comes from.
pub fn explain(dir: &std::path::Path, config: &Config) -> Result<String> {
    use crate::input::scan::TableSource;
    let mut out = String::new();
    for spec in crate::schema::ALL {
        let Some(path) = crate::input::locate(dir, spec, config)? else {
            continue;
        };
        let source = TableSource::open(&path, spec, config)?;
        let tc = config.table(spec.name);
        let sheet = match &tc.sheet {
            Some(crate::config::Sheet::Name(n)) => format!(", sheet «{n}»"),
            Some(crate::config::Sheet::Number(n)) => format!(", sheet {n}"),
            None => String::new(),
        };
        out.push_str(&format!("## {} ← {}{sheet}\n\n", spec.name, source.file));
        let mut rows = vec![["column".to_string(), "comes from".to_string()]];
        for column in spec.columns {
            let mut from = Vec::new();
            if let Some(j) = &source.joined {
                let h = tc.join.as_ref().and_then(|jc| jc.columns.get(column.name));
                if let Some(h) = h.filter(|_| column.name != j.key) {
                    from.push(format!("{} `{h}` (joined on {})", j.file, j.key));
                }
            }
            if let Some((_, h)) = source.sources.iter().find(|(c, _)| c == column.name) {
                from.push(format!("header `{h}`"));
            }
            if let Some(v) = tc.defaults.get(column.name) {
                from.push(format!("default {v:?} where empty"));
            }
            if column.name == "status" {
                if let Some(sf) = &tc.status_from {
                    from.push(format!("derived: {}", status_rule(sf)));
                }
            }
            if from.is_empty() {
                continue;
            }
            let joined = from.join(", else ");
            rows.push([column.name.to_string(), joined]);
        }
        let width = rows.iter().map(|r| r[0].chars().count()).max().unwrap_or(6);
        for (i, r) in rows.iter().enumerate() {
            out.push_str(&format!("| {:width$} | {} |\n", r[0], r[1]));
            if i == 0 {
                out.push_str(&format!("| {} | --- |\n", "-".repeat(width)));
            }
        }
        if let (Some(j), Some(jc)) = (&source.joined, &tc.join) {
            let h = jc.columns.get(&j.key).unwrap_or(&j.key);
            out.push_str(&format!(
                "\njoined: {} (its `{h}` = {}), {} rows, left join: a row without a match keeps its own values\n",
                j.file, j.key, j.read
            ));
        }
        if !source.extras.is_empty() {
            out.push_str(&format!(
                "\nkept as extra columns (for `crmstat query`): {}\n",
                source
                    .extras
                    .iter()
                    .map(|e| format!("`{e}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out.push('\n');
    }
    Ok(out)
}

/// `[tables.deals.status_from]` in words: the mapped words, then the lost and won rules.
fn status_rule(sf: &crate::config::StatusFrom) -> String {
    let mut rule = Vec::new();
    if !sf.values.is_empty() {
        let words: Vec<String> = sf
            .values
            .iter()
            .map(|(k, v)| format!("{k:?} → {v}"))
            .collect();
        rule.push(words.join(", "));
    }
    if let Some(c) = &sf.lost_when {
        rule.push(format!("lost when {c} is given"));
    }
    if let Some(c) = &sf.won_when {
        rule.push(format!("won when {c} is given"));
    }
    rule.join("; ")
}
