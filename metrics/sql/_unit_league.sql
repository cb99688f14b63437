-- Each unit's league for the periods this refresh recomputes (_periods): the teams (units without
-- children) under it ranked on each pillar's score of unit_scores, best first (ties share a rank;
-- by name in the C collation within it), the top and bottom `shown` of them with the score of the
-- period before. Only units with two teams or more have a league. `basis` is the refresh's when
-- every row ranked was scored with it, else '' (a page then ranks live).
DELETE FROM unit_league
WHERE period_end >= CAST(:recompute_from AS date) OR period_start > CAST(:window_end AS date);

INSERT INTO unit_league (org_unit_id, grain, period_start, period_end, pillar, pos, team_id, score, previous,
                         rank, ranked, basis)
WITH grid AS (
    SELECT grain, period_start, lag(period_start) OVER (PARTITION BY grain ORDER BY period_start) AS previous_start
    FROM period_grid(CAST(:window_start AS date), CAST(:window_end AS date))
),
teams AS (
    SELECT u.id, u.name
    FROM org_units u
    WHERE NOT EXISTS (SELECT 1 FROM org_units ch WHERE ch.parent_id = u.id)
),
leagues AS (
    SELECT t.ancestor_id
    FROM _tree t
    JOIN teams ON teams.id = t.unit_id
    GROUP BY t.ancestor_id
    HAVING count(*) >= 2
),
scores AS (
    SELECT s.org_unit_id AS team_id, teams.name, p.grain, p.period_start, p.period_end, v.pillar, v.score,
           v.previous, s.basis = CAST(:basis AS text) AND coalesce(b.basis = CAST(:basis AS text), true) AS kept
    FROM _periods p
    JOIN grid g ON g.grain = p.grain AND g.period_start = p.period_start
    JOIN unit_scores s ON s.grain = p.grain AND s.period_start = p.period_start
    JOIN teams ON teams.id = s.org_unit_id
    LEFT JOIN unit_scores b ON b.org_unit_id = s.org_unit_id AND b.grain = p.grain AND b.period_start = g.previous_start
    CROSS JOIN LATERAL (
        VALUES ('people', s.people, b.people), ('process', s.process, b.process),
               ('technology', s.technology, b.technology)
    ) AS v (pillar, score, previous)
    WHERE v.score IS NOT NULL
),
ranked AS (
    SELECT t.ancestor_id, s.*,
           rank() OVER (PARTITION BY t.ancestor_id, s.grain, s.period_start, s.pillar ORDER BY s.score DESC) AS rank,
           row_number() OVER (PARTITION BY t.ancestor_id, s.grain, s.period_start, s.pillar
                              ORDER BY s.score DESC, s.name COLLATE "C") AS pos,
           count(*) OVER w AS ranked,
           bool_and(s.kept) OVER w AS all_kept
    FROM scores s
    JOIN _tree t ON t.unit_id = s.team_id
    JOIN leagues l ON l.ancestor_id = t.ancestor_id
    WINDOW w AS (PARTITION BY t.ancestor_id, s.grain, s.period_start, s.pillar)
)
SELECT ancestor_id, grain, period_start, period_end, pillar, pos, team_id, score, previous, rank, ranked,
       CASE WHEN all_kept THEN CAST(:basis AS text) ELSE '' END
FROM ranked
WHERE pos <= :shown OR pos > ranked - :shown
ORDER BY ancestor_id, grain, period_start, pillar, pos
