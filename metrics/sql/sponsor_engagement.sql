-- Held governance meetings, and those the executive sponsor attended.
SELECT m.org_unit_id, pr.grain, pr.period_start,
       count(*) FILTER (WHERE m.sponsor_present) AS numerator,
       count(*) AS denominator,
       0 AS respondents
FROM meetings m
JOIN _periods pr ON m.scheduled_on BETWEEN pr.period_start AND pr.period_end
WHERE m.kind = 'governance' AND m.status = 'held'
GROUP BY m.org_unit_id, pr.grain, pr.period_start
