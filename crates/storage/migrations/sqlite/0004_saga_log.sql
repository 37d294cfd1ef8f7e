-- The saga log. A saga row carries the lease: whoever holds the current
-- lease_token drives it. Claims run in a BEGIN IMMEDIATE transaction
-- (SQLite has one writer at a time), so concurrent workers never take the
-- same row. Steps are keyed by name and ordered by seq, the order in which
-- they were first recorded.
CREATE TABLE sagas (
    id               TEXT    PRIMARY KEY,
    tenant_id        TEXT    NOT NULL,
    kind             TEXT    NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
    status           TEXT    NOT NULL
        CHECK (status IN ('running', 'compensating', 'completed', 'compensated', 'failed')),
    payload          TEXT    NOT NULL CHECK (json_valid(payload)),
    attempt          INTEGER NOT NULL CHECK (attempt >= 0),
    next_run_at      INTEGER NOT NULL,
    lease_owner      TEXT,
    lease_token      TEXT,
    lease_expires_at INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    CHECK ((lease_token IS NULL) = (lease_owner IS NULL)
       AND (lease_token IS NULL) = (lease_expires_at IS NULL))
) STRICT;

CREATE INDEX sagas_due_idx ON sagas (kind, next_run_at)
    WHERE status IN ('running', 'compensating');
CREATE INDEX sagas_tenant_idx ON sagas (tenant_id, created_at);

CREATE TABLE saga_steps (
    saga_id     TEXT    NOT NULL REFERENCES sagas (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    seq         INTEGER NOT NULL,
    status      TEXT    NOT NULL
        CHECK (status IN ('started', 'succeeded', 'failed', 'compensating', 'compensated')),
    attempt     INTEGER NOT NULL CHECK (attempt >= 0),
    next_run_at INTEGER,
    external_id TEXT,
    detail      TEXT    NOT NULL CHECK (json_valid(detail)),
    error       TEXT,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (saga_id, name),
    UNIQUE (saga_id, seq)
) STRICT;
