-- Each unit's league for the periods this refresh recomputes (_periods): the teams (units without
-- children) under it ranked on each pillar's score of unit_scores, best first (ties share a rank;
-- by name in the C collation within it), the top and bottom `shown` of them with the score of the
-- period before. Only units with two teams or more have a league. `basis` is the refresh's when
-- every row ranked was scored with it, else '' (a page then ranks live).
DELETE FROM unit_league
WHERE period_end >= CAST(:recompute_from AS date) OR period_start > CAST(:window_end AS date);

-- Working tables (dropped at commit; a transaction may refresh twice), analysed so that the joins
-- below are planned on their real sizes (period_grid's estimate is a guess).
DROP TABLE IF EXISTS _league_periods, _team_scores;

CREATE TEMP TABLE _league_periods ON COMMIT DROP AS
SELECT g.grain, g.period_start, g.period_end, g.previous_start,
       row_number() OVER (ORDER BY g.grain, g.period_start) AS no
FROM (SELECT grain, period_start, period_end,
             lag(period_start) OVER (PARTITION BY grain ORDER BY period_start) AS previous_start
      FROM period_grid(CAST(:window_start AS date), CAST(:window_end AS date))) AS g
JOIN _periods p ON p.grain = g.grain AND p.period_start = g.period_start;

ANALYZE _league_periods;

-- Every team's score per recomputed period and pillar, with the one before and its place among all
-- teams of the grain, period and pillar (its slot: by score, d; by score then name, g), so that the
-- leagues below sort integers, not text (1.2 million rows on `large`: by text keys, 5.6 s of 6).
CREATE TEMP TABLE _team_scores ON COMMIT DROP AS
SELECT s.org_unit_id AS team_id, p.grain, p.period_start, p.period_end, v.pillar, v.score, v.previous,
       p.no * 3 + v.no AS slot,
       s.basis = CAST(:basis AS text) AND coalesce(b.basis = CAST(:basis AS text), true) AS kept,
       dense_rank() OVER (PARTITION BY p.no, v.no ORDER BY v.score DESC) AS d,
       row_number() OVER (PARTITION BY p.no, v.no ORDER BY v.score DESC, u.name COLLATE "C") AS g
FROM _league_periods p
JOIN unit_scores s ON s.grain = p.grain AND s.period_start = p.period_start
JOIN org_units u ON u.id = s.org_unit_id
LEFT JOIN unit_scores b ON b.org_unit_id = s.org_unit_id AND b.grain = p.grain AND b.period_start = p.previous_start
CROSS JOIN LATERAL (
    VALUES ('people', 0, s.people, b.people), ('process', 1, s.process, b.process),
           ('technology', 2, s.technology, b.technology)
) AS v (pillar, no, score, previous)
WHERE v.score IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM org_units ch WHERE ch.parent_id = u.id);

ANALYZE _team_scores;

INSERT INTO unit_league (org_unit_id, grain, period_start, period_end, pillar, pos, team_id, score, previous,
                         rank, ranked, basis)
WITH leagues AS (
    SELECT t.ancestor_id, row_number() OVER (ORDER BY t.ancestor_id) AS no
    FROM _tree t
    WHERE NOT EXISTS (SELECT 1 FROM org_units ch WHERE ch.parent_id = t.unit_id)
    GROUP BY t.ancestor_id
    HAVING count(*) >= 2
),
ranked AS (
    SELECT t.ancestor_id, s.grain, s.period_start, s.period_end, s.pillar, s.team_id, s.score, s.previous,
           rank() OVER (league ORDER BY s.d) AS rank,
           row_number() OVER (league ORDER BY s.d, s.g) AS pos,
           count(*) OVER league AS ranked,
           bool_and(s.kept) OVER league AS all_kept
    FROM _team_scores s
    JOIN _tree t ON t.unit_id = s.team_id
    JOIN leagues l ON l.ancestor_id = t.ancestor_id
    WINDOW league AS (PARTITION BY l.no, s.slot)
)
SELECT ancestor_id, grain, period_start, period_end, pillar, pos, team_id, score, previous, rank, ranked,
       CASE WHEN all_kept THEN CAST(:basis AS text) ELSE '' END
FROM ranked
WHERE pos <= :shown OR pos > ranked - :shown
