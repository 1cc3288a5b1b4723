//! The CRMs whose exports crmstat reads as they come: the name a config or `--profile`
//! gives. What each profile means (headers, quirks) is in `crate::import`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The CRMs whose exports crmstat reads as they come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Bitrix24,
    /// amoCRM, also sold as Kommo.
    #[serde(alias = "kommo")]
    Amocrm,
    Hubspot,
    Salesforce,
    Pipedrive,
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Profile::Bitrix24 => "bitrix24",
            Profile::Amocrm => "amocrm",
            Profile::Hubspot => "hubspot",
            Profile::Salesforce => "salesforce",
            Profile::Pipedrive => "pipedrive",
        })
    }
}
