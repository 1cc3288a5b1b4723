//! Issue 14 through the command line, on hand-worked companies: speed to lead (and, as they
//! land, the forecast, pacing and pipeline figures).

use std::path::Path;

use assert_cmd::Command;

/// crmstat with these arguments.
fn crmstat<S: AsRef<std::ffi::OsStr>>(args: impl IntoIterator<Item = S>) -> std::process::Output {
    Command::cargo_bin("crmstat")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

/// crmstat with these arguments, which must succeed; its stderr.
fn ok<S: AsRef<std::ffi::OsStr>>(args: impl IntoIterator<Item = S>) -> String {
    let o = crmstat(args);
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    stderr
}

/// Arguments of mixed kinds (words and paths) as one list.
fn os(items: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<std::ffi::OsString> {
    items.iter().map(|i| i.as_ref().to_os_string()).collect()
}

fn run(cmd: &str, data: &Path, out: &Path) {
    ok(os(&[
        &cmd,
        &"--period",
        &"2024-03",
        &"--format",
        &"csv",
        &"--data",
        &data,
        &"--out",
        &out,
    ]));
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
        "level,group,leads,median_hours,p90_hours,within_5m,within_1h,within_24h,later,never,answered,name"
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
    // name: without a managers table a manager is named by its id; other rows by the group.
    assert_eq!(company[11], "company");
    let m2 = row("manager", "M2");
    assert_eq!(m2[11], "M2");
    assert_eq!(row("channel", "chat")[11], "chat");
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

/// June 2024 (30 days) as of the end of the 15th: half the period elapsed. Plans: M1 has a
/// monthly_plan of 1000.00; M2's 500.00 is overridden by its plans row of 600.00; M3 has none;
/// team A (M1, M2) has no row of its own: 1600.00; team B (M3) has a row of 2000.00; the
/// company 3600.00. Won by the 15th: M1 400.00 (D1; D2 is won on the 20th, after as-of, so it is
/// still open then), M2 700.00. Pipeline to the month's end: D2 (M1, stage C, 300.00) and D4
/// (M3, stage B, 1000.00); D5 is expected in July. Stage win rates over the deals closed in the
/// 12 months before (D1, D3, D8 won; D6 lost at A, D7 at B): p(B) = 3/4, p(C) = 3/3, so the
/// weighted pipeline is 300.00 and 750.00. Required coverage = closed ÷ won: M1 2/1, M2 2/2,
/// M3 none won, team A 4/3, company 5/3. D9 (M3, open, 200.00) was expected on 10 June: past
/// as-of, so not pipeline but overdue_pipeline (M3, team B and the company 200.00; the rest 0).
/// The last column names each manager (from managers.csv).
#[test]
fn pacing_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "crmstat.toml",
        "[funnel]\nstages = [\"A\", \"B\", \"C\"]\n",
    );
    write(
        d,
        "managers.csv",
        "manager_id,name,team,monthly_plan\nM1,Anna,A,1000.00\nM2,Boris,A,500.00\nM3,Vera,B,\n",
    );
    write(
        d,
        "plans.csv",
        "month,manager_id,team,amount\n2024-06,M2,,600.00\n06.2024,,B,\"2 000,00\"\n",
    );
    write(
        d,
        "deals.csv",
        "deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount,expected_close_at\n\
         D1,K1,M1,2024-05-20,2024-06-05,won,C,400.00,2024-06-05\n\
         D2,K2,M1,2024-05-21,2024-06-20,won,C,300.00,2024-06-25\n\
         D3,K3,M2,2024-05-22,2024-06-10,won,C,700.00,2024-06-10\n\
         D4,K4,M3,2024-06-01,,open,B,1000.00,2024-06-28\n\
         D5,K5,M3,2024-06-02,,open,A,50.00,2024-07-05\n\
         D6,K6,M1,2024-02-01,2024-03-01,lost,A,10.00,\n\
         D7,K7,M3,2024-02-01,2024-04-01,lost,B,10.00,\n\
         D8,K8,M2,2024-01-01,2024-02-01,won,C,100.00,\n\
         D9,K9,M3,2024-05-01,,open,B,200.00,2024-06-10\n",
    );
    let out = tempfile::tempdir().unwrap();
    let p = out.path().join("p");
    ok(os(&[
        &"pacing",
        &"--period",
        &"2024-06",
        &"--as-of",
        &"2024-06-15",
        &"--format",
        &"csv",
        &"--data",
        &d,
        &"--out",
        &p,
    ]));
    let table = lines(&p.join("pacing.csv"));
    assert_eq!(
        table[0],
        "manager_id,team,plan,won,attainment,expected_by_now,gap,pipeline,weighted_pipeline,coverage,required_coverage,level,elapsed_share,overdue_pipeline,name"
    );
    let third = |x: f64| format!("{x}");
    assert_eq!(
        table[1..],
        [
            "M1,A,1000.00,400.00,0.4,500.00,600.00,300.00,300.00,0.5,2.0,manager,0.5,0.00,Anna"
                .to_string(),
            format!(
                "M2,A,600.00,700.00,{},300.00,-100.00,0.00,0.00,,1.0,manager,0.5,0.00,Boris",
                third(700.0 / 600.0)
            ),
            "M3,B,,0.00,,,,1000.00,750.00,,,manager,0.5,200.00,Vera".to_string(),
            format!(
                ",A,1600.00,1100.00,0.6875,800.00,500.00,300.00,300.00,0.6,{},team,0.5,0.00,",
                third(4.0 / 3.0)
            ),
            ",B,2000.00,0.00,0.0,1000.00,2000.00,1000.00,750.00,0.5,,team,0.5,200.00,".to_string(),
            format!(
                ",,3600.00,1100.00,{},1800.00,2500.00,1300.00,1050.00,0.52,{},company,0.5,200.00,",
                third(1100.0 / 3600.0),
                third(5.0 / 3.0)
            ),
        ]
    );

    // An as-of outside the period is refused by name.
    let o = crmstat(os(&[
        &"pacing",
        &"--period",
        &"2024-06",
        &"--as-of",
        &"2024-07-02",
        &"--data",
        &d,
    ]));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("outside the period 2024-06"));
}

