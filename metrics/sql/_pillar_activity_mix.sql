-- Activity mix of the subtree in the period, kept by the refresh (unit_periods): licensed users with
-- at least one activity day, and their logins, records created and updated, reports viewed.
SELECT coalesce(max(active_users), 0) AS active_users, coalesce(max(logins), 0) AS logins,
       coalesce(max(records_created), 0) AS records_created, coalesce(max(records_updated), 0) AS records_updated,
       coalesce(max(reports_viewed), 0) AS reports_viewed
FROM unit_periods
WHERE org_unit_id = :unit AND grain = :grain AND period_start = :start
