-- Due cadence meetings (held, cancelled or missed; planned ones are not yet due), and those held.
SELECT m.org_unit_id, pr.grain, pr.period_start,
       count(*) FILTER (WHERE m.status = 'held') AS numerator,
       count(*) AS denominator,
       0 AS respondents
FROM meetings m
JOIN _periods pr ON m.scheduled_on BETWEEN pr.period_start AND pr.period_end
WHERE m.kind IN ('daily_standup', 'weekly_status', 'monthly_planning', 'governance')
  AND m.status IN ('held', 'cancelled', 'missed')
GROUP BY m.org_unit_id, pr.grain, pr.period_start
