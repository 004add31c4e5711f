-- One counter per receiving agency per (Vietnam) day for dossier codes (domain.md §4).
-- Taken with INSERT ... ON CONFLICT DO UPDATE ... RETURNING inside the transaction that creates the
-- dossier: the row lock serialises concurrent receipts of the same agency and day only, and a
-- rolled-back receipt rolls its increment back too, so the sequence has no gaps.
CREATE TABLE dossier_code_counter (
    agency_id   uuid NOT NULL REFERENCES agency (id),
    day         date NOT NULL,
    last_value  integer NOT NULL CHECK (last_value > 0),
    PRIMARY KEY (agency_id, day)
);
