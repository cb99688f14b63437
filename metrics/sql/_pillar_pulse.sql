-- ADKAR pulse profile: the mean of each item over the period's answers from people in the subtree
-- (integration accounts and rows with no item left out), with the number of distinct respondents.
SELECT count(DISTINCT r.person_id) AS respondents,
       avg(r.awareness)::double precision AS awareness, avg(r.desire)::double precision AS desire,
       avg(r.knowledge)::double precision AS knowledge, avg(r.ability)::double precision AS ability,
       avg(r.reinforcement)::double precision AS reinforcement
FROM pulse_responses r
JOIN people p ON p.id = r.person_id
WHERE NOT p.is_integration
  AND r.date BETWEEN :start AND :end
  AND num_nonnulls(r.awareness, r.desire, r.knowledge, r.ability, r.reinforcement) > 0
  AND p.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
