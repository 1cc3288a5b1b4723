//! Issue 14 through the command line, on hand-worked companies: speed to lead (and, as they
//! land, the forecast, pacing and pipeline figures).

use std::path::Path;

use assert_cmd::Command;

fn run(cmd: &str, data: &Path, out: &Path) {
    let o = Command::cargo_bin("crmstat")
        .unwrap()
        .args([cmd, "--period", "2024-03", "--format", "csv", "--data"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_string)
        .collect()
}

/// March 2024 (as of 1 April). Leads:
/// - K1: inbound call C1 on 5 March 10:00 (its February call is 33 days earlier, more than 30),
///   deal D1 opened at the same moment (one lead, not two); answered by M3's call at 10:04:
///   4 minutes = 0.0667 h. Next deal D1, won. Campaign CA (the contact's).
/// - K2: inbound email 6 March 09:00, answered by M2 at 12:00: 3 h. Next deal D2 (8 March),
///   lost. Campaign CB (the client's).
/// - K3: inbound chat 7 March 08:00, never answered: manager = the owner M1. Its chat of 17 March
///   is 10 days after another contact: not a lead. Next deal D3 (20 March), lost.
/// - K4: deal D4 created 10 March with no contact before: a lead of channel "(new deal)",
///   answered by M2's call on 12 March: 48 h. Next deal D4 itself, open. Campaign CD (the deal's).
///
/// Company: 4 leads, 3 answered, hours 0.0667, 3, 48 → median 3, p90 = 3 + 0.8 × 45 = 39;
/// within 5 min 1/4, within 1 h 1/4, within 24 h 2/4, later 1/4, never 1/4 (0.5 + 0.25 + 0.25 = 1).
/// M2: 3 h and 48 h → median 25.5, p90 = 3 + 0.9 × 45 = 43.5.
/// Win rate by bucket: within 5 min 1 of 1 won; 5 min–1 h no lead; 1–24 h 0 of 1 (lost);
/// later: D4 still open, no rate; never: 0 of 1.
#[test]
fn speed_to_lead_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "crmstat.toml",
        "[funnel]\nstages = [\"Звонок\", \"Счет\"]\n",
    );
    write(
        d,
        "deals.csv",
        "deal_id,client_id,manager_id,campaign_id,created_at,closed_at,status,stage,amount\n\
         D1,K1,M1,,2024-03-05 10:00,2024-03-20,won,Счет,100.00\n\
         D2,K2,M2,,2024-03-08,2024-03-25,lost,Звонок,50.00\n\
         D3,K3,M1,,2024-03-20,2024-03-28,lost,Звонок,10.00\n\
         D4,K4,M2,CD,2024-03-10,,open,Звонок,20.00\n",
    );
    write(
        d,
        "clients.csv",
        "client_id,manager_id,campaign_id,created_at\n\
         K1,M1,,2024-01-01\nK2,M2,CB,2024-01-01\nK3,M1,,2024-01-01\nK4,M2,,2024-01-01\n",
    );
    write(
        d,
        "contacts.csv",
        "contact_id,client_id,manager_id,at,channel,direction,campaign_id\n\
         C8,K1,M1,2024-02-01 10:00,phone,in,\n\
         C1,K1,M1,2024-03-05 10:00,phone,in,CA\n\
         C2,K1,M3,2024-03-05 10:04,phone,out,\n\
         C3,K2,M2,2024-03-06 09:00,email,in,\n\
         C4,K2,M2,2024-03-06 12:00,email,out,\n\
         C5,K3,M1,2024-03-07 08:00,chat,in,\n\
         C6,K3,M1,2024-03-17 08:00,chat,in,\n\
         C7,K4,M2,2024-03-12 00:00,phone,out,\n",
    );
    let out = tempfile::tempdir().unwrap();
    let m = out.path().join("m");
    run("managers", d, &m);
    let table = lines(&m.join("speed_to_lead.csv"));
    assert_eq!(
        table[0],
        "level,group,leads,median_hours,p90_hours,within_5m,within_1h,within_24h,later,never,answered"
    );
    let row = |level: &str, group: &str| -> Vec<String> {
        table
            .iter()
            .find(|l| l.starts_with(&format!("{level},{group},")))
            .unwrap_or_else(|| panic!("no row {level},{group} in {table:#?}"))
            .split(',')
            .map(str::to_string)
            .collect()
    };
    let num = |v: &str| v.parse::<f64>().unwrap();
    let company = row("company", "company");
    assert_eq!(company[2], "4");
    assert!((num(&company[3]) - 3.0).abs() < 1e-9, "{company:?}");
    assert!((num(&company[4]) - 39.0).abs() < 1e-9, "{company:?}");
    let shares: Vec<f64> = company[5..10].iter().map(|v| num(v)).collect();
    assert_eq!(shares, vec![0.25, 0.25, 0.5, 0.25, 0.25]);
    assert_eq!(company[10], "3");
    let m2 = row("manager", "M2");
    assert_eq!(m2[2], "2");
    assert!((num(&m2[3]) - 25.5).abs() < 1e-9 && (num(&m2[4]) - 43.5).abs() < 1e-9);
    let m1 = row("manager", "M1");
    assert_eq!(
        (m1[2].as_str(), m1[3].as_str(), m1[9].as_str()),
        ("1", "", "1.0")
    );
    let m3 = row("manager", "M3");
    assert_eq!(m3[5], "1.0");
    assert!((num(&m3[3]) - 4.0 / 60.0).abs() < 1e-9);
    assert_eq!(row("channel", "(new deal)")[8], "1.0");
    assert_eq!(row("channel", "chat")[9], "1.0");
    assert_eq!(row("campaign", "CA")[5], "1.0");
    assert_eq!(row("campaign", "CB")[7], "1.0");
    assert_eq!(row("campaign", "CD")[8], "1.0");
    assert_eq!(row("campaign", "(no campaign)")[9], "1.0");
    assert_eq!(table.len(), 1 + 3 + 4 + 4 + 1, "{table:#?}");

    let wins = lines(&m.join("speed_to_lead_win_rate.csv"));
    assert_eq!(
        wins,
        vec![
            "bucket,leads,with_deal,won,lost,win_rate,open",
            "within 5 min,1,1,1,0,1.0,0",
            "5 min to 1 h,0,0,0,0,,0",
            "1 h to 24 h,1,1,0,1,0.0,0",
            "later,1,1,0,0,,1",
            "never,1,1,0,1,0.0,0",
        ]
    );
}

