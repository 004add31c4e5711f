-- The durable outbox to the national portal (interop.md §3): every dossier creation, status change and
-- processing step writes its messages here in the same transaction as the change. Each row is an
-- immutable snapshot of that step (lessons.md §4: a retry sends the step, not the latest state).
-- Delivery (the relay) is in order per dossier: a row waits until every earlier row of its dossier is delivered.
CREATE TABLE outbox (
    id               bigserial PRIMARY KEY,
    dossier_id       uuid NOT NULL REFERENCES dossier (id),
    seq              integer NOT NULL,
    operation        text NOT NULL CHECK (operation IN ('DongBoHoSoMC', 'CapNhatTienDoHoSoMC')),
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    UNIQUE (dossier_id, seq)
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_dead ON outbox (created_at) WHERE status = 'dead';
