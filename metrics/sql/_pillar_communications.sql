-- Program communications that reach the unit (audience: the unit, a unit above it or below it) in
-- the period, by day, channel and status.
SELECT c.sent_on AS day, c.channel, c.status, count(*) AS communications,
       coalesce(sum(c.recipients), 0) AS recipients, coalesce(sum(c.opens), 0) AS opens
FROM communications c
WHERE c.sent_on BETWEEN :start AND :end
  -- Probed by key per row of the period, not a hash of the subtree's units built per view (OFFSET 0
  -- keeps the planner from turning EXISTS into that hash).
  AND (EXISTS (SELECT 1 FROM org_closure x WHERE x.ancestor_id = :unit AND x.unit_id = c.audience_org_unit_id OFFSET 0)
       OR EXISTS (SELECT 1 FROM org_closure x WHERE x.unit_id = :unit AND x.ancestor_id = c.audience_org_unit_id OFFSET 0))
GROUP BY c.sent_on, c.channel, c.status
ORDER BY c.sent_on, c.channel, c.status
