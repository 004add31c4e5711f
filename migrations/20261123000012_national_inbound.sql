-- The inbound side of the national portal (interop.md §5).

-- Dossiers filed on dichvucong.gov.vn: idempotent on MaHoSo. The first answer is kept and replayed.
CREATE TABLE national_submission (
    ma_ho_so        text PRIMARY KEY,
    dossier_id      uuid NOT NULL REFERENCES dossier (id),
    request_sha256  text NOT NULL,
    answer          jsonb NOT NULL,
    repeats         integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- The change feed (GET /api/v1/national/changes) in commit order. Every history row lands first in
-- change_feed_pending (a trigger, in the transaction of the change); a sequencer, one at a time under an
-- advisory lock, moves the rows it can see (committed ones) to change_feed and numbers them. A reader
-- therefore never sees position n+1 before every position up to n is final: no change is skipped, even
-- when transactions commit out of the order of their ids.
CREATE TABLE change_feed_pending (
    action_id  bigint PRIMARY KEY REFERENCES dossier_action (id)
);
CREATE TABLE change_feed (
    pos        bigserial PRIMARY KEY,
    action_id  bigint NOT NULL UNIQUE REFERENCES dossier_action (id)
);

CREATE FUNCTION dossier_action_feed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_feed_pending (action_id) VALUES (NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER dossier_action_to_feed AFTER INSERT ON dossier_action
    FOR EACH ROW EXECUTE FUNCTION dossier_action_feed();

-- History rows written before this migration join the feed in id order.
INSERT INTO change_feed (action_id) SELECT id FROM dossier_action ORDER BY id;
