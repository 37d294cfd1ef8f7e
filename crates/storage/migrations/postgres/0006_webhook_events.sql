-- Webhook deliveries, one per raw body (SHA-256) and tenant, so a body
-- Cal.com delivers twice is processed once.
CREATE TABLE webhook_events (
    id                 UUID PRIMARY KEY,
    tenant_id          TEXT COLLATE "C" NOT NULL,
    body_sha256        TEXT COLLATE "C" NOT NULL CHECK (body_sha256 ~ '^[0-9a-f]{64}$'),
    trigger_event      TEXT        NOT NULL CHECK (char_length(trigger_event) BETWEEN 1 AND 100),
    booking_uid        TEXT COLLATE "C",
    payload_created_at TIMESTAMPTZ,
    body               BYTEA       NOT NULL,
    verified           BOOLEAN     NOT NULL,
    received_at        TIMESTAMPTZ NOT NULL,
    processed_at       TIMESTAMPTZ,
    attempts           INTEGER     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    error              TEXT,
    UNIQUE (tenant_id, body_sha256)
);

CREATE INDEX webhook_events_unprocessed_idx
    ON webhook_events (tenant_id, received_at) WHERE processed_at IS NULL;
