-- Invariants of a generated motcua database (scripts/generate). Run:
--   psql "$MOTCUA_DATABASE_URL" -v ON_ERROR_STOP=1 -f scripts/generate/check.sql
-- Prints one line per check with its number of violations and an example (a dossier code or id), then a
-- few figures; fails (exit code 3) when any check has a violation.
-- The checks hold for dossiers written by the server too, so they can be run after a benchmark.
\set QUIET on
\pset footer off
SET client_min_messages = warning;
SET work_mem = '256MB';
CREATE TEMP TABLE gen_check (ord serial, name text, violations bigint, example text);

-- Vietnam local time of a timestamptz, and its seconds since midnight.
CREATE FUNCTION pg_temp.vn(t timestamptz) RETURNS timestamp LANGUAGE sql IMMUTABLE AS $$ SELECT (t AT TIME ZONE 'UTC') + interval '7 hours' $$;

-- Days nobody works: weekends that are not swapped working days, and the days off of the calendar.
CREATE TEMP TABLE offday AS
SELECT g::date AS day FROM generate_series('2000-01-01'::date, '2100-12-31'::date, interval '1 day') g
 WHERE (extract(isodow FROM g) IN (6, 7) AND NOT EXISTS (SELECT 1 FROM calendar_day c WHERE c.day = g::date AND c.kind = 'working_day'))
    OR EXISTS (SELECT 1 FROM calendar_day c WHERE c.day = g::date AND c.kind = 'day_off');
ANALYZE offday;