/// The March 2024 pipeline (window = the period), each bucket once. At 1 March:
/// S (100.00, expected 20 March) won on the 18th; O (300.00, expected 15 March) pushed twice on
/// 12 March (to 20 April, then 1 May: one slip, 36 + 11 = 47 days) and open at the end; I
/// (400.00 → 450.00 on the 20th, expected 30 → 31 March: a 1-day slip) open at the end; D
/// (500.00 → 420.00 on the 5th) won on the 8th; L (60.00) lost on the 13th. P (200.00, expected
/// 15 April) pulled in to 28 March on the 10th, open at the end. C created 5 March (50.00) and won
/// on the 25th. Y (70.00) expected in June, won on the 22nd: followed as every won deal, pulled
/// in. Not followed: X, created 2 March and expected in May; Z, lost but never in the window.
///
/// start 5 deals 1360.00 (S, O, I, D, L); created 1, 50.00; pulled_in 2, 270.00 (P, Y);
/// increased 50.00; decreased 80.00; won 4, 640.00 (S, C, D at 420.00, Y); lost 1, 60.00;
/// pushed_out 1, 300.00 (O); end 2, 650.00 (P, I at 450.00).
/// Deals: 5 + 1 + 2 = 4 + 1 + 1 + 2. Money: 1360 + 50 + 270 + 50 − 80 = 1650 = 640 + 60 + 300 + 650.
#[test]
fn pipeline_waterfall_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "crmstat.toml", "[funnel]\nstages = [\"A\", \"B\"]\n");
    write(
        d,
        "deals.csv",
        "deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount,expected_close_at\n\
         S,K1,M1,2024-02-10,2024-03-18,won,B,100.00,2024-03-20\n\
         C,K2,M1,2024-03-05,2024-03-25,won,B,50.00,2024-03-25\n\
         P,K3,M1,2024-02-01,,open,A,200.00,2024-03-28\n\
         O,K4,M2,2024-02-05,,open,A,300.00,2024-05-01\n\
         I,K5,M1,2024-02-15,,open,B,450.00,2024-03-31\n\
         D,K6,M1,2024-02-20,2024-03-08,won,B,420.00,2024-03-10\n\
         L,K7,M1,2024-01-10,2024-03-13,lost,A,60.00,2024-03-12\n\
         X,K8,M1,2024-03-02,,open,A,80.00,2024-05-10\n\
         Y,K9,M1,2024-01-05,2024-03-22,won,B,70.00,2024-06-30\n\
         Z,K10,M1,2024-01-06,2024-03-15,lost,A,90.00,2024-07-01\n",
    );
    write(
        d,
        "deal_changes.csv",
        "deal_id,changed_at,field,old_value,new_value\n\
         P,2024-03-10 11:00,expected_close_at,2024-04-15,2024-03-28\n\
         O,2024-03-12 10:00,expected_close_at,2024-03-15,2024-04-20\n\
         O,2024-03-12 16:00,expected_close_at,2024-04-20,2024-05-01\n\
         I,2024-03-20 09:00,amount,400.00,450.00\n\
         I,2024-03-25 09:00,expected_close_at,2024-03-30,2024-03-31\n\
         D,2024-03-05 12:00,amount,\"500,00\",420.00\n\
         P,2024-03-11,stage,A,B\n\
         P,2024-03-11,amount,,12.3.4\n\
         P,2024-03-11,expected_close_at,2024-03-28,0001-01-01\n",
    );
    let out = tempfile::tempdir().unwrap();
    let p = out.path().join("p");
    run("pipeline", d, &p);
    assert_eq!(
        lines(&p.join("pipeline_waterfall.csv")),
        vec![
            "bucket,deals,amount",
            "start,5,1360.00",
            "created,1,50.00",
            "pulled_in,2,270.00",
            "increased,,50.00",
            "decreased,,80.00",
            "won,4,640.00",
            "lost,1,60.00",
            "pushed_out,1,300.00",
            "end,2,650.00",
        ]
    );
    assert_eq!(
        lines(&p.join("slippage.csv")),
        vec![
            "deal_id,manager_id,slips,days_pushed,first_expected_close_at,expected_close_at",
            "O,M2,1,47.0,2024-03-15 00:00:00,2024-05-01 00:00:00",
            "I,M1,1,1.0,2024-03-30 00:00:00,2024-03-31 00:00:00",
        ]
    );
    assert_eq!(
        lines(&p.join("slippage_by_manager.csv")),
        vec![
            "manager_id,deals_slipped,slips,days_pushed",
            "M1,1,1,1.0",
            "M2,1,1,47.0",
        ]
    );
    // Changes that break the contract are rejected by line, not used.
    let rejects = std::fs::read_to_string(p.join("rejects.csv")).unwrap();
    assert!(
        rejects.contains("deal_changes,deal_changes.csv,8,field,stage,\"must be one of amount, expected_close_at, probability, manager_id\""),
        "{rejects}"
    );
    assert!(
        rejects.contains("deal_changes,deal_changes.csv,9,new_value,12.3.4,amount:"),
        "{rejects}"
    );
    // A placeholder date is no expected close (the plausible years, as for every date).
    assert!(
        rejects.contains("deal_changes,deal_changes.csv,10,new_value,0001-01-01,\"expected_close_at: the year 1 is outside the plausible years 1990–2100"),
        "{rejects}"
    );
}

