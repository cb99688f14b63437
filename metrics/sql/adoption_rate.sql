-- Licensed users with at least k(P) activity days in the period, over licensed users.
SELECT l.org_unit_id, l.grain, l.period_start,
       count(*) FILTER (WHERE l.active_days >= l.k) AS numerator,
       count(*) AS denominator,
       0 AS respondents
FROM _licensed l
GROUP BY l.org_unit_id, l.grain, l.period_start
