-- Identities (trigger, booking uid, createdAt) of processed webhook
-- events: Cal.com sends no delivery id, so a re-serialised copy of an
-- event (a different raw body) is recognised by these. Instants are
-- microseconds since the Unix epoch, as in 0001.
CREATE TABLE webhook_identities (
    tenant_id          TEXT    NOT NULL,
    trigger_event      TEXT    NOT NULL,
    booking_uid        TEXT    NOT NULL,
    payload_created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, trigger_event, booking_uid, payload_created_at)
) STRICT;
