//! The figures of `crmstat managers`: the tables, charts and notes the command writes and
//! the report reuses (see [`super`]).

use crate::chart::Chart;
use crate::config::Config;
use crate::error::Result;
use crate::i18n::Note;
use crate::metrics::managers::{self, ManagerGroup};
use crate::metrics::{losses, snapshot::Snapshot};
use crate::output::NamedTable;
use crate::validate::Loaded;

/// The manager KPIs of a snapshot, with follow-up judged when the data allows it.
pub fn kpis(
    snap: &Snapshot,
    loaded: &Loaded,
    config: &Config,
    group: ManagerGroup,
) -> Result<(managers::ManagerKpis, bool)> {
    let tables = &loaded.tables;
    let roster = managers::roster(tables, &snap.period)?;
    let followup = match (
        &tables.contacts,
        &snap.entries,
        loaded.stages.invoice_index(),
    ) {
        (Some(c), Some(_), Some(i)) => {
            let t = std::time::Instant::now();
            let f = losses::followup(snap, c, i as i32, config.funnel.followup_days)?.entries;
            crate::validate::trace("managers: follow-up", t);
            Some(f)
        }
        _ => None,
    };
    let t = std::time::Instant::now();
    let k = managers::manager_kpis(
        tables,
        snap,
        &roster,
        group,
        config.payroll.basis,
        followup.as_ref(),
    )?;
    crate::validate::trace("managers: KPIs", t);
    Ok((k, followup.is_some()))
}

/// The manager tables and charts for a snapshot.
pub fn results(
    snap: &Snapshot,
    loaded: &Loaded,
    config: &Config,
    group: ManagerGroup,
) -> Result<super::Results> {
    let (k, has_followup) = kpis(snap, loaded, config, group)?;
    let mut notes = k.notes;
    if !has_followup {
        notes.push(Note::new(
            "follow-up compliance needs contacts, stage_history and an invoice stage; left empty",
            "для доли звонков после счёта нужны contacts, stage_history и этап счёта; не посчитано",
        ));
    }
    let charts = vec![
        Chart::leaderboard(
            &k.managers,
            group,
            &snap.period.label,
            &config.currency,
            config.lang,
        )?,
        Chart::deviations(
            &k.managers,
            &k.deviations,
            group,
            &snap.period.label,
            config.lang,
        )?,
    ];
    let who = match group {
        ManagerGroup::Manager => "Managers",
        ManagerGroup::Team => "Teams",
    };
    let mut out = vec![
        NamedTable::new(
            "managers",
            &format!("{who}: KPIs with the company average (last row)"),
            k.managers,
        ),
        NamedTable::detail(
            "manager_deviations",
            "Each KPI against the company average (ratio and z-score)",
            k.deviations,
        ),
        NamedTable::new(
            "contacts_by_kind",
            "Contacts in the period by kind",
            k.contacts_by_kind,
        ),
    ];
    velocity(snap, loaded, &mut out, &mut notes)?;
    speed_to_lead(snap, loaded, &mut out, &mut notes)?;
    if let Some(h) = k.handoffs {
        out.push(NamedTable::detail(
            "handoffs",
            "Handoffs: deals passed on, and the wait until the new manager's first contact",
            h,
        ));
    }
    Ok(super::Results {
        book: "managers",
        heading: super::heading(who, &snap.period, ""),
        tables: out,
        charts,
        notes: [snap.notes.clone(), notes].concat(),
    })
}

/// The velocity table and its note.
fn velocity(
    snap: &Snapshot,
    loaded: &Loaded,
    out: &mut Vec<NamedTable>,
    notes: &mut Vec<Note>,
) -> Result<()> {
    let t = std::time::Instant::now();
    out.push(NamedTable::new(
        "velocity",
        "Sales velocity: open deals × win rate × average won deal ÷ days to win, per day",
        super::with_manager_names(
            &crate::metrics::velocity::velocity(snap)?,
            "group",
            true,
            &loaded.tables,
        )?,
    ));
    crate::validate::trace("managers: velocity", t);
    notes.push(Note::new(
        "velocity: open deals at as-of × win rate × average won amount ÷ mean days to win (money per day), \
         the last three over the deals closed in the 12 months before as-of; per manager, segment and company",
        "скорость продаж: открытые сделки на дату × доля выигранных × средняя выигранная сумма ÷ средний срок до \
         выигрыша (деньги в день); последние три — по сделкам, закрытым за 12 месяцев до даты; по менеджерам, \
         сегментам и компании",
    ));
    Ok(())
}

/// The speed-to-lead tables (per group, win rate by answer time, every lead) and their
/// note; a note alone without contacts.
fn speed_to_lead(
    snap: &Snapshot,
    loaded: &Loaded,
    out: &mut Vec<NamedTable>,
    notes: &mut Vec<Note>,
) -> Result<()> {
    let t = std::time::Instant::now();
    let speed = crate::metrics::speed_to_lead::speed_to_lead(&loaded.tables, snap)?;
    crate::validate::trace("managers: speed to lead", t);
    match speed {
        Some(s) => {
            out.push(NamedTable::new(
                "speed_to_lead",
                "Speed to lead: hours to the first outbound contact after a new lead",
                super::with_manager_names(&s.table, "group", true, &loaded.tables)?,
            ));
            out.push(NamedTable::new(
                "speed_to_lead_win_rate",
                "Win rate of the leads' next deals by how fast they were answered",
                s.win_rate,
            ));
            out.push(NamedTable::detail(
                "leads",
                "Every lead of the period and its response",
                s.leads,
            ));
            notes.push(Note::new("speed to lead: a lead is an inbound contact, or a new deal, with no contact with the client in the 30 days \
                 before; its response is the first later outbound contact up to as-of; hours over answered leads, shares of \
                 all leads (within_24h + later + never = 1); per responder (else the client's owner), channel and campaign"
                    .to_string(),
                "скорость реакции: лид — входящее обращение или новая сделка без контактов с клиентом за 30 дней до них; \
                 ответ — первый исходящий контакт после лида до конца периода; часы — по отвеченным лидам, доли — от всех \
                 лидов (within_24h + later + never = 1); по ответившему менеджеру (иначе владельцу клиента), каналу и кампании"
                    .to_string(),
            ));
        }
        None => notes.push(Note::new(
            "speed to lead needs contacts; left out".to_string(),
            "скорость реакции считается по контактам; их нет".to_string(),
        )),
    }
    Ok(())
}
