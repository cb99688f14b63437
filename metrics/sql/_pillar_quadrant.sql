-- Training x usage per child unit (and the unit itself, for its total): licensed users trained
-- (every required course done by the period's end) and active (k(P) or more activity days).
SELECT c.ancestor_id AS unit_id,
       count(*) FILTER (WHERE pp.trained AND pp.active_days >= CAST(:k AS integer)) AS trained_active,
       count(*) FILTER (WHERE pp.trained AND pp.active_days < CAST(:k AS integer)) AS trained_inactive,
       count(*) FILTER (WHERE NOT pp.trained AND pp.active_days >= CAST(:k AS integer)) AS untrained_active,
       count(*) FILTER (WHERE NOT pp.trained AND pp.active_days < CAST(:k AS integer)) AS neither
FROM person_periods pp
JOIN org_closure c ON c.unit_id = pp.org_unit_id
JOIN org_units u ON u.id = c.ancestor_id
WHERE pp.grain = :grain AND pp.period_start = :start
  AND (u.id = :unit OR u.parent_id = :unit)
GROUP BY c.ancestor_id
