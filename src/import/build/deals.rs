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

    /// The deals table from the export's rows: deleted rows and other pipelines left out,
    /// product rows merged into their deal ([`Context::deal_of`] makes each deal), and the
    /// count with what was done ([`Tally::notes`]) in the mapping report.
    pub(super) fn build_deals(&mut self, mapping: &mut Mapping) -> Result<()> {
        let height = self.values.values().next().map_or(0, Vec::len);
        let mut tally = Tally::default();
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
        for row in 0..height {
            tally.rows += 1;
            if self.value(Role::Deleted, row).and_then(flag) == Some(true) {
                tally.deleted += 1;
                continue;
            }
            let pipeline = self.value(Role::Pipeline, row).map(str::to_string);
            if let Some(p) = &pipeline {
                *tally.pipelines.entry(p.clone()).or_default() += 1;
            }
            if let Some(w) = &wanted {
                if pipeline.as_deref().map(profiles::normalize).as_ref() != Some(w) {
                    tally.other_pipeline += 1;
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
            if let Some(deal) = self.deal_of(row, id, pipeline, &mut tally) {
                self.deals.push(deal);
            }
        }
        self.merge_product_rows(&merged, &mut tally);
        tally.merged_deals = merged.len();
        self.column_report(mapping);
        let notes = tally.notes(&self.config.import);
        if wanted.is_none() && tally.pipelines.len() > 1 {
            mapping.notes.push(format!(
                "the export holds {} pipelines ({}); their stages are counted in one funnel. Import one with --pipeline NAME (or [import] pipeline)",
                tally.pipelines.len(),
                tally.pipelines.iter().map(|(p, n)| format!("{p}: {n}")).collect::<Vec<_>>().join(", ")
            ));
        }
        mapping.counts.push(Count {
            table: "deals".into(),
            from: self.deals_file(),
            rows_in: tally.rows,
            rows_out: self.deals.len(),
            note: if notes.is_empty() {
                "one row per deal".into()
            } else {
                notes.join("; ")
            },
        });
        Ok(())
    }

    /// Bitrix24's product rows folded into their deal: the rows' amounts summed when the
    /// export lists products (every amount read), counted in the tally.
    fn merge_product_rows(
        &mut self,
        merged: &BTreeMap<usize, Vec<Option<String>>>,
        tally: &mut Tally,
    ) {
        tally.product_rows = self.values.contains_key(&Role::Product);
        for (first, amounts) in merged {
            tally.merged_rows += amounts.len() - 1;
            if tally.product_rows {
                let parsed: Option<Vec<i64>> = amounts
                    .iter()
                    .map(|a| a.as_deref().map_or(Some(0), |a| parse_money(a).ok()))
                    .collect();
                if let Some(minor) = parsed {
                    self.deals[*first].amount = Some(format_money(minor.iter().sum()));
                }
            }
        }
    }

    /// One row's deal: its status (`None`, counted as deleted, when the export's words say
    /// it is none of won, lost, open), client (the company, else the contact, else the deal
    /// itself), manager (else `[import] default_manager`), close and expected close.
    fn deal_of(
        &self,
        row: usize,
        id: String,
        pipeline: Option<String>,
        tally: &mut Tally,
    ) -> Option<Deal> {
        let stage = self
            .value(Role::Stage, row)
            .map(|s| self.crm.stage(s.to_string()));
        let Ok(status) = self.status(row, stage.as_deref()) else {
            tally.deleted += 1;
            return None;
        };
        let client = match (
            self.value(Role::Company, row),
            self.value(Role::Contact, row),
        ) {
            (Some(c), _) => c.to_string(),
            (None, Some(c)) => {
                tally.by_contact += 1;
                c.to_string()
            }
            (None, None) => {
                tally.no_client += 1;
                format!("deal {id}")
            }
        };
        let manager = match self.value(Role::Owner, row) {
            Some(m) => m.to_string(),
            None => {
                tally.no_owner += 1;
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
                    tally.open_close += 1;
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
        Some(Deal {
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
        })
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

/// What building the deals did to the export's rows, for the mapping report.
#[derive(Default)]
struct Tally {
    rows: usize,
    deleted: usize,
    other_pipeline: usize,
    by_contact: usize,
    no_client: usize,
    no_owner: usize,
    open_close: usize,
    merged_rows: usize,
    merged_deals: usize,
    product_rows: bool,
    pipelines: BTreeMap<String, usize>,
}

impl Tally {
    /// One sentence per thing done, in the report's order.
    fn notes(&self, import: &crate::config::ImportConfig) -> Vec<String> {
        let mut notes: Vec<String> = Vec::new();
        let (merged_rows, deals) = (self.merged_rows, self.merged_deals);
        if merged_rows > 0 {
            notes.push(if self.product_rows {
                format!("{merged_rows} product rows merged into their deals ({deals} deals had several rows); a deal's amount is the sum of its rows (price × quantity each)")
            } else {
                format!("{merged_rows} repeated rows of {deals} deals merged (same ID); the first row's values are kept")
            });
        }
        if self.deleted > 0 {
            notes.push(format!(
                "{} deals deleted in the CRM left out",
                self.deleted
            ));
        }
        if self.other_pipeline > 0 {
            notes.push(format!(
                "{} deals of other pipelines left out ([import] pipeline = \"{}\")",
                self.other_pipeline,
                import.pipeline.as_deref().unwrap_or("")
            ));
        }
        if self.by_contact > 0 {
            notes.push(format!(
                "{} deals without a company: their contact is the client",
                self.by_contact
            ));
        }
        if self.no_client > 0 {
            notes.push(format!(
                "{} deals name neither company nor contact: each is its own client (`deal <id>`)",
                self.no_client
            ));
        }
        if self.no_owner > 0 {
            notes.push(format!(
                "{} deals have no owner in the export: manager `{}` ([import] default_manager)",
                self.no_owner, import.default_manager
            ));
        }
        if self.open_close > 0 {
            notes.push(format!("{} open deals carry a close date: it is their expected close (expected_close_at), not a close", self.open_close));
        }
        notes
    }
}
