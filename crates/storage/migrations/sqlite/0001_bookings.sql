-- The local copy of Cal.com bookings, one row per (tenant, uid).
--
-- Instants are INTEGER microseconds since the Unix epoch, UTC: they sort and
-- compare as instants (text would need one fixed format forever), and
-- microseconds match Postgres' timestamptz precision, so both backends
-- return the same values. JSON columns are TEXT checked with json_valid.
-- STRICT makes SQLite refuse values of the wrong type instead of storing them.
CREATE TABLE bookings (
    tenant_id            TEXT    NOT NULL,
    uid                  TEXT    NOT NULL,
    event_type_id        INTEGER NOT NULL,
    title                TEXT    NOT NULL,
    start_at             INTEGER NOT NULL,
    end_at               INTEGER NOT NULL,
    status               TEXT    NOT NULL
        CHECK (status IN ('accepted', 'pending', 'cancelled', 'rejected')),
    host                 TEXT
        CHECK (host IS NULL OR (json_valid(host) AND json_type(host) = 'object')),
    attendees            TEXT    NOT NULL
        CHECK (json_valid(attendees) AND json_type(attendees) = 'array'),
    metadata             TEXT    NOT NULL
        CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
    rescheduled_from_uid TEXT,
    rescheduled_to_uid   TEXT,
    cancellation_reason  TEXT,
    source               TEXT    NOT NULL
        CHECK (source IN ('ours', 'sync', 'webhook')),
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    row_version          INTEGER NOT NULL DEFAULT 1,
    synced_at            INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, uid)
) STRICT;

CREATE INDEX bookings_tenant_start_idx ON bookings (tenant_id, start_at);
