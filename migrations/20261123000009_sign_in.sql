-- Sign-in: pending authorization requests (state, nonce and PKCE verifier kept server-side, bound to the
-- browser by a one-off cookie), and the population-database lookups (who asked, why, with what result).
CREATE TABLE auth_request (
    state_hash     bytea PRIMARY KEY CHECK (length(state_hash) = 32),
    binding_hash   bytea NOT NULL CHECK (length(binding_hash) = 32),
    provider       text NOT NULL CHECK (provider IN ('citizen', 'staff')),
    nonce          text NOT NULL,
    pkce_verifier  text NOT NULL,
    return_to      text NOT NULL DEFAULT '/',
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_request_created ON auth_request (created_at);

ALTER TABLE citizen
    ADD COLUMN tech_id    text,
    ADD COLUMN loa        text;

CREATE TABLE population_lookup (
    id             bigserial PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    -- `CONGDAN` for a citizen's own sign-in, else the staff id.
    requested_by   text NOT NULL,
    -- The procedure code, or `SIGNIN`.
    purpose        text NOT NULL,
    -- Masked: 038******123.
    personal_id    text NOT NULL,
    result         text NOT NULL CHECK (result IN ('verified', 'not_found', 'unknown'))
);
CREATE INDEX population_lookup_at ON population_lookup (at);
