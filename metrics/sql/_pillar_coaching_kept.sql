-- The teams with the lowest share of coaching on CRM data under :unit in the period, as the
-- refresh ranked them (unit_coaching_lowest), counting the sessions that name a person only for
-- viewers allowed person-level rows. No rows for a team, or a period without sessions: the page
-- then sums unit_coaching itself.
SELECT u.name AS unit, l.sessions, l.with_crm, l.teams
FROM unit_coaching_lowest l
JOIN org_units u ON u.id = l.team_id
WHERE l.org_unit_id = :unit AND l.grain = :grain AND l.period_start = :start AND l.people = viewer_sees_people()
ORDER BY l.pos
