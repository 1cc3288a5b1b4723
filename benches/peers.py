"""The peers crmstat is measured against (run by benches/peers.sh, in its venv).

    python peers.py duckdb DATA_DIR csv|parquet PERIOD [--show]
        DuckDB computing the monthly report's figures on the same files: every table
        loaded typed, the as-of snapshot (status, furthest and loss stage), the cohort
        funnel (reached, visited), win rate (closed in the period and the cohort's),
        losses per stage and reasons, stalled deals (p90 of completed visits), follow-up
        after the invoice stage, the cycle, manager KPIs, campaigns, reactivation
        candidates, the headline of the period, the previous one and a year earlier, and
        the 12-month trend. --show prints the key figures, to compare with crmstat's.
    python peers.py count DATA_DIR       DuckDB count(*) over every CSV (a floor)
    python peers.py polars DATA_DIR      polars reading every CSV, all columns as text

PERIOD is a month, YYYY-MM. The stage order is read from DATA_DIR/crmstat.toml.
"""

import datetime as dt
import sys
import tomllib
from pathlib import Path

TABLES = ["managers", "campaigns", "clients", "deals", "stage_history", "contacts", "payments"]

TYPES = {
    "managers": {"manager_id": "VARCHAR", "name": "VARCHAR", "team": "VARCHAR", "role": "VARCHAR",
                 "hired_on": "DATE", "left_on": "DATE", "monthly_plan": "DECIMAL(18,2)"},
    "campaigns": {"campaign_id": "VARCHAR", "name": "VARCHAR", "channel": "VARCHAR",
                  "started_on": "DATE", "ended_on": "DATE", "cost": "DECIMAL(18,2)"},
    "clients": {"client_id": "VARCHAR", "name": "VARCHAR", "segment": "VARCHAR",
                "industry": "VARCHAR", "region": "VARCHAR", "source": "VARCHAR",
                "campaign_id": "VARCHAR", "manager_id": "VARCHAR", "created_at": "TIMESTAMP"},
    "deals": {"deal_id": "VARCHAR", "client_id": "VARCHAR", "manager_id": "VARCHAR",
              "campaign_id": "VARCHAR", "created_at": "TIMESTAMP", "closed_at": "TIMESTAMP",
              "status": "VARCHAR", "stage": "VARCHAR", "amount": "DECIMAL(18,2)",
              "loss_reason": "VARCHAR", "discount_pct": "DOUBLE"},
    "stage_history": {"deal_id": "VARCHAR", "stage": "VARCHAR", "entered_at": "TIMESTAMP",
                      "manager_id": "VARCHAR"},
    "contacts": {"contact_id": "VARCHAR", "client_id": "VARCHAR", "manager_id": "VARCHAR",
                 "deal_id": "VARCHAR", "campaign_id": "VARCHAR", "at": "TIMESTAMP",
                 "channel": "VARCHAR", "kind": "VARCHAR", "direction": "VARCHAR",
                 "due_at": "TIMESTAMP", "done_at": "TIMESTAMP", "outcome": "VARCHAR"},
    "payments": {"payment_id": "VARCHAR", "deal_id": "VARCHAR", "paid_at": "TIMESTAMP",
                 "amount": "DECIMAL(18,2)"},
}


def month_start(year, month):
    while month > 12:
        year, month = year + 1, month - 12
    while month < 1:
        year, month = year - 1, month + 12
    return dt.date(year, month, 1)


def load(con, data, fmt):
    for t in TABLES:
        if fmt == "csv":
            # The file's own columns, typed where the contract types them (a newer export has
            # more, e.g. deals.expected_close_at and probability): text otherwise.
            with open(f"{data}/{t}.csv", encoding="utf-8") as f:
                header = [h.strip().strip('"') for h in f.readline().rstrip("\r\n").split(",")]
            extra = {"expected_close_at": "TIMESTAMP", "probability": "DOUBLE"}
            cols = ", ".join(
                f"'{h}': '{TYPES[t].get(h) or extra.get(h, 'VARCHAR')}'" for h in header
            )
            src = f"read_csv('{data}/{t}.csv', header=true, columns={{{cols}}})"
        else:
            src = f"read_parquet('{data}/{t}.parquet')"
        con.execute(f"CREATE TABLE {t} AS SELECT * FROM {src}")


