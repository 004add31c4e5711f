-- Units inside agencies, staff with roles per unit, citizens, and server-side sessions.

-- Working hours per agency (domain.md §5); NULL columns mean the default 07:30-11:30, 13:00-17:00, cut-off 15:00.
ALTER TABLE agency
    ADD COLUMN morning_start   time,
    ADD COLUMN morning_end     time,
    ADD COLUMN afternoon_start time,
    ADD COLUMN afternoon_end   time,
    ADD COLUMN paper_cutoff    time;

CREATE TABLE unit (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id   uuid NOT NULL REFERENCES agency (id),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    -- one_stop: Bộ phận Một cửa; specialist: a processing unit (phòng chuyên môn); leadership: lãnh đạo
    kind        text NOT NULL CHECK (kind IN ('one_stop', 'specialist', 'leadership', 'other')),
    is_sample   boolean NOT NULL DEFAULT false,
    UNIQUE (agency_id, name)
);
CREATE INDEX unit_agency_idx ON unit (agency_id, kind);

CREATE TABLE staff (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- The subject the staff identity provider signs them in as.
    username    text NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 200),
    full_name   text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    title       text,
    phone       text,
    email       text,
    active      boolean NOT NULL DEFAULT true,
    is_sample   boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_role (
    staff_id    uuid NOT NULL REFERENCES staff (id),
    unit_id     uuid NOT NULL REFERENCES unit (id),
    role        text NOT NULL CHECK (role IN ('clerk', 'officer', 'leader', 'agency_admin', 'system_admin')),
    PRIMARY KEY (staff_id, unit_id, role)
);
CREATE INDEX staff_role_unit_idx ON staff_role (unit_id);

CREATE TABLE citizen (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    issuer        text NOT NULL,
    subject       text NOT NULL,
    account_type  smallint NOT NULL DEFAULT 1 CHECK (account_type IN (1, 2, 3)),
    personal_id   text CHECK (personal_id ~ '^[0-9]{12}$'),
    tax_code      text,
    full_name     text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    birth_date    date,
    email         text,
    phone         text,
    verified_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (issuer, subject)
);

-- Server-side sessions: the cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE session (
    token_hash    bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    citizen_id    uuid REFERENCES citizen (id),
    staff_id      uuid REFERENCES staff (id),
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    CHECK ((citizen_id IS NULL) <> (staff_id IS NULL))
);
CREATE INDEX session_staff_idx ON session (staff_id) WHERE revoked_at IS NULL;
CREATE INDEX session_citizen_idx ON session (citizen_id) WHERE revoked_at IS NULL;
