-- Each unit's teams (the units that held the sessions) with the lowest share of held coaching on
-- CRM data, from unit_coaching, for the periods this refresh recomputes (_periods): the first
-- `shown` by share then name, with how many there are. Units with children only (a team reads its
-- own rows); twice, with the sessions that name a person (people) and without.
DELETE FROM unit_coaching_lowest
WHERE period_end >= CAST(:recompute_from AS date) OR period_start > CAST(:window_end AS date);

INSERT INTO unit_coaching_lowest (org_unit_id, grain, period_start, period_end, people, pos, team_id, sessions,
                                  with_crm, teams)
-- Units, periods and names as numbers: the sorts below compare integers, not text (on `large`,
-- 360,000 rows; by text keys most of the time went to comparing them).
WITH parents AS (
    SELECT id, row_number() OVER (ORDER BY id) AS no
    FROM org_units u
    WHERE EXISTS (SELECT 1 FROM org_units ch WHERE ch.parent_id = u.id)
),
units AS (
    -- Numbered in name order, in the database's collation, as a page orders them.
    SELECT id, row_number() OVER (ORDER BY name, id) AS no FROM org_units
),
slots AS (
    SELECT grain, period_start, period_end, row_number() OVER (ORDER BY grain, period_start) AS no FROM _periods
),
per_team AS (
    SELECT a.no AS league, s.no AS slot, v.people, u.no AS team, sum(c.sessions) AS sessions,
           sum(c.with_crm) AS with_crm
    FROM unit_coaching c
    JOIN slots s ON s.grain = c.grain AND s.period_start = c.period_start
    JOIN units u ON u.id = c.org_unit_id
    JOIN _tree t ON t.unit_id = c.org_unit_id
    JOIN parents a ON a.id = t.ancestor_id
    CROSS JOIN (VALUES (true), (false)) AS v (people)
    WHERE v.people OR NOT c.personal
    GROUP BY a.no, s.no, v.people, u.no
),
ranked AS (
    SELECT r.*,
           row_number() OVER (PARTITION BY r.league, r.slot, r.people
                              ORDER BY r.with_crm::double precision / r.sessions, r.team) AS pos,
           count(*) OVER (PARTITION BY r.league, r.slot, r.people) AS teams
    FROM per_team r
)
SELECT a.id, s.grain, s.period_start, s.period_end, r.people, r.pos, u.id, r.sessions, r.with_crm, r.teams
FROM ranked r
JOIN parents a ON a.no = r.league
JOIN slots s ON s.no = r.slot
JOIN units u ON u.no = r.team
WHERE r.pos <= :shown
