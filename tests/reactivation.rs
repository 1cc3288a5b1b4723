//! Reactivation on a hand-worked company, as of the end of June 2024 (the as-of day is
//! 30 June; days are whole calendar days). Every expected figure is worked out below.
//!
//! Purchases (won deals, at their close):
//! - R1: 1 Jan (100), 1 Feb (200), 2 Mar (300) → gaps 31, 30, mean 30.5; 120 days since.
//! - R2: 1 May (1 000) → 60 days since; a refund dated 5 July is after as-of.
//! - R3: 1 Apr (50), 16 May (70) → gap 45; 45 days since: not over (45 > 45 is false).
//! - R4: 15 Jan (400) and a deal open since 10 June → not a candidate.
//! - R5: 1 Dec 2023 (250); owner M2 left on 31 May → flagged for reassignment.
//! - R6: 1 Mar (500, 100 refunded → revenue 400) and 1 Apr (300, refunded in full: no
//!   purchase) → one purchase, 121 days since.
//! - R7: 5 Mar (150); its July deal is created after as-of and not seen → 117 days.
//! - R8: two deals won on 10 Feb (100 and 300) → one purchase day, typical 200, revenue
//!   400; no owner in clients, so the manager of its latest deal (M1).
//!
//! Company median gap: all consecutive purchase-day gaps pooled = [31, 30, 45] → 31. The
//! one-purchase threshold = max(31 × 1.0, floor 30) = 31.

mod common;

use common::{folder, load, numbers, snapshot, texts};
use crmstat::config::{Config, PurchaseSource};
use crmstat::metrics::{managers, reactivation};
use polars::prelude::DataFrame;

const CONFIG: &str = "[funnel]\nstages = [\"Звонок\", \"Счет\", \"Договор\"]\n";

const MANAGERS: &str = "\
manager_id,name,left_on
M1,Анна,
M2,Борис,2024-05-31
";

const CLIENTS: &str = "\
client_id,name,manager_id,created_at
R1,Первый,M1,2023-12-01
R2,Второй,M1,2023-12-01
R3,Третий,M1,2023-12-01
R4,Четвёртый,M1,2023-12-01
R5,Пятый,M2,2023-11-01
R6,Шестой,M1,2023-12-01
R7,Седьмой,M1,2023-12-01
R8,Восьмой,,2023-12-01
";

const DEALS: &str = "\
deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount
D11,R1,M1,2023-12-20,2024-01-01,won,Договор,100.00
D12,R1,M1,2024-01-20,2024-02-01,won,Договор,200.00
D13,R1,M1,2024-02-20,2024-03-02,won,Договор,300.00
D21,R2,M1,2024-04-20,2024-05-01,won,Договор,1000.00
D31,R3,M1,2024-03-20,2024-04-01,won,Договор,50.00
D32,R3,M1,2024-05-01,2024-05-16,won,Договор,70.00
D41,R4,M1,2024-01-05,2024-01-15,won,Договор,400.00
D42,R4,M1,2024-06-10,,open,Счет,900.00
D51,R5,M2,2023-11-20,2023-12-01,won,Договор,250.00
D61,R6,M1,2024-02-20,2024-03-01,won,Договор,500.00
D62,R6,M1,2024-03-20,2024-04-01,won,Договор,300.00
D71,R7,M1,2024-02-25,2024-03-05,won,Договор,150.00
D72,R7,M1,2024-07-02,2024-07-10,won,Договор,800.00
D81,R8,M1,2024-02-01,2024-02-10,won,Договор,100.00
D82,R8,M1,2024-02-02,2024-02-10,won,Договор,300.00
";

const PAYMENTS: &str = "\
payment_id,deal_id,paid_at,amount
P1,D61,2024-03-02,500.00
P2,D61,2024-03-20,-100.00
P3,D62,2024-04-02,300.00
P4,D62,2024-04-10,-300.00
P5,D21,2024-07-05,-1000.00
P6,D21,2024-05-02,1000.00
";

fn run(purchases: PurchaseSource) -> reactivation::Reactivation {
    let dir = folder(&[
        ("crmstat.toml", CONFIG),
        ("managers.csv", MANAGERS),
        ("clients.csv", CLIENTS),
        ("deals.csv", DEALS),
        ("payments.csv", PAYMENTS),
    ]);
    let loaded = load(dir.path());
    assert_eq!(loaded.report.rejected(), 0, "{:?}", loaded.report.problems);
    let snap = snapshot(&loaded, "2024-06");
    let roster = managers::roster(&loaded.tables, &snap.period).unwrap();
    let mut cfg = Config::default().reactivation;
    cfg.purchases = purchases;
    reactivation::reactivation(&loaded.tables, &snap, &roster, &cfg, None).unwrap()
}

fn col(frame: &DataFrame, name: &str) -> Vec<String> {
    texts(frame, name)
}

