-- Held coaching sessions of the subtree in the period by the unit (team) that held them -- its
-- manager coaches there; meetings.person_id is the coached person -- and how many used CRM data.
SELECT u.name AS unit, count(*) AS sessions, count(*) FILTER (WHERE m.crm_report_used) AS with_crm
FROM meetings m
JOIN org_units u ON u.id = m.org_unit_id
WHERE m.kind = 'coaching' AND m.status = 'held' AND m.scheduled_on BETWEEN :start AND :end
  AND m.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
GROUP BY u.id, u.name
ORDER BY count(*) FILTER (WHERE m.crm_report_used)::double precision / count(*), u.name