-- ------------------------------------------------------------------------------------------ the history
-- One pass over dossier_action in (dossier, seq) order: a chain starting at seq 1 with a creation action
-- at the submission time, each from_state the previous to_state, national codes as the state machine maps
-- them, times never going back, and the last to_state, seq and time equal to the dossier's state, version
-- and updated_at.
WITH a AS (
    SELECT x.*, row_number() OVER w AS rn, lag(x.to_state) OVER w AS prev_to, lag(x.at) OVER w AS prev_at,
           lead(x.seq) OVER w IS NULL AS is_last
      FROM dossier_action x WINDOW w AS (PARTITION BY x.dossier_id ORDER BY x.seq)
), f AS (
    SELECT a.*, d.code, d.state AS d_state, d.version AS d_version, d.submitted_at, d.updated_at, d.due_at AS d_due,
           d.current_unit_id, d.current_step
           -- Staff work in working hours (07:30-11:30, 13:00-17:00, a session's end included) on working days.
           , a.actor_kind = 'staff' AND (o.day IS NOT NULL
               OR NOT ((pg_temp.vn(a.at)::time BETWEEN '07:30' AND '11:30') OR (pg_temp.vn(a.at)::time BETWEEN '13:00' AND '17:00')))
             AS staff_off_hours,
           -- Transitions the state machine (domain/lifecycle.rs) has.
           a.rn > 1 AND NOT (
             (action = 'accept' AND from_state = 'submitted' AND to_state = 'received')
           OR (action = 'request_supplement' AND from_state IN ('submitted', 'received', 'in_processing') AND to_state = 'supplement_requested')
           OR (action = 'receive_supplement' AND from_state = 'supplement_requested' AND to_state IN ('submitted', 'received', 'in_processing'))
           OR (action = 'refuse' AND from_state IN ('submitted', 'received', 'supplement_requested') AND to_state = 'refused')
           OR (action = 'hand_over' AND from_state IN ('received', 'in_processing') AND to_state = 'in_processing')
           OR (action = 'send_back' AND from_state IN ('in_processing', 'awaiting_approval') AND to_state = 'in_processing')
           OR (action = 'submit_for_approval' AND from_state = 'in_processing' AND to_state = 'awaiting_approval')
           OR (action = 'approve' AND from_state = 'awaiting_approval' AND to_state = 'result_ready')
           OR (action = 'request_payment' AND from_state IN ('received', 'in_processing') AND to_state = 'payment_requested')
           OR (action = 'record_payment' AND from_state = 'payment_requested' AND to_state IN ('received', 'in_processing'))
           OR (action = 'issue_result' AND from_state IN ('in_processing', 'awaiting_approval') AND to_state = 'result_ready')
           OR (action = 'return_result' AND from_state = 'result_ready' AND to_state = 'returned')
           OR (action = 'withdraw' AND from_state NOT IN ('result_ready', 'returned', 'refused', 'withdrawn', 'stopped') AND to_state = 'withdrawn')
           OR (action = 'stop' AND from_state IN ('received', 'in_processing', 'awaiting_approval', 'supplement_requested', 'payment_requested') AND to_state = 'stopped')
           OR (action = 'apologise' AND from_state = to_state AND from_state IN ('received', 'in_processing', 'awaiting_approval', 'supplement_requested', 'payment_requested'))
           ) AS bad_transition
      FROM a JOIN dossier d ON d.id = a.dossier_id LEFT JOIN offday o ON o.day = pg_temp.vn(a.at)::date
), s AS (
    SELECT
      count(*) FILTER (WHERE seq <> rn) AS n1, min(code) FILTER (WHERE seq <> rn) AS e1,
      count(*) FILTER (WHERE rn = 1 AND (from_state IS NOT NULL
                                         OR action NOT IN ('submit', 'receive_from_portal', 'receive_at_counter')
                                         OR at <> submitted_at)) AS n2,
      min(code) FILTER (WHERE rn = 1 AND (from_state IS NOT NULL
                                          OR action NOT IN ('submit', 'receive_from_portal', 'receive_at_counter')
                                          OR at <> submitted_at)) AS e2,
      count(*) FILTER (WHERE rn > 1 AND from_state IS DISTINCT FROM prev_to) AS n3,
      min(code) FILTER (WHERE rn > 1 AND from_state IS DISTINCT FROM prev_to) AS e3,
      count(*) FILTER (WHERE national_code <> CASE to_state WHEN 'submitted' THEN 1 WHEN 'received' THEN 2
                          WHEN 'refused' THEN 3 WHEN 'in_processing' THEN 4 WHEN 'awaiting_approval' THEN 4
                          WHEN 'supplement_requested' THEN 5 WHEN 'payment_requested' THEN 6 WHEN 'withdrawn' THEN 7
                          WHEN 'stopped' THEN 8 WHEN 'result_ready' THEN 9 WHEN 'returned' THEN 10 END) AS n4,
      min(code) FILTER (WHERE national_code <> CASE to_state WHEN 'submitted' THEN 1 WHEN 'received' THEN 2
                          WHEN 'refused' THEN 3 WHEN 'in_processing' THEN 4 WHEN 'awaiting_approval' THEN 4
                          WHEN 'supplement_requested' THEN 5 WHEN 'payment_requested' THEN 6 WHEN 'withdrawn' THEN 7
                          WHEN 'stopped' THEN 8 WHEN 'result_ready' THEN 9 WHEN 'returned' THEN 10 END) AS e4,
      count(*) FILTER (WHERE rn > 1 AND at < prev_at) AS n5, min(code) FILTER (WHERE rn > 1 AND at < prev_at) AS e5,
      count(*) FILTER (WHERE is_last AND (to_state <> d_state OR seq <> d_version OR at <> updated_at
                                          OR due_at IS DISTINCT FROM d_due OR unit_id IS DISTINCT FROM current_unit_id
                                          OR step IS DISTINCT FROM current_step)) AS n6,
      min(code) FILTER (WHERE is_last AND (to_state <> d_state OR seq <> d_version OR at <> updated_at
                                           OR due_at IS DISTINCT FROM d_due OR unit_id IS DISTINCT FROM current_unit_id
                                           OR step IS DISTINCT FROM current_step)) AS e6,
      count(*) FILTER (WHERE bad_transition) AS n7, min(code || ' seq ' || seq) FILTER (WHERE bad_transition) AS e7,
      count(*) FILTER (WHERE staff_off_hours) AS n8, min(code || ' seq ' || seq) FILTER (WHERE staff_off_hours) AS e8,
      count(*) FILTER (WHERE action IN ('refuse', 'stop', 'send_back', 'request_supplement', 'apologise') AND coalesce(reason, '') = '') AS n9,
      min(code) FILTER (WHERE action IN ('refuse', 'stop', 'send_back', 'request_supplement', 'apologise') AND coalesce(reason, '') = '') AS e9
    FROM f
)
INSERT INTO gen_check (name, violations, example)
SELECT v.* FROM s, LATERAL (VALUES
    ('history: seq numbered 1..n without gaps', n1, e1),
    ('history: seq 1 is the creation, at the submission time', n2, e2),
    ('history: each from_state is the previous to_state', n3, e3),
    ('history: national code is the to_state''s', n4, e4),
    ('history: times never go back', n5, e5),
    ('history: last row = dossier state, version, updated_at, due, unit, step', n6, e6),
    ('history: every transition is one the state machine has', n7, e7),
    ('history: staff act in working hours on working days', n8, e8),
    ('history: reason where the CHECK requires one', n9, e9)) v;

INSERT INTO gen_check (name, violations, example)
SELECT 'history: every dossier has one', count(*), min(d.code)
  FROM dossier d WHERE NOT EXISTS (SELECT 1 FROM dossier_action a WHERE a.dossier_id = d.id);

-- ------------------------------------------------------------------------------------------ codes
-- <receiving agency code>-<YYMMDD>-<seq of at least 4 digits> (domain.md §4); national-portal dossiers keep
-- the portal's code. The agency part is the receiving agency's code valid on that day (legacy alias first),
-- the date the submission's Vietnam date, and the counter row of that agency and day is at or above the seq.
-- (Flags are computed once per row in a materialised CTE; the joins are hash joins: agency_code is small.)
WITH c AS MATERIALIZED (
    SELECT d.code, d.source, pg_temp.vn(d.submitted_at)::date AS day,
           substring(d.code FROM '^(.*)-[0-9]{6}-[0-9]+$') AS agency_part,
           substring(d.code FROM '-([0-9]{6})-[0-9]+$') AS ymd,
           substring(d.code FROM '-([0-9]+)$')::bigint AS seq
      FROM dossier d
), f AS MATERIALIZED (
    -- The agency holding that code on that day; a current code also counts before its recorded valid_from
    -- (the seed dates every code from the 2025 reorganisation, departments used theirs before too).
    SELECT c.code,
           c.code !~ '^([0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}|[A-Z][0-9]{2}(\.[0-9A-Z]+)*)-[0-9]{6}-([0-9]{4}|[1-9][0-9]{4,8})$' AS b1,
           c.ymd IS DISTINCT FROM to_char(c.day, 'YYMMDD') AS b2,
           c.source <> 'national_portal' AND ac.agency_id IS NULL AS b3,
           c.source <> 'national_portal' AND ac.agency_id IS NOT NULL AND (k.last_value IS NULL OR k.last_value < c.seq) AS b4
      FROM c
      LEFT JOIN agency_code ac ON ac.code = c.agency_part AND (ac.valid_to IS NULL OR ac.valid_to > c.day)
      LEFT JOIN dossier_code_counter k ON k.agency_id = ac.agency_id AND k.day = c.day
)
INSERT INTO gen_check (name, violations, example)
SELECT v.* FROM (SELECT
    count(*) FILTER (WHERE b1) AS n1, min(code) FILTER (WHERE b1) AS e1,
    count(*) FILTER (WHERE b2) AS n2, min(code) FILTER (WHERE b2) AS e2,
    count(*) FILTER (WHERE b3) AS n3, min(code) FILTER (WHERE b3) AS e3,
    count(*) FILTER (WHERE b4) AS n4, min(code) FILTER (WHERE b4) AS e4
  FROM f) s, LATERAL (VALUES
    ('codes: <agency>-<YYMMDD>-<seq ≥ 4 digits>', n1, e1),
    ('codes: the date part is the submission''s Vietnam date', n2, e2),
    ('codes: the agency part is an agency code of that day', n3, e3),
    ('codes: dossier_code_counter at or above every sequence', n4, e4)) v;

INSERT INTO gen_check (name, violations, example)
SELECT 'codes: unique', count(*) - count(DISTINCT code), NULL FROM dossier;

-- The server's next code for an agency and day (its current prefix, legacy alias first; the counter + 1) is free.
INSERT INTO gen_check (name, violations, example)
SELECT 'codes: the counter''s next value is free', count(*), min(p.prefix)
  FROM dossier_code_counter k
 CROSS JOIN LATERAL (SELECT coalesce(
        (SELECT code FROM agency_code WHERE agency_id = k.agency_id AND kind = 'legacy' AND valid_to IS NULL LIMIT 1),
        (SELECT code FROM agency_code WHERE agency_id = k.agency_id AND kind = 'qd20' AND valid_to IS NULL LIMIT 1)) AS prefix) p
 WHERE EXISTS (SELECT 1 FROM dossier d
                WHERE d.code = p.prefix || '-' || to_char(k.day, 'YYMMDD') || '-' || lpad((k.last_value + 1)::text, 4, '0'));

-- ------------------------------------------------------------------------------------------ the dossier's clock
INSERT INTO gen_check (name, violations, example)
SELECT v.* FROM (SELECT
    count(*) FILTER (WHERE state = 'submitted' AND (received_at IS NOT NULL OR due_at IS NOT NULL OR finished_at IS NOT NULL)) AS n1,
    min(code) FILTER (WHERE state = 'submitted' AND (received_at IS NOT NULL OR due_at IS NOT NULL OR finished_at IS NOT NULL)) AS e1,
    count(*) FILTER (WHERE state IN ('received', 'in_processing', 'awaiting_approval')
        AND (received_at IS NULL OR clock_started_at IS NULL OR due_at IS NULL OR paused_at IS NOT NULL OR finished_at IS NOT NULL OR resume_to IS NOT NULL)) AS n2,
    min(code) FILTER (WHERE state IN ('received', 'in_processing', 'awaiting_approval')
        AND (received_at IS NULL OR clock_started_at IS NULL OR due_at IS NULL OR paused_at IS NOT NULL OR finished_at IS NOT NULL OR resume_to IS NOT NULL)) AS e2,
    count(*) FILTER (WHERE state IN ('supplement_requested', 'payment_requested') AND (resume_to IS NULL
        OR (received_at IS NOT NULL AND (paused_at IS NULL OR paused_due_at IS NULL OR remaining_minutes IS NULL OR due_at IS NOT NULL)))) AS n3,
    min(code) FILTER (WHERE state IN ('supplement_requested', 'payment_requested') AND (resume_to IS NULL
        OR (received_at IS NOT NULL AND (paused_at IS NULL OR paused_due_at IS NULL OR remaining_minutes IS NULL OR due_at IS NOT NULL)))) AS e3,
    count(*) FILTER (WHERE state = 'result_ready' AND (finished_at IS NULL OR returned_at IS NOT NULL)) AS n4,
    min(code) FILTER (WHERE state = 'result_ready' AND (finished_at IS NULL OR returned_at IS NOT NULL)) AS e4,
    count(*) FILTER (WHERE state = 'returned' AND (finished_at IS NULL OR returned_at IS NULL OR returned_at < finished_at)) AS n5,
    min(code) FILTER (WHERE state = 'returned' AND (finished_at IS NULL OR returned_at IS NULL OR returned_at < finished_at)) AS e5,
    count(*) FILTER (WHERE state IN ('refused', 'withdrawn', 'stopped') AND finished_at IS NULL) AS n6,
    min(code) FILTER (WHERE state IN ('refused', 'withdrawn', 'stopped') AND finished_at IS NULL) AS e6,
    count(*) FILTER (WHERE (apologies = 1) <> (original_due_at IS NOT NULL)) AS n7,
    min(code) FILTER (WHERE (apologies = 1) <> (original_due_at IS NOT NULL)) AS e7,
    count(*) FILTER (WHERE received_at < submitted_at OR finished_at < submitted_at OR due_at < clock_started_at
                        OR clock_started_at < submitted_at OR updated_at < submitted_at) AS n8,
    min(code) FILTER (WHERE received_at < submitted_at OR finished_at < submitted_at OR due_at < clock_started_at
                         OR clock_started_at < submitted_at OR updated_at < submitted_at) AS e8,
    count(*) FILTER (WHERE channel = 2 AND source NOT IN ('portal', 'national_portal') OR channel = 1 AND source <> 'counter'
                        OR channel = 3 AND source <> 'post') AS n9,
    min(code) FILTER (WHERE channel = 2 AND source NOT IN ('portal', 'national_portal') OR channel = 1 AND source <> 'counter'
                         OR channel = 3 AND source <> 'post') AS e9,
    count(*) FILTER (WHERE (payment_state <> 'none') <> (fees_total > 0 AND rp.dossier_id IS NOT NULL)) AS n10,
    min(code) FILTER (WHERE (payment_state <> 'none') <> (fees_total > 0 AND rp.dossier_id IS NOT NULL)) AS e10
  FROM dossier d LEFT JOIN (SELECT DISTINCT dossier_id FROM dossier_action WHERE action = 'request_payment') rp
    ON rp.dossier_id = d.id) s, LATERAL (VALUES
    ('clock: submitted dossiers have no receipt, appointment or end', n1, e1),
    ('clock: running dossiers are received, started, due, not paused', n2, e2),
    ('clock: paused dossiers keep their resume point and frozen appointment', n3, e3),
    ('clock: result_ready is finished, not returned', n4, e4),
    ('clock: returned is finished then returned', n5, e5),
    ('clock: refused/withdrawn/stopped are finished', n6, e6),
    ('clock: an apology moved the appointment (original_due_at) once', n7, e7),
    ('clock: times in order (submitted ≤ received, started ≤ due, ...)', n8, e8),
    ('channels: 1 counter, 2 portal/national_portal, 3 post', n9, e9),
    ('payments: payment_state follows a payment request', n10, e10)) v;

-- ------------------------------------------------------------------------------------------ steps and holders
WITH s AS (
    SELECT x.*, row_number() OVER w AS rn, lead(x.seq) OVER w IS NULL AS is_last
      FROM dossier_step x WINDOW w AS (PARTITION BY x.dossier_id ORDER BY x.seq)
), f AS (SELECT s.*, d.code, d.state, d.current_unit_id, d.current_step, h.unit_id AS h_unit
            FROM s JOIN dossier d ON d.id = s.dossier_id
            LEFT JOIN dossier_holder h ON h.dossier_id = s.dossier_id AND h.unit_id = s.unit_id)
INSERT INTO gen_check (name, violations, example)
SELECT v.* FROM (SELECT
    count(*) FILTER (WHERE seq <> rn) AS n1, min(code) FILTER (WHERE seq <> rn) AS e1,
    count(*) FILTER (WHERE finished_at IS NULL AND NOT is_last) AS n2, min(code) FILTER (WHERE finished_at IS NULL AND NOT is_last) AS e2,
    count(*) FILTER (WHERE is_last AND (unit_id IS DISTINCT FROM current_unit_id OR step <> current_step)) AS n3,
    min(code) FILTER (WHERE is_last AND (unit_id IS DISTINCT FROM current_unit_id OR step <> current_step)) AS e3,
    count(*) FILTER (WHERE is_last AND (finished_at IS NULL) <> (state NOT IN ('returned', 'refused', 'withdrawn', 'stopped'))) AS n4,
    min(code) FILTER (WHERE is_last AND (finished_at IS NULL) <> (state NOT IN ('returned', 'refused', 'withdrawn', 'stopped'))) AS e4,
    count(*) FILTER (WHERE (finished_at IS NULL) <> (timeliness IS NULL) OR timeliness <> CASE
        WHEN finished_at > due_at THEN 'late' WHEN pg_temp.vn(finished_at)::date = pg_temp.vn(due_at)::date THEN 'on_time' ELSE 'early' END) AS n5,
    min(code) FILTER (WHERE (finished_at IS NULL) <> (timeliness IS NULL) OR timeliness <> CASE
        WHEN finished_at > due_at THEN 'late' WHEN pg_temp.vn(finished_at)::date = pg_temp.vn(due_at)::date THEN 'on_time' ELSE 'early' END) AS e5,
    count(*) FILTER (WHERE h_unit IS NULL) AS n6, min(code) FILTER (WHERE h_unit IS NULL) AS e6,
    -- (a paper dossier received after 15:00 starts its first step the next morning: it may end before that)
    count(*) FILTER (WHERE due_at < started_at OR (finished_at < started_at AND seq > 1)) AS n7,
    min(code) FILTER (WHERE due_at < started_at OR (finished_at < started_at AND seq > 1)) AS e7
  FROM f) s, LATERAL (VALUES
    ('steps: seq numbered 1..n', n1, e1),
    ('steps: only the last step may be open', n2, e2),
    ('steps: the last step is the dossier''s current unit and step', n3, e3),
    ('steps: the last step is open exactly while the dossier is not terminal', n4, e4),
    ('steps: timeliness = early/on_time/late of finished vs due', n5, e5),
    ('steps: every step''s unit holds the dossier', n6, e6),
    ('steps: due (and, after the first, finish) not before start', n7, e7)) v;

INSERT INTO gen_check (name, violations, example)
SELECT 'steps: every dossier has its first step', count(*), min(d.code)
  FROM dossier d WHERE NOT EXISTS (SELECT 1 FROM dossier_step s WHERE s.dossier_id = d.id AND s.seq = 1 AND s.step = 0);
INSERT INTO gen_check (name, violations, example)
SELECT 'holders: every holder held a step', count(*), min(h.dossier_id::text)
  FROM dossier_holder h WHERE NOT EXISTS (SELECT 1 FROM dossier_step s WHERE s.dossier_id = h.dossier_id AND s.unit_id = h.unit_id);

-- ------------------------------------------------------------------------------------------ references
-- Loaded with session_replication_role = replica, so foreign keys were not checked row by row: check them here.
INSERT INTO gen_check (name, violations, example)
SELECT 'references: ' || v.name, v.n, v.ex FROM (
    SELECT 'dossier → procedure_version, agency, unit, staff, citizen' AS name, count(*) AS n, min(d.code) AS ex FROM dossier d
     WHERE NOT EXISTS (SELECT 1 FROM procedure_version p WHERE p.id = d.procedure_version_id)
        OR NOT EXISTS (SELECT 1 FROM agency a WHERE a.id = d.agency_id)
        OR (d.current_unit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM unit u WHERE u.id = d.current_unit_id))
        OR (d.assignee_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM staff s WHERE s.id = d.assignee_id))
        OR (d.applicant_citizen_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM citizen c WHERE c.id = d.applicant_citizen_id))
    UNION ALL SELECT 'dossier_action → dossier, unit', count(*), min(a.dossier_id::text) FROM dossier_action a
     WHERE NOT EXISTS (SELECT 1 FROM dossier d WHERE d.id = a.dossier_id)
        OR (a.unit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM unit u WHERE u.id = a.unit_id))
    UNION ALL SELECT 'dossier_action staff actors exist', count(*), min(a.dossier_id::text) FROM dossier_action a
     WHERE a.actor_kind = 'staff' AND NOT EXISTS (SELECT 1 FROM staff s WHERE s.id::text = a.actor_id)
    UNION ALL SELECT 'dossier_action citizen actors are the applicant', count(*), min(a.dossier_id::text) FROM dossier_action a
     WHERE a.actor_kind = 'citizen' AND NOT EXISTS (SELECT 1 FROM dossier d WHERE d.id = a.dossier_id AND d.applicant_citizen_id::text = a.actor_id)
    UNION ALL SELECT 'dossier_step, dossier_holder → dossier, unit', count(*), NULL FROM (
        SELECT dossier_id, unit_id FROM dossier_step UNION ALL SELECT dossier_id, unit_id FROM dossier_holder) x
     WHERE NOT EXISTS (SELECT 1 FROM dossier d WHERE d.id = x.dossier_id) OR NOT EXISTS (SELECT 1 FROM unit u WHERE u.id = x.unit_id)
    UNION ALL SELECT 'attachment → dossier, reused attachment', count(*), min(a.id::text) FROM attachment a
     WHERE NOT EXISTS (SELECT 1 FROM dossier d WHERE d.id = a.dossier_id)
        OR (a.reused_from IS NOT NULL AND NOT EXISTS (SELECT 1 FROM attachment s WHERE s.id = a.reused_from))
    UNION ALL SELECT 'outbox, payment, rating, feedback, national_submission → dossier', count(*), NULL FROM (
        SELECT dossier_id FROM outbox UNION ALL SELECT dossier_id FROM payment UNION ALL SELECT dossier_id FROM dossier_rating
        UNION ALL SELECT dossier_id FROM feedback UNION ALL SELECT dossier_id FROM national_submission) x
     WHERE NOT EXISTS (SELECT 1 FROM dossier d WHERE d.id = x.dossier_id)
    UNION ALL SELECT 'payment receipt → attachment', count(*), min(p.id::text) FROM payment p
     WHERE p.receipt_attachment_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM attachment a WHERE a.id = p.receipt_attachment_id)
    UNION ALL SELECT 'rating, feedback → citizen', count(*), NULL FROM (
        SELECT citizen_id FROM dossier_rating UNION ALL SELECT citizen_id FROM feedback) x
     WHERE NOT EXISTS (SELECT 1 FROM citizen c WHERE c.id = x.citizen_id)
    UNION ALL SELECT 'dossier_code_counter → agency', count(*), NULL FROM dossier_code_counter k
     WHERE NOT EXISTS (SELECT 1 FROM agency a WHERE a.id = k.agency_id)
    UNION ALL SELECT 'staff_role → staff, unit; unit → agency', count(*), NULL FROM (
        SELECT 1 FROM staff_role r WHERE NOT EXISTS (SELECT 1 FROM staff s WHERE s.id = r.staff_id)
                                      OR NOT EXISTS (SELECT 1 FROM unit u WHERE u.id = r.unit_id)
        UNION ALL SELECT 1 FROM unit u WHERE NOT EXISTS (SELECT 1 FROM agency a WHERE a.id = u.agency_id)) x
) v;