/// Stages A, B, C. Closed deals: W1 won June 2023 (10.00), L1/L2/L3 lost at A/B/C in July to
/// September 2023, W2 won 15 February 2024 (300.00; history A 10 Jan, B 25 Jan, C 10 Feb), X lost
/// at A on 26 February (80.00, expected 25 February), W3 won 10 March (50.00).
///
/// As of 1 April, over the 7 deals closed since 1 April 2023 (3 won): p(A) = 3/7 (all 7
/// reached A), p(B) = 3/5 (W1, L2, L3, W2, W3), p(C) = 3/4 (W1, L3, W2, W3). Open and expected in
/// March: O1 at A 1000.00 → 428.57, O5 at A without an amount → 0, O2 at B 200.00 → 120.00, O3 at C
/// 100.00 → 75.00: weighted 623.57, + won so far 50.00 (W3) = 673.57; 4 deals, 1300.00.
/// April: O4 at C 400.00 → 300.00.
///
/// Backtest, February (made on 1 February, over the deals closed before: W1, L1, L2, L3):
/// p(A) = 1/4, p(B) = 1/3, p(C) = 1/2. Open then and expected in February: W2, at B by its
/// history → 300.00 / 3 = 100.00; X (no history: its stage A) → 80.00 / 4 = 20.00; forecast 120.00,
/// won 300.00: error −180.00, 0.6. June 2023: nothing expected, 10.00 won: error −10.00, 1.0.
/// The other months won nothing (no percentage). MAPE (1.0 + 0.6) / 2 = 0.8; bias −0.8.
/// Months before the first deal (created May 2023) are left out: May 2023 – February 2024.
#[test]
fn forecast_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "crmstat.toml",
        "[funnel]\nstages = [\"A\", \"B\", \"C\"]\n",
    );
    write(
        d,
        "deals.csv",
        "deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount,expected_close_at\n\
         W1,K1,M1,2023-05-01,2023-06-15,won,C,10.00,\n\
         L1,K2,M1,2023-05-02,2023-07-15,lost,A,1.00,\n\
         L2,K3,M1,2023-05-03,2023-08-15,lost,B,1.00,\n\
         L3,K4,M1,2023-05-04,2023-09-15,lost,C,1.00,\n\
         W2,K5,M1,2024-01-10,2024-02-15,won,C,300.00,2024-02-20\n\
         X,K6,M1,2024-01-20,2024-02-26,lost,A,80.00,2024-02-25\n\
         W3,K7,M1,2024-03-01,2024-03-10,won,C,50.00,2024-03-10\n\
         O1,K8,M1,2024-03-02,,open,A,1000.00,2024-03-30\n\
         O2,K9,M1,2024-03-02,,open,B,200.00,2024-03-15\n\
         O3,K10,M1,2024-03-03,,open,C,100.00,2024-03-31 23:00\n\
         O4,K11,M1,2024-03-04,,open,C,400.00,2024-04-10\n\
         O5,K12,M1,2024-03-05,,open,A,,2024-03-20\n",
    );
    write(
        d,
        "stage_history.csv",
        "deal_id,stage,entered_at\nW2,A,2024-01-10\nW2,B,2024-01-25\nW2,C,2024-02-10\n",
    );
    let out = tempfile::tempdir().unwrap();
    let f = out.path().join("f");
    run("forecast", d, &f);
    let table = lines(&f.join("forecast.csv"));
    assert_eq!(
        table,
        vec![
            "window,won_so_far,open_deals,open_amount,weighted_amount,projection,backtest_mape,backtest_bias",
            "2024-03,50.00,4,1300.00,623.57,673.57,0.8,-0.8",
            "2024-04,0.00,1,400.00,300.00,300.00,0.8,-0.8",
        ]
    );
    let back = lines(&f.join("forecast_backtest.csv"));
    assert_eq!(back[0], "month,forecast,actual,error,abs_pct_error");
    assert_eq!(back.len(), 1 + 10, "{back:#?}");
    assert_eq!(back[1], "2023-05,0.00,0.00,0.00,");
    assert_eq!(back[2], "2023-06,0.00,10.00,-10.00,1.0");
    assert_eq!(back[10], "2024-02,120.00,300.00,-180.00,0.6");

    // The report says it in one sentence, after the headline; summary.json carries the row.
    let r = out.path().join("r");
    run("report", d, &r);
    // Amounts and their symbol are joined by non-breaking spaces.
    let page = std::fs::read_to_string(r.join("index.html"))
        .unwrap()
        .replace(['\u{a0}', '\u{202f}'], " ");
    assert!(
        page.contains(
            "The projection for 2024-03 is 673.57 ₽: 50.00 ₽ won so far and 623.57 ₽ expected from the open deals due to close in it (4)"
        ),
        "{page}"
    );
    assert!(page.contains("off by 80.0% on average"), "{page}");
    let at = |id: &str| page.find(&format!("id=\"{id}\"")).unwrap();
    assert!(at("headline") < at("forecast") && at("forecast") < at("funnel"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(r.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["forecast"]["window"], "2024-03");
    assert_eq!(summary["forecast"]["backtest_mape"].as_f64(), Some(0.8));
}
