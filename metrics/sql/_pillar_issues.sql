-- CRM issues raised by non-integration people of the subtree still open at the period's end, by age.
SELECT CASE WHEN :end - f.raised_on <= 5 THEN '0–5 days'
            WHEN :end - f.raised_on <= 15 THEN '6–15 days'
            WHEN :end - f.raised_on <= 30 THEN '16–30 days'
            ELSE 'over 30 days' END AS age,
       count(*) AS issues
FROM feedback f
JOIN people p ON p.id = f.person_id
WHERE f.kind = 'issue' AND NOT p.is_integration
  AND f.raised_on <= :end AND (f.resolved_on IS NULL OR f.resolved_on > :end)
  AND p.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
GROUP BY 1
