//! Campaign effectiveness on a hand-worked company, March 2024 (as of 1 April 00:00).
//! Every expected figure is worked out in the comments from the fixture below.
//!
//! Campaigns: A (20 days, 20 Feb – 10 Mar, 2 000.00 → 1 000.00 falls in March), B (one day,
//! 15 Mar, 500.00), C (no dates: cost unknown), E (all March, 100.00, brought nothing).
//!
//! March deals (the cohort): D1 K1 won 1 000.00 (campaign from client K1: A), D2 K2 lost
//! (own A), D3 K3 won 600.01 (own B), D4 K4 open (client's B), D5 K5 won 400.00 (no
//! campaign), D6 K7 lost (client's C). D7 is February (K3's earlier purchase), D8 is created
//! after as-of. Payments up to as-of: D1 1 000.00, D3 600.01, D5 400.00 − 100.00 refund;
//! D3's 50.00 on 3 April is after as-of.
//!
//! Touches (last/linear): D1 = A (K1 registered 1 Mar) and B (call on D1, 10 Mar) → last B,
//! linear ½ ½. D2 = A only (the C email on 9 Mar is after D2 closed on 8 Mar). D3 = B (own,
//! 16 Mar), A (20 Mar), A (22 Mar) → last A, linear A ⅔ B ⅓. D4 = B (K4 registered 15 Mar).
//! D5 = A (an email to K5 on 1 Mar not tied to a deal, within 90 days before D5). D6 = C.

mod common;

use common::{folder, load, numbers, snapshot, texts};
use crmstat::config::{Attribution, CampaignsConfig, CostRule};
use crmstat::metrics::campaigns;
use polars::prelude::DataFrame;

const CONFIG: &str = "[funnel]\nstages = [\"Звонок\", \"Встреча\", \"Счет\", \"Договор\"]\n";

const CAMPAIGNS: &str = "\
campaign_id,name,channel,started_on,ended_on,cost
A,Директ,context,2024-02-20,2024-03-10,2000.00
B,Выставка,event,2024-03-15,2024-03-15,500.00
C,Рассылка,email,,,300.00
E,Вебинар,webinar,2024-03-01,2024-03-31,100.00
";

const CLIENTS: &str = "\
client_id,name,campaign_id,created_at
K1,Альфа,A,2024-03-01
K2,Бета,A,2024-03-02
K3,Гамма,,2024-01-05
K4,Дельта,B,2024-03-15
K5,Эпсилон,,2024-03-03
K6,Зета,A,2024-03-05
K7,Эта,C,2024-02-01
";

const DEALS: &str = "\
deal_id,client_id,manager_id,campaign_id,created_at,closed_at,status,stage,amount
D1,K1,M1,,2024-03-02,2024-03-12,won,Договор,1000.00
D2,K2,M1,A,2024-03-03,2024-03-08,lost,Встреча,500.00
D3,K3,M1,B,2024-03-16,2024-03-25,won,Договор,600.01
D4,K4,M1,,2024-03-16,,open,Счет,300.00
D5,K5,M1,,2024-03-04,2024-03-20,won,Договор,400.00
D6,K7,M1,,2024-03-05,2024-03-06,lost,Звонок,100.00
D7,K3,M1,,2024-02-10,2024-02-20,won,Договор,200.00
D8,K1,M1,,2024-04-02,,open,Звонок,900.00
";

const PAYMENTS: &str = "\
payment_id,deal_id,paid_at,amount
P1,D1,2024-03-15,1000.00
P2,D3,2024-03-28,600.01
P3,D5,2024-03-25,400.00
P4,D5,2024-03-30,-100.00
P5,D7,2024-02-25,200.00
P6,D3,2024-04-03,50.00
";

const CONTACTS: &str = "\
contact_id,client_id,manager_id,deal_id,campaign_id,at,kind
T1,K1,M1,D1,B,2024-03-10,call
T2,K5,M1,,A,2024-03-01,email
T3,K2,M1,D2,C,2024-03-09,email
T4,K3,M1,D3,A,2024-03-20,call
T5,K3,M1,D3,A,2024-03-22,call
";

fn table(how: Attribution, cost: CostRule) -> (DataFrame, Vec<crmstat::i18n::Note>) {
    table_with_clv(how, cost, None)
}

