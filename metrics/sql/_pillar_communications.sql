-- Program communications that reach the unit (audience: the unit, a unit above it or below it) in
-- the period, by day, channel and status.
SELECT c.sent_on AS day, c.channel, c.status, count(*) AS communications,
       coalesce(sum(c.recipients), 0) AS recipients, coalesce(sum(c.opens), 0) AS opens
FROM communications c
WHERE c.sent_on BETWEEN :start AND :end
  AND (c.audience_org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
       OR c.audience_org_unit_id IN (SELECT ancestor_id FROM org_closure WHERE unit_id = :unit))
GROUP BY c.sent_on, c.channel, c.status
ORDER BY c.sent_on, c.channel, c.status
