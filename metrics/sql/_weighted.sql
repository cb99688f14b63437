-- Scored KPI rows with what each adds to its unit's Adoption Index: the one place where pillar
-- scores, weights and the index are computed (KPIS.md "Status and scores").
-- Pillar score = mean KPI score over the pillar's KPIs with data; index = sum over the pillars with
-- a score of w_p * score_p / W, W = the sum of their weights; so KPI k adds w_p / W * s_k / n_p and
-- the index is the sum of these contributions. A unit with no licensed users has no pillar scores
-- and no index. Window functions, not joins back to the rows: a join's row estimate fell to 1 under
-- a KPI filter and a nested loop took seconds.
WITH scored AS (
    __SCORED__
),
-- Materialised: the weights of each period once (inlined, weights_at ran once per KPI row).
weights AS MATERIALIZED (
    SELECT e.period_end, w.pillar, w.weight
    FROM (SELECT DISTINCT period_end FROM scored) AS e
    CROSS JOIN LATERAL weights_at(e.period_end) AS w
),
pillared AS (
    SELECT s.*, w.weight,
           -- |L(U,P)|: adoption rate's denominator
           max(s.denominator) FILTER (WHERE s.kpi_id = 'adoption_rate')
               OVER (PARTITION BY s.org_unit_id, s.grain, s.period_start) AS licensed,
           count(s.score) OVER pillar AS pillar_kpis,
           avg(s.score) OVER pillar AS pillar_mean,
           row_number() OVER pillar = 1 AS pillar_first
    FROM scored s
    JOIN weights w ON w.period_end = s.period_end AND w.pillar = s.pillar
    WINDOW pillar AS (PARTITION BY s.org_unit_id, s.grain, s.period_start, s.pillar)
),
weighted AS (
    SELECT p.*,
           CASE WHEN p.licensed > 0 THEN p.pillar_mean END AS pillar_score,
           -- each pillar's weight once, for the pillars that have a score
           sum(p.weight) FILTER (WHERE p.pillar_first AND p.licensed > 0 AND p.pillar_mean IS NOT NULL)
               OVER (PARTITION BY p.org_unit_id, p.grain, p.period_start) AS total_weight
    FROM pillared p
)
SELECT kpi_id, org_unit_id, grain, period_start, period_end, numerator, denominator, value, target,
       partial, pillar, position, attainment, status, score, licensed, weight, pillar_kpis, pillar_score,
       CASE WHEN pillar_score IS NOT NULL AND score IS NOT NULL
            THEN weight / nullif(total_weight, 0) * score / pillar_kpis END AS contribution
FROM weighted
