-- Each unit's latest data-quality measurement in the period: complete over checked records.
SELECT DISTINCT ON (d.org_unit_id, pr.grain, pr.period_start)
       d.org_unit_id, pr.grain, pr.period_start,
       d.records_complete AS numerator,
       d.records_checked AS denominator,
       0 AS respondents
FROM data_quality d
JOIN _periods pr ON d.measured_on BETWEEN pr.period_start AND pr.period_end
ORDER BY d.org_unit_id, pr.grain, pr.period_start, d.measured_on DESC
