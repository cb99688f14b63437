-- Working tables for one refresh, shared by every KPI query (dropped at commit).
DROP TABLE IF EXISTS _periods, _tree, _reach, _people, _licensed, _activity, _attached, _kpi, _summed;

-- Short set-based statements: compiling them just in time costs more than it saves.
SET LOCAL jit = off;
-- Room for the hash aggregates of a large organisation, instead of spilling them to disk.
SET LOCAL work_mem = '256MB';

-- Periods of each grain that overlap the data window, from the first one still to recompute.
CREATE TEMP TABLE _periods ON COMMIT DROP AS
SELECT * FROM period_grid(CAST(:window_start AS date), CAST(:window_end AS date))
WHERE period_end >= CAST(:recompute_from AS date);

-- Closure of the org tree: every unit with each of its ancestors, itself included (depth 0).
CREATE TEMP TABLE _tree ON COMMIT DROP AS
SELECT * FROM org_closure;

-- For the KPIs that also count their ancestors' rows: unit -> every unit whose rows it counts.
CREATE TEMP TABLE _reach ON COMMIT DROP AS
SELECT ancestor_id AS unit_id, unit_id AS other_id FROM _tree
UNION ALL
SELECT unit_id, ancestor_id FROM _tree WHERE depth > 0;

-- Non-integration people, with the first day they had completed every course their role requires
-- ('-infinity' when the role requires none, NULL when a required course was never completed).
CREATE TEMP TABLE _people ON COMMIT DROP AS
WITH role_courses AS (
    -- is_required per role, not per person: it is not inlined (16,000 calls took 40 ms on demo).
    SELECT r.role, c.id AS course_id
    FROM (SELECT DISTINCT role FROM people WHERE NOT is_integration) AS r
    JOIN courses c ON is_required(c.required_for, r.role)
),
required AS (
    SELECT p.id AS person_id, rc.course_id
    FROM people p
    JOIN role_courses rc ON rc.role IS NOT DISTINCT FROM p.role
    WHERE NOT p.is_integration
),
first_done AS (
    SELECT q.person_id, q.course_id, min(tc.completed_on) AS completed_on
    FROM required q
    LEFT JOIN training_completions tc ON tc.person_id = q.person_id AND tc.course_id = q.course_id
    GROUP BY q.person_id, q.course_id
),
covered AS (
    SELECT person_id, CASE WHEN bool_and(completed_on IS NOT NULL) THEN max(completed_on) END AS covered_on
    FROM first_done
    GROUP BY person_id
)
SELECT p.id AS person_id, p.org_unit_id, p.license_start, p.license_end,
       CASE WHEN c.person_id IS NULL THEN '-infinity'::date ELSE c.covered_on END AS covered_on
FROM people p
LEFT JOIN covered c ON c.person_id = p.id
WHERE NOT p.is_integration;

-- Activity days and records worked per person and period, from the first day of the periods
-- recomputed: each row is read once into a (week, month) cell, and the three grains are sums of
-- cells. Periods that start before that day come out partial here, but none of them is recomputed
-- (_licensed joins _periods).
CREATE TEMP TABLE _activity ON COMMIT DROP AS
-- (date_trunc on timestamp, not timestamptz: no time zone arithmetic per row.)
WITH cells AS (
    SELECT a.person_id, date_trunc('week', a.date::timestamp)::date AS week, date_trunc('month', a.date::timestamp)::date AS month,
           count(*) FILTER (WHERE is_active_day(a.logins, a.records_created, a.records_updated, a.reports_viewed)) AS active_days,
           sum(a.records_created + a.records_updated) AS records_worked,
           -- the pillar pages' activity mix (metrics/sql/_unit_periods.sql)
           sum(a.logins) AS logins, sum(a.records_created) AS records_created,
           sum(a.records_updated) AS records_updated, sum(a.reports_viewed) AS reports_viewed
    FROM crm_activity a
    WHERE a.date >= (SELECT min(period_start) FROM _periods)
    GROUP BY a.person_id, date_trunc('week', a.date::timestamp), date_trunc('month', a.date::timestamp)
)
SELECT person_id, 'week' AS grain, week AS period_start,
       sum(active_days)::bigint AS active_days, sum(records_worked)::bigint AS records_worked,
       sum(logins)::bigint AS logins, sum(records_created)::bigint AS records_created,
       sum(records_updated)::bigint AS records_updated, sum(reports_viewed)::bigint AS reports_viewed
FROM cells GROUP BY person_id, week
UNION ALL
SELECT person_id, 'month', month, sum(active_days)::bigint, sum(records_worked)::bigint,
       sum(logins)::bigint, sum(records_created)::bigint, sum(records_updated)::bigint, sum(reports_viewed)::bigint
FROM cells GROUP BY person_id, month
UNION ALL
SELECT person_id, 'quarter', date_trunc('quarter', month::timestamp)::date, sum(active_days)::bigint, sum(records_worked)::bigint,
       sum(logins)::bigint, sum(records_created)::bigint, sum(records_updated)::bigint, sum(reports_viewed)::bigint
FROM cells GROUP BY person_id, date_trunc('quarter', month::timestamp);

-- Licensed users L(U,P), attached to their own unit, with their activity in the period.
CREATE TEMP TABLE _licensed ON COMMIT DROP AS
SELECT pp.person_id, pp.org_unit_id, pp.covered_on, pr.grain, pr.period_start, pr.period_end, pr.k,
       coalesce(a.active_days, 0) AS active_days, coalesce(a.records_worked, 0) AS records_worked,
       coalesce(a.logins, 0) AS logins, coalesce(a.records_created, 0) AS records_created,
       coalesce(a.records_updated, 0) AS records_updated, coalesce(a.reports_viewed, 0) AS reports_viewed
FROM _people pp
JOIN _periods pr ON is_licensed(pp.license_start, pp.license_end, pr.period_end)
LEFT JOIN _activity a ON a.person_id = pp.person_id AND a.grain = pr.grain AND a.period_start = pr.period_start;

-- Kept for the pillar pages (table person_periods, under row-level security): the same facts.
-- (A period ending on or after a date starts less than 92 days before it: the bound lets the
-- delete use the index on period_start rather than read the whole table.)
DELETE FROM person_periods
WHERE (period_start > CAST(:recompute_from AS date) - 92 AND period_end >= CAST(:recompute_from AS date))
   OR period_start > CAST(:window_end AS date);

INSERT INTO person_periods (person_id, org_unit_id, grain, period_start, period_end, active_days,
                            records_worked, trained)
SELECT person_id, org_unit_id, grain, period_start, period_end, active_days, records_worked,
       coalesce(covered_on <= period_end, false)
FROM _licensed;

ANALYZE _periods;
ANALYZE _tree;
ANALYZE _reach;
ANALYZE _people;
ANALYZE _licensed;

-- Rows each KPI attaches to a unit, before they are summed up the tree.
CREATE TEMP TABLE _attached (
    kpi_id text NOT NULL,
    org_unit_id text NOT NULL,
    grain text NOT NULL,
    period_start date NOT NULL,
    numerator double precision NOT NULL,
    denominator double precision NOT NULL,
    respondents integer NOT NULL
) ON COMMIT DROP;

CREATE TEMP TABLE _kpi (
    kpi_id text PRIMARY KEY,
    value_kind text NOT NULL,
    rollup text NOT NULL,
    min_respondents integer NOT NULL
) ON COMMIT DROP;
