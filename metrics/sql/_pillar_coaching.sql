-- Held coaching sessions of the subtree in the period by the manager who held them (meetings.person_id),
-- and how many used CRM data. Row-level security hides the sessions of people the viewer may not see.
SELECT coalesce(p.name, '(no manager recorded)') AS manager, count(*) AS sessions,
       count(*) FILTER (WHERE m.crm_report_used) AS with_crm
FROM meetings m
LEFT JOIN people p ON p.id = m.person_id
WHERE m.kind = 'coaching' AND m.status = 'held' AND m.scheduled_on BETWEEN :start AND :end
  AND m.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
GROUP BY coalesce(p.name, '(no manager recorded)')
ORDER BY count(*) FILTER (WHERE m.crm_report_used)::double precision / count(*), manager
