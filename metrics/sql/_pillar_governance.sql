-- Governance meetings counted by sponsor_engagement (the subtree and the units above it) in the
-- period, as the viewer may see them.
SELECT m.scheduled_on AS day, u.name AS unit, m.status, m.sponsor_present, m.crm_report_used, m.title
FROM meetings m
JOIN org_units u ON u.id = m.org_unit_id
WHERE m.kind = 'governance' AND m.scheduled_on BETWEEN :start AND :end
  -- Probed by key per row of the period, not a hash of the subtree's units built per view (OFFSET 0
  -- keeps the planner from turning EXISTS into that hash).
  AND (EXISTS (SELECT 1 FROM org_closure x WHERE x.ancestor_id = :unit AND x.unit_id = m.org_unit_id OFFSET 0)
       OR EXISTS (SELECT 1 FROM org_closure x WHERE x.unit_id = :unit AND x.ancestor_id = m.org_unit_id OFFSET 0))
ORDER BY m.scheduled_on, u.name
