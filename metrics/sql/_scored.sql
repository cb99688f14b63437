-- KPI values with their resolved target, attainment, status and KPI score, inside the viewer's scope.
-- Target: the unit's own record in force at the period's end (latest effective_from <= period_end,
-- the one recorded last among equals); a cleared record (empty value) falls through to the parent,
-- grandparent, ...; else the KPI's default.
-- Visible: the scope's subtrees, and with :ancestors the units above them too (aggregates only, to
-- compare a team with its parent and the company).
-- The units asked for (one unit, a unit's children, or all) that are visible, before their rows are
-- read by key: each checked by its own closure rows, so that asking for one unit does not list every
-- unit of the scope first (on `large`, 1,055 of them for each card).
WITH asked AS (
    SELECT u.id AS unit_id
    FROM org_units u
    WHERE (CAST(:unit AS text) IS NULL OR u.id = CAST(:unit AS text))
      AND (CAST(:parent AS text) IS NULL OR u.parent_id = CAST(:parent AS text))
      AND (EXISTS (SELECT 1 FROM org_closure c
                   WHERE c.unit_id = u.id AND c.ancestor_id = ANY(CAST(:roots AS text[])))
           OR (CAST(:ancestors AS boolean)
               AND EXISTS (SELECT 1 FROM org_closure c
                           WHERE c.ancestor_id = u.id AND c.unit_id = ANY(CAST(:roots AS text[])))))
),
v AS (
    SELECT kv.*
    FROM asked a
    JOIN kpi_values kv ON kv.org_unit_id = a.unit_id
    WHERE (CAST(:grain AS text) IS NULL OR kv.grain = CAST(:grain AS text))
      AND (CAST(:period_from AS date) IS NULL OR kv.period_start >= CAST(:period_from AS date))
      -- (implied by the line above; lets every unit's recent periods be read by the period_end index)
      AND (CAST(:period_from AS date) IS NULL OR kv.period_end >= CAST(:period_from AS date))
      AND (CAST(:period_to AS date) IS NULL OR kv.period_start <= CAST(:period_to AS date))
),
-- Every target record that may apply to a unit: records on the unit itself (depth 0) or an ancestor.
-- The units read and their ancestors: a few closure rows each, found by unit (materialised: joined
-- from a target on the root, the planner read the root's closure rows, one per unit of the tree).
ancestry AS MATERIALIZED (
    SELECT c.unit_id, c.ancestor_id, c.depth
    FROM org_closure c
    WHERE c.unit_id IN (SELECT DISTINCT org_unit_id FROM v)
),
candidates AS (
    SELECT t.id, t.kpi_id, a.unit_id, a.depth, t.effective_from, t.value
    FROM ancestry a
    JOIN targets t ON t.org_unit_id = a.ancestor_id
),
-- Per row and tree level, the record in force at the period's end.
latest AS (
    SELECT DISTINCT ON (v.kpi_id, v.org_unit_id, v.grain, v.period_start, c.depth)
           v.kpi_id, v.org_unit_id, v.grain, v.period_start, c.depth, c.value
    FROM v JOIN candidates c
      ON c.kpi_id = v.kpi_id AND c.unit_id = v.org_unit_id AND c.effective_from <= v.period_end
    ORDER BY v.kpi_id, v.org_unit_id, v.grain, v.period_start, c.depth, c.effective_from DESC, c.id DESC
),
-- The nearest level whose record in force has a value.
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
),
-- value / target, decided as with exact numbers: rounding to 9 decimals undoes binary noise
-- (72 / 80 is exactly 0.9). A target of 0 is always met.
ratios AS (
    SELECT t.*,
           CASE WHEN value IS NULL THEN NULL
                WHEN target = 0 THEN 1
                ELSE round(value::numeric / target::numeric, 9) END AS ratio
    FROM targeted t
)
SELECT kpi_id, org_unit_id, grain, period_start, period_end, numerator, denominator, value,
       target, partial, pillar, position,
       -- least() and greatest() skip NULLs: without data there is no attainment and no score.
       CASE WHEN ratio IS NOT NULL THEN least(ratio, 1)::double precision END AS attainment,
       CASE WHEN ratio IS NULL THEN 'no_data'
            WHEN ratio >= 1 THEN 'green'
            WHEN ratio >= 0.9 THEN 'amber'
            ELSE 'red' END AS status,
       -- 100 at or above target, 80 at the amber line, 0 at half the target or below.
       CASE WHEN ratio IS NOT NULL THEN (100 * greatest(0, least(1, (ratio - 0.5) / 0.5)))::double precision END AS score
FROM ratios