fn table_with_clv(
    how: Attribution,
    cost: CostRule,
    clv: Option<&std::collections::HashMap<String, Option<i128>>>,
) -> (DataFrame, Vec<crmstat::i18n::Note>) {
    let dir = folder(&[
        ("crmstat.toml", CONFIG),
        ("campaigns.csv", CAMPAIGNS),
        ("clients.csv", CLIENTS),
        ("deals.csv", DEALS),
        ("payments.csv", PAYMENTS),
        ("contacts.csv", CONTACTS),
    ]);
    let loaded = load(dir.path());
    assert_eq!(loaded.report.rejected(), 0, "{:?}", loaded.report.problems);
    let snap = snapshot(&loaded, "2024-03");
    let cfg = CampaignsConfig {
        attribution: how,
        cost,
        lookback_days: 90.0,
    };
    let c = campaigns::campaigns(&loaded.tables, &snap, how, &cfg, clv).unwrap();
    (c.campaigns, c.notes)
}

fn col(frame: &DataFrame, name: &str) -> Vec<String> {
    texts(frame, name)
}

/// A fraction column against hand-worked values to 4 places (the table keeps full precision).
fn near(frame: &DataFrame, name: &str, want: &[Option<f64>]) {
    let got = numbers(frame, name);
    assert_eq!(got.len(), want.len(), "{name}: {got:?}");
    for (g, w) in got.iter().zip(want) {
        match (g, w) {
            (Some(g), Some(w)) => assert!((g - w).abs() < 5e-5, "{name}: {got:?} against {want:?}"),
            (None, None) => {}
            _ => panic!("{name}: {got:?} against {want:?}"),
        }
    }
}

#[test]
fn first_touch_by_hand() {
    let (t, notes) = table(Attribution::First, CostRule::Spread);
    // Rows: A, B, C, E (spent, brought nothing), then the no-campaign row.
    assert_eq!(col(&t, "campaign_id"), ["A", "B", "C", "E", ""]);
    assert_eq!(
        col(&t, "name"),
        ["Директ", "Выставка", "Рассылка", "Вебинар", "(no campaign)"]
    );
    // Leads: A = D1, D2 + K6 (registered by A in March, no deal) = 3; B = D3, D4 (K4's
    // registration and its deal D4 are one lead) = 2; C = D6 (K7 registered in February) = 1.
    assert_eq!(col(&t, "leads"), ["3", "2", "1", "0", "1"]);
    assert_eq!(col(&t, "deals"), ["2", "2", "1", "0", "1"]);
    assert_eq!(col(&t, "won"), ["1", "1", "0", "0", "1"]);
    assert_eq!(col(&t, "conversion"), ["0.5", "0.5", "0", "", "1"]);
    // Wilson 95 %: 1 of 2 → 0.0945–0.9055; 0 of 1 → 0–0.7935 (z²/(1 + z²));
    // 1 of 1 → 0.2065–1 (1/(1 + z²)).
    near(
        &t,
        "conversion_ci_low",
        &[Some(0.0945), Some(0.0945), Some(0.0), None, Some(0.2065)],
    );
    near(
        &t,
        "conversion_ci_high",
        &[Some(0.9055), Some(0.9055), Some(0.7935), None, Some(1.0)],
    );
    // z-test against the other 4 (or 5) deals: A 1/2 vs 2/4 → equal → p = 1. C 0/1 vs 3/5:
    // pooled ½, se = √(¼·(1 + ⅕)) = 0.5477, z = −0.6/0.5477 = −1.0954, p = 0.2733 (Python:
    // math.erfc(1.0954/√2)); the no-campaign row 1/1 vs 2/5 mirrors it.
    near(
        &t,
        "p_value",
        &[Some(1.0), Some(1.0), Some(0.2733), None, Some(0.2733)],
    );
    assert_eq!(
        col(&t, "verdict"),
        [
            "too few deals to tell",
            "too few deals to tell",
            "too few deals to tell",
            "no deals",
            "too few deals to tell"
        ]
    );
    assert_eq!(
        col(&t, "significant"),
        ["false", "false", "false", "", "false"]
    );
    assert_eq!(
        col(&t, "won_amount"),
        ["1000.00", "600.01", "0.00", "", "400.00"]
    );
    // Paid up to as-of: D5 400.00 − 100.00 refund = 300.00; D3's April payment is out; E
    // brought no deal, so nothing was paid on its deals (0.00, which makes its ROMI −1).
    assert_eq!(
        col(&t, "paid_amount"),
        ["1000.00", "600.01", "0.00", "0.00", "300.00"]
    );
    // Cost in March: A 2 000.00 × 10 / 20 days = 1 000.00; B 500.00; C no dates → unknown;
    // E 100.00.
    assert_eq!(col(&t, "cost"), ["1000.00", "500.00", "", "100.00", ""]);
    // ROMI: A (1000 − 1000)/1000 = 0; B (600.01 − 500)/500 = 0.20002; E −1.
    assert_eq!(col(&t, "romi"), ["0", "0.20002", "", "-1", ""]);
    // Cost per lead: 1000/3 = 333.33; 500/2 = 250.00.
    assert_eq!(col(&t, "cost_per_lead"), ["333.33", "250.00", "", "", ""]);
    // New paying clients: K1 (D1 is its first paid deal) for A; K3's first paid deal is
    // February's D7, so B has none; K5 (D5) for no campaign.
    assert_eq!(col(&t, "new_customers"), ["1", "0", "0", "0", "1"]);
    assert_eq!(col(&t, "cost_per_customer"), ["1000.00", "", "", "", ""]);
    // Days to win: D1 10, D3 9, D5 16.
    assert_eq!(col(&t, "median_days_to_win"), ["10", "9", "", "", "16"]);
    assert!(
        notes.iter().any(|n| n.contains("C") && n.contains("no")),
        "{notes:?}"
    );
    // The SPEC columns come first, in order.
    let names: Vec<String> = t.get_column_names().iter().map(|c| c.to_string()).collect();
    assert_eq!(
        names[..16],
        [
            "campaign_id",
            "name",
            "leads",
            "deals",
            "won",
            "conversion",
            "conversion_ci_low",
            "conversion_ci_high",
            "p_value",
            "won_amount",
            "paid_amount",
            "cost",
            "romi",
            "cost_per_lead",
            "cost_per_customer",
            "median_days_to_win"
        ]
    );
}

