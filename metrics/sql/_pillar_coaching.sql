-- Held coaching sessions of the subtree in the period by the unit (team) that held them -- its
-- manager coaches there -- and how many used CRM data, kept by the refresh (unit_coaching).
-- The :shown teams with the lowest share come back (the ones to coach first), with how many there are.
SELECT u.name AS unit, sum(c.sessions)::bigint AS sessions, sum(c.with_crm)::bigint AS with_crm,
       count(*) OVER () AS teams
FROM unit_coaching c
JOIN org_units u ON u.id = c.org_unit_id
WHERE c.grain = :grain AND c.period_start = :start
  AND c.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
GROUP BY u.id, u.name
ORDER BY sum(c.with_crm)::double precision / sum(c.sessions), u.name
LIMIT :shown
