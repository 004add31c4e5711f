-- The agency tree (domain.md §1–2): any depth (province → departments, communes; ministry → units).
-- Codes change after mergers, so they live in their own table with validity dates; an agency may
-- hold a QĐ 20/2020 code and its legacy QCVN 102:2016 alias at the same time.
CREATE TABLE agency (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    parent_id   uuid REFERENCES agency (id) ON DELETE RESTRICT,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    level       text NOT NULL CHECK (level IN ('ministry', 'province', 'department', 'commune', 'other')),
    is_sample   boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX agency_parent_idx ON agency (parent_id);

CREATE TABLE agency_code (
    agency_id   uuid NOT NULL REFERENCES agency (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('qd20', 'legacy')),
    code        text NOT NULL CHECK (length(code) BETWEEN 1 AND 35 AND code ~ '^[0-9A-Z]+(\.[0-9A-Z]+)*$'),
    valid_from  date NOT NULL,
    valid_to    date CHECK (valid_to IS NULL OR valid_to > valid_from),
    PRIMARY KEY (code, valid_from)
);
CREATE INDEX agency_code_agency_idx ON agency_code (agency_id);
