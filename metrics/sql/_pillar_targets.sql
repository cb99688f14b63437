-- Where each KPI's target for :unit on :day comes from (KPIS.md "Targets"): per tree level the
-- record in force (latest effective_from, the one recorded last among equals); the nearest level
-- whose record has a value gives the target; none: the KPI's default. With that record's reason.
WITH k AS (
    SELECT unnest(CAST(:kpis AS text[])) AS kpi_id
),
latest AS (
    SELECT DISTINCT ON (k.kpi_id, c.depth)
           k.kpi_id, c.depth, t.org_unit_id, t.value, t.reason, t.effective_from, t.recorded_by
    FROM k
    JOIN org_closure c ON c.unit_id = :unit
    JOIN targets t ON t.kpi_id = k.kpi_id AND t.org_unit_id = c.ancestor_id AND t.effective_from <= :day
    ORDER BY k.kpi_id, c.depth, t.effective_from DESC, t.id DESC
),
resolved AS (
    SELECT DISTINCT ON (kpi_id) * FROM latest WHERE value IS NOT NULL ORDER BY kpi_id, depth
)
SELECT k.kpi_id, r.depth, r.org_unit_id AS source_unit, u.name AS source_name, r.value, r.reason,
       r.effective_from, r.recorded_by
FROM k
LEFT JOIN resolved r ON r.kpi_id = k.kpi_id
LEFT JOIN org_units u ON u.id = r.org_unit_id
ORDER BY k.kpi_id
