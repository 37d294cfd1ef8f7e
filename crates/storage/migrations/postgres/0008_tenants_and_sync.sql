-- Tenants, the API tokens that name them (only a SHA-256 of each token is
-- kept, found by a public lookup id), the opaque webhook endpoints that
-- route a Cal.com delivery to one tenant's connection, and per-connection
-- sync state (cursor plus a lease so one instance polls a connection).
CREATE TABLE tenants (
    id         TEXT COLLATE "C" PRIMARY KEY CHECK (id ~ '^[a-z0-9_-]{1,64}$'),
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_tokens (
    lookup       TEXT COLLATE "C" PRIMARY KEY CHECK (char_length(lookup) BETWEEN 1 AND 100),
    tenant_id    TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    token_sha256 TEXT COLLATE "C" NOT NULL CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    label        TEXT NOT NULL CHECK (char_length(label) BETWEEN 1 AND 100),
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE INDEX api_tokens_tenant_idx ON api_tokens (tenant_id, label);

CREATE TABLE webhook_endpoints (
    id               TEXT COLLATE "C" PRIMARY KEY CHECK (char_length(id) BETWEEN 1 AND 100),
    tenant_id        TEXT COLLATE "C" NOT NULL,
    connection_label TEXT COLLATE "C" NOT NULL,
    UNIQUE (tenant_id, connection_label)
);

CREATE TABLE sync_state (
    tenant_id        TEXT COLLATE "C" NOT NULL,
    connection_label TEXT COLLATE "C" NOT NULL,
    updated_after    TIMESTAMPTZ,
    last_synced_at   TIMESTAMPTZ,
    lease_holder     TEXT,
    lease_expires_at TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, connection_label)
);
