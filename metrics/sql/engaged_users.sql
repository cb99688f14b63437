-- Licensed users whose records created + updated in the period reach k(P), over licensed users.
SELECT l.org_unit_id, l.grain, l.period_start,
       count(*) FILTER (WHERE a.records_worked >= l.k) AS numerator,
       count(*) AS denominator,
       0 AS respondents
FROM _licensed l
LEFT JOIN _activity a ON a.person_id = l.person_id AND a.grain = l.grain AND a.period_start = l.period_start
GROUP BY l.org_unit_id, l.grain, l.period_start
