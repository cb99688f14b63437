-- The latest date in each source table up to the period's end, as the viewer may see it (row-level
-- security applies), and the last successful import of any file. Person-level tables are read only
-- for viewers allowed person-level rows (CASE evaluates a subquery only when its branch is taken):
-- for the others they hold nothing visible, and searching them would read every row in vain.
-- Whole tables, not the unit's subtree: a table's freshness is the load's, and the latest row is
-- found by an index (crm_activity, meetings) instead of summing over every person of a company.
SELECT 'crm_activity' AS source,
       CASE WHEN CAST(:people AS boolean) THEN (SELECT max(date) FROM crm_activity WHERE date <= :end) END AS latest
UNION ALL
SELECT 'training_completions',
       CASE WHEN CAST(:people AS boolean) THEN (SELECT max(completed_on) FROM training_completions
                                                WHERE completed_on <= :end) END
UNION ALL
SELECT 'pulse_responses',
       CASE WHEN CAST(:people AS boolean) THEN (SELECT max(date) FROM pulse_responses WHERE date <= :end) END
UNION ALL
SELECT 'recognitions',
       CASE WHEN CAST(:people AS boolean) THEN (SELECT max(date) FROM recognitions WHERE date <= :end) END
UNION ALL
SELECT 'feedback',
       CASE WHEN CAST(:people AS boolean) THEN (SELECT max(raised_on) FROM feedback WHERE raised_on <= :end) END
UNION ALL
SELECT 'meetings', (SELECT max(scheduled_on) FROM meetings WHERE status <> 'planned' AND scheduled_on <= :end)
UNION ALL
SELECT 'communications', (SELECT max(sent_on) FROM communications WHERE status = 'sent' AND sent_on <= :end)
UNION ALL
SELECT 'data_quality', (SELECT max(measured_on) FROM data_quality WHERE measured_on <= :end)
UNION ALL
SELECT 'import', (SELECT max(finished_at)::date FROM import_batches WHERE status = 'succeeded')
