-- Activity mix per active user in the period: the subtree's licensed users with at least one
-- activity day (person_periods), and their logins, records created and updated, reports viewed.
WITH active AS (
    SELECT pp.person_id FROM person_periods pp
    WHERE pp.grain = :grain AND pp.period_start = :start AND pp.active_days > 0
      AND pp.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
)
SELECT (SELECT count(*) FROM active) AS active_users,
       coalesce(sum(a.logins), 0) AS logins, coalesce(sum(a.records_created), 0) AS records_created,
       coalesce(sum(a.records_updated), 0) AS records_updated, coalesce(sum(a.reports_viewed), 0) AS reports_viewed
FROM crm_activity a
WHERE a.person_id IN (SELECT person_id FROM active) AND a.date BETWEEN :start AND :end
