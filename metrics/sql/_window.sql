-- The data window: from the first day of CRM activity (else the first event) to the last event.
WITH events (lo, hi) AS (
    SELECT min(date), max(date) FROM crm_activity
    UNION ALL SELECT min(completed_on), max(completed_on) FROM training_completions
    UNION ALL SELECT min(scheduled_on), max(scheduled_on) FROM meetings WHERE status <> 'planned'
    UNION ALL SELECT min(sent_on), max(sent_on) FROM communications WHERE status = 'sent'
    UNION ALL SELECT min(date), max(date) FROM recognitions
    UNION ALL SELECT min(date), max(date) FROM pulse_responses
    UNION ALL SELECT min(measured_on), max(measured_on) FROM data_quality
    UNION ALL SELECT min(raised_on), max(raised_on) FROM feedback
)
SELECT coalesce((SELECT min(date) FROM crm_activity), min(lo)) AS window_start,
       max(hi) AS window_end
FROM events
