-- The league the refresh ranked (unit_league) for :unit, grain, period and pillar, best first, when
-- it was ranked with the targets and weights in force now (basis, _unit_basis.sql); no rows else,
-- and for a unit with fewer than two teams or none scored (the page then ranks live).
WITH basis AS (
    __BASIS__
)
SELECT l.team_id AS unit_id, u.name, l.score, l.previous, l.score - l.previous AS change, l.rank, l.ranked
FROM unit_league l
JOIN org_units u ON u.id = l.team_id
WHERE l.org_unit_id = :unit AND l.grain = :grain AND l.period_start = :start AND l.pillar = :pillar
  AND l.basis = (SELECT basis FROM basis)
ORDER BY l.pos
