-- Each manager's open pipeline: open deals by stage, their total value and the oldest
-- one's creation date, with whether the manager is still with the company.
-- Answers: "what does each manager have in work now, and where is it stuck?"
-- Needs: deals, managers (for names; without it the names are empty).
SELECT
    d.manager_id,
    m.name,
    m.left_on IS NULL AS active,
    d.stage,
    COUNT(*) AS open_deals,
    SUM(d.amount) AS pipeline_amount,
    MIN(d.created_at) AS oldest_created_at
FROM deals AS d
LEFT JOIN managers AS m ON d.manager_id = m.manager_id
WHERE d.status = 'open'
GROUP BY d.manager_id, m.name, m.left_on, d.stage
ORDER BY d.manager_id, pipeline_amount DESC, d.stage