/// Two exports of the same CRM, a week apart: D1's expected close pushed from 20 to 30 March,
/// D2's amount changed from 100.00 to 120.50 and its owner from M1 to M2, D3 unchanged, D4 new.
/// Three changes, dated at the after export's latest moment (D4 created 10 March 09:00), and
/// the pipeline then sees D1's slip.
#[test]
fn diff_of_two_exports() {
    let root = tempfile::tempdir().unwrap();
    let (before, after) = (root.path().join("before"), root.path().join("after"));
    for d in [&before, &after] {
        std::fs::create_dir(d).unwrap();
        write(d, "crmstat.toml", "[funnel]\nstages = [\"A\", \"B\"]\n");
    }
    let header = "deal_id,client_id,manager_id,created_at,status,stage,amount,expected_close_at\n";
    write(
        &before,
        "deals.csv",
        &format!(
            "{header}D1,K1,M1,2024-03-01,open,A,50.00,2024-03-20\n\
             D2,K2,M1,2024-03-02,open,A,100.00,2024-03-25\n\
             D3,K3,M1,2024-03-03,open,B,10.00,2024-03-28\n"
        ),
    );
    write(
        &after,
        "deals.csv",
        &format!(
            "{header}D1,K1,M1,2024-03-01,open,A,50.00,2024-03-30\n\
             D2,K2,M2,2024-03-02,open,B,120.50,2024-03-25\n\
             D3,K3,M1,2024-03-03,open,B,10.00,2024-03-28\n\
             D4,K4,M1,2024-03-10 09:00,open,A,5.00,2024-04-02\n"
        ),
    );
    let out = root.path().join("changes");
    let stderr = ok(os(&[
        &"diff",
        &"--before",
        &before,
        &"--after",
        &after,
        &"--out",
        &out,
    ]));
    assert_eq!(
        lines(&out.join("deal_changes.csv")),
        vec![
            "deal_id,changed_at,field,old_value,new_value",
            "D1,2024-03-10 09:00:00,expected_close_at,2024-03-20 00:00:00,2024-03-30 00:00:00",
            "D2,2024-03-10 09:00:00,amount,100.00,120.50",
            "D2,2024-03-10 09:00:00,manager_id,M1,M2",
        ]
    );
    assert!(stderr.contains("deals new in the after export: 1"));
    // The changes beside the after export: D1 slipped 10 days.
    std::fs::copy(out.join("deal_changes.csv"), after.join("deal_changes.csv")).unwrap();
    let p = root.path().join("p");
    run("pipeline", &after, &p);
    assert_eq!(
        lines(&p.join("slippage.csv"))[1],
        "D1,M1,1,10.0,2024-03-20 00:00:00,2024-03-30 00:00:00"
    );
    // An output inside an input folder is refused.
    let inside = after.join("x");
    let o = crmstat(os(&[
        &"diff",
        &"--before",
        &before,
        &"--after",
        &after,
        &"--out",
        &inside,
    ]));
    assert_eq!(o.status.code(), Some(2));
}

