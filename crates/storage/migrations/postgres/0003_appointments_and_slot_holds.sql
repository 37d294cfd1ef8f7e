-- Composite appointments, their segments, and slot holds: calbridge's own
-- claims on hosts' time.
--
-- The no-double-booking guarantee lives on slot_holds, the table only
-- calbridge writes: an exclusion constraint keeps active holds of one host
-- (per tenant) from overlapping. Ranges are half-open '[)', so back-to-back
-- holds are fine. It is not on bookings: that table mirrors Cal.com, the
-- authority, and a copy Cal.com says is accepted must always be storable.
-- Every active appointment segment has a hold, written in the same
-- transaction, so segments are covered too.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE appointments (
    id          UUID PRIMARY KEY,
    tenant_id   TEXT COLLATE "C" NOT NULL,
    status      TEXT        NOT NULL
        CHECK (status IN ('pending', 'confirmed', 'compensating', 'cancelled', 'failed')),
    attendee    JSONB       NOT NULL CHECK (jsonb_typeof(attendee) = 'object'),
    metadata    JSONB       NOT NULL CHECK (jsonb_typeof(metadata) = 'object'),
    row_version BIGINT      NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX appointments_tenant_idx ON appointments (tenant_id, created_at);

CREATE TABLE appointment_segments (
    appointment_id      UUID        NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
    position            INTEGER     NOT NULL CHECK (position >= 0),
    event_type_id       BIGINT      NOT NULL,
    host_id             BIGINT      NOT NULL,
    start_at            TIMESTAMPTZ NOT NULL,
    end_at              TIMESTAMPTZ NOT NULL,
    pause_after_minutes INTEGER     NOT NULL DEFAULT 0 CHECK (pause_after_minutes >= 0),
    status              TEXT        NOT NULL
        CHECK (status IN ('pending', 'booked', 'confirmed', 'cancelled', 'failed')),
    booking_uid         TEXT COLLATE "C",
    updated_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (appointment_id, position),
    CHECK (start_at < end_at)
);

CREATE INDEX appointment_segments_booking_uid_idx
    ON appointment_segments (booking_uid) WHERE booking_uid IS NOT NULL;

CREATE TABLE slot_holds (
    id               UUID PRIMARY KEY,
    tenant_id        TEXT COLLATE "C" NOT NULL,
    host_id          BIGINT      NOT NULL,
    start_at         TIMESTAMPTZ NOT NULL,
    end_at           TIMESTAMPTZ NOT NULL,
    status           TEXT        NOT NULL CHECK (status IN ('held', 'confirmed', 'released')),
    expires_at       TIMESTAMPTZ,
    appointment_id   UUID,
    segment_position INTEGER,
    booking_uid      TEXT COLLATE "C",
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    CHECK (start_at < end_at),
    CHECK ((appointment_id IS NULL) = (segment_position IS NULL)),
    FOREIGN KEY (appointment_id, segment_position)
        REFERENCES appointment_segments (appointment_id, position) ON DELETE CASCADE,
    CONSTRAINT slot_holds_no_overlap EXCLUDE USING gist (
        tenant_id WITH =,
        host_id WITH =,
        tstzrange(start_at, end_at, '[)') WITH &&
    ) WHERE (status IN ('held', 'confirmed'))
);

CREATE UNIQUE INDEX slot_holds_segment_idx
    ON slot_holds (appointment_id, segment_position) WHERE appointment_id IS NOT NULL;
CREATE INDEX slot_holds_lapsing_idx
    ON slot_holds (expires_at) WHERE status = 'held' AND expires_at IS NOT NULL;