-- ------------------------------------------------------------------------------------------ documents, money, opinions
INSERT INTO gen_check (name, violations, example)
SELECT v.* FROM (
    SELECT 'attachments: a reused file is the same citizen''s, from an earlier dossier, same bytes', count(*), min(a.id::text)
      FROM attachment a JOIN dossier d ON d.id = a.dossier_id JOIN attachment s ON s.id = a.reused_from
      JOIN dossier sd ON sd.id = s.dossier_id
     WHERE sd.applicant_citizen_id IS DISTINCT FROM d.applicant_citizen_id OR s.added_at > a.added_at
        OR s.sha256 <> a.sha256 OR s.object_key <> a.object_key
    UNION ALL SELECT 'attachments: components and supplements name a component of the procedure', count(*), min(a.id::text)
      FROM attachment a JOIN dossier d ON d.id = a.dossier_id JOIN procedure_version pv ON pv.id = d.procedure_version_id
     WHERE a.role IN ('component', 'supplement')
       AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(pv.document -> 'components') c WHERE c ->> 'code' = a.component_code)
    UNION ALL SELECT 'attachments: object key is sha256/ab/cd/<hex of sha256>', count(*), min(a.id::text) FROM attachment a
     WHERE a.object_key <> 'sha256/' || substr(encode(a.sha256, 'hex'), 1, 2) || '/' || substr(encode(a.sha256, 'hex'), 3, 2) || '/' || encode(a.sha256, 'hex')
    UNION ALL SELECT 'payments: paid online ⇒ dossier paid_online with an e-receipt', count(*), min(p.id::text)
      FROM payment p JOIN dossier d ON d.id = p.dossier_id
     WHERE p.method = 'online' AND p.state = 'paid' AND (d.payment_state <> 'paid_online' OR p.receipt_attachment_id IS NULL)
    UNION ALL SELECT 'payments: paid dossiers have a paid payment of their fees', count(*), min(d.code)
      FROM dossier d WHERE d.payment_state IN ('paid_online', 'paid_other')
       AND NOT EXISTS (SELECT 1 FROM payment p WHERE p.dossier_id = d.id AND p.state = 'paid' AND p.amount = d.fees_total)
    UNION ALL SELECT 'payments: none pending (the QUERY job would chase them)', count(*), min(p.id::text) FROM payment p WHERE p.state = 'pending'
    UNION ALL SELECT 'ratings: by the applicant, of a finished dossier, after it', count(*), min(r.dossier_id::text)
      FROM dossier_rating r JOIN dossier d ON d.id = r.dossier_id
     WHERE d.applicant_citizen_id IS DISTINCT FROM r.citizen_id OR d.state NOT IN ('result_ready', 'returned') OR r.rated_at < d.finished_at
    UNION ALL SELECT 'feedback: by the applicant, after submission', count(*), min(f.dossier_id::text)
      FROM feedback f JOIN dossier d ON d.id = f.dossier_id
     WHERE d.applicant_citizen_id IS DISTINCT FROM f.citizen_id OR f.created_at < d.submitted_at
    UNION ALL SELECT 'national submissions: one per national-portal dossier, under its code', count(*), NULL FROM (
        SELECT d.id FROM dossier d WHERE d.source = 'national_portal'
           AND NOT EXISTS (SELECT 1 FROM national_submission n WHERE n.dossier_id = d.id AND n.ma_ho_so = d.code)
        UNION ALL SELECT n.dossier_id FROM national_submission n JOIN dossier d ON d.id = n.dossier_id WHERE d.source <> 'national_portal') x
    UNION ALL SELECT 'citizens: synthetic 12-digit personal ids (prefix 097-099), unique', count(*) - count(DISTINCT personal_id)
                     + count(*) FILTER (WHERE personal_id !~ '^09[789][0-9]{9}$'), NULL
      FROM citizen WHERE issuer = 'https://xacthuc.dichvucong.gov.vn'
) v;

