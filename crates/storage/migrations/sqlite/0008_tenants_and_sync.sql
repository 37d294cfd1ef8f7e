-- Tenants, the API tokens that name them (only a SHA-256 of each token is
-- kept, found by a public lookup id), the opaque webhook endpoints that
-- route a Cal.com delivery to one tenant's connection, and per-connection
-- sync state (cursor plus a lease so one instance polls a connection).
-- Instants are microseconds since the Unix epoch, as in 0001.
CREATE TABLE tenants (
    id         TEXT    PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE api_tokens (
    lookup       TEXT    PRIMARY KEY CHECK (length(lookup) BETWEEN 1 AND 100),
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    token_sha256 TEXT    NOT NULL CHECK (length(token_sha256) = 64),
    label        TEXT    NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    created_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX api_tokens_tenant_idx ON api_tokens (tenant_id, label);

CREATE TABLE webhook_endpoints (
    id               TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 100),
    tenant_id        TEXT NOT NULL,
    connection_label TEXT NOT NULL,
    UNIQUE (tenant_id, connection_label)
) STRICT;

CREATE TABLE sync_state (
    tenant_id        TEXT NOT NULL,
    connection_label TEXT NOT NULL,
    updated_after    INTEGER,
    last_synced_at   INTEGER,
    lease_holder     TEXT,
    lease_expires_at INTEGER,
    PRIMARY KEY (tenant_id, connection_label)
) STRICT;
