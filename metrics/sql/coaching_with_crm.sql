-- Held coaching sessions (manager 1:1s), and those that used CRM data.
SELECT m.org_unit_id, pr.grain, pr.period_start,
       count(*) FILTER (WHERE m.crm_report_used) AS numerator,
       count(*) AS denominator,
       0 AS respondents
FROM meetings m
JOIN _periods pr ON m.scheduled_on BETWEEN pr.period_start AND pr.period_end
WHERE m.kind = 'coaching' AND m.status = 'held'
GROUP BY m.org_unit_id, pr.grain, pr.period_start
