//! Every figure of SPEC §3 on the hand-worked company of `common::company()`.
//! The expected numbers are worked out by hand in the comments, not by the code.

mod common;

use common::{company, ints, load, numbers, snapshot, texts};
use crmstat::metrics::{GroupBy, Mode, durations, funnel, losses};

/// March 2024 cohort: D1, D2, D3, D4, D5, D7 (D6 was created in February).
/// Furthest stage as of 31 March: D1 won → Договор; D2 lost → Встреча; D3 Счет (skipped
/// Встреча); D4 Счет (went back to Встреча, then Счет again); D5 lost → Звонок; D7 open
/// at Встреча (its April entries are after as-of).
///   reached: Звонок 6; Встреча 5 (all but D5); Счет 3 (D1, D3, D4); Договор 1 (D1)
///   visited: Звонок 6; Встреча 4 (D3 skipped it); Счет 3; Договор 1
///   lost_here: Звонок 1 (D5), Встреча 1 (D2)
///   step: 5/6 = 0.8333, 3/5 = 0.6, 1/3 = 0.3333, last empty
///   cumulative: 1, 0.8333, 0.5, 0.1667
#[test]
fn cohort_funnel_counts_skips_reentries_and_first_stage_losses() {
    let dir = company();
    let loaded = load(dir.path());
    assert_eq!(loaded.report.rejected(), 0, "{:?}", loaded.report.problems);
    let snap = snapshot(&loaded, "2024-03");
    let t = funnel::funnel(&snap, Mode::Cohort, None).unwrap();
    let f = &t.funnel;
    assert_eq!(texts(f, "stage"), ["Звонок", "Встреча", "Счет", "Договор"]);
    assert_eq!(ints(f, "stage_index"), [1, 2, 3, 4]);
    assert_eq!(ints(f, "reached"), [6, 5, 3, 1]);
    assert_eq!(ints(f, "visited"), [6, 4, 3, 1]);
    assert_eq!(ints(f, "lost_here"), [1, 1, 0, 0]);
    assert_eq!(
        numbers(f, "step_conversion"),
        [Some(5.0 / 6.0), Some(3.0 / 5.0), Some(1.0 / 3.0), None]
    );
    assert_eq!(
        numbers(f, "cumulative_conversion"),
        [Some(1.0), Some(5.0 / 6.0), Some(3.0 / 6.0), Some(1.0 / 6.0)]
    );
}

/// Closed by 31 March among the cohort: D1 won (1000.00), D2 lost (500.00), D5 lost
/// (200.00). By count 1/3; by amount 1000 / 1700 = 0.5882. Closed in March (the first
/// scope) are the same three: D6 closed in February, D7 in April.
#[test]
fn win_rate_by_count_and_amount() {
    let dir = company();
    let loaded = load(dir.path());
    let t = funnel::funnel(&snapshot(&loaded, "2024-03"), Mode::Cohort, None).unwrap();
    let w = &t.win_rate;
    assert_eq!(texts(w, "scope"), ["closed in the period", "cohort"]);
    assert_eq!(ints(w, "deals_closed"), [3, 3]);
    assert_eq!((ints(w, "won"), ints(w, "lost")), (vec![1, 1], vec![2, 2]));
    assert_eq!(numbers(w, "win_rate_count"), [Some(1.0 / 3.0); 2]);
    assert_eq!(texts(w, "won_amount"), ["1000.00", "1000.00"]);
    assert_eq!(texts(w, "lost_amount"), ["700.00", "700.00"]);
    assert_eq!(numbers(w, "win_rate_amount"), [Some(1000.0 / 1700.0); 2]);
}