-- ------------------------------------------------------------------------------------------ outbox, feed, sequences, triggers
INSERT INTO gen_check (name, violations, example)
SELECT v.* FROM (
    SELECT 'outbox: every dossier has messages', count(*), min(d.code) FROM dossier d
     WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dossier_id = d.id)
    UNION ALL SELECT 'outbox: seq numbered 1..n per dossier', count(*), min(x.dossier_id::text) FROM (
        SELECT dossier_id, count(*) AS n, max(seq) AS m, min(seq) AS l FROM outbox GROUP BY dossier_id) x WHERE n <> m OR l <> 1
    UNION ALL SELECT 'outbox: delivered or dead, none pending (the relay would send them)', count(*), NULL FROM outbox
     WHERE status = 'pending' OR (status = 'delivered' AND delivered_at IS NULL)
    UNION ALL SELECT 'outbox: payload is {"data": [{"MaHoSo": code, ...}]}', count(*), min(o.id::text)
      FROM outbox o JOIN dossier d ON d.id = o.dossier_id WHERE o.payload -> 'data' -> 0 ->> 'MaHoSo' IS DISTINCT FROM d.code
    UNION ALL SELECT 'sequences: dossier_action_id_seq and outbox_id_seq ahead of every id', count(*), NULL FROM (
        SELECT 1 WHERE (SELECT last_value FROM dossier_action_id_seq) < coalesce((SELECT max(id) FROM dossier_action), 0)
        UNION ALL SELECT 1 WHERE (SELECT last_value FROM outbox_id_seq) < coalesce((SELECT max(id) FROM outbox), 0)) x
    UNION ALL SELECT 'triggers: append-only and change-feed triggers present and enabled', 4 - count(DISTINCT tgname), NULL
      FROM pg_trigger
     WHERE tgname IN ('dossier_action_no_update', 'dossier_action_to_feed', 'audit_log_no_update', 'audit_log_no_truncate')
       AND tgenabled = 'O'
) v;

