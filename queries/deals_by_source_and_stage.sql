-- Deals by lead source and current stage: where do the deals of each source stand now,
-- and how many of them were won or lost?
-- Answers: "which sources bring deals that move, and which stall or die early?"
-- Needs: deals, clients (the source is the client's).
SELECT
    COALESCE(c.source, '(unknown)') AS source,
    d.stage,
    COUNT(*) AS deals,
    SUM(CASE WHEN d.status = 'won' THEN 1 ELSE 0 END) AS won,
    SUM(CASE WHEN d.status = 'lost' THEN 1 ELSE 0 END) AS lost,
    SUM(CASE WHEN d.status = 'open' THEN 1 ELSE 0 END) AS open,
    SUM(d.amount) AS amount
FROM deals AS d
LEFT JOIN clients AS c ON d.client_id = c.client_id
GROUP BY COALESCE(c.source, '(unknown)'), d.stage
ORDER BY source, deals DESC, d.stage
