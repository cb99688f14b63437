-- A unit's licensed users in one period, from the refresh's person x period facts. Row-level
-- security leaves only the people the viewer may see.
SELECT p.id, p.name, p.org_unit_id, pp.active_days, pp.records_worked, pp.trained,
       pp.active_days >= CAST(:k AS integer) AS regular, pp.records_worked >= CAST(:k AS integer) AS engaged
FROM person_periods pp
JOIN people p ON p.id = pp.person_id
WHERE pp.grain = :grain AND pp.period_start = :start
  AND pp.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
ORDER BY p.name, p.id