/// By manager: M1 has D1, D2, D7 → reached Звонок 3, Встреча 3, Счет 1, Договор 1;
/// M2 has D3, D4, D5 → 3, 2, 2, 0.
#[test]
fn funnel_by_manager_puts_the_group_first() {
    let dir = company();
    let loaded = load(dir.path());
    let t = funnel::funnel(
        &snapshot(&loaded, "2024-03"),
        Mode::Cohort,
        Some(GroupBy::Manager),
    )
    .unwrap();
    let f = &t.funnel;
    assert_eq!(f.get_column_names()[0].as_str(), "group");
    assert_eq!(
        texts(f, "group"),
        ["M1", "M1", "M1", "M1", "M2", "M2", "M2", "M2"]
    );
    assert_eq!(ints(f, "reached"), [3, 3, 1, 1, 3, 2, 2, 0]);
    // Closed in March per manager (M1: D1 won, D2 lost; M2: D5 lost), then the cohort's.
    assert_eq!(ints(&t.win_rate, "won"), [1, 0, 1, 0]);
    assert_eq!(ints(&t.win_rate, "lost"), [1, 1, 1, 1]);
}

/// April has no deals created: every count is 0 and every conversion empty (not 0).
#[test]
fn empty_period_gives_zeros_and_empty_rates() {
    let dir = company();
    let loaded = load(dir.path());
    let t = funnel::funnel(&snapshot(&loaded, "2024-04"), Mode::Cohort, None).unwrap();
    assert_eq!(ints(&t.funnel, "reached"), [0, 0, 0, 0]);
    assert_eq!(
        numbers(&t.funnel, "step_conversion"),
        [None, None, None, None]
    );
    // Closed in April: D7 (won, created in March); the April cohort closed nothing.
    assert_eq!(ints(&t.win_rate, "deals_closed"), [1, 0]);
    assert_eq!(numbers(&t.win_rate, "win_rate_count"), [Some(1.0), None]);
}

/// Flow, April: only D7 moves. Before April it had reached Встреча; in April it entered
/// Счет and Договор and was won. So Счет and Договор each gain 1, the first two 0.
/// Visited in April: Счет 1, Договор 1. Closed in April: D7 won → win rate 1.
#[test]
fn flow_counts_progress_made_in_the_period() {
    let dir = company();
    let loaded = load(dir.path());
    let t = funnel::funnel(&snapshot(&loaded, "2024-04"), Mode::Flow, None).unwrap();
    assert_eq!(ints(&t.funnel, "reached"), [0, 0, 1, 1]);
    assert_eq!(ints(&t.funnel, "visited"), [0, 0, 1, 1]);
    assert_eq!(
        numbers(&t.funnel, "step_conversion"),
        [None, None, Some(1.0), None]
    );
    assert_eq!(numbers(&t.win_rate, "win_rate_count"), [Some(1.0)]);
    // March in flow mode: every March deal first got that far in March (D6 moved in
    // February and adds nothing), so the counts equal the March cohort's.
    let march = funnel::funnel(&snapshot(&loaded, "2024-03"), Mode::Flow, None).unwrap();
    assert_eq!(ints(&march.funnel, "reached"), [6, 5, 3, 1]);
}

/// Losses, March cohort: Звонок 1 lost (200.00) of 6 reached → 0.1667; Встреча 1 (500.00)
/// of 5 → 0.2; no losses later (rate 0, amount empty). Drops: 6→5 (1), 5→3 (2), 3→1 (2);
/// the tie goes to the earlier stage: Встреча → Счет, 2 of 5 = 0.4.
#[test]
fn losses_per_stage_reasons_and_biggest_drop() {
    let dir = company();
    let loaded = load(dir.path());
    let snap = snapshot(&loaded, "2024-03");
    let l = losses::losses(
        &snap,
        &loaded.stages,
        Mode::Cohort,
        loaded.tables.contacts.as_ref(),
        2.0,
    )
    .unwrap();
    assert_eq!(ints(&l.losses, "lost"), [1, 1, 0, 0]);
    assert_eq!(
        texts(&l.losses, "lost_amount"),
        ["200.00", "500.00", "", ""]
    );
    assert_eq!(
        numbers(&l.losses, "loss_rate"),
        [Some(1.0 / 6.0), Some(1.0 / 5.0), Some(0.0), Some(0.0)]
    );
    assert_eq!(texts(&l.loss_reasons, "stage"), ["Звонок", "Встреча"]);
    assert_eq!(texts(&l.loss_reasons, "reason"), ["Не отвечает", "Дорого"]);
    assert_eq!(texts(&l.biggest_drop, "stage"), ["Встреча"]);
    assert_eq!(texts(&l.biggest_drop, "next_stage"), ["Счет"]);
    assert_eq!(ints(&l.biggest_drop, "drop"), [2]);
    assert_eq!(numbers(&l.biggest_drop, "drop_rate"), [Some(0.4)]);
}