def figures(con, stages, invoice, start, end, show):
    n = len(stages)
    stage_rows = ", ".join(f"('{s}', {i})" for i, s in enumerate(stages))
    last_open = n - 1
    q = {
        "s": f"TIMESTAMP '{start}'", "e": f"TIMESTAMP '{end}'",
        "n": n, "last_open": last_open, "invoice": invoice,
    }
    run = lambda sql: con.execute(sql.format(**q)).fetchall()
    con.execute(f"CREATE TABLE stage_ix AS SELECT * FROM (VALUES {stage_rows}) t(stage, stage_index)")
    # The snapshot as of the end of the period.
    run("""CREATE TABLE entries AS SELECT h.deal_id, h.stage, s.stage_index, h.entered_at
           FROM stage_history h LEFT JOIN stage_ix s USING (stage) WHERE h.entered_at < {e}""")
    run("""CREATE TABLE snap AS
        WITH hist AS (
            SELECT deal_id, max(stage_index) AS hist_max,
                   arg_max(stage_index, (entered_at, stage_index)) AS hist_last
            FROM entries WHERE stage_index IS NOT NULL GROUP BY deal_id),
        d AS (
            SELECT d.deal_id, d.client_id, d.manager_id,
                   coalesce(d.campaign_id, c.campaign_id) AS campaign_id, c.segment,
                   d.created_at, d.amount, d.loss_reason, d.discount_pct,
                   CASE WHEN d.closed_at < {e} THEN d.status ELSE 'open' END AS status,
                   CASE WHEN d.closed_at < {e} THEN d.closed_at END AS closed_at,
                   s.stage_index AS deal_stage_index, h.hist_max, h.hist_last
            FROM deals d LEFT JOIN clients c USING (client_id)
            LEFT JOIN stage_ix s ON s.stage = d.stage
            LEFT JOIN hist h USING (deal_id)
            WHERE d.created_at < {e})
        SELECT *,
            CASE status WHEN 'won' THEN {n} - 1
                 WHEN 'lost' THEN least(coalesce(deal_stage_index, hist_last, {last_open}), {last_open})
                 ELSE coalesce(hist_last, deal_stage_index, 0) END AS stage_index,
            CASE status WHEN 'won' THEN {n} - 1
                 WHEN 'lost' THEN least(coalesce(deal_stage_index, hist_last, {last_open}), {last_open})
                 ELSE greatest(coalesce(hist_max, 0), coalesce(hist_last, deal_stage_index, 0)) END
                 AS furthest_index
        FROM d""")
    out = {}
    # Cohort funnel: reached and visited per stage.
    out["funnel"] = run("""
        WITH cohort AS (SELECT * FROM snap WHERE created_at >= {s} AND created_at < {e}),
        reached AS (SELECT s.stage_index, count(c.deal_id) AS reached
                    FROM stage_ix s LEFT JOIN cohort c ON c.furthest_index >= s.stage_index
                    GROUP BY s.stage_index),
        visited AS (SELECT e.stage_index, count(DISTINCT e.deal_id) AS visited
                    FROM entries e JOIN cohort c USING (deal_id)
                    WHERE e.stage_index IS NOT NULL GROUP BY e.stage_index),
        lost AS (SELECT stage_index, count(*) AS lost, sum(amount) AS lost_amount
                 FROM cohort WHERE status = 'lost' GROUP BY stage_index)
        SELECT r.stage_index, r.reached, coalesce(v.visited, 0), coalesce(l.lost, 0), l.lost_amount,
               coalesce(l.lost, 0) / nullif(r.reached, 0) AS loss_rate
        FROM reached r LEFT JOIN visited v USING (stage_index) LEFT JOIN lost l USING (stage_index)
        ORDER BY r.stage_index""")
    out["loss_reasons"] = run("""
        SELECT stage_index, coalesce(loss_reason, '(not given)'), count(*), sum(amount)
        FROM snap WHERE created_at >= {s} AND created_at < {e} AND status = 'lost'
        GROUP BY ALL ORDER BY 1, 3 DESC""")
    # Win rate: deals closed in the period, and the cohort's.
    out["win_rate"] = run("""
        SELECT 'closed' AS scope, count(*) FILTER (status = 'won'), count(*) FILTER (status = 'lost'),
               sum(amount) FILTER (status = 'won'), sum(amount) FILTER (status = 'lost')
        FROM snap WHERE closed_at >= {s} AND closed_at < {e}
        UNION ALL
        SELECT 'cohort', count(*) FILTER (status = 'won'), count(*) FILTER (status = 'lost'),
               sum(amount) FILTER (status = 'won'), sum(amount) FILTER (status = 'lost')
        FROM snap WHERE created_at >= {s} AND created_at < {e} AND status <> 'open'""")
    # Cycle of deals closed in the period.
    out["cycle"] = run("""
        SELECT status, count(*),
               avg(epoch_ms(closed_at) - epoch_ms(created_at)) / 86400000.0,
               quantile_cont((epoch_ms(closed_at) - epoch_ms(created_at)) / 86400000.0, [0.25, 0.5, 0.75, 0.9])
        FROM snap WHERE closed_at >= {s} AND closed_at < {e} GROUP BY status ORDER BY status""")
    # Stalled: open visits longer than the stage's p90 of completed visits.
    out["stalled"] = run("""
        WITH v AS (
            SELECT e.deal_id, e.stage_index, e.entered_at,
                   coalesce(lead(e.entered_at) OVER w, sn.closed_at) AS left_at, sn.status
            FROM entries e JOIN snap sn USING (deal_id)
            WHERE e.stage_index IS NOT NULL
            WINDOW w AS (PARTITION BY e.deal_id ORDER BY e.entered_at, e.stage_index)),
        days AS (SELECT *, (epoch_ms(coalesce(left_at, {e})) - epoch_ms(entered_at)) / 86400000.0 AS d,
                        left_at IS NULL AS open FROM v),
        p90 AS (SELECT stage_index, quantile_cont(d, 0.9) AS p FROM days WHERE NOT open GROUP BY 1)
        SELECT count(*) FROM days JOIN p90 USING (stage_index)
        WHERE open AND status = 'open' AND d > p""")
    # Follow-up after an invoice entry in the period.
    out["followup"] = run("""
        WITH inv AS (
            SELECT row_number() OVER () AS entry, e.deal_id, sn.client_id, sn.manager_id, e.entered_at AS inv_at
            FROM entries e JOIN snap sn USING (deal_id)
            WHERE e.stage_index = {invoice} AND e.entered_at >= {s} AND e.entered_at < {e}),
        touches AS (SELECT client_id, coalesce(done_at, "at") AS t FROM contacts
                    WHERE (due_at IS NULL OR done_at IS NOT NULL) AND coalesce(done_at, "at") < {e}),
        nxt AS (SELECT inv.entry, min(t) AS t FROM inv JOIN touches USING (client_id)
                WHERE t >= inv.inv_at GROUP BY inv.entry)
        SELECT count(*),
               count(*) FILTER ((epoch_ms(nxt.t) - epoch_ms(inv.inv_at)) > 2 * 86400000 OR
                                (nxt.t IS NULL AND epoch_ms(inv.inv_at) + 2 * 86400000 <= epoch_ms({e})))
        FROM inv LEFT JOIN nxt USING (entry)""")
    # Manager KPIs of the period.
    out["managers"] = run("""
        WITH d AS (
            SELECT manager_id,
                   count(*) FILTER (status = 'open') AS open_deals,
                   count(*) FILTER (created_at >= {s} AND created_at < {e}) AS created,
                   count(*) FILTER (status = 'won' AND closed_at >= {s}) AS won,
                   count(*) FILTER (status = 'lost' AND closed_at >= {s}) AS lost,
                   sum(amount) FILTER (status = 'won' AND closed_at >= {s}) AS won_amount,
                   avg(epoch_ms(closed_at) - epoch_ms(created_at)) FILTER (closed_at >= {s}) / 86400000.0 AS cycle,
                   median(epoch_ms(closed_at) - epoch_ms(created_at)) FILTER (closed_at >= {s}) / 86400000.0,
                   avg(discount_pct) FILTER (status = 'won' AND closed_at >= {s}) AS discount
            FROM snap GROUP BY manager_id),
        c AS (SELECT manager_id, count(*) AS contacts FROM contacts
              WHERE (due_at IS NULL OR done_at IS NOT NULL)
                AND coalesce(done_at, "at") >= {s} AND coalesce(done_at, "at") < {e} GROUP BY 1),
        k AS (SELECT manager_id, count(DISTINCT client_id) AS clients FROM (
                SELECT manager_id, client_id FROM snap WHERE status = 'open'
                UNION ALL
                SELECT manager_id, client_id FROM contacts
                WHERE (due_at IS NULL OR done_at IS NOT NULL)
                  AND coalesce(done_at, "at") >= {s} AND coalesce(done_at, "at") < {e}) GROUP BY 1),
        t AS (SELECT manager_id, count(*) AS due,
                     count(*) FILTER (done_at IS NULL OR done_at >= {e} OR done_at > due_at) AS overdue
              FROM contacts WHERE due_at >= {s} AND due_at < {e} GROUP BY 1),
        p AS (SELECT d.manager_id, sum(p.amount) AS paid FROM payments p JOIN deals d USING (deal_id)
              WHERE p.paid_at >= {s} AND p.paid_at < {e} GROUP BY 1),
        kinds AS (SELECT manager_id, kind, count(*) FROM contacts
                  WHERE (due_at IS NULL OR done_at IS NOT NULL)
                    AND coalesce(done_at, "at") >= {s} AND coalesce(done_at, "at") < {e} GROUP BY ALL)
        SELECT m.manager_id, d.*, c.contacts, k.clients, t.due, t.overdue, p.paid,
               (SELECT count(*) FROM kinds WHERE kinds.manager_id = m.manager_id)
        FROM managers m LEFT JOIN d USING (manager_id) LEFT JOIN c USING (manager_id)
        LEFT JOIN k USING (manager_id) LEFT JOIN t USING (manager_id) LEFT JOIN p USING (manager_id)
        ORDER BY m.manager_id""")
    # Campaigns: deals of the cohort by their campaign, paid and cost.
    out["campaigns"] = run("""
        WITH c AS (SELECT * FROM snap WHERE created_at >= {s} AND created_at < {e}),
        paid AS (SELECT p.deal_id, sum(p.amount) AS paid FROM payments p
                 WHERE p.paid_at < {e} GROUP BY 1),
        per AS (SELECT coalesce(c.campaign_id, '(none)') AS campaign_id, count(*) AS deals,
                       count(*) FILTER (status = 'won') AS won, sum(amount) FILTER (status = 'won') AS won_amount,
                       sum(paid.paid) AS paid,
                       median(epoch_ms(closed_at) - epoch_ms(created_at)) FILTER (status = 'won') / 86400000.0
                FROM c LEFT JOIN paid USING (deal_id) GROUP BY 1),
        acquired AS (SELECT coalesce(campaign_id, '(none)') AS campaign_id, count(*) AS clients
                     FROM clients WHERE created_at >= {s} AND created_at < {e} GROUP BY 1)
        SELECT per.*, acquired.clients, k.cost, per.won / per.deals AS conversion
        FROM per LEFT JOIN acquired USING (campaign_id) LEFT JOIN campaigns k USING (campaign_id)
        ORDER BY campaign_id""")
    # Reactivation candidates as of the end of the period.
    out["reactivation"] = run("""
        WITH buys AS (SELECT client_id, closed_at AS bought, amount FROM snap WHERE status = 'won'),
        gaps AS (SELECT client_id, bought, amount,
                        (epoch_ms(bought) - epoch_ms(lag(bought) OVER (PARTITION BY client_id ORDER BY bought))) / 86400000.0 AS gap
                 FROM buys),
        per AS (SELECT client_id, count(*) AS purchases, max(bought) AS last, avg(gap) AS mean_gap,
                       sum(amount) AS revenue, median(amount) AS typical
                FROM gaps GROUP BY 1),
        company AS (SELECT coalesce(median(gap), 90) AS g FROM gaps),
        open AS (SELECT DISTINCT client_id FROM snap WHERE status = 'open')
        SELECT count(*), sum(revenue) FROM (
            SELECT per.*, greatest(coalesce(mean_gap, (SELECT g FROM company)), 0) AS threshold,
                   (epoch_ms({e}) - epoch_ms(last)) / 86400000.0 AS since
            FROM per WHERE client_id NOT IN (SELECT client_id FROM open)) x
        WHERE since > threshold""")
    # The headline of the period, the previous month and a year earlier, and 12 months.
    def span(a, b):
        return run(f"""
            SELECT count(*) FILTER (created_at >= TIMESTAMP '{a}' AND created_at < TIMESTAMP '{b}'),
                   count(*) FILTER (status = 'won' AND closed_at >= TIMESTAMP '{a}' AND closed_at < TIMESTAMP '{b}'),
                   count(*) FILTER (status = 'lost' AND closed_at >= TIMESTAMP '{a}' AND closed_at < TIMESTAMP '{b}'),
                   sum(amount) FILTER (status = 'won' AND closed_at >= TIMESTAMP '{a}' AND closed_at < TIMESTAMP '{b}'),
                   (SELECT sum(amount) FROM payments WHERE paid_at >= TIMESTAMP '{a}' AND paid_at < TIMESTAMP '{b}')
            FROM snap""")
    y, m = start.year, start.month
    out["headline"] = [span(start, end), span(month_start(y, m - 1), start),
                       span(month_start(y - 1, m), month_start(y - 1, m + 1))]
    out["trends"] = run("""
        SELECT date_trunc('month', closed_at) AS month, count(*) FILTER (status = 'won'),
               sum(amount) FILTER (status = 'won')
        FROM snap WHERE closed_at >= {s} - INTERVAL 11 MONTH AND closed_at < {e}
        GROUP BY 1 ORDER BY 1""")
    if show:
        for k, v in out.items():
            print(f"## {k}")
            for row in v[:40]:
                print("  ", row)


def main():
    what, data = sys.argv[1], Path(sys.argv[2]).resolve()
    if what == "polars":
        import polars as pl
        for t in TABLES:
            pl.read_csv(data / f"{t}.csv", infer_schema=False)
        return
    import duckdb
    con = duckdb.connect()
    if what == "count":
        for t in TABLES:
            con.execute(f"SELECT count(*) FROM read_csv('{data}/{t}.csv', header=true, all_varchar=true)").fetchall()
        return
    fmt, period = sys.argv[3], sys.argv[4]
    config = tomllib.loads((data / "crmstat.toml").read_text(encoding="utf-8"))
    stages = config["funnel"]["stages"]
    invoice = stages.index(config["funnel"]["invoice_stage"])
    y, m = map(int, period.split("-"))
    load(con, data, fmt)
    figures(con, stages, invoice, month_start(y, m), month_start(y, m + 1), "--show" in sys.argv)


if __name__ == "__main__":
    main()
