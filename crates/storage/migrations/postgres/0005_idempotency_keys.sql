-- Idempotency keys per tenant (Stripe semantics). A row without a response
-- is a request still in progress; expired rows count as absent and are
-- purged.
CREATE TABLE idempotency_keys (
    tenant_id        TEXT COLLATE "C" NOT NULL,
    key              TEXT COLLATE "C" NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
    request_hash     TEXT        NOT NULL,
    resource_id      TEXT,
    response_status  INTEGER CHECK (response_status BETWEEN 100 AND 999),
    response_headers JSONB CHECK (response_headers IS NULL OR jsonb_typeof(response_headers) = 'array'),
    response_body    BYTEA,
    created_at       TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    completed_at     TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, key),
    CHECK ((response_status IS NULL) = (completed_at IS NULL))
);

CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
