-- Governance meetings counted by sponsor_engagement (the subtree and the units above it) in the
-- period, as the viewer may see them.
SELECT m.scheduled_on AS day, u.name AS unit, m.status, m.sponsor_present, m.crm_report_used, m.title
FROM meetings m
JOIN org_units u ON u.id = m.org_unit_id
WHERE m.kind = 'governance' AND m.scheduled_on BETWEEN :start AND :end
  AND (m.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
       OR m.org_unit_id IN (SELECT ancestor_id FROM org_closure WHERE unit_id = :unit))
ORDER BY m.scheduled_on, u.name
