//! The deals of the export: each row's status from the CRM's flags, words or stage, the
//! client and manager it names, product rows merged, and close dates filled from history.

use super::*;

impl Context<'_> {
    pub(super) fn stage_outcome(&self, stage: &str) -> Option<&'static str> {
        let k = stage_key(stage);
        if self.won.contains(&k) {
            Some("won")
        } else if self.lost.contains(&k) {
            Some("lost")
        } else {
            None
        }
    }

    /// The deal's status from whatever the export says (see the README's profile table).
    pub(super) fn status(
        &self,
        row: usize,
        stage: Option<&str>,
    ) -> std::result::Result<&'static str, &'static str> {
        if let Some(s) = self.value(Role::Semantic, row).and_then(semantic) {
            return Ok(s);
        }
        if let Some(w) = self.value(Role::StatusWord, row) {
            return status_word(w);
        }
        let won = self.value(Role::WonFlag, row).and_then(flag);
        let closed = self.value(Role::ClosedFlag, row).and_then(flag);
        let by_stage = stage.and_then(|s| self.stage_outcome(s));
        Ok(match (closed, won) {
            (_, Some(true)) => "won",
            (Some(false), _) => "open",
            (Some(true), Some(false)) => "lost",
            (Some(true), None) => match by_stage {
                Some("won") => "won",
                _ => "lost",
            },
            (None, Some(false)) => match by_stage {
                Some("lost") => "lost",
                _ => "open",
            },
            (None, None) => by_stage.unwrap_or("open"),
        })
    }

    pub(super) fn build_deals(&mut self, mapping: &mut Mapping) -> Result<()> {
        let height = self.values.values().next().map_or(0, Vec::len);
        let (mut deleted, mut other_pipeline, mut no_client, mut no_owner, mut open_close) =
            (0, 0, 0, 0, 0);
        let mut by_contact = 0;
        let mut pipelines: BTreeMap<String, usize> = BTreeMap::new();
        let wanted = self
            .config
            .import
            .pipeline
            .as_deref()
            .map(profiles::normalize);
        if wanted.is_some() && !self.values.contains_key(&Role::Pipeline) {
            return Err(Error::Usage(format!(
                "[import] pipeline is set, but the {} deals export has no pipeline column",
                self.def.profile
            )));
        }
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut merged: BTreeMap<usize, Vec<Option<String>>> = BTreeMap::new();
        let mut rows = 0usize;
        for row in 0..height {
            rows += 1;
            if self.value(Role::Deleted, row).and_then(flag) == Some(true) {
                deleted += 1;
                continue;
            }
            let pipeline = self.value(Role::Pipeline, row).map(str::to_string);
            if let Some(p) = &pipeline {
                *pipelines.entry(p.clone()).or_default() += 1;
            }
            if let Some(w) = &wanted {
                if pipeline.as_deref().map(profiles::normalize).as_ref() != Some(w) {
                    other_pipeline += 1;
                    continue;
                }
            }
            let id = self.value(Role::DealId, row).unwrap_or("").to_string();
            // Bitrix24 writes a deal once per product row: one deal, the rows' amounts summed.
            if self.crm.product_rows() && !id.is_empty() {
                if let Some(&first) = index.get(&id) {
                    merged
                        .entry(first)
                        .or_insert_with(|| vec![self.deals[first].amount.clone()])
                        .push(self.value(Role::Amount, row).map(str::to_string));
                    continue;
                }
                index.insert(id.clone(), self.deals.len());
            }
            let stage = self
                .value(Role::Stage, row)
                .map(|s| self.crm.stage(s.to_string()));
            let status = match self.status(row, stage.as_deref()) {
                Ok(s) => s,
                Err(_) => {
                    deleted += 1;
                    continue;
                }
            };
            let client = match (
                self.value(Role::Company, row),
                self.value(Role::Contact, row),
            ) {
                (Some(c), _) => c.to_string(),
                (None, Some(c)) => {
                    by_contact += 1;
                    c.to_string()
                }
                (None, None) => {
                    no_client += 1;
                    format!("deal {id}")
                }
            };
            let manager = match self.value(Role::Owner, row) {
                Some(m) => m.to_string(),
                None => {
                    no_owner += 1;
                    self.config.import.default_manager.clone()
                }
            };
            let closed = match status {
                "won" => self.when(
                    self.value(Role::WonTime, row)
                        .or(self.value(Role::Closed, row)),
                ),
                "lost" => self.when(
                    self.value(Role::LostTime, row)
                        .or(self.value(Role::Closed, row)),
                ),
                _ => {
                    if self.value(Role::Closed, row).is_some() {
                        open_close += 1;
                    }
                    When::None
                }
            };
            let expected = match (self.value(Role::ExpectedClose, row), status) {
                (Some(v), _) => self.when(Some(v)),
                (None, "won" | "lost") => When::None,
                (None, _) => self.when(self.value(Role::Closed, row)),
            };
            let text = |r: Role| self.value(r, row).map(str::to_string);
            self.deals.push(Deal {
                row: row as u32,
                id,
                client,
                manager,
                created: self.when(self.value(Role::Created, row)),
                closed,
                status,
                stage,
                amount: text(Role::Amount),
                currency: text(Role::Currency),
                loss_reason: text(Role::LossReason),
                campaign: text(Role::Campaign),
                title: text(Role::Title),
                pipeline,
                source: text(Role::Source),
                probability: text(Role::Probability),
                expected,
            });
        }
        let mut merged_rows = 0;
        let product_rows = self.values.contains_key(&Role::Product);
        for (first, amounts) in &merged {
            merged_rows += amounts.len() - 1;
            if product_rows {
                let parsed: Option<Vec<i64>> = amounts
                    .iter()
                    .map(|a| a.as_deref().map_or(Some(0), |a| parse_money(a).ok()))
                    .collect();
                if let Some(minor) = parsed {
                    self.deals[*first].amount = Some(format_money(minor.iter().sum()));
                }
            }
        }
        self.column_report(mapping);
        let mut notes: Vec<String> = Vec::new();
        if merged_rows > 0 {
            notes.push(if product_rows {
                format!("{merged_rows} product rows merged into their deals ({} deals had several rows); a deal's amount is the sum of its rows (price × quantity each)", merged.len())
            } else {
                format!("{merged_rows} repeated rows of {} deals merged (same ID); the first row's values are kept", merged.len())
            });
        }
        if deleted > 0 {
            notes.push(format!("{deleted} deals deleted in the CRM left out"));
        }
        if other_pipeline > 0 {
            notes.push(format!(
                "{other_pipeline} deals of other pipelines left out ([import] pipeline = \"{}\")",
                self.config.import.pipeline.as_deref().unwrap_or("")
            ));
        }
        if by_contact > 0 {
            notes.push(format!(
                "{by_contact} deals without a company: their contact is the client"
            ));
        }
        if no_client > 0 {
            notes.push(format!("{no_client} deals name neither company nor contact: each is its own client (`deal <id>`)"));
        }
        if no_owner > 0 {
            notes.push(format!(
                "{no_owner} deals have no owner in the export: manager `{}` ([import] default_manager)",
                self.config.import.default_manager
            ));
        }
        if open_close > 0 {
            notes.push(format!("{open_close} open deals carry a close date: it is their expected close (expected_close_at), not a close"));
        }
        if wanted.is_none() && pipelines.len() > 1 {
            mapping.notes.push(format!(
                "the export holds {} pipelines ({}); their stages are counted in one funnel. Import one with --pipeline NAME (or [import] pipeline)",
                pipelines.len(),
                pipelines.iter().map(|(p, n)| format!("{p}: {n}")).collect::<Vec<_>>().join(", ")
            ));
        }
        mapping.counts.push(Count {
            table: "deals".into(),
            from: self.deals_file(),
            rows_in: rows,
            rows_out: self.deals.len(),
            note: if notes.is_empty() {
                "one row per deal".into()
            } else {
                notes.join("; ")
            },
        });
        Ok(())
    }

    /// A closed deal without its close date takes the time of its last stage entry.
    pub(super) fn fill_missing_close(
        &mut self,
        entries: Option<&Vec<Entry>>,
        mapping: &mut Mapping,
    ) {
        let Some(entries) = entries else { return };
        let mut last: HashMap<&str, NaiveDateTime> = HashMap::new();
        for e in entries {
            if let Some(t) = e.at.at() {
                let slot = last.entry(e.deal.as_str()).or_insert(t);
                *slot = (*slot).max(t);
            }
        }
        let mut filled = 0;
        for d in &mut self.deals {
            if d.status != "open" && matches!(d.closed, When::None) {
                if let Some(t) = last.get(d.id.as_str()) {
                    d.closed = When::At(*t);
                    filled += 1;
                }
            }
        }
        if filled > 0 {
            mapping.notes.push(format!(
                "{filled} closed deals without a close date in the export: closed at their last stage-history entry"
            ));
        }
        if self.crm.created_is_load_date() {
            let mut moved = 0;
            for d in &mut self.deals {
                if let (Some(cr), Some(cl)) = (d.created.at(), d.closed.at()) {
                    if d.status != "open" && cl < cr {
                        d.created = When::At(cl);
                        moved += 1;
                    }
                }
            }
            if moved > 0 {
                mapping.notes.push(format!(
                    "{moved} closed opportunities have a CreatedDate after their CloseDate (records loaded into Salesforce after they closed): their created_at is set to the CloseDate, so their cycle counts as 0 days. If the export has the real creation date in another column, name it with [tables.deals.columns] created_at = \"…\""
                ));
            }
        }
    }
}
