-- Tenants' Cal.com connections. Secrets are sealed by calbridge before
-- they reach the database (AES-256-GCM, tenant id as associated data):
-- each sealed column is key_version ‖ nonce ‖ ciphertext ‖ tag.
-- key_version repeats the version inside the sealed values so rows still
-- sealed with an old master key can be found for re-encryption.
CREATE TABLE connections (
    tenant_id       TEXT    NOT NULL,
    label           TEXT    NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    key_version     INTEGER NOT NULL CHECK (key_version BETWEEN 0 AND 4294967295),
    api_key         BLOB    NOT NULL,
    webhook_secrets BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, label)
) STRICT;

CREATE INDEX connections_key_version_idx ON connections (key_version);
