-- Notifications to applicants (acceptance, supplement request, payment request, apology with a new date, result
-- ready): an in-app notice for account holders and e-mail / SMS deliveries, written in the transaction of the
-- change, delivered by a worker. One delivery per (history row, channel): each event is sent once.
CREATE TABLE notification (
    id          bigserial PRIMARY KEY,
    dossier_id  uuid NOT NULL REFERENCES dossier (id),
    action_id   bigint NOT NULL REFERENCES dossier_action (id),
    citizen_id  uuid REFERENCES citizen (id),
    -- tiep_nhan, bo_sung, thanh_toan, hen_lai, co_ket_qua
    event       text NOT NULL,
    title       text NOT NULL,
    body        text NOT NULL,
    -- Where the applicant follows it on this site (a path; senders put the public URL in front).
    link        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz,
    UNIQUE (action_id)
);
CREATE INDEX notification_citizen ON notification (citizen_id, created_at DESC) WHERE citizen_id IS NOT NULL;

CREATE TABLE notification_delivery (
    id               bigserial PRIMARY KEY,
    notification_id  bigint NOT NULL REFERENCES notification (id),
    channel          text NOT NULL CHECK (channel IN ('email', 'sms')),
    -- The address or phone number (personal data: never logged).
    recipient        text NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    sent_at          timestamptz,
    UNIQUE (notification_id, channel)
);
CREATE INDEX notification_delivery_pending ON notification_delivery (next_attempt_at) WHERE status = 'pending';
