-- The teams (units without children) under :unit with their pillar scores in the period and the
-- one before, as the refresh scored them (unit_scores), and the targets and weights it used.
SELECT u.id AS unit_id, u.name, s.period_start, s.people, s.process, s.technology, s.basis
FROM org_closure c
JOIN org_units u ON u.id = c.unit_id
LEFT JOIN unit_scores s ON s.org_unit_id = u.id AND s.grain = :grain
                       AND s.period_start IN (CAST(:start AS date), CAST(:previous AS date))
WHERE c.ancestor_id = :unit
  AND NOT EXISTS (SELECT 1 FROM org_units ch WHERE ch.parent_id = u.id)
