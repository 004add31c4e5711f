-- Every exchange with the national systems (interop.md): who, what, when, how it went, and digests of what
-- was said. Digests, not bodies: the bodies carry personal data (lessons.md §7) and the outbox already keeps
-- every message we sent. Inbound calls (the national portal, the payment platform's callbacks) are here too.
CREATE TABLE exchange_log (
    id               bigserial PRIMARY KEY,
    at               timestamptz NOT NULL DEFAULT now(),
    direction        text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
    -- The destination or caller: csdldancu, dvcqg, paygov, oauth2.
    peer             text NOT NULL,
    -- ChiaSeThongTinCongDan, DongBoHoSoMC, CapNhatTienDoHoSoMC, TraCuuHoSo, INIT, QUERY, GET_BILL, CALLBACK, ...
    operation        text NOT NULL,
    -- Hex SHA-256 of the request and response bodies.
    request_sha256   text,
    response_sha256  text,
    http_status      smallint,
    -- ok, rejected, http_error, timeout, unreachable, circuit_open, no_token, not_configured, refused
    result           text NOT NULL,
    duration_ms      integer NOT NULL CHECK (duration_ms >= 0),
    -- What the exchange was about, without personal data: a dossier code, a payment reference.
    subject          text
);
CREATE INDEX exchange_log_at ON exchange_log (at);
CREATE INDEX exchange_log_peer ON exchange_log (peer, at);
