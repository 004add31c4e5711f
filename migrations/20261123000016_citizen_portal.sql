-- The citizen portal: reused documents, drafts, ratings, feedback and notifications.

-- A document reused from the citizen's data store keeps a pointer to the one it copies (the bytes are shared:
-- the object store is content-addressed).
ALTER TABLE attachment ADD COLUMN reused_from uuid REFERENCES attachment (id);
CREATE INDEX attachment_reused ON attachment (reused_from) WHERE reused_from IS NOT NULL;

-- A citizen's unfinished application for a procedure (one per procedure), resumed later.
CREATE TABLE draft (
    citizen_id      uuid NOT NULL REFERENCES citizen (id),
    procedure_code  text NOT NULL,
    data            jsonb NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (citizen_id, procedure_code)
);

-- Satisfaction after the result (one per dossier).
CREATE TABLE dossier_rating (
    dossier_id  uuid PRIMARY KEY REFERENCES dossier (id),
    citizen_id  uuid NOT NULL REFERENCES citizen (id),
    score       smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment     text CHECK (length(comment) <= 1000),
    rated_at    timestamptz NOT NULL DEFAULT now()
);

-- Feedback and complaints (phản ánh, kiến nghị) about a dossier.
CREATE TABLE feedback (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    dossier_id  uuid NOT NULL REFERENCES dossier (id),
    citizen_id  uuid NOT NULL REFERENCES citizen (id),
    kind        text NOT NULL CHECK (kind IN ('phan_anh', 'kien_nghi')),
    content     text NOT NULL CHECK (length(content) BETWEEN 10 AND 2000),
    status      text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'answered')),
    answer      text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feedback_dossier ON feedback (dossier_id, created_at);
