-- Revenue by month: what was won (deals closed as won, by the month they closed) and what
-- was actually paid (payments by the month they arrived, refunds included as negatives).
-- Answers: "how much did we sell and collect each month, and how far does cash lag sales?"
-- Needs: deals, payments.
WITH won AS (
    SELECT STRFTIME(closed_at, '%Y-%m') AS month, COUNT(*) AS deals_won, SUM(amount) AS won_amount
    FROM deals
    WHERE status = 'won'
    GROUP BY STRFTIME(closed_at, '%Y-%m')
),
paid AS (
    SELECT STRFTIME(paid_at, '%Y-%m') AS month, COUNT(*) AS payments, SUM(amount) AS paid_amount
    FROM payments
    GROUP BY STRFTIME(paid_at, '%Y-%m')
)
SELECT COALESCE(won.month, paid.month) AS month, won.deals_won, won.won_amount, paid.payments, paid.paid_amount
FROM won
FULL JOIN paid ON won.month = paid.month
ORDER BY month
