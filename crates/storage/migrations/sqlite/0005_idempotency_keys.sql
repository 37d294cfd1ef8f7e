-- Idempotency keys per tenant (Stripe semantics). A row without a response
-- is a request still in progress; expired rows count as absent and are
-- purged.
CREATE TABLE idempotency_keys (
    tenant_id        TEXT    NOT NULL,
    key              TEXT    NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash     TEXT    NOT NULL,
    resource_id      TEXT,
    response_status  INTEGER CHECK (response_status BETWEEN 100 AND 999),
    response_headers TEXT
        CHECK (response_headers IS NULL OR (json_valid(response_headers) AND json_type(response_headers) = 'array')),
    response_body    BLOB,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    completed_at     INTEGER,
    PRIMARY KEY (tenant_id, key),
    CHECK ((response_status IS NULL) = (completed_at IS NULL))
) STRICT;

CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
