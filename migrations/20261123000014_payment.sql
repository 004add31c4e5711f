-- Fees paid for dossiers: online through the payment platform (interop.md §4), or recorded by a clerk
-- (cash, bank transfer). The dossier's payment_state and the national DuocThanhToanTrucTuyen follow.
CREATE TABLE payment (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    dossier_id      uuid NOT NULL REFERENCES dossier (id),
    -- MaThamChieu: unique per online attempt; absent for cash and transfer.
    reference       text UNIQUE,
    amount          bigint NOT NULL CHECK (amount >= 0),
    method          text NOT NULL CHECK (method IN ('online', 'cash', 'transfer')),
    state           text NOT NULL CHECK (state IN ('pending', 'paid', 'failed')),
    -- Who began it (the citizen) or recorded it (the clerk).
    started_by_kind text NOT NULL CHECK (started_by_kind IN ('citizen', 'staff')),
    started_by      uuid NOT NULL,
    -- From the payment platform: MaGiaoDich, MaNganHang, and why a payment failed.
    transaction_id  text,
    bank            text,
    failure         text,
    paid_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- When the reconciliation last QUERYed it (pending) or asked for its receipt (paid).
    last_query_at   timestamptz,
    receipt_number  text,
    receipt_attachment_id uuid REFERENCES attachment (id),
    CHECK (method <> 'online' OR reference IS NOT NULL),
    CHECK (state <> 'paid' OR paid_at IS NOT NULL)
);
CREATE INDEX payment_dossier ON payment (dossier_id, created_at);
CREATE INDEX payment_pending ON payment (created_at) WHERE state = 'pending';
CREATE INDEX payment_without_receipt ON payment (paid_at) WHERE state = 'paid' AND method = 'online' AND receipt_attachment_id IS NULL;

-- E-receipts (biên lai điện tử) are attached to the dossier.
ALTER TABLE attachment DROP CONSTRAINT attachment_role_check;
ALTER TABLE attachment ADD CONSTRAINT attachment_role_check CHECK (role IN ('component', 'result', 'supplement', 'receipt'));
