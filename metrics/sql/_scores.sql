-- Pillar scores and the Adoption Index per unit and period: the sums of _weighted.sql's rows.
WITH weighted AS (
    __WEIGHTED__
)
SELECT org_unit_id, grain, period_start, period_end, partial,
       max(pillar_score) FILTER (WHERE pillar = 'people') AS people,
       max(pillar_score) FILTER (WHERE pillar = 'process') AS process,
       max(pillar_score) FILTER (WHERE pillar = 'technology') AS technology,
       sum(contribution) AS index,
       max(licensed) AS licensed
FROM weighted
GROUP BY org_unit_id, grain, period_start, period_end, partial
