-- New-hire funnel: people whose license_start + 30 days falls in the period (the onboarding
-- cohort) -> trained within those 30 days (every required course) -> of them, active in the period.
WITH cohort AS (
    SELECT p.id, p.role, p.license_start
    FROM people p
    WHERE NOT p.is_integration
      AND p.license_start + 30 BETWEEN :start AND :end
      AND p.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
),
onboarded AS (
    SELECT c.id FROM cohort c
    WHERE NOT EXISTS (
        SELECT 1 FROM courses co
        WHERE is_required(co.required_for, c.role)
          AND NOT EXISTS (SELECT 1 FROM training_completions tc
                          WHERE tc.person_id = c.id AND tc.course_id = co.id
                            AND tc.completed_on <= c.license_start + 30))
)
SELECT (SELECT count(*) FROM cohort) AS new_users,
       (SELECT count(*) FROM onboarded) AS trained,
       (SELECT count(*) FROM onboarded o
        JOIN person_periods pp ON pp.person_id = o.id AND pp.grain = :grain AND pp.period_start = :start
        WHERE pp.active_days >= CAST(:k AS integer)) AS active
