-- Recognitions of people in the unit (numerator) and its licensed users (denominator).
SELECT pp.org_unit_id, pr.grain, pr.period_start,
       count(*) AS numerator,
       0 AS denominator,
       0 AS respondents
FROM recognitions r
JOIN _people pp ON pp.person_id = r.person_id
JOIN _periods pr ON r.date BETWEEN pr.period_start AND pr.period_end
GROUP BY pp.org_unit_id, pr.grain, pr.period_start
UNION ALL
SELECT org_unit_id, grain, period_start, 0, count(*), 0
FROM _licensed
GROUP BY org_unit_id, grain, period_start
