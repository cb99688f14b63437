-- Sent program communications by audience unit (the denominator, days(P), is set by the rollup).
SELECT c.audience_org_unit_id AS org_unit_id, pr.grain, pr.period_start,
       count(*) AS numerator,
       0 AS denominator,
       0 AS respondents
FROM communications c
JOIN _periods pr ON c.sent_on BETWEEN pr.period_start AND pr.period_end
WHERE c.status = 'sent'
GROUP BY c.audience_org_unit_id, pr.grain, pr.period_start
