-- What the pillar pages show per unit (its subtree summed), grain and period, for the periods this
-- refresh recomputes (_periods): read by key instead of summing raw rows on every page. Runs after
-- _rollup.sql in the refresh's transaction, on its working tables (_periods, _tree, _people,
-- _licensed). Every count is a sum over people or meetings, so units sum up the tree.
-- A working table (dropped at commit; a transaction may refresh twice).
DROP TABLE IF EXISTS _unit_own;

DELETE FROM unit_scores
WHERE period_end >= CAST(:recompute_from AS date) OR period_start > CAST(:window_end AS date);

DELETE FROM unit_periods
WHERE period_end >= CAST(:recompute_from AS date) OR period_start > CAST(:window_end AS date);

DELETE FROM unit_coaching
WHERE period_end >= CAST(:recompute_from AS date) OR period_start > CAST(:window_end AS date);

DELETE FROM source_freshness
WHERE period_end >= CAST(:recompute_from AS date) OR period_start > CAST(:window_end AS date);

-- By day: every day of the recomputed periods (a full refresh also drops days outside them).
DELETE FROM unit_meeting_days
WHERE day >= (SELECT min(period_start) FROM _periods)
   OR CAST(:recompute_from AS date) = CAST(:window_start AS date);

-- Per person and period, attached to the person's own unit; summed per unit below.
CREATE TEMP TABLE _unit_own ON COMMIT DROP AS
WITH licensed AS (
    -- Training x usage and the activity mix: licensed users (trained: every required course done
    -- by the period's end; regular: k or more activity days; active: at least one activity day).
    SELECT l.org_unit_id, l.grain, l.period_start,
           count(*) FILTER (WHERE l.covered_on <= l.period_end AND l.active_days >= l.k) AS trained_active,
           count(*) FILTER (WHERE l.covered_on <= l.period_end AND l.active_days < l.k) AS trained_inactive,
           count(*) FILTER (WHERE NOT coalesce(l.covered_on <= l.period_end, false) AND l.active_days >= l.k)
               AS untrained_active,
           count(*) FILTER (WHERE NOT coalesce(l.covered_on <= l.period_end, false) AND l.active_days < l.k)
               AS neither,
           count(*) FILTER (WHERE l.active_days > 0) AS active_users,
           coalesce(sum(l.logins) FILTER (WHERE l.active_days > 0), 0) AS logins,
           coalesce(sum(l.records_created) FILTER (WHERE l.active_days > 0), 0) AS records_created,
           coalesce(sum(l.records_updated) FILTER (WHERE l.active_days > 0), 0) AS records_updated,
           coalesce(sum(l.reports_viewed) FILTER (WHERE l.active_days > 0), 0) AS reports_viewed
    FROM _licensed l
    GROUP BY l.org_unit_id, l.grain, l.period_start
),
funnel AS (
    -- New hires whose license_start + 30 days falls in the period -> every required course done by
    -- then -> of them, regular users in the period.
    SELECT pe.org_unit_id, p.grain, p.period_start, count(*) AS new_users,
           count(*) FILTER (WHERE pe.covered_on <= pe.license_start + 30) AS onboarded,
           count(*) FILTER (WHERE pe.covered_on <= pe.license_start + 30 AND l.active_days >= p.k) AS onboarded_active
    FROM _people pe
    CROSS JOIN (VALUES ('week'), ('month'), ('quarter')) AS g (grain)
    JOIN _periods p ON p.grain = g.grain
                   AND p.period_start = date_trunc(g.grain, (pe.license_start + 30)::timestamp)::date
    LEFT JOIN _licensed l ON l.person_id = pe.person_id AND l.grain = p.grain AND l.period_start = p.period_start
    GROUP BY pe.org_unit_id, p.grain, p.period_start
),
answers AS (
    SELECT pe.org_unit_id, p.grain, p.period_start, r.person_id,
           sum(r.awareness) AS awareness_sum, count(r.awareness) AS awareness_n,
           sum(r.desire) AS desire_sum, count(r.desire) AS desire_n,
           sum(r.knowledge) AS knowledge_sum, count(r.knowledge) AS knowledge_n,
           sum(r.ability) AS ability_sum, count(r.ability) AS ability_n,
           sum(r.reinforcement) AS reinforcement_sum, count(r.reinforcement) AS reinforcement_n
    FROM pulse_responses r
    JOIN _people pe ON pe.person_id = r.person_id
    CROSS JOIN (VALUES ('week'), ('month'), ('quarter')) AS g (grain)
    JOIN _periods p ON p.grain = g.grain AND p.period_start = date_trunc(g.grain, r.date::timestamp)::date
    WHERE num_nonnulls(r.awareness, r.desire, r.knowledge, r.ability, r.reinforcement) > 0
      AND r.date >= (SELECT min(period_start) FROM _periods)
    GROUP BY pe.org_unit_id, p.grain, p.period_start, r.person_id
),
pulse AS (
    -- A person belongs to one unit: distinct respondents sum up the tree.
    SELECT org_unit_id, grain, period_start, count(*) AS respondents,
           sum(awareness_sum) AS awareness_sum, sum(awareness_n) AS awareness_n,
           sum(desire_sum) AS desire_sum, sum(desire_n) AS desire_n,
           sum(knowledge_sum) AS knowledge_sum, sum(knowledge_n) AS knowledge_n,
           sum(ability_sum) AS ability_sum, sum(ability_n) AS ability_n,
           sum(reinforcement_sum) AS reinforcement_sum, sum(reinforcement_n) AS reinforcement_n
    FROM answers
    GROUP BY org_unit_id, grain, period_start
),
issues AS (
    -- CRM issues still open at the period's end, by age.
    SELECT pe.org_unit_id, p.grain, p.period_start,
           count(*) FILTER (WHERE p.period_end - f.raised_on <= 5) AS issues_0_5,
           count(*) FILTER (WHERE p.period_end - f.raised_on BETWEEN 6 AND 15) AS issues_6_15,
           count(*) FILTER (WHERE p.period_end - f.raised_on BETWEEN 16 AND 30) AS issues_16_30,
           count(*) FILTER (WHERE p.period_end - f.raised_on > 30) AS issues_over_30
    FROM feedback f
    JOIN _people pe ON pe.person_id = f.person_id
    JOIN _periods p ON f.raised_on <= p.period_end AND (f.resolved_on IS NULL OR f.resolved_on > p.period_end)
    WHERE f.kind = 'issue'
    GROUP BY pe.org_unit_id, p.grain, p.period_start
),
keys AS (
    SELECT org_unit_id, grain, period_start FROM licensed
    UNION SELECT org_unit_id, grain, period_start FROM funnel
    UNION SELECT org_unit_id, grain, period_start FROM pulse
    UNION SELECT org_unit_id, grain, period_start FROM issues
)
SELECT k.org_unit_id, k.grain, k.period_start,
       coalesce(l.trained_active, 0) AS trained_active, coalesce(l.trained_inactive, 0) AS trained_inactive,
       coalesce(l.untrained_active, 0) AS untrained_active, coalesce(l.neither, 0) AS neither,
       coalesce(l.active_users, 0) AS active_users, coalesce(l.logins, 0) AS logins,
       coalesce(l.records_created, 0) AS records_created, coalesce(l.records_updated, 0) AS records_updated,
       coalesce(l.reports_viewed, 0) AS reports_viewed,
       coalesce(f.new_users, 0) AS new_users, coalesce(f.onboarded, 0) AS onboarded,
       coalesce(f.onboarded_active, 0) AS onboarded_active,
       coalesce(p.respondents, 0) AS respondents,
       coalesce(p.awareness_sum, 0) AS awareness_sum, coalesce(p.awareness_n, 0) AS awareness_n,
       coalesce(p.desire_sum, 0) AS desire_sum, coalesce(p.desire_n, 0) AS desire_n,
       coalesce(p.knowledge_sum, 0) AS knowledge_sum, coalesce(p.knowledge_n, 0) AS knowledge_n,
       coalesce(p.ability_sum, 0) AS ability_sum, coalesce(p.ability_n, 0) AS ability_n,
       coalesce(p.reinforcement_sum, 0) AS reinforcement_sum, coalesce(p.reinforcement_n, 0) AS reinforcement_n,
       coalesce(i.issues_0_5, 0) AS issues_0_5, coalesce(i.issues_6_15, 0) AS issues_6_15,
       coalesce(i.issues_16_30, 0) AS issues_16_30, coalesce(i.issues_over_30, 0) AS issues_over_30
FROM keys k
LEFT JOIN licensed l USING (org_unit_id, grain, period_start)
LEFT JOIN funnel f USING (org_unit_id, grain, period_start)
LEFT JOIN pulse p USING (org_unit_id, grain, period_start)
LEFT JOIN issues i USING (org_unit_id, grain, period_start);

ANALYZE _unit_own;

-- Summed up the tree; a unit and period without any row has no row (the pages read zeros).
INSERT INTO unit_periods
SELECT t.ancestor_id, o.grain, o.period_start, p.period_end,
       sum(o.trained_active), sum(o.trained_inactive), sum(o.untrained_active), sum(o.neither),
       sum(o.active_users), sum(o.logins), sum(o.records_created), sum(o.records_updated), sum(o.reports_viewed),
       sum(o.new_users), sum(o.onboarded), sum(o.onboarded_active), sum(o.respondents),
       sum(o.awareness_sum), sum(o.awareness_n), sum(o.desire_sum), sum(o.desire_n),
       sum(o.knowledge_sum), sum(o.knowledge_n), sum(o.ability_sum), sum(o.ability_n),
       sum(o.reinforcement_sum), sum(o.reinforcement_n),
       sum(o.issues_0_5), sum(o.issues_6_15), sum(o.issues_16_30), sum(o.issues_over_30)
FROM _unit_own o
JOIN _tree t ON t.unit_id = o.org_unit_id
JOIN _periods p ON p.grain = o.grain AND p.period_start = o.period_start
GROUP BY t.ancestor_id, o.grain, o.period_start, p.period_end;

-- Held coaching sessions per unit that held them (its own, not its subtree's), written period by
-- period (a page reads one period's rows).
INSERT INTO unit_coaching (org_unit_id, grain, period_start, period_end, personal, sessions, with_crm)
SELECT m.org_unit_id, p.grain, p.period_start, p.period_end, m.person_id IS NOT NULL,
       count(*), count(*) FILTER (WHERE m.crm_report_used)
FROM meetings m
CROSS JOIN (VALUES ('week'), ('month'), ('quarter')) AS g (grain)
JOIN _periods p ON p.grain = g.grain AND p.period_start = date_trunc(g.grain, m.scheduled_on::timestamp)::date
WHERE m.kind = 'coaching' AND m.status = 'held'
  AND m.scheduled_on BETWEEN (SELECT min(period_start) FROM _periods) AND (SELECT max(period_end) FROM _periods)
GROUP BY m.org_unit_id, p.grain, p.period_start, p.period_end, m.person_id IS NOT NULL
ORDER BY p.grain, p.period_start;

-- Meetings of each unit's subtree per day, kind and status (the cadence calendar, report use):
-- counted per unit first, then summed up the tree (a page reads one unit's days by index).
INSERT INTO unit_meeting_days (org_unit_id, day, kind, status, personal, meetings, with_report, with_sponsor)
WITH own AS (
    SELECT m.org_unit_id, m.scheduled_on AS day, m.kind, m.status, m.person_id IS NOT NULL AS personal,
           count(*) AS meetings, count(*) FILTER (WHERE m.crm_report_used) AS with_report,
           count(*) FILTER (WHERE m.sponsor_present) AS with_sponsor
    FROM meetings m
    WHERE m.scheduled_on BETWEEN (SELECT min(period_start) FROM _periods) AND (SELECT max(period_end) FROM _periods)
    GROUP BY m.org_unit_id, m.scheduled_on, m.kind, m.status, m.person_id IS NOT NULL
)
SELECT t.ancestor_id, o.day, o.kind, o.status, o.personal, sum(o.meetings), sum(o.with_report), sum(o.with_sponsor)
FROM own o
JOIN _tree t ON t.unit_id = o.org_unit_id
GROUP BY t.ancestor_id, o.day, o.kind, o.status, o.personal;

-- Each source table's latest date up to the period's end, whole tables (found by index). Meetings
-- twice: all of them, and those naming no person (what a viewer without person-level rows sees).
INSERT INTO source_freshness (grain, period_start, period_end, source, personal, latest)
SELECT p.grain, p.period_start, p.period_end, s.source, s.personal, s.latest
FROM _periods p
CROSS JOIN LATERAL (
    SELECT 'crm_activity', true, (SELECT max(date) FROM crm_activity WHERE date <= p.period_end)
    UNION ALL
    SELECT 'training_completions', true,
           (SELECT max(completed_on) FROM training_completions WHERE completed_on <= p.period_end)
    UNION ALL
    SELECT 'pulse_responses', true, (SELECT max(date) FROM pulse_responses WHERE date <= p.period_end)
    UNION ALL
    SELECT 'recognitions', true, (SELECT max(date) FROM recognitions WHERE date <= p.period_end)
    UNION ALL
    SELECT 'feedback', true, (SELECT max(raised_on) FROM feedback WHERE raised_on <= p.period_end)
    UNION ALL
    SELECT 'meetings', true,
           (SELECT max(scheduled_on) FROM meetings WHERE status <> 'planned' AND scheduled_on <= p.period_end)
    UNION ALL
    SELECT 'meetings', false,
           (SELECT max(scheduled_on) FROM meetings
            WHERE status <> 'planned' AND person_id IS NULL AND scheduled_on <= p.period_end)
    UNION ALL
    SELECT 'communications', false,
           (SELECT max(sent_on) FROM communications WHERE status = 'sent' AND sent_on <= p.period_end)
    UNION ALL
    SELECT 'data_quality', false, (SELECT max(measured_on) FROM data_quality WHERE measured_on <= p.period_end)
) AS s (source, personal, latest)
