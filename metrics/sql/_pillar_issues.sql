-- CRM issues raised by non-integration people of the subtree still open at the period's end, by
-- age, kept by the refresh (unit_periods).
SELECT a.age, a.issues
FROM unit_periods up
CROSS JOIN LATERAL (VALUES ('0–5 days', up.issues_0_5), ('6–15 days', up.issues_6_15),
                           ('16–30 days', up.issues_16_30), ('over 30 days', up.issues_over_30)) AS a (age, issues)
WHERE up.org_unit_id = :unit AND up.grain = :grain AND up.period_start = :start