/// Stalled as of 31 March (24:00). Completed visits: Счет D1 3 days, D4 2 days → p90 by
/// linear interpolation 2 + 0.9 × 1 = 2.9; Встреча 2, 2, 2, 3 → p90 at rank 2.7 = 2.7.
/// Open visits: D3 in Счет since 6 March (26 days), D4 in Счет since 12 March (20 days),
/// D7 in Встреча since 25 March (7 days): all three are stalled.
#[test]
fn stalled_deals_exceed_their_stage_p90() {
    let dir = company();
    let loaded = load(dir.path());
    let snap = snapshot(&loaded, "2024-03");
    let l = losses::losses(&snap, &loaded.stages, Mode::Cohort, None, 2.0).unwrap();
    assert_eq!(texts(&l.stalled, "deal_id"), ["D3", "D4", "D7"]);
    assert_eq!(
        numbers(&l.stalled, "days_in_stage"),
        [Some(26.0), Some(20.0), Some(7.0)]
    );
    assert_eq!(
        numbers(&l.stalled, "stage_p90_days"),
        [Some(2.9), Some(2.9), Some(2.7)]
    );
    assert!(
        l.followup.is_none(),
        "no contacts given: follow-up is not computed"
    );
    assert!(l.notes.iter().any(|n| n.contains("contacts table")));
}

/// Invoice (Счет) entries in March: D1 5 Mar (call after 34 h: in time), D3 6 Mar (call
/// after 72 h: breach), D4 7 Mar (call after 29 h: in time), D4 12 Mar (no contact; the
/// planned task of 13 Mar was never done: breach). 4 judged, 2 breaches.
#[test]
fn followup_breaches_after_the_invoice() {
    let dir = company();
    let loaded = load(dir.path());
    let snap = snapshot(&loaded, "2024-03");
    let l = losses::losses(
        &snap,
        &loaded.stages,
        Mode::Cohort,
        loaded.tables.contacts.as_ref(),
        2.0,
    )
    .unwrap();
    let f = l.followup.expect("follow-up computed");
    assert_eq!(ints(&f.summary, "invoice_entries"), [4]);
    assert_eq!(ints(&f.summary, "breaches"), [2]);
    assert_eq!(numbers(&f.summary, "breach_rate"), [Some(0.5)]);
    assert_eq!(texts(&f.breaches, "deal_id"), ["D3", "D4"]);
    assert_eq!(texts(&f.breaches, "next_contact_at"), ["2024-03-09", ""]);
    assert_eq!(numbers(&f.breaches, "hours_to_contact"), [Some(72.0), None]);
}

/// Cycle of deals closed in March: won D1 9 days; lost D2 4 days and D5 1 day →
/// mean 2.5, median 2.5, p25 1.75, p75 3.25, p90 3.7.
#[test]
fn cycle_statistics_won_and_lost_apart() {
    let dir = company();
    let loaded = load(dir.path());
    let d = durations::durations(&snapshot(&loaded, "2024-03")).unwrap();
    let c = &d.cycle;
    assert_eq!(texts(c, "outcome"), ["won", "lost"]);
    assert_eq!(ints(c, "deals"), [1, 2]);
    assert_eq!(numbers(c, "mean_days"), [Some(9.0), Some(2.5)]);
    assert_eq!(numbers(c, "median_days"), [Some(9.0), Some(2.5)]);
    assert_eq!(numbers(c, "p25_days"), [Some(9.0), Some(1.75)]);
    assert_eq!(numbers(c, "p75_days"), [Some(9.0), Some(3.25)]);
    assert_eq!(numbers(c, "p90_days"), [Some(9.0), Some(3.7)]);
}

