-- The ledger check of scripts/reliability.sh, reused by every scenario.
--   psql "$URL" -X -q -t -A -v ON_ERROR_STOP=1 -v outbox_after=N -f ledger.sql < acked.tsv
-- outbox_after: the largest outbox id before the run (the generated history has dead letters of its own).
-- created_after: when the scenario began; an acknowledged dossier older than that is an earlier one handed back
-- (an Idempotency-Key replay), so the scenario did not create what it claims ('-infinity' for the backup's copy).
-- stdin: the acknowledged submissions, one `dossier_id<TAB>marker e-mail` per line (motcua_load --acked).
-- Prints one JSON object: what the database holds for them, and the outbox as a whole.
CREATE TEMP TABLE acked (dossier_id uuid NOT NULL, marker text NOT NULL);
\copy acked FROM pstdin
WITH a AS (
    SELECT DISTINCT ON (dossier_id) dossier_id, marker FROM acked ORDER BY dossier_id
), per AS (
    SELECT a.dossier_id, a.marker,
           (SELECT count(*) FROM dossier d WHERE d.id = a.dossier_id) AS by_id,
           (SELECT count(*) FROM dossier d WHERE d.applicant->>'email' = a.marker) AS by_marker,
           (SELECT d.applicant->>'email' FROM dossier d WHERE d.id = a.dossier_id) AS email,
           (SELECT count(*) FROM dossier_action h WHERE h.dossier_id = a.dossier_id) AS history,
           (SELECT count(*) FROM dossier_action h WHERE h.dossier_id = a.dossier_id
                                                    AND h.action IN ('submit', 'receive_from_portal', 'receive_at_counter')) AS submissions,
           (SELECT count(*) FROM outbox o WHERE o.dossier_id = a.dossier_id) AS outbox
      FROM a
), markers AS (
    -- Every marker e-mail in the whole database (acknowledged or not) held by more than one dossier.
    SELECT applicant->>'email' AS marker, count(*) AS n FROM dossier
     WHERE applicant->>'email' LIKE '%@bench.example.vn' GROUP BY 1 HAVING count(*) > 1
)
SELECT json_build_object(
    'acknowledged', (SELECT count(*) FROM acked),
    'acknowledged_twice', (SELECT count(*) - count(DISTINCT dossier_id) FROM acked),
    'missing', (SELECT count(*) FROM per WHERE by_id = 0),
    'wrong_marker', (SELECT count(*) FROM per WHERE by_id = 1 AND email IS DISTINCT FROM marker),
    'created_before_scenario', (SELECT count(*) FROM a JOIN dossier d ON d.id = a.dossier_id
                                 WHERE d.created_at < :'created_after'::timestamptz),
    'marker_duplicates', (SELECT coalesce(sum(n - 1), 0) FROM markers),
    'marker_duplicate_examples', (SELECT coalesce(json_agg(marker), '[]') FROM (SELECT marker FROM markers LIMIT 5) m),
    'without_history', (SELECT count(*) FROM per WHERE by_id = 1 AND history = 0),
    'submission_rows_not_one', (SELECT count(*) FROM per WHERE by_id = 1 AND submissions <> 1),
    'without_outbox', (SELECT count(*) FROM per WHERE by_id = 1 AND outbox = 0),
    'outbox_pending', (SELECT count(*) FROM outbox WHERE status = 'pending' AND id > :outbox_after),
    'outbox_dead', (SELECT count(*) FROM outbox WHERE status = 'dead' AND id > :outbox_after),
    'outbox_dead_before_run', (SELECT count(*) FROM outbox WHERE status = 'dead' AND id <= :outbox_after),
    'outbox_pending_acked', (SELECT count(*) FROM outbox o JOIN a USING (dossier_id) WHERE o.status = 'pending'),
    'dossiers', (SELECT count(*) FROM dossier),
    'history_rows', (SELECT count(*) FROM dossier_action),
    'outbox_rows', (SELECT count(*) FROM outbox)
);
