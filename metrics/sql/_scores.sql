-- Pillar scores and the Adoption Index per unit and period, from the scored KPI rows.
-- Weights: per pillar, the row with the latest effective_from <= period_end, else the default.
WITH scored AS (
    __SCORED__
),
pillar_scores AS (
    SELECT org_unit_id, grain, period_start, period_end, partial, pillar,
           100 * avg(attainment) AS score
    FROM scored
    GROUP BY org_unit_id, grain, period_start, period_end, partial, pillar
),
weighted AS (
    SELECT s.*,
           coalesce((
               SELECT w.weight FROM pillar_weights w
               WHERE w.pillar = s.pillar AND w.effective_from <= s.period_end
               ORDER BY w.effective_from DESC
               LIMIT 1
           ), p.default_weight) AS weight
    FROM pillar_scores s JOIN pillars p ON p.id = s.pillar
)
SELECT org_unit_id, grain, period_start, period_end, partial,
       max(score) FILTER (WHERE pillar = 'people') AS people,
       max(score) FILTER (WHERE pillar = 'process') AS process,
       max(score) FILTER (WHERE pillar = 'technology') AS technology,
       sum(weight * score) FILTER (WHERE score IS NOT NULL)
           / nullif(sum(weight) FILTER (WHERE score IS NOT NULL), 0) AS index
FROM weighted
GROUP BY org_unit_id, grain, period_start, period_end, partial