/// Kaplan–Meier over the March cohort: closed D5 1 day, D2 4, D1 9; open at as-of (censored)
/// D7 12 days, D4 29, D3 30. S(1) = 5/6, S(4) = 5/6 × 4/5 = 2/3, S(9) = 2/3 × 3/4 = 1/2 →
/// median 9 days.
#[test]
fn kaplan_meier_censors_open_deals() {
    let dir = company();
    let loaded = load(dir.path());
    let d = durations::durations(&snapshot(&loaded, "2024-03")).unwrap();
    let km = &d.time_to_close;
    let steps: Vec<(i64, usize, usize, usize)> = km
        .steps
        .iter()
        .map(|s| (s.days, s.at_risk, s.closed, s.censored))
        .collect();
    assert_eq!(
        steps,
        [
            (1, 6, 1, 0),
            (4, 5, 1, 0),
            (9, 4, 1, 0),
            (12, 3, 0, 1),
            (29, 2, 0, 1),
            (30, 1, 0, 1)
        ]
    );
    assert!((km.steps[2].survival - 0.5).abs() < 1e-12);
    assert_eq!(km.median_days, Some(9));
}

/// Time in stage for visits begun in March (exit = next entry or close):
///   Звонок: D1 2, D2 2, D3 4, D4 2, D5 1, D7 5 → mean 16/6 = 2.67, median 2, p90 4.5
///   Встреча: D1 2, D2 2, D4 2 and 3, D7 still open → 5 visits, 4 completed, mean 2.25
///   Счет: D1 3, D4 2, D3 and D4 (second visit) open → mean 2.5, median 2.5, p90 2.9
/// D4 in Счет: 2 visits, the latest open for 20 days, 22 days in all.
#[test]
fn time_in_stage_per_visit_and_per_deal() {
    let dir = company();
    let loaded = load(dir.path());
    let d = durations::durations(&snapshot(&loaded, "2024-03")).unwrap();
    let s = &d.stage_durations;
    assert_eq!(ints(s, "visits"), [6, 5, 4, 1]);
    assert_eq!(ints(s, "open_visits"), [0, 1, 2, 0]);
    assert_eq!(
        numbers(s, "mean_days"),
        [Some(2.67), Some(2.25), Some(2.5), Some(2.0)]
    );
    assert_eq!(
        numbers(s, "median_days"),
        [Some(2.0), Some(2.0), Some(2.5), Some(2.0)]
    );
    assert_eq!(
        numbers(s, "p90_days"),
        [Some(4.5), Some(2.7), Some(2.9), Some(2.0)]
    );
    let p = d.stage_time_per_deal.clone();
    let row = (0..p.height())
        .find(|&i| texts(&p, "deal_id")[i] == "D4" && texts(&p, "stage")[i] == "Счет")
        .expect("D4 in Счет");
    assert_eq!(ints(&p, "visits")[row], 2);
    assert_eq!(numbers(&p, "latest_days")[row], Some(20.0));
    assert_eq!(numbers(&p, "cumulative_days")[row], Some(22.0));
    assert_eq!(texts(&p, "open")[row], "true");
}

/// One deal, won, no stage history: it passed every stage; cycle 5 days; KM one step to 0.
#[test]
fn a_single_deal() {
    let dir = common::folder(&[
        ("crmstat.toml", common::CONFIG),
        (
            "deals.csv",
            "deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount\nX,K,M,2024-05-01,2024-05-06,won,Договор,10\n",
        ),
    ]);
    let loaded = load(dir.path());
    let snap = snapshot(&loaded, "2024-05");
    let t = funnel::funnel(&snap, Mode::Cohort, None).unwrap();
    assert_eq!(ints(&t.funnel, "reached"), [1, 1, 1, 1]);
    assert_eq!(
        ints(&t.funnel, "visited"),
        [-1, -1, -1, -1],
        "no stage_history: visited is empty"
    );
    assert_eq!(
        numbers(&t.win_rate, "win_rate_count"),
        [Some(1.0), Some(1.0)]
    );
    let d = durations::durations(&snap).unwrap();
    assert_eq!(numbers(&d.cycle, "median_days"), [Some(5.0), None]);
    assert_eq!(d.time_to_close.median_days, Some(5));
    assert!(
        matches!(funnel::funnel(&snap, Mode::Flow, None), Err(e) if e.to_string().contains("stage_history"))
    );
}

