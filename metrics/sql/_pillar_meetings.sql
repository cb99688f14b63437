-- Meetings of the subtree in the period by day, kind and status (the cadence calendar, report use
-- per kind), counted in SQL.
SELECT m.scheduled_on AS day, m.kind, m.status, count(*) AS meetings,
       count(*) FILTER (WHERE m.crm_report_used) AS with_report,
       count(*) FILTER (WHERE m.sponsor_present) AS with_sponsor
FROM meetings m
WHERE m.scheduled_on BETWEEN :start AND :end
  AND m.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
GROUP BY m.scheduled_on, m.kind, m.status
ORDER BY m.scheduled_on, m.kind, m.status
