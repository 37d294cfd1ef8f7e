-- Webhook deliveries, one per raw body (SHA-256) and tenant, so a body
-- Cal.com delivers twice is processed once.
CREATE TABLE webhook_events (
    id                 TEXT    PRIMARY KEY,
    tenant_id          TEXT    NOT NULL,
    body_sha256        TEXT    NOT NULL
        CHECK (length(body_sha256) = 64 AND body_sha256 NOT GLOB '*[^0-9a-f]*'),
    trigger_event      TEXT    NOT NULL CHECK (length(trigger_event) BETWEEN 1 AND 100),
    booking_uid        TEXT,
    payload_created_at INTEGER,
    body               BLOB    NOT NULL,
    verified           INTEGER NOT NULL CHECK (verified IN (0, 1)),
    received_at        INTEGER NOT NULL,
    processed_at       INTEGER,
    attempts           INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    error              TEXT,
    UNIQUE (tenant_id, body_sha256)
) STRICT;

CREATE INDEX webhook_events_unprocessed_idx
    ON webhook_events (tenant_id, received_at) WHERE processed_at IS NULL;