-- ------------------------------------------------------------------------------------------ the province and its catalogue
INSERT INTO gen_check (name, violations, example)
SELECT v.* FROM (
    SELECT 'province: 30 agencies, each with a one-stop, a specialist and a leadership unit', abs(30 - count(*))
           + count(*) FILTER (WHERE (SELECT count(DISTINCT kind) FROM unit u WHERE u.agency_id = a.id
                                      AND u.kind IN ('one_stop', 'specialist', 'leadership')) <> 3), NULL FROM agency a
    UNION ALL SELECT 'province: every agency has a current QĐ 20 code', count(*), min(a.name) FROM agency a
     WHERE NOT EXISTS (SELECT 1 FROM agency_code c WHERE c.agency_id = a.id AND c.kind = 'qd20' AND c.valid_to IS NULL)
    UNION ALL SELECT 'catalogue: 400 procedures, names and codes unique', abs(400 - count(*)) + count(*) - count(DISTINCT pv.name), NULL
      FROM procedure p JOIN procedure_version pv ON pv.procedure_id = p.id AND pv.version = p.current_version
    UNION ALL SELECT 'catalogue: workflow hours add up to the statutory time', count(*), min(p.code)
      FROM procedure p JOIN procedure_version pv ON pv.procedure_id = p.id AND pv.version = p.current_version
     WHERE (SELECT sum((s ->> 'hours')::int) FROM jsonb_array_elements(pv.document -> 'workflow') s)
           <> (pv.document -> 'statutory_time' ->> 'value')::int * CASE pv.document -> 'statutory_time' ->> 'unit' WHEN 'working_hours' THEN 1 ELSE 8 END
    UNION ALL SELECT 'catalogue: first and last steps are one-stop clerks', count(*), min(p.code)
      FROM procedure p JOIN procedure_version pv ON pv.procedure_id = p.id AND pv.version = p.current_version
     WHERE pv.document -> 'workflow' -> 0 ->> 'unit' <> 'one_stop' OR pv.document -> 'workflow' -> -1 ->> 'unit' <> 'one_stop'
        OR pv.document -> 'workflow' -> 0 ->> 'role' <> 'clerk' OR pv.document -> 'workflow' -> -1 ->> 'role' <> 'clerk'
    UNION ALL SELECT 'catalogue: agencies named by workflows exist', count(*), min(x.code) FROM (
        SELECT p.code, s ->> 'agency' AS a FROM procedure p JOIN procedure_version pv ON pv.procedure_id = p.id
          CROSS JOIN jsonb_array_elements(pv.document -> 'workflow') s WHERE s ? 'agency'
        UNION ALL SELECT p.code, pv.document -> 'competent' ->> 'agency' FROM procedure p JOIN procedure_version pv ON pv.procedure_id = p.id
         WHERE pv.document -> 'competent' ? 'agency') x
     WHERE NOT EXISTS (SELECT 1 FROM agency_code c WHERE c.code = x.a AND c.kind = 'qd20')
) v;

