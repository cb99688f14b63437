-- Communications that reached each licensed user: sent in the period to the user's unit or to
-- one of its ancestors. Attached to the user's unit: users x communications reaching the unit.
WITH sent AS (
    SELECT c.audience_org_unit_id, pr.grain, pr.period_start, count(*) AS n
    FROM communications c
    JOIN _periods pr ON c.sent_on BETWEEN pr.period_start AND pr.period_end
    WHERE c.status = 'sent'
    GROUP BY c.audience_org_unit_id, pr.grain, pr.period_start
),
reaching AS (
    SELECT t.unit_id AS org_unit_id, s.grain, s.period_start, sum(s.n) AS n
    FROM sent s
    JOIN _tree t ON t.ancestor_id = s.audience_org_unit_id
    GROUP BY t.unit_id, s.grain, s.period_start
),
users AS (
    SELECT org_unit_id, grain, period_start, count(*) AS n
    FROM _licensed
    GROUP BY org_unit_id, grain, period_start
)
SELECT u.org_unit_id, u.grain, u.period_start,
       u.n * coalesce(r.n, 0) AS numerator,
       u.n AS denominator,
       0 AS respondents
FROM users u
LEFT JOIN reaching r ON r.org_unit_id = u.org_unit_id AND r.grain = u.grain AND r.period_start = u.period_start