/// Tiers keyed to the plan (the issue's hand-check): a plan of 33,000.00 a month; 5 % below 50 %
/// of it, 10 % at 50–100 %, 12 % at 100–150 %, 15 % above. M1 is paid 25,000.00 + 15,000.00 in May
/// (121.2 % of the plan) and refunds 2,000.00; M2 (plan 10,000.00) is paid 4,000.00 (40 %).
/// Retroactive: M1 reaches the 12 % tier on the 40,000.00 that came in (the refund does not
/// lower it): (40,000 − 2,000) × 12 % = 4,560.00; M2 5 % × 4,000 = 200.00.
/// Marginal: M1 16,500 × 5 % + 16,500 × 10 % + 7,000 × 12 % = 825 + 1,650 + 840 = 3,315.00, and the
/// refund claws back at the 12 % its money earned: 3,315 − 240 = 3,075.00; M2 200.00.
#[test]
fn plan_keyed_commission_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "managers.csv",
        "manager_id,name,monthly_plan\nM1,Anna,33000.00\nM2,Boris,10000.00\n",
    );
    write(
        d,
        "deals.csv",
        "deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount\n\
         D1,K1,M1,2024-04-20,2024-05-02,won,B,25000.00\n\
         D2,K2,M1,2024-04-21,2024-05-10,won,B,15000.00\n\
         D3,K3,M2,2024-04-22,2024-05-11,won,B,4000.00\n",
    );
    write(
        d,
        "payments.csv",
        "payment_id,deal_id,paid_at,amount\nP1,D1,2024-05-03,25000.00\nP2,D2,2024-05-12,15000.00\n\
         P3,D1,2024-05-20,-2000.00\nP4,D3,2024-05-13,4000.00\n",
    );
    let commission = |kind: &str| -> Vec<(String, String)> {
        write(
            d,
            "crmstat.toml",
            &format!(
                "[funnel]\nstages = [\"A\", \"B\"]\n[payroll]\nscheme = \"plan\"\n[payroll.schemes.plan]\n\
                 type = \"{kind}\"\ntiers = [{{ from_plan = 0, percent = 5 }}, {{ from_plan = 50, percent = 10 }}, \
                 {{ from_plan = 100, percent = 12 }}, {{ from_plan = 150, percent = 15 }}]\n"
            ),
        );
        let out = tempfile::tempdir().unwrap();
        let o = out.path();
        ok(os(&[
            &"payroll",
            &"--period",
            &"2024-05",
            &"--format",
            &"csv",
            &"--data",
            &d,
            &"--out",
            &o,
        ]));
        let table = lines(&out.path().join("payroll.csv"));
        let header: Vec<&str> = table[0].split(',').collect();
        let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
        table[1..]
            .iter()
            .map(|l| {
                let v: Vec<&str> = l.split(',').collect();
                (
                    v[at("manager_id")].to_string(),
                    v[at("commission")].to_string(),
                )
            })
            .collect()
    };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        commission("retroactive"),
        pairs(&[("M1", "4560.00"), ("M2", "200.00")])
    );
    assert_eq!(
        commission("marginal"),
        pairs(&[("M1", "3075.00"), ("M2", "200.00")])
    );
}