/// Statuses without stages: the open deal counts at the first stage, the won one passes
/// every stage, the lost one without a usable stage is lost at the stage before the last
/// (no won stage is listed, so the default is the last stage: Договор).
#[test]
fn deals_without_stages() {
    let dir = common::folder(&[
        ("crmstat.toml", common::CONFIG),
        (
            "deals.csv",
            "deal_id,client_id,manager_id,created_at,closed_at,status\n\
             A,K,M,2024-05-01,,open\nB,K,M,2024-05-02,2024-05-09,won\nC,K,M,2024-05-03,2024-05-04,lost\n",
        ),
    ]);
    let loaded = load(dir.path());
    let t = funnel::funnel(&snapshot(&loaded, "2024-05"), Mode::Cohort, None).unwrap();
    assert_eq!(ints(&t.funnel, "reached"), [3, 2, 2, 2]);
    assert_eq!(ints(&t.funnel, "lost_here"), [0, 0, 0, 1]);
}

/// A figure command does not keep the contacts' ids (no figure reads them) yet still
/// rejects a repeated one at its line: the company's contacts plus a second `T1` (line 6 of
/// contacts.csv). Loaded for the figures and loaded whole, the same rows are used and
/// rejected, every other column is the same, and only the whole load keeps the ids.
#[test]
fn figure_loads_leave_out_contact_ids_but_still_reject_their_duplicates() {
    use crmstat::config::Config;
    use crmstat::validate::{Demand, load_with};
    let contacts = format!("{}T1,K2,M1,2024-03-07 10:00,call,,\n", common::CONTACTS);
    let dir = common::folder(&[
        ("crmstat.toml", common::CONFIG),
        ("deals.csv", common::DEALS),
        ("stage_history.csv", common::HISTORY),
        ("clients.csv", common::CLIENTS),
        ("managers.csv", common::MANAGERS),
        ("contacts.csv", &contacts),
    ]);
    let (config, _) = Config::load(None, dir.path()).unwrap();
    let whole = load_with(dir.path(), &config, &Demand::everything()).unwrap();
    let figures = load_with(dir.path(), &config, &Demand::figures()).unwrap();
    for loaded in [&whole, &figures] {
        let count = loaded.report.counts.iter().find(|c| c.table == "contacts");
        let count = count.unwrap();
        assert_eq!((count.read, count.used, count.rejected), (5, 4, 1));
        let dup: Vec<_> = loaded
            .report
            .problems
            .iter()
            .filter(|p| p.table == "contacts")
            .map(|p| (p.line, p.column.as_str(), p.value.as_str(), p.rejects_row))
            .collect();
        assert_eq!(dup, [(6, "contact_id", "T1", true)]);
    }
    let (w, f) = (
        whole.tables.contacts.as_ref().unwrap(),
        figures.tables.contacts.as_ref().unwrap(),
    );
    assert_eq!(texts(w, "contact_id"), ["T1", "T2", "T3", "T4"]);
    assert_eq!(texts(f, "contact_id"), ["", "", "", ""]);
    for c in ["client_id", "manager_id", "at", "kind", "due_at", "done_at"] {
        assert_eq!(texts(w, c), texts(f, c), "{c}");
    }
}

/// The load tells its progress as each table starts: the file and its number among the
/// tables present (the company has five of the eight, read in schema order).
#[test]
fn the_load_tells_which_file_it_reads() {
    use crmstat::config::Config;
    use crmstat::validate::{Demand, load_with};
    use std::sync::{Arc, Mutex};
    let dir = company();
    let (config, _) = Config::load(None, dir.path()).unwrap();
    let told = Arc::new(Mutex::new(Vec::new()));
    let sink = told.clone();
    let demand = Demand {
        progress: Some(Arc::new(move |s: &str| {
            sink.lock().unwrap().push(s.to_string())
        })),
        ..Demand::figures()
    };
    load_with(dir.path(), &config, &demand).unwrap();
    let told = told.lock().unwrap().clone();
    assert_eq!(
        told,
        [
            "reading and checking managers.csv (table 1 of 5)",
            "reading and checking clients.csv (table 2 of 5)",
            "reading and checking deals.csv (table 3 of 5)",
            "reading and checking stage_history.csv (table 4 of 5)",
            "reading and checking contacts.csv (table 5 of 5)",
        ]
    );
}
