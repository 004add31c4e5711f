-- The procedure catalogue, versioned: a dossier keeps the version it was filed under.
CREATE TABLE procedure (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code                text NOT NULL UNIQUE,
    current_version     integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE procedure_version (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    procedure_id        uuid NOT NULL REFERENCES procedure (id),
    version             integer NOT NULL CHECK (version > 0),
    -- The whole procedure document (domain::catalogue::Procedure), as imported and exported.
    document            jsonb NOT NULL,
    -- Columns extracted from the document for search and filters.
    name                text NOT NULL,
    name_fold           text GENERATED ALWAYS AS (motcua_fold(name)) STORED,
    field_code          text NOT NULL,
    field_name          text NOT NULL,
    online_level        text NOT NULL CHECK (online_level IN ('full', 'partial', 'none')),
    competent_level     text,
    competent_agency    text,
    is_sample           boolean NOT NULL DEFAULT false,
    published_at        timestamptz NOT NULL DEFAULT now(),
    published_by        text,
    UNIQUE (procedure_id, version)
);
CREATE INDEX procedure_version_name_trgm ON procedure_version USING gin (name_fold gin_trgm_ops);
CREATE INDEX procedure_version_field ON procedure_version (field_code);