/// Nothing after as-of is used, deal_changes included: D1 was won in March at 150.00 and
/// re-quoted to 200.00 on 5 April, so March's won amount is 150.00 (today's value is 200.00).
#[test]
fn the_snapshot_takes_amounts_as_of_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "crmstat.toml", "[funnel]\nstages = [\"A\", \"B\"]\n");
    write(
        d,
        "deals.csv",
        "deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount\n\
         D1,K1,M1,2024-03-01,2024-03-10,won,B,200.00\n\
         D2,K2,M1,2024-03-02,2024-03-12,won,B,30.00\n",
    );
    write(
        d,
        "deal_changes.csv",
        "deal_id,changed_at,field,old_value,new_value\nD1,2024-04-05,amount,150.00,200.00\n",
    );
    let out = tempfile::tempdir().unwrap();
    let f = out.path().join("f");
    run("funnel", d, &f);
    let win = lines(&f.join("win_rate.csv"));
    let header: Vec<&str> = win[0].split(',').collect();
    let row: Vec<&str> = win[1].split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(row[at("won_amount")], "180.00", "{win:?}");
}

/// Pacing counts no plan for a manager who left before the period: M2 (1,000.00 a month) left
/// in May, so June has plans of M1 and M3 only. M1 (3,000.00 a month) left on 10 June: 10 of
/// June's 30 days, 3,000.00 × 10 / 30 = 1,000.00 (as in payroll); M3 500.00; the company
/// 1,500.00.
#[test]
fn pacing_leaves_out_the_plans_of_managers_gone_before_the_period() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "crmstat.toml", "[funnel]\nstages = [\"A\", \"B\"]\n");
    write(
        d,
        "managers.csv",
        "manager_id,name,left_on,monthly_plan\nM1,Anna,2024-06-10,3000.00\nM2,Boris,2024-05-20,1000.00\nM3,Vera,,500.00\n",
    );
    write(
        d,
        "deals.csv",
        "deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount\n\
         D1,K1,M3,2024-06-01,2024-06-05,won,B,100.00\n",
    );
    let out = tempfile::tempdir().unwrap();
    let p = out.path().join("p");
    ok(os(&[
        &"pacing",
        &"--period",
        &"2024-06",
        &"--format",
        &"csv",
        &"--data",
        &d,
        &"--out",
        &p,
    ]));
    let table = lines(&p.join("pacing.csv"));
    let plan = |start: &str| -> String {
        let row = table.iter().find(|l| l.starts_with(start)).unwrap();
        row.split(',').nth(2).unwrap().to_string()
    };
    assert_eq!(
        (plan("M1,"), plan("M2,"), plan("M3,"), plan(",,")),
        (
            "1000.00".to_string(),
            String::new(),
            "500.00".to_string(),
            "1500.00".to_string()
        )
    );
}

