//! `crmstat config`: print the defaults, or the config a data folder resolves to.

use crate::cli::ConfigArgs;
use crate::config::Config;
use crate::error::{Error, Result};

pub fn run(args: &ConfigArgs) -> Result<()> {
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
