//! The mapping report's line for every column of the deals file: where it goes, or why it
//! is not used.

use super::*;

impl Context<'_> {
    /// Every column of the deals file: its target, or why it is not used.
    pub(super) fn column_report(&self, mapping: &mut Mapping) {
        for (i, h) in self.header.iter().enumerate() {
            let role = self.roles.iter().find(|(_, p)| *p == i).map(|(r, _)| *r);
            let wide = self.crm.stage_column(h);
            let (target, note) = match (role, wide) {
                (Some(r), _) => (Some(r.target().to_string()), self.role_note(r)),
                (None, _) if h == TRAILING => (
                    None,
                    "empty column made by the delimiter at the end of every line".to_string(),
                ),
                (None, Some((stage, pipeline))) => (
                    Some("stage_history.entered_at".to_string()),
                    match pipeline {
                        Some(p) => format!("entry into `{stage}` (pipeline {p})"),
                        None => format!("entry into `{stage}`"),
                    },
                ),
                (None, _) if self.crm.derived_column(h) => (
                    None,
                    "crmstat takes a stage's exit and time from the next entry".into(),
                ),
                (None, _) if self.header[..i].contains(h) => {
                    let first = self.header.iter().position(|x| x == h).unwrap_or(0) + 1;
                    (
                        None,
                        format!(
                            "repeated column name; the one at position {first} is the one read"
                        ),
                    )
                }
                (None, _) => (None, "no canonical column for it".into()),
            };
            mapping.columns.push(ColumnUse {
                file: self.file.clone(),
                position: i + 1,
                header: if h == TRAILING {
                    "(empty)".into()
                } else {
                    h.clone()
                },
                target,
                note,
            });
        }
    }

    pub(super) fn role_note(&self, role: Role) -> String {
        let base = self.base_role_note(role);
        match (self.crm.role_note(role), base.is_empty()) {
            (Some(extra), true) => extra.to_string(),
            (Some(extra), false) => format!("{base}; {extra}"),
            (None, _) => base,
        }
    }

    /// What the mapping report says about a role's column in any CRM.
    pub(super) fn base_role_note(&self, role: Role) -> String {
        match role {
            Role::Created | Role::Closed | Role::WonTime | Role::LostTime => {
                let mut forms = vec!["ISO 8601", "dd.mm.yyyy[ HH:MM[:SS]]"];
                forms.extend(self.def.date_formats.iter().take(2));
                forms.push("Excel serial numbers");
                format!("dates read as {}", forms.join(", "))
            }
            Role::ClosedFlag | Role::WonFlag | Role::Deleted => {
                "Да/Нет, Yes/No, TRUE/FALSE, 1/0".into()
            }
            Role::Semantic => "P = open, S = won, F = lost (or the group's name)".into(),
            Role::StatusWord => "Open / Won / Lost (Deleted left out)".into(),
            Role::Company => "the client; the contact when no company".into(),
            Role::Owner => format!("no owner → `{}`", self.config.import.default_manager),
            _ => String::new(),
        }
    }
}
