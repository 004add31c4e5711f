-- Dossiers (hồ sơ), their append-only action log, the units that held them, attachments, uploads
-- and idempotency records.

CREATE TABLE dossier (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code                  text NOT NULL UNIQUE,
    procedure_version_id  uuid NOT NULL REFERENCES procedure_version (id),
    agency_id             uuid NOT NULL REFERENCES agency (id),
    channel               smallint NOT NULL CHECK (channel IN (1, 2, 3)),
    source                text NOT NULL CHECK (source IN ('portal', 'counter', 'post', 'national_portal')),
    state                 text NOT NULL,
    resume_to             text,
    version               integer NOT NULL DEFAULT 1,
    applicant_citizen_id  uuid REFERENCES citizen (id),
    -- Personal data: name, personal id, birth date, address, phone, email of the applicant, and of the
    -- owner (chủ hồ sơ) when different. Never logged; staff reads are audited.
    applicant             jsonb NOT NULL,
    owner                 jsonb,
    applicant_name        text NOT NULL,
    applicant_name_fold   text GENERATED ALWAYS AS (motcua_fold(applicant_name)) STORED,
    form_answers          jsonb NOT NULL DEFAULT '{}',
    population_verified   boolean NOT NULL DEFAULT false,
    fees_total            bigint NOT NULL DEFAULT 0,
    payment_state         text NOT NULL DEFAULT 'none' CHECK (payment_state IN ('none', 'requested', 'paid_online', 'paid_other')),
    -- Where the dossier is in the procedure's workflow and who holds it.
    current_step          integer NOT NULL DEFAULT 0,
    current_unit_id       uuid REFERENCES unit (id),
    assignee_id           uuid REFERENCES staff (id),
    -- The clock (domain.md §5): times in UTC; minutes are working minutes.
    submitted_at          timestamptz NOT NULL DEFAULT now(),
    received_at           timestamptz,
    clock_started_at      timestamptz,
    due_at                timestamptz,
    original_due_at       timestamptz,
    paused_at             timestamptz,
    -- While paused: the appointment as it stood (due_at is NULL: the new one depends on the supplement).
    paused_due_at         timestamptz,
    remaining_minutes     integer,
    apologies             integer NOT NULL DEFAULT 0 CHECK (apologies <= 1),
    finished_at           timestamptz,
    returned_at           timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dossier_unit_queue ON dossier (current_unit_id, state, received_at, id);
CREATE INDEX dossier_agency_queue ON dossier (agency_id, state, submitted_at, id);
CREATE INDEX dossier_due ON dossier (current_unit_id, due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX dossier_citizen ON dossier (applicant_citizen_id, created_at DESC) WHERE applicant_citizen_id IS NOT NULL;
CREATE INDEX dossier_name_trgm ON dossier USING gin (applicant_name_fold gin_trgm_ops);

-- The history: one row per action, never changed (lessons.md §1).
CREATE TABLE dossier_action (
    id              bigserial PRIMARY KEY,
    dossier_id      uuid NOT NULL REFERENCES dossier (id),
    seq             integer NOT NULL,
    action          text NOT NULL,
    from_state      text,
    to_state        text NOT NULL,
    national_code   smallint NOT NULL CHECK (national_code BETWEEN 1 AND 10),
    actor_kind      text NOT NULL,
    actor_id        text,
    actor_name      text,
    unit_id         uuid REFERENCES unit (id),
    at              timestamptz NOT NULL DEFAULT now(),
    note            text,
    reason          text,
    step            integer,
    due_at          timestamptz,
    data            jsonb NOT NULL DEFAULT '{}',
    UNIQUE (dossier_id, seq),
    CHECK (action NOT IN ('refuse', 'stop', 'send_back', 'request_supplement', 'apologise') OR length(reason) > 0)
);
CREATE FUNCTION dossier_action_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'dossier_action is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER dossier_action_no_update BEFORE UPDATE OR DELETE ON dossier_action
    FOR EACH ROW EXECUTE FUNCTION dossier_action_append_only();

-- Every unit that holds or held a dossier: staff of those units may see it.
CREATE TABLE dossier_holder (
    dossier_id  uuid NOT NULL REFERENCES dossier (id),
    unit_id     uuid NOT NULL REFERENCES unit (id),
    since       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dossier_id, unit_id)
);
CREATE INDEX dossier_holder_unit ON dossier_holder (unit_id, dossier_id);

-- Workflow steps as they happen: due time and timeliness per step.
CREATE TABLE dossier_step (
    dossier_id   uuid NOT NULL REFERENCES dossier (id),
    seq          integer NOT NULL,
    step         integer NOT NULL,
    name         text NOT NULL,
    unit_id      uuid REFERENCES unit (id),
    started_at   timestamptz NOT NULL,
    due_at       timestamptz NOT NULL,
    finished_at  timestamptz,
    timeliness   text CHECK (timeliness IN ('early', 'on_time', 'late')),
    PRIMARY KEY (dossier_id, seq)
);

-- Uploaded bytes waiting to be attached (two-stage upload; unattached uploads are pruned after 48 h).
CREATE TABLE upload (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_kind    text NOT NULL CHECK (owner_kind IN ('citizen', 'staff')),
    owner_id      uuid NOT NULL,
    file_name     text NOT NULL,
    kind          text NOT NULL,
    size          bigint NOT NULL CHECK (size > 0),
    sha256        bytea NOT NULL CHECK (length(sha256) = 32),
    object_key    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    attached_at   timestamptz
);

CREATE TABLE attachment (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    dossier_id      uuid NOT NULL REFERENCES dossier (id),
    role            text NOT NULL CHECK (role IN ('component', 'result', 'supplement')),
    component_code  text,
    file_name       text NOT NULL,
    kind            text NOT NULL,
    size            bigint NOT NULL,
    sha256          bytea NOT NULL,
    object_key      text NOT NULL,
    checked_against_original boolean NOT NULL DEFAULT false,
    added_by_kind   text NOT NULL,
    added_by        uuid,
    added_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachment_dossier ON attachment (dossier_id);

-- Idempotency-Key records: the first answer to a (caller, key) is replayed for every retry.
CREATE TABLE idempotency (
    caller        text NOT NULL,
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash  bytea NOT NULL,
    status        smallint,
    response      jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, key)
);