#[test]
fn candidates_by_hand() {
    let r = run(PurchaseSource::Deals);
    let c = &r.candidates;
    // 8 buyers is too few for BG/NBD (20 needed): p_alive is left empty and said so, and
    // the list falls back to days overdue.
    assert!(r.fit.is_none());
    assert!(
        r.notes.iter().any(|n| n.contains("BG/NBD needs")),
        "{:?}",
        r.notes
    );
    // Overdue: R5 212 − 31 = 181; R8 141 − 31 = 110; R6 121 − 31 = 90; R1 120 − 30.5 = 89.5;
    // R7 117 − 31 = 86; R2 60 − 31 = 29. Not listed: R3 (45, not over 45), R4 (open deal).
    assert_eq!(col(c, "client_id"), ["R5", "R8", "R6", "R1", "R7", "R2"]);
    assert_eq!(
        col(c, "days_overdue"),
        ["181", "110", "90", "89.5", "86", "29"]
    );
    assert_eq!(
        col(c, "days_since_last"),
        ["212", "141", "121", "120", "117", "60"]
    );
    assert_eq!(
        col(c, "threshold_days"),
        ["31", "31", "31", "30.5", "31", "31"]
    );
    assert_eq!(col(c, "mean_gap_days"), ["", "", "", "30.5", "", ""]);
    assert_eq!(col(c, "purchases"), ["1", "1", "1", "3", "1", "1"]);
    assert_eq!(
        col(c, "last_purchase_at"),
        [
            "2023-12-01",
            "2024-02-10",
            "2024-03-01",
            "2024-03-02",
            "2024-03-05",
            "2024-05-01"
        ]
    );
    // Revenue: R6 500 − 100 (the 300 deal was refunded in full: no purchase, no revenue);
    // R2's July refund is after as-of.
    assert_eq!(
        col(c, "lifetime_revenue"),
        ["250.00", "400.00", "400.00", "600.00", "150.00", "1000.00"]
    );
    // Typical = median purchase: R8 (100, 300) → 200; R1 (100, 200, 300) → 200.
    assert_eq!(
        col(c, "typical_amount"),
        ["250.00", "200.00", "500.00", "200.00", "150.00", "1000.00"]
    );
    assert_eq!(col(c, "manager_id"), ["M2", "M1", "M1", "M1", "M1", "M1"]);
    assert_eq!(
        col(c, "manager_active"),
        ["false", "true", "true", "true", "true", "true"]
    );
    assert_eq!(col(c, "action")[0], "reassign: the owner has left");
    assert_eq!(col(c, "action")[1], "call");
    assert_eq!(col(c, "p_alive"), ["", "", "", "", "", ""]);
}

#[test]
fn rfm_scores_by_hand() {
    // Recency (days since, fewer is better): R5 212, R4 167, R8 141, R6 121, R1 120, R7 117,
    // R2 60, R3 45 → min-ranks 1…8 → score 1 + ⌊5·(rank − 1)/8⌋ = 1 1 2 2 3 4 4 5.
    // Frequency: six clients with 1 (rank 1 → 1), R3 2 (rank 7 → 4), R1 3 (rank 8 → 5).
    // Monetary: R3 120 (1), R7 150 (1), R5 250 (rank 3 → 2), R4 R6 R8 400 (rank 4 → 2),
    // R1 600 (rank 7 → 4), R2 1000 (rank 8 → 5).
    let r = run(PurchaseSource::Deals);
    let rfm = &r.rfm;
    let ids = col(rfm, "client_id");
    assert_eq!(ids, ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"]);
    assert_eq!(
        col(rfm, "r_score"),
        ["3", "4", "5", "1", "1", "2", "4", "2"]
    );
    assert_eq!(
        col(rfm, "f_score"),
        ["5", "1", "4", "1", "1", "1", "1", "1"]
    );
    assert_eq!(
        col(rfm, "m_score"),
        ["4", "5", "1", "2", "2", "2", "1", "2"]
    );
    // The grid: (3,5) Loyal, (4,1) Promising, (5,4) Champions, (1|2, 1) Hibernating.
    assert_eq!(
        col(rfm, "rfm_segment"),
        [
            "Loyal",
            "Promising",
            "Champions",
            "Hibernating",
            "Hibernating",
            "Hibernating",
            "Promising",
            "Hibernating"
        ]
    );
    // Segments table: Hibernating 4 clients, all but R4 candidates.
    let s = &r.segments;
    let seg = col(s, "segment");
    let h = seg.iter().position(|x| x == "Hibernating").unwrap();
    assert_eq!(col(s, "clients")[h], "4");
    assert_eq!(col(s, "candidates")[h], "3");
    assert_eq!(col(s, "revenue")[h], "1450.00");
}

#[test]
fn payments_as_purchases() {
    // Positive payments before as-of: R6 2 Mar (500) and 2 Apr (300) → 2 purchase days, gap
    // 31; R2 2 May (1 000). Refunds (−100, −300) lower R6's revenue to 400. Gaps pooled =
    // [31] → one-purchase threshold max(31, 30) = 31. R6: 89 days since 2 Apr, mean gap
    // 31 → overdue 58. R2: 59 days since 2 May → 28 over.
    let r = run(PurchaseSource::Payments);
    let c = &r.candidates;
    assert_eq!(col(c, "client_id"), ["R6", "R2"]);
    assert_eq!(col(c, "purchases"), ["2", "1"]);
    assert_eq!(col(c, "days_overdue"), ["58", "28"]);
    assert_eq!(col(c, "lifetime_revenue"), ["400.00", "1000.00"]);
    assert_eq!(numbers(c, "mean_gap_days"), [Some(31.0), None]);
}
