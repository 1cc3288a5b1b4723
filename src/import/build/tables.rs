//! The canonical tables an import builds besides deals' columns: deals, clients and
//! managers as raw tables for the loader.

use super::*;
use crate::schema::names::{CAMPAIGN_ID, CLIENT_ID, DEAL_ID, MANAGER_ID};

impl Context<'_> {
    pub(super) fn deals_table(&self, src: &Source) -> Result<RawTable> {
        let d = &self.deals;
        let col = |name: &str, f: &dyn Fn(&Deal) -> Option<String>| {
            Column::new(name.into(), d.iter().map(f).collect::<Vec<_>>())
        };
        let mut columns = vec![
            col(DEAL_ID, &|x| Some(x.id.clone()).filter(|s| !s.is_empty())),
            col(CLIENT_ID, &|x| Some(x.client.clone())),
            col(MANAGER_ID, &|x| Some(x.manager.clone())),
            col(CAMPAIGN_ID, &|x| x.campaign.clone()),
            col("created_at", &|x| x.created.text()),
            col("closed_at", &|x| x.closed.text()),
            col("expected_close_at", &|x| x.expected.text()),
            col("status", &|x| Some(x.status.to_string())),
            col("stage", &|x| x.stage.clone()),
            col("amount", &|x| x.amount.clone()),
            col("currency", &|x| x.currency.clone()),
            col("loss_reason", &|x| x.loss_reason.clone()),
        ];
        for (name, role, f) in [
            (
                "title",
                Role::Title,
                (|x: &Deal| x.title.clone()) as fn(&Deal) -> Option<String>,
            ),
            ("pipeline", Role::Pipeline, |x: &Deal| x.pipeline.clone()),
            ("source", Role::Source, |x: &Deal| x.source.clone()),
            ("probability", Role::Probability, |x: &Deal| {
                x.probability.clone()
            }),
        ] {
            if self.values.contains_key(&role) {
                columns.push(col(name, &f));
            }
        }
        let rows: Vec<u32> = d.iter().map(|x| src.rows[x.row as usize]).collect();
        raw(
            &schema::DEALS,
            src.file.clone(),
            src.lines.clone(),
            columns,
            rows,
            src.repeated_headers.clone(),
            self.sources(),
        )
    }

    pub(super) fn sources(&self) -> Vec<(String, String)> {
        OVERRIDES
            .iter()
            .filter_map(|(c, role)| {
                self.roles
                    .iter()
                    .find(|(r, _)| r == role)
                    .map(|(_, i)| (c.to_string(), self.header[*i].clone()))
            })
            .collect()
    }

    /// Clients named in the deals: created at their first deal; names, industry and region
    /// from the account file when there is one.
    pub(super) fn clients_table(
        &self,
        src: &Source,
        accounts: Option<&Source>,
        mapping: &mut Mapping,
    ) -> Result<RawTable> {
        let (order, clients) = self.clients_of_deals();
        let info = match accounts {
            Some(a) => account_info(a, &order, mapping)?,
            None => HashMap::new(),
        };
        let pick = |k: usize, id: &str| info.get(id).and_then(|i| i[k].clone());
        let columns = vec![
            Column::new(CLIENT_ID.into(), order.clone()),
            Column::new(
                "name".into(),
                order
                    .iter()
                    .map(|c| pick(0, c).or_else(|| Some(c.clone())))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "industry".into(),
                order.iter().map(|c| pick(1, c)).collect::<Vec<_>>(),
            ),
            Column::new(
                "region".into(),
                order.iter().map(|c| pick(2, c)).collect::<Vec<_>>(),
            ),
            Column::new(
                "source".into(),
                order
                    .iter()
                    .map(|c| clients[c].source.clone())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "created_at".into(),
                order
                    .iter()
                    .map(|c| {
                        let c = &clients[c];
                        c.first
                            .map(|t| When::At(t).text().unwrap_or_default())
                            .or_else(|| c.bad.clone())
                    })
                    .collect::<Vec<_>>(),
            ),
        ];
        let rows: Vec<u32> = order
            .iter()
            .map(|c| src.rows[clients[c].row as usize])
            .collect();
        mapping.counts.push(Count {
            table: "clients".into(),
            from: src.file.clone(),
            rows_in: self.deals.len(),
            rows_out: order.len(),
            note:
                "one client per company (or contact) named in the deals; created at its first deal"
                    .into(),
        });
        raw(
            &schema::CLIENTS,
            src.file.clone(),
            src.lines.clone(),
            columns,
            rows,
            Vec::new(),
            Vec::new(),
        )
    }

    /// The clients the deals name, in the order first named, each with the first deal's row,
    /// its earliest creation and the source of its first deal.
    fn clients_of_deals(&self) -> (Vec<String>, HashMap<String, Client>) {
        let mut order: Vec<String> = Vec::new();
        let mut clients: HashMap<String, Client> = HashMap::new();
        for d in &self.deals {
            let c = clients.entry(d.client.clone()).or_insert_with(|| {
                order.push(d.client.clone());
                Client {
                    row: d.row,
                    first: None,
                    bad: None,
                    source: d.source.clone(),
                }
            });
            match &d.created {
                When::At(t) => c.first = Some(c.first.map_or(*t, |f| f.min(*t))),
                When::Bad(s) => c.bad = Some(s.clone()),
                When::None => {}
            }
        }
        (order, clients)
    }

    pub(super) fn managers_table(&self, src: &Source, mapping: &mut Mapping) -> Result<RawTable> {
        let mut order: Vec<(String, u32)> = Vec::new();
        for d in &self.deals {
            if !order.iter().any(|(m, _)| *m == d.manager) {
                order.push((d.manager.clone(), d.row));
            }
        }
        let ids: Vec<String> = order.iter().map(|(m, _)| m.clone()).collect();
        let columns = vec![
            Column::new(MANAGER_ID.into(), ids.clone()),
            Column::new("name".into(), ids),
        ];
        let rows = order.iter().map(|(_, r)| src.rows[*r as usize]).collect();
        mapping.counts.push(Count {
            table: "managers".into(),
            from: src.file.clone(),
            rows_in: self.deals.len(),
            rows_out: order.len(),
            note: "one manager per deal owner named in the deals".into(),
        });
        raw(
            &schema::MANAGERS,
            src.file.clone(),
            src.lines.clone(),
            columns,
            rows,
            Vec::new(),
            Vec::new(),
        )
    }
}

