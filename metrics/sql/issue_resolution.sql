-- CRM issues whose 5-day deadline falls in the period, and those resolved by the deadline.
SELECT pp.org_unit_id, pr.grain, pr.period_start,
       count(*) FILTER (WHERE f.resolved_on <= f.raised_on + 5) AS numerator,
       count(*) AS denominator,
       0 AS respondents
FROM feedback f
JOIN _people pp ON pp.person_id = f.person_id
JOIN _periods pr ON f.raised_on + 5 BETWEEN pr.period_start AND pr.period_end
WHERE f.kind = 'issue'
GROUP BY pp.org_unit_id, pr.grain, pr.period_start
