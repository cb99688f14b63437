-- New-hire funnel of the subtree, kept by the refresh (unit_periods): people whose license_start +
-- 30 days falls in the period (the onboarding cohort) -> trained within those 30 days (every
-- required course) -> of them, active in the period. Zeros when the viewer may not see the row.
SELECT coalesce(max(new_users), 0) AS new_users, coalesce(max(onboarded), 0) AS trained,
       coalesce(max(onboarded_active), 0) AS active
FROM unit_periods
WHERE org_unit_id = :unit AND grain = :grain AND period_start = :start
