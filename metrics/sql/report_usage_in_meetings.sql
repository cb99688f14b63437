-- Held management meetings, and those run on CRM reports or dashboards.
SELECT m.org_unit_id, pr.grain, pr.period_start,
       count(*) FILTER (WHERE m.crm_report_used) AS numerator,
       count(*) AS denominator,
       0 AS respondents
FROM meetings m
JOIN _periods pr ON m.scheduled_on BETWEEN pr.period_start AND pr.period_end
WHERE m.kind IN ('weekly_status', 'monthly_planning', 'governance', 'management_review')
  AND m.status = 'held'
GROUP BY m.org_unit_id, pr.grain, pr.period_start
