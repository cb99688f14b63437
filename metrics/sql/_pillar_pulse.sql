-- ADKAR pulse profile of the subtree, kept by the refresh (unit_periods): the mean of each item over
-- the period's answers (integration accounts and rows with no item left out), with the number of
-- distinct respondents.
SELECT coalesce(max(respondents), 0) AS respondents,
       max(awareness_sum)::double precision / nullif(max(awareness_n), 0) AS awareness,
       max(desire_sum)::double precision / nullif(max(desire_n), 0) AS desire,
       max(knowledge_sum)::double precision / nullif(max(knowledge_n), 0) AS knowledge,
       max(ability_sum)::double precision / nullif(max(ability_n), 0) AS ability,
       max(reinforcement_sum)::double precision / nullif(max(reinforcement_n), 0) AS reinforcement
FROM unit_periods
WHERE org_unit_id = :unit AND grain = :grain AND period_start = :start