#[test]
fn last_touch_by_hand() {
    let (t, _) = table(Attribution::Last, CostRule::Spread);
    // D1 → B, D2 → A, D3 → A, D4 → B, D5 → A (the untied email), D6 → C; nothing is left
    // without a campaign, so there is no "(no campaign)" row.
    assert_eq!(col(&t, "campaign_id"), ["A", "B", "C", "E"]);
    assert_eq!(col(&t, "deals"), ["3", "2", "1", "0"]);
    assert_eq!(col(&t, "won"), ["2", "1", "0", "0"]);
    // A: D3 600.01 + D5 400.00; paid 600.01 + 300.00.
    assert_eq!(col(&t, "won_amount"), ["1000.01", "1000.00", "0.00", ""]);
    assert_eq!(
        col(&t, "paid_amount"),
        ["900.01", "1000.00", "0.00", "0.00"]
    );
    // Leads: A 3 deals + K6 = 4. ROMI A (900.01 − 1000)/1000 = −0.09999; B 1.
    assert_eq!(col(&t, "leads"), ["4", "2", "1", "0"]);
    assert_eq!(col(&t, "romi"), ["-0.09999", "1", "", "-1"]);
    // New customers: K5 through D5 (A), K1 through D1 (B).
    assert_eq!(col(&t, "new_customers"), ["1", "1", "0", "0"]);
}

#[test]
fn linear_touch_by_hand() {
    let (t, _) = table(Attribution::Linear, CostRule::Spread);
    assert_eq!(col(&t, "campaign_id"), ["A", "B", "C", "E"]);
    // A: D1 ½ + D2 1 + D3 ⅔ + D5 1 = 19/6 = 3.1667 deals (kept at full precision); won D1 ½ + D3 ⅔ + D5 1 = 13/6.
    // B: D1 ½ + D3 ⅓ + D4 1 = 11/6; won 5/6. They add up to 6 deals and 3 won.
    near(
        &t,
        "deals",
        &[Some(19.0 / 6.0), Some(11.0 / 6.0), Some(1.0), Some(0.0)],
    );
    near(
        &t,
        "won",
        &[Some(13.0 / 6.0), Some(5.0 / 6.0), Some(0.0), Some(0.0)],
    );
    near(
        &t,
        "conversion",
        &[Some(13.0 / 19.0), Some(5.0 / 11.0), Some(0.0), None],
    );
    // Wilson and the z-test take the fractional counts as they are (Python, same formulas):
    // A 13/6 of 19/6 → 0.2246–0.9419, p = 0.3401; B 5/6 of 11/6 → 0.0745–0.8961, p = 0.8826.
    let low = numbers(&t, "conversion_ci_low");
    let p = numbers(&t, "p_value");
    for (got, want) in [
        (low[0], 0.2246),
        (low[1], 0.0745),
        (p[0], 0.3401),
        (p[1], 0.8826),
    ] {
        assert!((got.unwrap() - want).abs() < 5e-5, "{got:?} against {want}");
    }
    // Money in whole kopecks: D1 1 000.00 → 500.00 + 500.00; D3 600.01 → A ⌊60001·2/3⌋ =
    // 400.00 and B ⌊60001/3⌋ = 200.00, the leftover kopeck to A (the latest touch) = 400.01.
    // A = 500.00 + 400.01 + 400.00 = 1 300.01; B = 500.00 + 200.00 = 700.00; sum 2 000.01.
    assert_eq!(col(&t, "won_amount"), ["1300.01", "700.00", "0.00", ""]);
    assert_eq!(
        col(&t, "paid_amount"),
        ["1200.01", "700.00", "0.00", "0.00"]
    );
    // Leads A = 19/6 + 1 (K6); cost per lead 1000 / 4.166667 = 240.00; B 500 / (11/6) =
    // 272.73. New customers: A =
    // D1 ½ + D5 1 = 1.5 → 666.67 each; B = D1 ½ → 1 000.00.
    assert_eq!(col(&t, "cost_per_lead"), ["240.00", "272.73", "", ""]);
    assert_eq!(col(&t, "new_customers"), ["1.5", "0.5", "0", "0"]);
    assert_eq!(col(&t, "cost_per_customer"), ["666.67", "1000.00", "", ""]);
    // ROMI A (1200.01 − 1000)/1000 = 0.20001.
    assert_eq!(col(&t, "romi"), ["0.20001", "0.4", "", "-1"]);
}

