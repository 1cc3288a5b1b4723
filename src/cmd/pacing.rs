//! `crmstat pacing`: plan, won so far, expected by now, gap and coverage per manager, team
//! and company, as of a day inside the period.

use crate::cli::PacingArgs;
use crate::error::Result;

pub fn run(args: &PacingArgs) -> Result<()> {
    super::prepare(&args.out, &args.data)?;
    let (config, loaded) =
        super::load_with(&args.data, Some(&args.period), super::Contacts::None, false)?;
    let period = super::period(&args.period, &loaded.tables)?;
    let as_of = crate::figures::pacing::as_of(&period, args.as_of.as_deref())?;
    let results = crate::figures::pacing::results(&loaded, &config, &period, as_of)?;
    super::emit(&args.out, results, &loaded.report, config.lang)
}
