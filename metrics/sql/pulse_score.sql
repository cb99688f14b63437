-- Sum and count of per-response ADKAR means (non-empty items only), with distinct respondents.
WITH responses AS (
    SELECT pp.org_unit_id, r.person_id, r.date,
           (coalesce(r.awareness, 0) + coalesce(r.desire, 0) + coalesce(r.knowledge, 0)
            + coalesce(r.ability, 0) + coalesce(r.reinforcement, 0))::double precision
           / num_nonnulls(r.awareness, r.desire, r.knowledge, r.ability, r.reinforcement) AS score
    FROM pulse_responses r
    JOIN _people pp ON pp.person_id = r.person_id
    WHERE num_nonnulls(r.awareness, r.desire, r.knowledge, r.ability, r.reinforcement) > 0
)
SELECT r.org_unit_id, pr.grain, pr.period_start,
       sum(r.score) AS numerator,
       count(*) AS denominator,
       count(DISTINCT r.person_id) AS respondents
FROM responses r
JOIN _periods pr ON r.date BETWEEN pr.period_start AND pr.period_end
GROUP BY r.org_unit_id, pr.grain, pr.period_start
