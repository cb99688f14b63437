-- The latest date in each source table up to the period's end, kept by the refresh
-- (source_freshness): whole tables, readable only by viewers who see the whole company; person-level
-- tables only for those allowed person-level rows (meetings: those naming a person too). Row-level
-- security decides; any other viewer reads _pillar_freshness_live.sql.
SELECT source, personal, latest
FROM source_freshness
WHERE grain = :grain AND period_start = :start
