-- The saga log. A saga row carries the lease: whoever holds the current
-- lease_token drives it; claims use FOR UPDATE SKIP LOCKED so concurrent
-- workers never take the same row. Steps are keyed by name and ordered by
-- seq, the order in which they were first recorded.
CREATE TABLE sagas (
    id               UUID PRIMARY KEY,
    tenant_id        TEXT COLLATE "C" NOT NULL,
    kind             TEXT COLLATE "C" NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 100),
    status           TEXT        NOT NULL
        CHECK (status IN ('running', 'compensating', 'completed', 'compensated', 'failed')),
    payload          JSONB       NOT NULL,
    attempt          INTEGER     NOT NULL CHECK (attempt >= 0),
    next_run_at      TIMESTAMPTZ NOT NULL,
    lease_owner      TEXT,
    lease_token      UUID,
    lease_expires_at TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    CHECK ((lease_token IS NULL) = (lease_owner IS NULL)
       AND (lease_token IS NULL) = (lease_expires_at IS NULL))
);

CREATE INDEX sagas_due_idx ON sagas (kind, next_run_at)
    WHERE status IN ('running', 'compensating');
CREATE INDEX sagas_tenant_idx ON sagas (tenant_id, created_at);

CREATE TABLE saga_steps (
    saga_id     UUID        NOT NULL REFERENCES sagas (id) ON DELETE CASCADE,
    name        TEXT COLLATE "C" NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    seq         INTEGER     NOT NULL,
    status      TEXT        NOT NULL
        CHECK (status IN ('started', 'succeeded', 'failed', 'compensating', 'compensated')),
    attempt     INTEGER     NOT NULL CHECK (attempt >= 0),
    next_run_at TIMESTAMPTZ,
    external_id TEXT,
    detail      JSONB       NOT NULL,
    error       TEXT,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (saga_id, name),
    UNIQUE (saga_id, seq)
);
