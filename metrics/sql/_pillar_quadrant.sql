-- Training x usage per child unit (and the unit itself, for its total), kept by the refresh
-- (unit_periods): licensed users trained (every required course done by the period's end) and
-- active (k(P) or more activity days). Units without licensed users have no row.
SELECT up.org_unit_id AS unit_id, up.trained_active, up.trained_inactive, up.untrained_active, up.neither
FROM unit_periods up
JOIN org_units u ON u.id = up.org_unit_id
WHERE up.grain = :grain AND up.period_start = :start
  AND (u.id = :unit OR u.parent_id = :unit)
  AND up.trained_active + up.trained_inactive + up.untrained_active + up.neither > 0