pub(super) fn raw(
    spec: &'static TableSpec,
    file: String,
    lines: LineSource,
    mut columns: Vec<Column>,
    rows: Vec<u32>,
    skipped: Vec<u64>,
    sources: Vec<(String, String)>,
) -> Result<RawTable> {
    let height = rows.len();
    columns.push(Column::new(ROW.into(), rows));
    let frame = DataFrame::new(height, columns).ctx(format!("{file}: building {}", spec.name))?;
    Ok(RawTable {
        spec,
        file,
        frame,
        lines,
        skipped_lines: skipped,
        sources,
    })
}

/// A client as the deals name it.
struct Client {
    /// The row of its first deal.
    row: u32,
    /// Its earliest deal's creation.
    first: Option<NaiveDateTime>,
    /// A creation date that could not be read, kept for the rejects.
    bad: Option<String>,
    source: Option<String>,
}

/// Name, industry and region per account id from the account file, and its row count in
/// the mapping report (accounts without an opportunity are not clients).
fn account_info(
    a: &Source,
    order: &[String],
    mapping: &mut Mapping,
) -> Result<HashMap<String, [Option<String>; 3]>> {
    let mut info: HashMap<String, [Option<String>; 3]> = HashMap::new();
    let find = |names: &[&str]| {
        a.header
            .iter()
            .position(|h| names.contains(&profiles::normalize(h).as_str()))
    };
    let cols = [
        find(&["name", "account name"]),
        find(&["industry"]),
        find(&["billingstate", "billing state/province", "billingcity"]),
    ];
    if let Some(id) = find(&["id", "account id"]) {
        let ids = a.values(id)?;
        let vals: Vec<Option<Vec<Option<String>>>> = cols
            .iter()
            .map(|c| c.map(|i| a.values(i)).transpose())
            .collect::<Result<_>>()?;
        for (r, id) in ids.iter().enumerate() {
            if let Some(id) = id {
                let get = |k: usize| vals[k].as_ref().and_then(|v| v[r].clone());
                info.insert(id.clone(), [get(0), get(1), get(2)]);
            }
        }
    }
    let used = order.iter().filter(|c| info.contains_key(*c)).count();
    mapping.counts.push(Count {
        table: "clients".into(),
        from: a.file.clone(),
        rows_in: a.height(),
        rows_out: used,
        note: format!(
            "accounts with opportunities; {} accounts without any are not clients here",
            a.height().saturating_sub(used)
        ),
    });
    Ok(info)
}
