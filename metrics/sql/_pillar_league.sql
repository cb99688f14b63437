-- The league from the refresh's pillar scores (unit_scores): the teams (units without children)
-- under :unit that have a :pillar score in the period, best first, with the one before and the
-- change; the top and bottom :shown of them. Each row also says how many teams there are and how many of their rows were scored with
-- the targets and weights in force now (basis, _unit_basis.sql): fewer than teams x periods means
-- score live.
WITH basis AS (
    __BASIS__
),
teams AS (
    SELECT u.id, u.name
    FROM org_closure c
    JOIN org_units u ON u.id = c.unit_id
    WHERE c.ancestor_id = :unit
      AND NOT EXISTS (SELECT 1 FROM org_units ch WHERE ch.parent_id = u.id)
),
-- Every unit's row of the two periods, by index, then joined by hash (estimates over the closure
-- led the planner into a probe per team).
period_rows AS MATERIALIZED (
    SELECT s.org_unit_id, s.period_start, s.basis,
           CASE CAST(:pillar AS text) WHEN 'people' THEN s.people WHEN 'process' THEN s.process
                WHEN 'technology' THEN s.technology END AS score
    FROM unit_scores s
    WHERE s.grain = :grain AND s.period_start IN (CAST(:start AS date), CAST(:previous AS date))
),
scores AS (
    SELECT t.id AS unit_id, t.name,
           max(r.score) FILTER (WHERE r.period_start = CAST(:start AS date)) AS score,
           max(r.score) FILTER (WHERE r.period_start = CAST(:previous AS date)
                                  AND CAST(:previous AS date) <> CAST(:start AS date)) AS previous,
           count(*) FILTER (WHERE r.basis = (SELECT basis FROM basis)) AS kept
    FROM teams t
    JOIN period_rows r ON r.org_unit_id = t.id
    GROUP BY t.id, t.name
),
-- Only the top and bottom :shown teams leave the database, with how many were ranked.
ranked AS (
    SELECT unit_id, name, score, previous, score - previous AS change, rank() OVER (ORDER BY score DESC) AS rank,
           row_number() OVER (ORDER BY score DESC, name COLLATE "C") AS pos, count(*) OVER () AS ranked
    FROM scores
    WHERE score IS NOT NULL
)
SELECT unit_id, name, score, previous, change, rank, ranked,
       (SELECT count(*) FROM teams) AS teams,
       (SELECT sum(kept) FROM scores) AS kept
FROM ranked
WHERE pos <= :shown OR pos > ranked - :shown
ORDER BY pos
