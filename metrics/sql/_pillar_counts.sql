-- What the refresh counted from person-level rows (unit_periods) for the unit and its direct
-- children in the period, in one read: training x usage per unit; for the unit itself the
-- onboarding funnel, the pulse item sums, the activity mix and the open issues by age. Row-level
-- security leaves nothing for viewers without person-level rows.
SELECT up.*
FROM unit_periods up
JOIN org_units u ON u.id = up.org_unit_id
WHERE up.grain = :grain AND up.period_start = :start
  AND (u.id = :unit OR u.parent_id = :unit)
