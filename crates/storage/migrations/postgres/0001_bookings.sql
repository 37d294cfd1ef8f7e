-- The local copy of Cal.com bookings, one row per (tenant, uid).
--
-- tenant_id and uid use the "C" collation so ordering by uid is byte order
-- whatever the server's locale (the same order SQLite and Rust use).
CREATE TABLE bookings (
    tenant_id            TEXT COLLATE "C" NOT NULL,
    uid                  TEXT COLLATE "C" NOT NULL,
    event_type_id        BIGINT      NOT NULL,
    title                TEXT        NOT NULL,
    start_at             TIMESTAMPTZ NOT NULL,
    end_at               TIMESTAMPTZ NOT NULL,
    status               TEXT        NOT NULL
        CHECK (status IN ('accepted', 'pending', 'cancelled', 'rejected')),
    host                 JSONB
        CHECK (host IS NULL OR jsonb_typeof(host) = 'object'),
    attendees            JSONB       NOT NULL
        CHECK (jsonb_typeof(attendees) = 'array'),
    metadata             JSONB       NOT NULL
        CHECK (jsonb_typeof(metadata) = 'object'),
    rescheduled_from_uid TEXT,
    rescheduled_to_uid   TEXT,
    cancellation_reason  TEXT,
    source               TEXT        NOT NULL
        CHECK (source IN ('ours', 'sync', 'webhook')),
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    row_version          BIGINT      NOT NULL DEFAULT 1,
    synced_at            TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, uid)
);

CREATE INDEX bookings_tenant_start_idx ON bookings (tenant_id, start_at);
