-- Administrators fix and replay dead letters; the daily reconciliation with the national portal
-- (TraCuuHoSo, interop.md §3) records what it found.

ALTER TABLE outbox ADD COLUMN replays integer NOT NULL DEFAULT 0;
-- The payload as first written, kept when an administrator corrects it (the correction is audited).
ALTER TABLE outbox ADD COLUMN original_payload jsonb;

CREATE TABLE reconciliation_run (
    id           bigserial PRIMARY KEY,
    -- 'daily' (one per day across every instance) or 'admin' (on demand).
    trigger      text NOT NULL CHECK (trigger IN ('daily', 'admin')),
    -- The day whose changed dossiers were compared (Vietnam date).
    day          date NOT NULL,
    started_by   uuid REFERENCES staff (id),
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    checked      integer NOT NULL DEFAULT 0,
    differences  integer NOT NULL DEFAULT 0,
    resent       integer NOT NULL DEFAULT 0,
    -- Dossiers the portal could not be asked about (down, errors): compared again next run.
    unreachable  integer NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX reconciliation_one_daily ON reconciliation_run (day) WHERE trigger = 'daily';

CREATE TABLE reconciliation_difference (
    run_id      bigint NOT NULL REFERENCES reconciliation_run (id),
    dossier_id  uuid NOT NULL REFERENCES dossier (id),
    code        text NOT NULL,
    -- 'missing' (the portal holds nothing) or 'differs' (named fields differ).
    kind        text NOT NULL CHECK (kind IN ('missing', 'differs')),
    -- {field: {"ours": ..., "portal": ...}} for the compared fields that differ.
    fields      jsonb NOT NULL DEFAULT '{}',
    resent      boolean NOT NULL,
    PRIMARY KEY (run_id, dossier_id)
);
