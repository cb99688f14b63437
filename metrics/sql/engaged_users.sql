-- Licensed users whose records created + updated in the period reach k(P), over licensed users.
SELECT l.org_unit_id, l.grain, l.period_start,
       count(*) FILTER (WHERE l.records_worked >= l.k) AS numerator,
       count(*) AS denominator,
       0 AS respondents
FROM _licensed l
GROUP BY l.org_unit_id, l.grain, l.period_start
