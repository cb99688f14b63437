-- Held coaching sessions of the subtree in the period by the unit (team) that held them -- its
-- manager coaches there -- and how many used CRM data, kept by the refresh (unit_coaching).
-- The :shown teams with the lowest share come back (the ones to coach first), with how many there are.
WITH per_team AS (
    SELECT c.org_unit_id, sum(c.sessions)::bigint AS sessions, sum(c.with_crm)::bigint AS with_crm
    FROM unit_coaching c
    WHERE c.grain = :grain AND c.period_start = :start
      AND c.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
    GROUP BY c.org_unit_id
)
SELECT u.name AS unit, t.sessions, t.with_crm, count(*) OVER () AS teams
FROM per_team t
JOIN org_units u ON u.id = t.org_unit_id
ORDER BY t.with_crm::double precision / t.sessions, u.name
LIMIT :shown
