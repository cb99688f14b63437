-- The pillar pages' units: the asked unit's ancestors (breadcrumb, deepest last, flagged when the
-- viewer's scope holds them: looked up per unit, not over the scope), the unit itself (depth 0) and its
-- direct children (depth -1).
SELECT u.id, u.name, u.kind, c.depth,
       EXISTS (SELECT 1 FROM org_closure s WHERE s.unit_id = u.id AND s.ancestor_id = ANY(CAST(:roots AS text[]))) AS in_scope
FROM org_closure c
JOIN org_units u ON u.id = c.ancestor_id
WHERE c.unit_id = :unit
UNION ALL
SELECT u.id, u.name, u.kind, -1,
       EXISTS (SELECT 1 FROM org_closure s WHERE s.unit_id = u.id AND s.ancestor_id = ANY(CAST(:roots AS text[])))
FROM org_units u
WHERE u.parent_id = :unit
ORDER BY depth DESC, name, id