#[test]
fn cost_by_start_puts_it_all_in_the_first_period() {
    // A started in February: with `cost = "start"` March carries none of it (ROMI empty),
    // while B and E started in March and carry all.
    let (t, _) = table(Attribution::First, CostRule::Start);
    assert_eq!(col(&t, "cost"), ["0.00", "500.00", "", "100.00", ""]);
    assert_eq!(col(&t, "romi"), ["", "0.20002", "", "-1", ""]);
    // February under "spread" gets A's other 1 000.00 (the two months add up to 2 000.00).
    let dir = folder(&[
        ("crmstat.toml", CONFIG),
        ("campaigns.csv", CAMPAIGNS),
        ("clients.csv", CLIENTS),
        ("deals.csv", DEALS),
        ("payments.csv", PAYMENTS),
    ]);
    let loaded = load(dir.path());
    let snap = snapshot(&loaded, "2024-02");
    let c = campaigns::campaigns(
        &loaded.tables,
        &snap,
        Attribution::First,
        &CampaignsConfig::default(),
        None,
    )
    .unwrap();
    let ids = col(&c.campaigns, "campaign_id");
    let cost = col(&c.campaigns, "cost");
    let a = ids.iter().position(|i| i == "A").unwrap();
    assert_eq!(cost[a], "1000.00");
}

#[test]
fn deals_alone_still_give_the_table() {
    // No clients, campaigns, payments or contacts: D2 and D3 carry their own campaign; the
    // rest (D1, D4, D5, D6 — no client campaign to fall back on) are the no-campaign row.
    // Names are the ids, cost and money paid unknown (empty, not zero).
    let dir = folder(&[("crmstat.toml", CONFIG), ("deals.csv", DEALS)]);
    let loaded = load(dir.path());
    let snap = snapshot(&loaded, "2024-03");
    let c = campaigns::campaigns(
        &loaded.tables,
        &snap,
        Attribution::First,
        &CampaignsConfig::default(),
        None,
    )
    .unwrap();
    let t = &c.campaigns;
    assert_eq!(col(t, "campaign_id"), ["A", "B", ""]);
    assert_eq!(col(t, "name"), ["A", "B", "(no campaign)"]);
    assert_eq!(col(t, "deals"), ["1", "1", "4"]);
    assert_eq!(col(t, "won"), ["0", "1", "2"]);
    assert_eq!(col(t, "paid_amount"), ["", "", ""]);
    assert_eq!(col(t, "cost"), ["", "", ""]);
    assert!(c.notes.iter().any(|n| n.contains("no payments table")));
}

/// The acquired clients' mean CLV under linear attribution, with K1 worth 900.00 and K5
/// 300.00 (K3 unknown): A's new customers are D1 ½ (K1) + D5 1 (K5), so (½·900 + 300) / 1.5
/// = 500.00, against 666.67 a new customer cost: 0.75; B's is D1 ½ (K1): 900.00 against
/// 1 000.00, 0.9. C and E acquired nobody: empty.
#[test]
fn linear_touch_mean_clv_of_new_customers() {
    let clv: std::collections::HashMap<String, Option<i128>> = [
        ("K1".to_string(), Some(90_000)),
        ("K5".to_string(), Some(30_000)),
        ("K3".to_string(), None),
    ]
    .into_iter()
    .collect();
    let (t, _) = table_with_clv(Attribution::Linear, CostRule::Spread, Some(&clv));
    assert_eq!(col(&t, "campaign_id"), ["A", "B", "C", "E"]);
    assert_eq!(
        col(&t, "mean_clv_new_customers"),
        ["500.00", "900.00", "", ""]
    );
    near(
        &t,
        "clv_to_cost_per_customer",
        &[Some(50_000.0 / 66_667.0), Some(0.9), None, None],
    );
}