-- ------------------------------------------------------------------------------------------ reports (migration 18)
-- Kept by triggers the load does not fire: the generator calls report_rebuild() after loading.
DO $$
BEGIN
    IF to_regclass('report_fact') IS NOT NULL THEN
        INSERT INTO gen_check (name, violations, example)
        SELECT 'reports: one fact per dossier (report_rebuild ran)',
               abs((SELECT count(*) FROM dossier) - (SELECT count(*) FROM report_fact)), NULL;
        INSERT INTO gen_check (name, violations, example)
        SELECT 'reports: day counters add up to the dossiers received',
               abs((SELECT count(*) FROM dossier WHERE received_at IS NOT NULL)
                   - (SELECT coalesce(sum(received), 0) FROM report_daily)), NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'dossier' AND column_name = 'processing_days') THEN
        EXECUTE $q$INSERT INTO gen_check (name, violations, example)
            SELECT 'reports: finished dossiers have their processing days', count(*), min(code) FROM dossier
             WHERE state IN ('result_ready', 'returned') AND clock_started_at IS NOT NULL
               AND (processing_days IS NULL OR processing_days < 0)$q$;
    END IF;
END $$;

\echo
\echo 'Invariants'
SELECT name AS "check", violations, coalesce(example, '') AS example FROM gen_check ORDER BY ord;

