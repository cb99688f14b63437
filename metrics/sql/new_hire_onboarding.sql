-- Cohort: people whose license_start + 30 days falls in the period; trained by then, over cohort.
SELECT pp.org_unit_id, pr.grain, pr.period_start,
       count(*) FILTER (WHERE pp.covered_on <= pp.license_start + 30) AS numerator,
       count(*) AS denominator,
       0 AS respondents
FROM _people pp
JOIN _periods pr ON pp.license_start + 30 BETWEEN pr.period_start AND pr.period_end
GROUP BY pp.org_unit_id, pr.grain, pr.period_start
