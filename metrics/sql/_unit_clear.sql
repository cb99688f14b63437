-- No data left in the window: the refresh's unit aggregates go with kpi_values.
DELETE FROM unit_scores;
DELETE FROM unit_periods;
DELETE FROM unit_meeting_days;
DELETE FROM unit_coaching;
DELETE FROM source_freshness;
DELETE FROM unit_league;
DELETE FROM unit_coaching_lowest