\echo 'Figures'
SELECT count(*) AS dossiers,
       round(100.0 * count(*) FILTER (WHERE channel = 2) / count(*), 1) AS "online %",
       round(100.0 * count(*) FILTER (WHERE state = 'returned') / count(*), 1) AS "returned %",
       round(100.0 * count(*) FILTER (WHERE state IN ('received', 'in_processing', 'awaiting_approval')) / count(*), 2) AS "in progress %",
       round(100.0 * count(*) FILTER (WHERE state IN ('supplement_requested', 'payment_requested')) / count(*), 2) AS "paused %",
       round(100.0 * count(*) FILTER (WHERE state = 'refused') / count(*), 2) AS "refused %",
       round(100.0 * count(*) FILTER (WHERE state = 'withdrawn') / count(*), 2) AS "withdrawn %",
       round(100.0 * count(*) FILTER (WHERE state = 'stopped') / count(*), 2) AS "stopped %",
       round(100.0 * count(*) FILTER (WHERE finished_at > coalesce(original_due_at, due_at, paused_due_at)
                                      AND state IN ('result_ready', 'returned')) / nullif(count(*) FILTER (WHERE state IN ('result_ready', 'returned')), 0), 2) AS "finished late %",
       count(*) FILTER (WHERE apologies > 0) AS apologies
  FROM dossier;
SELECT extract(year FROM pg_temp.vn(submitted_at))::int AS year, count(*) AS dossiers,
       round(100.0 * count(*) FILTER (WHERE channel = 2) / count(*), 1) AS "online %",
       round(100.0 * count(*) FILTER (WHERE channel = 3) / count(*), 1) AS "post %",
       round(100.0 * count(*) FILTER (WHERE extract(isodow FROM pg_temp.vn(submitted_at)) < 6) / count(*), 1) AS "on weekdays %"
  FROM dossier GROUP BY 1 ORDER BY 1;

SET client_min_messages = notice;
DO $$
DECLARE bad bigint;
BEGIN
    SELECT coalesce(sum(violations), 0) INTO bad FROM gen_check;
    IF bad > 0 THEN
        RAISE EXCEPTION 'generated data: % violation(s), see above', bad;
    END IF;
    RAISE NOTICE 'generated data: every invariant holds';
END $$;