/// Owners as of the period's end: D1 (won 10 March, 100.00, paid 15 March) was handed from M1
/// to M2 on 5 April, so the export names M2 but March is M1's; D2 (won 12 March, 50.00) came
/// to M1 from M2 on 5 March and is M1's too. March: M1 won 2 deals, 150.00, paid 100.00, and
/// payroll's basis 100.00 with 5 % = 5.00; M2 nothing. (Today's owners would give M1 one deal of
/// 50.00 and M2 the 100.00 and its commission.)
#[test]
fn deals_stay_with_the_owner_they_had_at_the_period_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "crmstat.toml", "[funnel]\nstages = [\"A\", \"B\"]\n");
    write(d, "managers.csv", "manager_id,name\nM1,Anna\nM2,Boris\n");
    write(
        d,
        "deals.csv",
        "deal_id,client_id,manager_id,created_at,closed_at,status,stage,amount\n\
         D1,K1,M2,2024-03-01,2024-03-10,won,B,100.00\n\
         D2,K2,M1,2024-03-02,2024-03-12,won,B,50.00\n",
    );
    write(
        d,
        "deal_changes.csv",
        "deal_id,changed_at,field,old_value,new_value\n\
         D1,2024-04-05,manager_id,M1,M2\n\
         D2,2024-03-05,manager_id,M2,M1\n",
    );
    write(
        d,
        "payments.csv",
        "payment_id,deal_id,paid_at,amount\nP1,D1,2024-03-15,100.00\n",
    );
    let out = tempfile::tempdir().unwrap();
    let (m, p) = (out.path().join("m"), out.path().join("p"));
    run("managers", d, &m);
    run("payroll", d, &p);
    let pick = |path: &Path, row: &str, names: &[&str]| -> Vec<String> {
        let table = lines(path);
        let header: Vec<&str> = table[0].split(',').collect();
        let line = table.iter().find(|l| l.starts_with(row)).unwrap();
        let cells: Vec<&str> = line.split(',').collect();
        names
            .iter()
            .map(|n| cells[header.iter().position(|h| h == n).unwrap()].to_string())
            .collect()
    };
    let kpis = ["deals_won", "won_amount", "paid_amount"];
    assert_eq!(
        pick(&m.join("managers.csv"), "M1,", &kpis),
        ["2.0", "150.00", "100.00"]
    );
    assert_eq!(
        pick(&m.join("managers.csv"), "M2,", &kpis),
        ["0.0", "0.00", "0.00"]
    );
    let pay = ["basis_amount", "commission"];
    assert_eq!(
        pick(&p.join("payroll.csv"), "M1,", &pay),
        ["100.00", "5.00"]
    );
    assert_eq!(pick(&p.join("payroll.csv"), "M2,", &pay), ["0.00", "0.00"]);
}

/// `diff` names each export's rejected rows with its folder (both have a deals.csv) and lists
/// them in its rejects table; a deal the before export rejected (D2's 32 March) is not new in
/// the after one; an `--at` before the before export's own latest moment is
/// refused (the changes happened between the two exports).
#[test]
fn diff_names_each_exports_rejects_and_refuses_an_early_at() {
    let root = tempfile::tempdir().unwrap();
    let (before, after) = (root.path().join("before"), root.path().join("after"));
    for d in [&before, &after] {
        std::fs::create_dir(d).unwrap();
        write(d, "crmstat.toml", "[funnel]\nstages = [\"A\", \"B\"]\n");
    }
    let header = "deal_id,client_id,manager_id,created_at,status,stage,amount\n";
    write(
        &before,
        "deals.csv",
        &format!("{header}D1,K1,M1,2024-03-01,open,A,50.00\nD2,K2,M1,2024-03-32,open,A,10.00\n"),
    );
    write(
        &after,
        "deals.csv",
        &format!(
            "{header}D1,K1,M1,2024-03-01,open,A,60.00\nD3,K3,M1,2024-03-05,open,A,1.2.3\n\
             D2,K2,M1,2024-03-01,open,A,10.00\n"
        ),
    );
    let out = root.path().join("changes");
    let stderr = ok(os(&[
        &"diff",
        &"--before",
        &before,
        &"--after",
        &after,
        &"--out",
        &out,
    ]));
    let b = before.join("deals.csv").display().to_string();
    let a = after.join("deals.csv").display().to_string();
    assert!(stderr.contains(&format!("{b}:3: created_at")), "{stderr}");
    assert!(stderr.contains(&format!("{a}:3: amount")), "{stderr}");
    // D2, rejected in the before export, is not new in the after one.
    assert!(
        stderr.contains("deals new in the after export: 0"),
        "{stderr}"
    );
    assert!(
        stderr.contains("deals rejected in one export and read in the other: 1;"),
        "{stderr}"
    );
    let rejects = lines(&out.join("rejects.csv"));
    assert_eq!(rejects.len(), 3, "{rejects:?}");
    assert!(
        rejects[1].contains(&b) && rejects[2].contains(&a),
        "{rejects:?}"
    );
    // D1's amount changed, dated at the after export's latest moment: 1 March, as D3 (5 March)
    // was rejected.
    assert_eq!(
        lines(&out.join("deal_changes.csv"))[1],
        "D1,2024-03-01 00:00:00,amount,50.00,60.00"
    );
    let early = crmstat(os(&[
        &"diff",
        &"--before",
        &before,
        &"--after",
        &after,
        &"--at",
        &"2024-02-20",
        &"--out",
        &root.path().join("early"),
    ]));
    assert_eq!(early.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&early.stderr).contains("already has a moment after it"));
}
