-- The teams (units without children) under :unit, for the league.
SELECT u.id, u.name
FROM org_closure c
JOIN org_units u ON u.id = c.unit_id
WHERE c.ancestor_id = :unit
  AND NOT EXISTS (SELECT 1 FROM org_units ch WHERE ch.parent_id = u.id)
