-- Licensed users who completed every course required for their role by the end of the period.
SELECT org_unit_id, grain, period_start,
       count(*) FILTER (WHERE covered_on <= period_end) AS numerator,
       count(*) AS denominator,
       0 AS respondents
FROM _licensed
GROUP BY org_unit_id, grain, period_start
