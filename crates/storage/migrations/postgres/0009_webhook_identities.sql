-- Identities (trigger, booking uid, createdAt) of processed webhook
-- events: Cal.com sends no delivery id, so a re-serialised copy of an
-- event (a different raw body) is recognised by these.
CREATE TABLE webhook_identities (
    tenant_id          TEXT COLLATE "C" NOT NULL,
    trigger_event      TEXT COLLATE "C" NOT NULL,
    booking_uid        TEXT COLLATE "C" NOT NULL,
    payload_created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, trigger_event, booking_uid, payload_created_at)
);
