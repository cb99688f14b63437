-- After a full refresh rewrote them: fresh statistics before the next pages plan on them.
ANALYZE unit_scores;
ANALYZE unit_periods;
ANALYZE unit_meeting_days;
ANALYZE unit_coaching;
ANALYZE source_freshness;
ANALYZE unit_league;
ANALYZE unit_coaching_lowest
