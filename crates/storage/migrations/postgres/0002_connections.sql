-- Tenants' Cal.com connections. Secrets are sealed by calbridge before
-- they reach the database (AES-256-GCM, tenant id as associated data):
-- each sealed column is key_version ‖ nonce ‖ ciphertext ‖ tag.
-- key_version repeats the version inside the sealed values so rows still
-- sealed with an old master key can be found for re-encryption.
CREATE TABLE connections (
    tenant_id       TEXT COLLATE "C" NOT NULL,
    label           TEXT COLLATE "C" NOT NULL
        CHECK (char_length(label) BETWEEN 1 AND 100),
    key_version     BIGINT      NOT NULL CHECK (key_version BETWEEN 0 AND 4294967295),
    api_key         BYTEA       NOT NULL,
    webhook_secrets BYTEA       NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, label)
);

CREATE INDEX connections_key_version_idx ON connections (key_version);
