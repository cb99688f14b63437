-- Meetings of the subtree in the period by day, kind and status (the cadence calendar, report use
-- per kind), kept by the refresh (unit_meeting_days); row-level security leaves out the meetings
-- naming a person for viewers without person-level rows.
SELECT day, kind, status, sum(meetings)::bigint AS meetings, sum(with_report)::bigint AS with_report,
       sum(with_sponsor)::bigint AS with_sponsor
FROM unit_meeting_days
WHERE org_unit_id = :unit AND day BETWEEN :start AND :end
GROUP BY day, kind, status
ORDER BY day, kind, status
