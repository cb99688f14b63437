-- The latest date in each source table for the unit's subtree, as the viewer may see it (row-level
-- security applies), up to the period's end; and the last successful import of any file.
WITH sub AS (
    SELECT unit_id FROM org_closure WHERE ancestor_id = :unit
),
who AS (
    SELECT id FROM people WHERE org_unit_id IN (SELECT unit_id FROM sub)
)
SELECT 'crm_activity' AS source, (SELECT max(date) FROM crm_activity
                                  WHERE person_id IN (SELECT id FROM who) AND date <= :end) AS latest
UNION ALL
SELECT 'training_completions', (SELECT max(completed_on) FROM training_completions
                                WHERE person_id IN (SELECT id FROM who) AND completed_on <= :end)
UNION ALL
SELECT 'pulse_responses', (SELECT max(date) FROM pulse_responses
                           WHERE person_id IN (SELECT id FROM who) AND date <= :end)
UNION ALL
SELECT 'recognitions', (SELECT max(date) FROM recognitions
                        WHERE person_id IN (SELECT id FROM who) AND date <= :end)
UNION ALL
SELECT 'feedback', (SELECT max(raised_on) FROM feedback
                    WHERE person_id IN (SELECT id FROM who) AND raised_on <= :end)
UNION ALL
SELECT 'meetings', (SELECT max(scheduled_on) FROM meetings
                    WHERE org_unit_id IN (SELECT unit_id FROM sub) AND status <> 'planned' AND scheduled_on <= :end)
UNION ALL
SELECT 'communications', (SELECT max(sent_on) FROM communications
                          WHERE status = 'sent' AND sent_on <= :end
                            AND audience_org_unit_id IN (SELECT ancestor_id FROM org_closure WHERE unit_id = :unit
                                                         UNION SELECT unit_id FROM sub))
UNION ALL
SELECT 'data_quality', (SELECT max(measured_on) FROM data_quality
                        WHERE org_unit_id IN (SELECT unit_id FROM sub) AND measured_on <= :end)
UNION ALL
SELECT 'import', (SELECT max(finished_at)::date FROM import_batches WHERE status = 'succeeded')
