-- KPI values with their resolved target, attainment and status, inside the viewer's scope.
-- Target: the unit's own latest row with effective_from <= period_end and a value; else its
-- parent's, grandparent's, ...; else the KPI's default. A cleared row (empty value) falls through.
WITH RECURSIVE tree (ancestor_id, unit_id, depth) AS (
    SELECT id, id, 0 FROM org_units
    UNION ALL
    SELECT u.parent_id, t.unit_id, t.depth + 1
    FROM tree t JOIN org_units u ON u.id = t.ancestor_id
    WHERE u.parent_id IS NOT NULL
),
visible AS (
    SELECT DISTINCT unit_id FROM tree WHERE ancestor_id = ANY(CAST(:roots AS text[]))
),
v AS (
    SELECT kv.*
    FROM kpi_values kv
    JOIN visible vis ON vis.unit_id = kv.org_unit_id
    WHERE (CAST(:unit AS text) IS NULL OR kv.org_unit_id = CAST(:unit AS text))
      AND (CAST(:parent AS text) IS NULL OR kv.org_unit_id IN (SELECT id FROM org_units WHERE parent_id = CAST(:parent AS text)))
      AND (CAST(:grain AS text) IS NULL OR kv.grain = CAST(:grain AS text))
      AND (CAST(:period_from AS date) IS NULL OR kv.period_start >= CAST(:period_from AS date))
      AND (CAST(:period_to AS date) IS NULL OR kv.period_start <= CAST(:period_to AS date))
      AND (CAST(:kpi AS text) IS NULL OR kv.kpi_id = CAST(:kpi AS text))
),
-- Every target row that may apply to a unit: rows on the unit itself (depth 0) or an ancestor.
candidates AS (
    SELECT t.kpi_id, tr.unit_id, tr.depth, t.effective_from, t.value
    FROM targets t JOIN tree tr ON tr.ancestor_id = t.org_unit_id
),
-- Per row and tree level, the latest target row in force at the period's end.
latest AS (
    SELECT DISTINCT ON (v.kpi_id, v.org_unit_id, v.grain, v.period_start, c.depth)
           v.kpi_id, v.org_unit_id, v.grain, v.period_start, c.depth, c.value
    FROM v JOIN candidates c
      ON c.kpi_id = v.kpi_id AND c.unit_id = v.org_unit_id AND c.effective_from <= v.period_end
    ORDER BY v.kpi_id, v.org_unit_id, v.grain, v.period_start, c.depth, c.effective_from DESC
),
-- The nearest level whose row in force has a value (a cleared row falls through to the parent).
resolved AS (
    SELECT DISTINCT ON (kpi_id, org_unit_id, grain, period_start)
           kpi_id, org_unit_id, grain, period_start, value
    FROM latest
    WHERE value IS NOT NULL
    ORDER BY kpi_id, org_unit_id, grain, period_start, depth
),
targeted AS (
    SELECT v.*, k.pillar, k.position, coalesce(r.value, k.default_target) AS target
    FROM v
    JOIN kpis k ON k.id = v.kpi_id
    LEFT JOIN resolved r ON r.kpi_id = v.kpi_id AND r.org_unit_id = v.org_unit_id
                        AND r.grain = v.grain AND r.period_start = v.period_start
)
SELECT kpi_id, org_unit_id, grain, period_start, period_end, numerator, denominator, value,
       target, partial, pillar, position,
       CASE WHEN value IS NULL THEN NULL
            WHEN target = 0 THEN 1.0
            ELSE least(value / target, 1.0) END AS attainment,
       -- Decide on exact numbers: rounding to 9 decimals undoes binary noise in the ratio.
       CASE WHEN value IS NULL THEN 'no_data'
            WHEN round(value::numeric, 9) >= target::numeric THEN 'green'
            WHEN round(value::numeric, 9) >= 0.9 * target::numeric THEN 'amber'
            ELSE 'red' END AS status
FROM targeted
