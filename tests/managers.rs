//! Manager KPIs and payroll on a hand-worked company. Every expected figure is worked out
//! in the comments from the fixture below, not by the code under test.
//!
//! March 2024 (as of 1 April 00:00). Managers: M1 Север (plan 2000), M2 Юг (plan 1000,
//! left 20 March), M3 Север (left 15 February, nothing in March), M4 Юг (service, only a
//! refund in March).

mod common;

use std::path::Path;

use common::{folder, load, numbers, snapshot, texts};
use crmstat::config::Config;
use crmstat::metrics::managers::{self, ManagerGroup};
use crmstat::metrics::{losses, payroll};
use crmstat::validate::Loaded;
use polars::prelude::DataFrame;
use tempfile::TempDir;

const CONFIG: &str = "\
[funnel]
stages = [\"Звонок\", \"Встреча\", \"Счет\", \"Договор\"]

[payroll]
scheme = \"tiers\"

[payroll.schemes.tiers]
type = \"retroactive\"
tiers = [{ from = 0, percent = 5 }, { from = \"1000.00\", percent = 10 }]

[payroll.schemes.flat3]
type = \"flat\"
percent = 3

[payroll.managers]
M2 = \"flat3\"
";

const MANAGERS: &str = "\
manager_id,name,team,role,hired_on,left_on,monthly_plan
M1,Анна Смирнова,Север,sales,2023-01-01,,2000.00
M2,Иван Петров,Юг,sales,2023-01-01,2024-03-20,1000.00
M3,Пётр Козлов,Север,sales,2023-01-01,2024-02-15,1500.00
M4,Ольга Попова,Юг,service,2023-06-01,,500.00
";

const DEALS: &str = "\
deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount,loss_reason,discount_pct
D1,K1,M1,2024-03-01,2024-03-10,won,Договор,1000.00,,10
D2,K2,M1,2024-03-02,2024-03-06,lost,Встреча,500.00,Дорого,
D3,K3,M1,2024-03-02,,open,Счет,300.00,,
D4,K4,M2,2024-03-03,,open,Счет,400.00,,
D5,K5,M2,2024-03-10,2024-03-11,lost,Звонок,200.00,Не отвечает,
D6,K1,M1,2024-02-20,2024-02-28,won,Договор,50.00,,
D7,K6,M1,2024-03-20,2024-04-05,won,Договор,700.00,,
D8,K6,M4,2024-01-10,2024-01-20,won,Договор,800.00,,5
D9,K2,M2,2024-03-04,2024-03-18,won,Договор,250.00,,20
";

/// D3 was passed from M2 to M1 when it entered Счет on 6 March.
const HISTORY: &str = "\
deal_id,stage,entered_at,manager_id
D1,Звонок,2024-03-01,M1
D1,Встреча,2024-03-03,M1
D1,Счет,2024-03-05,M1
D1,Договор,2024-03-08,M1
D2,Звонок,2024-03-02,M1
D2,Встреча,2024-03-04,M1
D3,Звонок,2024-03-02,M2
D3,Счет,2024-03-06,M1
D4,Звонок,2024-03-03,M2
D4,Встреча,2024-03-05,M2
D4,Счет,2024-03-07,M2
D5,Звонок,2024-03-10,M2
D6,Звонок,2024-02-20,M1
D7,Звонок,2024-03-20,M1
D7,Встреча,2024-03-25,M1
D7,Счет,2024-04-02,M1
D7,Договор,2024-04-03,M1
D8,Звонок,2024-01-10,M4
D8,Договор,2024-01-15,M4
D9,Звонок,2024-03-04,M2
D9,Счет,2024-03-08,M2
D9,Договор,2024-03-12,M2
";

/// T4 is a task never done (overdue, not a contact); T6 a task done a day late (overdue,
/// a contact on 22 March); T7 a task done on time.
const CONTACTS: &str = "\
contact_id,client_id,manager_id,at,kind,due_at,done_at
T1,K1,M1,2024-03-06 10:00,call,,
T2,K3,M2,2024-03-09 00:00,call,,
T3,K4,M2,2024-03-08 05:00,call,,
T4,K4,M2,2024-03-13 09:00,call,2024-03-13 09:00,
T5,K2,M1,2024-03-03 12:00,meeting,,
T6,K6,M1,2024-03-21 10:00,email,2024-03-21 10:00,2024-03-22 09:00
T7,K5,M2,2024-03-28 10:00,call,2024-03-28 10:00,2024-03-28 10:00
T8,K3,M1,2024-03-07 18:00,call,,
T9,K2,M2,2024-03-10 12:00,call,,
";

const PAYMENTS: &str = "\
payment_id,deal_id,paid_at,amount
P1,D1,2024-03-12,600.00
P2,D1,2024-03-25,350.00
P3,D6,2024-03-05,-50.00
P4,D3,2024-03-15,100.00
P5,D4,2024-03-25,100.00
P6,D6,2024-02-28,50.00
P7,D7,2024-04-06,700.00
P8,D8,2024-01-25,800.00
P9,D8,2024-03-08,-200.00
P10,D9,2024-03-18,250.00
";

fn company_with(config: &str) -> TempDir {
    folder(&[
        ("crmstat.toml", config),
        ("managers.csv", MANAGERS),
        ("clients.csv", common::CLIENTS),
        ("deals.csv", DEALS),
        ("stage_history.csv", HISTORY),
        ("contacts.csv", CONTACTS),
        ("payments.csv", PAYMENTS),
    ])
}

fn config(dir: &Path) -> Config {
    Config::load(None, dir).expect("config").0
}

fn kpis(loaded: &Loaded, cfg: &Config, group: ManagerGroup) -> managers::ManagerKpis {
    let snap = snapshot(loaded, "2024-03");
    let roster = managers::roster(&loaded.tables, &snap.period).unwrap();
    let contacts = loaded.tables.contacts.as_ref().unwrap();
    let invoice = loaded.stages.invoice_index().unwrap() as i32;
    let f = losses::followup(&snap, contacts, invoice, 2.0).unwrap();
    managers::manager_kpis(
        &loaded.tables,
        &snap,
        &roster,
        group,
        cfg.payroll.basis,
        Some(&f.entries),
    )
    .unwrap()
}

fn pay(loaded: &Loaded, cfg: &Config) -> payroll::Payroll {
    let snap = snapshot(loaded, "2024-03");
    let roster = managers::roster(&loaded.tables, &snap.period).unwrap();
    payroll::payroll(&loaded.tables, &snap, &roster, &cfg.payroll).unwrap()
}

fn col(frame: &DataFrame, name: &str) -> Vec<String> {
    texts(frame, name)
}

/// M1: open D3, D7 → 2; created D1, D2, D3, D7 → 4; won D1, lost D2 → win rate 0.5;
/// won 1000.00 (average won deal 1000.00); paid −50 + 600 + 100 + 350 = 1000.00; cycle
/// D1 9 days, D2 4 days → mean and median 6.5; contacts T1, T5, T6 (done 22 March), T8 →
/// 4; clients in work: open deals K3, K6 + contacted K1, K2, K6, K3 → 4; follow-up D1 (34 h)
/// and D3 (42 h) in time → 1; tasks due T6 (done late) → 1 overdue; discount of D1 → 10;
/// plan attainment 1000 / 2000 = 0.5.
/// M2: open D4 → 1; created D4, D5, D9 → 3; won D9, lost D5 → 0.5; won 250.00; paid
/// 250 + 100 = 350.00 (money on the deals, whoever is paid commission on it); cycle D9 14,
/// D5 1 → 7.5; contacts T2, T3, T7, T9 → 4 (T4 never done); clients K4 + K3, K4, K5, K2
/// → 4; follow-up D4 29 h in time, D9 60 h breach → 0.5; tasks T4 (not done) and T7 (on
/// time) → 1 overdue; discount 20; inactive (left 20 March), so the plan counts for 1–20
/// March: 1000.00 × 20 / 31 = 645.161… → 645.16; attainment 350 / 645.16 = 0.5425.
/// M3: left in February, nothing in March: zeros, empty rates, not in the average.
/// M4: only a refund: paid −200.00, attainment −200 / 500 = −0.4.
#[test]
fn every_kpi_per_manager() {
    let dir = company_with(CONFIG);
    let loaded = load(dir.path());
    assert_eq!(loaded.report.rejected(), 0, "{:?}", loaded.report.problems);
    let k = kpis(&loaded, &config(dir.path()), ManagerGroup::Manager);
    let m = &k.managers;
    assert_eq!(
        col(m, "manager_id"),
        ["M1", "M2", "M3", "M4", "(company average)"]
    );
    assert_eq!(col(m, "active"), ["true", "false", "false", "true", ""]);
    assert_eq!(
        numbers(m, "open_deals"),
        [Some(2.0), Some(1.0), Some(0.0), Some(0.0), Some(1.0)]
    );
    assert_eq!(
        numbers(m, "deals_created")[..4],
        [Some(4.0), Some(3.0), Some(0.0), Some(0.0)]
    );
    assert_eq!(
        numbers(m, "deals_won")[..4],
        [Some(1.0), Some(1.0), Some(0.0), Some(0.0)]
    );
    assert_eq!(
        numbers(m, "deals_lost")[..4],
        [Some(1.0), Some(1.0), Some(0.0), Some(0.0)]
    );
    assert_eq!(
        numbers(m, "win_rate"),
        [Some(0.5), Some(0.5), None, None, Some(0.5)]
    );
    assert_eq!(
        col(m, "won_amount"),
        ["1000.00", "250.00", "0.00", "0.00", "416.67"]
    );
    assert_eq!(
        col(m, "paid_amount"),
        ["1000.00", "350.00", "0.00", "-200.00", "383.33"]
    );
    assert_eq!(
        col(m, "avg_won_amount"),
        ["1000.00", "250.00", "", "", "625.00"]
    );
    assert_eq!(numbers(m, "mean_cycle_days")[..2], [Some(6.5), Some(7.5)]);
    assert_eq!(numbers(m, "median_cycle_days")[..2], [Some(6.5), Some(7.5)]);
    assert_eq!(
        numbers(m, "contacts")[..4],
        [Some(4.0), Some(4.0), Some(0.0), Some(0.0)]
    );
    assert_eq!(
        numbers(m, "clients_in_work")[..4],
        [Some(4.0), Some(4.0), Some(0.0), Some(0.0)]
    );
    assert_eq!(
        numbers(m, "followup_compliance"),
        [Some(1.0), Some(0.5), None, None, Some(0.75)]
    );
    assert_eq!(
        numbers(m, "tasks_due")[..4],
        [Some(1.0), Some(2.0), Some(0.0), Some(0.0)]
    );
    assert_eq!(
        numbers(m, "overdue_tasks")[..4],
        [Some(1.0), Some(1.0), Some(0.0), Some(0.0)]
    );
    assert_eq!(
        numbers(m, "avg_discount_pct")[..4],
        [Some(10.0), Some(20.0), None, None]
    );
    assert_eq!(
        col(m, "monthly_plan")[..4],
        ["2000.00", "1000.00", "1500.00", "500.00"]
    );
    // (0.5 + 0.5425 − 0.4) / 3 = 0.2142 (the average row is rounded to 4 places) over those
    // who worked in March (M1, M2, M4).
    assert_eq!(
        numbers(m, "plan_attainment"),
        [
            Some(0.5),
            Some(350.0 / 645.16),
            Some(0.0),
            Some(-0.4),
            Some(0.2142)
        ]
    );
    assert_eq!(col(m, "top_loss_reason")[..2], ["Дорого", "Не отвечает"]);
    assert_eq!(col(m, "top_loss_stage")[..2], ["Встреча", "Звонок"]);
    assert_eq!(col(m, "worked"), ["true", "true", "false", "true", "false"]);
}

/// The average is over M1, M2, M4 (M3 did not work in March): open deals (2 + 1 + 0) / 3
/// = 1, population sd √(2/3) = 0.8165, so z = ±1.2247 and 0. Won amount 1000, 250, 0:
/// mean 416.667, sd √((583.333² + 166.667² + 416.667²) / 3) = 424.918; M1 ratio 2.4,
/// z 1.3728. M3 is listed without a comparison.
#[test]
fn deviations_from_the_company_average() {
    let dir = company_with(CONFIG);
    let loaded = load(dir.path());
    let d = kpis(&loaded, &config(dir.path()), ManagerGroup::Manager).deviations;
    let pick = |kpi: &str, column: &str| -> Vec<Option<f64>> {
        let kpis = col(&d, "kpi");
        let values = numbers(&d, column);
        kpis.iter()
            .zip(values)
            .filter(|(k, _)| k.as_str() == kpi)
            .map(|(_, v)| v)
            .collect()
    };
    assert_eq!(pick("open_deals", "average"), [Some(1.0); 4]);
    assert_eq!(
        pick("open_deals", "z_score"),
        [Some(1.5f64.sqrt()), Some(0.0), None, Some(-(1.5f64.sqrt()))]
    );
    assert_eq!(
        pick("won_amount", "ratio_to_average"),
        [Some(2.4), Some(0.6), None, Some(0.0)]
    );
    // z = (1750/3) / (√1625000 / 3) = 1750 / √1625000 = 1.3728…
    let z = pick("won_amount", "z_score")[0].unwrap();
    assert!((z - 1750.0 / 1_625_000f64.sqrt()).abs() < 1e-12, "{z}");
}

/// Contacts by kind: M1 call T1, T8; email T6; meeting T5. M2 calls T2, T3, T7, T9.
/// Handoff: D3 from M2 to M1 at Счет on 6 March; M1's first contact with K3 after it is
/// T8 on 7 March 18:00 = 42 h.
#[test]
fn contacts_by_kind_and_handoffs() {
    let dir = company_with(CONFIG);
    let loaded = load(dir.path());
    let k = kpis(&loaded, &config(dir.path()), ManagerGroup::Manager);
    let c = &k.contacts_by_kind;
    assert_eq!(col(c, "manager_id"), ["M1", "M1", "M1", "M2"]);
    assert_eq!(col(c, "kind"), ["call", "email", "meeting", "call"]);
    assert_eq!(
        numbers(c, "contacts"),
        [Some(2.0), Some(1.0), Some(1.0), Some(4.0)]
    );
    let h = k.handoffs.expect("handoffs");
    assert_eq!(col(&h, "deal_id"), ["D3"]);
    assert_eq!(col(&h, "from_manager_id"), ["M2"]);
    assert_eq!(col(&h, "to_manager_id"), ["M1"]);
    assert_eq!(col(&h, "stage"), ["Счет"]);
    assert_eq!(col(&h, "first_contact_at"), ["2024-03-07 18:00:00"]);
    assert_eq!(numbers(&h, "hours_to_first_contact"), [Some(42.0)]);
    let m = &k.managers;
    assert_eq!(numbers(m, "handoffs_out")[..2], [Some(0.0), Some(1.0)]);
    assert_eq!(numbers(m, "handoffs_in")[..2], [Some(1.0), Some(0.0)]);
    assert_eq!(numbers(m, "median_hours_to_first_contact")[0], Some(42.0));
}

/// By team: Север = M1 + M3, Юг = M2 + M4. Юг paid 350 − 200 = 150.00 against a plan of
/// 645.16 (M2 until 20 March, see above) + 500 = 1145.16 → 0.1310; Север 1000 / 3500 =
/// 0.2857 (M3, gone before March, keeps the whole plan: see `managers::employed`).
#[test]
fn kpis_by_team() {
    let dir = company_with(CONFIG);
    let loaded = load(dir.path());
    let m = kpis(&loaded, &config(dir.path()), ManagerGroup::Team).managers;
    assert_eq!(col(&m, "team"), ["Север", "Юг", "(company average)"]);
    assert_eq!(numbers(&m, "open_deals")[..2], [Some(2.0), Some(1.0)]);
    assert_eq!(numbers(&m, "deals_created")[..2], [Some(4.0), Some(3.0)]);
    assert_eq!(col(&m, "paid_amount"), ["1000.00", "150.00", "575.00"]);
    assert_eq!(col(&m, "monthly_plan")[..2], ["3500.00", "1500.00"]);
    assert_eq!(
        numbers(&m, "plan_attainment")[..2],
        [Some(1000.0 / 3500.0), Some(150.0 / 1145.16)]
    );
}

/// Paid basis, March. M1 (retroactive 5 % / 10 % from 1000.00): −50 + 600 + 100 + 350 =
/// exactly 1000.00, on the tier boundary → 10 % of the whole = 100.00. Lines in date order
/// are the steps of the rounded cumulative commission: −5.00, +60.00, +10.00, +35.00.
/// M2 (flat 3 %, left 20 March, plan 645.16 for 1–20 March): P10 250.00 → 7.50,
/// attainment 250 / 645.16 = 0.3875; P5 on 25 March is after leaving:
/// listed, not commissioned (withheld 100.00). M3: nothing. M4 (refund only): basis
/// −200.00 at the first tier's 5 % → −10.00 clawed back. Total 97.50.
#[test]
fn payroll_by_scheme_with_refunds_boundary_and_leavers() {
    let dir = company_with(CONFIG);
    let loaded = load(dir.path());
    let p = pay(&loaded, &config(dir.path()));
    let s = &p.summary;
    assert_eq!(col(s, "manager_id"), ["M1", "M2", "M3", "M4"]);
    assert_eq!(
        col(s, "basis_amount"),
        ["1000.00", "250.00", "0.00", "-200.00"]
    );
    assert_eq!(col(s, "commission"), ["100.00", "7.50", "0.00", "-10.00"]);
    assert_eq!(col(s, "scheme"), ["tiers", "flat3", "tiers", "tiers"]);
    assert_eq!(
        numbers(s, "rate"),
        [Some(0.1), Some(0.03), Some(0.05), Some(0.05)]
    );
    assert_eq!(
        col(s, "withheld_amount"),
        ["0.00", "100.00", "0.00", "0.00"]
    );
    assert_eq!(
        numbers(s, "plan_attainment"),
        [Some(0.5), Some(250.0 / 645.16), Some(0.0), Some(-0.4)]
    );
    let l = &p.lines;
    assert_eq!(
        col(l, "payment_id"),
        ["P3", "P1", "P4", "P2", "P10", "P5", "P9"]
    );
    assert_eq!(
        col(l, "manager_id"),
        ["M1", "M1", "M1", "M1", "M2", "M2", "M4"]
    );
    assert_eq!(
        col(l, "commission"),
        ["-5.00", "60.00", "10.00", "35.00", "7.50", "0.00", "-10.00"]
    );
    assert_eq!(col(l, "kind")[..2], ["refund", "payment"]);
    assert_eq!(numbers(l, "rate")[5], None);
    assert!(col(l, "note")[5].contains("after the manager left"));
    assert_lines_sum_to_summary(&p);
}

/// Won basis: M1 won D1 (1000.00) in March, and the refund P3 (−50.00) reduces it: 950.00
/// → below the 1000.00 tier → 5 % = 47.50. M2 won D9 (250.00) → 3 % = 7.50. M4's refund
/// −200.00 → −10.00. Banker's rounding changes nothing here (no half kopecks).
#[test]
fn payroll_on_won_amounts_where_a_refund_drops_below_a_tier() {
    let cfg = format!("{CONFIG}\n").replace(
        "[payroll]\n",
        "[payroll]\nbasis = \"won\"\nrounding = \"half-even\"\n",
    );
    let dir = company_with(&cfg);
    let loaded = load(dir.path());
    let p = pay(&loaded, &config(dir.path()));
    assert_eq!(
        col(&p.summary, "basis_amount"),
        ["950.00", "250.00", "0.00", "-200.00"]
    );
    assert_eq!(
        col(&p.summary, "commission"),
        ["47.50", "7.50", "0.00", "-10.00"]
    );
    assert_eq!(col(&p.lines, "deal_id")[..2], ["D6", "D1"]);
    assert_eq!(col(&p.lines, "kind")[..2], ["refund", "won deal"]);
    assert_lines_sum_to_summary(&p);
}

/// `after_leaving = "pay"`: M2's P5 is commissioned: 350.00 × 3 % = 10.50.
#[test]
fn payments_after_leaving_can_be_paid() {
    let cfg = CONFIG.replace("[payroll]\n", "[payroll]\nafter_leaving = \"pay\"\n");
    let dir = company_with(&cfg);
    let loaded = load(dir.path());
    let p = pay(&loaded, &config(dir.path()));
    assert_eq!(col(&p.summary, "commission")[1], "10.50");
    assert_eq!(col(&p.summary, "withheld_amount")[1], "0.00");
}

/// Lines add up to each manager's commission and basis, to the kopeck.
fn assert_lines_sum_to_summary(p: &payroll::Payroll) {
    let ids = col(&p.summary, "manager_id");
    let commission = col(&p.summary, "commission");
    let basis = col(&p.summary, "basis_amount");
    let withheld = col(&p.summary, "withheld_amount");
    let line_ids = col(&p.lines, "manager_id");
    let line_commission = col(&p.lines, "commission");
    let line_amount = col(&p.lines, "amount");
    let kop = |s: &str| crmstat::money::parse_money(s).unwrap();
    for (i, id) in ids.iter().enumerate() {
        let mine: Vec<usize> = (0..line_ids.len())
            .filter(|j| &line_ids[*j] == id)
            .collect();
        let c: i64 = mine.iter().map(|j| kop(&line_commission[*j])).sum();
        let a: i64 = mine.iter().map(|j| kop(&line_amount[*j])).sum();
        assert_eq!(c, kop(&commission[i]), "commission of {id}");
        assert_eq!(a, kop(&basis[i]) + kop(&withheld[i]), "basis of {id}");
    }
}

/// The SPEC §6 columns come first, in SPEC order.
#[test]
fn tables_start_with_the_spec_columns() {
    let dir = company_with(CONFIG);
    let loaded = load(dir.path());
    let cfg = config(dir.path());
    let names = |f: &DataFrame, n: usize| -> Vec<String> {
        f.get_column_names()
            .iter()
            .take(n)
            .map(|c| c.to_string())
            .collect()
    };
    let spec = |s: &str| -> Vec<String> { s.split(", ").map(str::to_string).collect() };
    let m = kpis(&loaded, &cfg, ManagerGroup::Manager).managers;
    let want = spec(
        "manager_id, name, active, open_deals, clients_in_work, deals_created, deals_won, \
         deals_lost, win_rate, won_amount, paid_amount, avg_won_amount, mean_cycle_days, \
         median_cycle_days, contacts, followup_compliance, overdue_tasks, avg_discount_pct, \
         monthly_plan, plan_attainment",
    );
    assert_eq!(names(&m, want.len()), want);
    let p = pay(&loaded, &cfg);
    let want = spec("manager_id, name, basis_amount, monthly_plan, plan_attainment, commission");
    assert_eq!(names(&p.summary, want.len()), want);
    let want = spec("manager_id, deal_id, payment_id, paid_at, amount, rate, commission");
    assert_eq!(names(&p.lines, want.len()), want);
}
