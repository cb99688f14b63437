-- Sum the attached rows up the tree (or over the reach) and write every KPI x unit x period.
-- Summed rows are materialised and analysed first: estimates over CTEs led the planner into a
-- nested join that took a minute on the demo organisation.
ANALYZE _attached;
ANALYZE _kpi;

CREATE TEMP TABLE _summed ON COMMIT DROP AS
    SELECT a.kpi_id, t.ancestor_id AS org_unit_id, a.grain, a.period_start,
           sum(a.numerator) AS numerator, sum(a.denominator) AS denominator,
           sum(a.respondents) AS respondents
    FROM _attached a
    JOIN _kpi k ON k.kpi_id = a.kpi_id AND k.rollup = 'subtree'
    JOIN _tree t ON t.unit_id = a.org_unit_id
    GROUP BY a.kpi_id, t.ancestor_id, a.grain, a.period_start
    UNION ALL
    SELECT a.kpi_id, r.unit_id, a.grain, a.period_start,
           sum(a.numerator), sum(a.denominator), sum(a.respondents)
    FROM _attached a
    JOIN _kpi k ON k.kpi_id = a.kpi_id AND k.rollup = 'reach'
    JOIN _reach r ON r.other_id = a.org_unit_id
    GROUP BY a.kpi_id, r.unit_id, a.grain, a.period_start;

CREATE UNIQUE INDEX ON _summed (kpi_id, org_unit_id, grain, period_start);
ANALYZE _summed;

INSERT INTO kpi_values (kpi_id, org_unit_id, grain, period_start, period_end,
                        numerator, denominator, value, partial)
WITH grid AS (
    SELECT k.kpi_id, k.value_kind, k.min_respondents, u.id AS org_unit_id,
           p.grain, p.period_start, p.period_end, p.days, p.partial,
           coalesce(s.numerator, 0) AS numerator,
           coalesce(s.denominator, 0) AS denominator,
           coalesce(s.respondents, 0) AS respondents
    FROM _kpi k
    CROSS JOIN org_units u
    CROSS JOIN _periods p
    LEFT JOIN _summed s ON s.kpi_id = k.kpi_id AND s.org_unit_id = u.id
                      AND s.grain = p.grain AND s.period_start = p.period_start
)
SELECT kpi_id, org_unit_id, grain, period_start, period_end, numerator, denominator,
       CASE WHEN denominator = 0 THEN NULL
            WHEN value_kind = 'percent' THEN 100 * numerator / denominator
            WHEN value_kind = 'mean' THEN CASE WHEN respondents >= min_respondents THEN numerator / denominator END
            WHEN value_kind = 'per_100_users_30d' THEN numerator / denominator * 100 * 30 / days
            WHEN value_kind = 'per_30d' THEN numerator / denominator * 30 / days
       END,
       partial
FROM grid
