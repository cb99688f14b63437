-- Scored KPI rows with what each adds to its unit's Adoption Index: the one place where pillar
-- scores, weights and the index are computed (KPIS.md "Status and scores").
-- Pillar score = mean KPI score over the pillar's KPIs with data; index = sum over the pillars with
-- a score of w_p * score_p / W, W = the sum of their weights; so KPI k adds w_p / W * s_k / n_p and
-- the index is the sum of these contributions. A unit with no licensed users has no pillar
-- scores and no index.
WITH scored AS (
    __SCORED__
),
licensed AS (
    SELECT org_unit_id, grain, period_start, denominator AS licensed
    FROM scored WHERE kpi_id = 'adoption_rate'
),
weights AS (
    SELECT e.period_end, w.pillar, w.weight
    FROM (SELECT DISTINCT period_end FROM scored) AS e
    CROSS JOIN LATERAL weights_at(e.period_end) AS w
),
pillar_scores AS (
    SELECT s.org_unit_id, s.grain, s.period_start, s.pillar, l.licensed, w.weight,
           count(s.score) AS pillar_kpis,
           CASE WHEN l.licensed > 0 THEN avg(s.score) END AS pillar_score
    FROM scored s
    JOIN licensed l ON l.org_unit_id = s.org_unit_id AND l.grain = s.grain AND l.period_start = s.period_start
    JOIN weights w ON w.period_end = s.period_end AND w.pillar = s.pillar
    GROUP BY s.org_unit_id, s.grain, s.period_start, s.pillar, l.licensed, w.weight
),
weighted AS (
    SELECT p.*,
           sum(p.weight) FILTER (WHERE p.pillar_score IS NOT NULL)
               OVER (PARTITION BY p.org_unit_id, p.grain, p.period_start) AS total_weight
    FROM pillar_scores p
)
SELECT s.*, w.licensed, w.weight, w.pillar_kpis, w.pillar_score,
       CASE WHEN w.pillar_score IS NOT NULL AND s.score IS NOT NULL
            THEN w.weight / nullif(w.total_weight, 0) * s.score / w.pillar_kpis END AS contribution
FROM scored s
JOIN weighted w ON w.org_unit_id = s.org_unit_id AND w.grain = s.grain
               AND w.period_start = s.period_start AND w.pillar = s.pillar
