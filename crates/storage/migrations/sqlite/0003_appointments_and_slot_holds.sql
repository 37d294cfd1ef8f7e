-- Composite appointments, their segments, and slot holds: calbridge's own
-- claims on hosts' time. Instants are INTEGER microseconds (see 0001),
-- uuids TEXT in their hyphenated form.
--
-- The no-double-booking guarantee lives on slot_holds, the table only
-- calbridge writes: active holds of one host (per tenant) never overlap.
-- SQLite has no exclusion constraints, so the triggers below stand in for
-- Postgres' one: SQLite runs one writer at a time, so a check inside the
-- writing statement is atomic. Ranges are half-open, so back-to-back holds
-- are fine. It is not on bookings: that table mirrors Cal.com, the
-- authority, and a copy Cal.com says is accepted must always be storable.
CREATE TABLE appointments (
    id          TEXT    PRIMARY KEY,
    tenant_id   TEXT    NOT NULL,
    status      TEXT    NOT NULL
        CHECK (status IN ('pending', 'confirmed', 'compensating', 'cancelled', 'failed')),
    attendee    TEXT    NOT NULL
        CHECK (json_valid(attendee) AND json_type(attendee) = 'object'),
    metadata    TEXT    NOT NULL
        CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
    row_version INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX appointments_tenant_idx ON appointments (tenant_id, created_at);

CREATE TABLE appointment_segments (
    appointment_id      TEXT    NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
    position            INTEGER NOT NULL CHECK (position >= 0),
    event_type_id       INTEGER NOT NULL,
    host_id             INTEGER NOT NULL,
    start_at            INTEGER NOT NULL,
    end_at              INTEGER NOT NULL,
    pause_after_minutes INTEGER NOT NULL DEFAULT 0 CHECK (pause_after_minutes >= 0),
    status              TEXT    NOT NULL
        CHECK (status IN ('pending', 'booked', 'confirmed', 'cancelled', 'failed')),
    booking_uid         TEXT,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (appointment_id, position),
    CHECK (start_at < end_at)
) STRICT;

CREATE INDEX appointment_segments_booking_uid_idx
    ON appointment_segments (booking_uid) WHERE booking_uid IS NOT NULL;

CREATE TABLE slot_holds (
    id               TEXT    PRIMARY KEY,
    tenant_id        TEXT    NOT NULL,
    host_id          INTEGER NOT NULL,
    start_at         INTEGER NOT NULL,
    end_at           INTEGER NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('held', 'confirmed', 'released')),
    expires_at       INTEGER,
    appointment_id   TEXT,
    segment_position INTEGER,
    booking_uid      TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    CHECK (start_at < end_at),
    CHECK ((appointment_id IS NULL) = (segment_position IS NULL)),
    FOREIGN KEY (appointment_id, segment_position)
        REFERENCES appointment_segments (appointment_id, position) ON DELETE CASCADE
) STRICT;

CREATE INDEX slot_holds_host_idx ON slot_holds (tenant_id, host_id, start_at);
CREATE UNIQUE INDEX slot_holds_segment_idx
    ON slot_holds (appointment_id, segment_position) WHERE appointment_id IS NOT NULL;
CREATE INDEX slot_holds_lapsing_idx
    ON slot_holds (expires_at) WHERE status = 'held' AND expires_at IS NOT NULL;

-- The stand-in for the exclusion constraint. The message is what the
-- storage crate recognises (SQLITE_CONSTRAINT_TRIGGER + this text).
CREATE TRIGGER slot_holds_no_overlap_insert
BEFORE INSERT ON slot_holds
WHEN NEW.status IN ('held', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'slot_holds_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM slot_holds AS h
        WHERE h.tenant_id = NEW.tenant_id
          AND h.host_id = NEW.host_id
          AND h.status IN ('held', 'confirmed')
          AND h.start_at < NEW.end_at
          AND NEW.start_at < h.end_at
    );
END;

CREATE TRIGGER slot_holds_no_overlap_update
BEFORE UPDATE OF tenant_id, host_id, start_at, end_at, status ON slot_holds
WHEN NEW.status IN ('held', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'slot_holds_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM slot_holds AS h
        WHERE h.id <> NEW.id
          AND h.tenant_id = NEW.tenant_id
          AND h.host_id = NEW.host_id
          AND h.status IN ('held', 'confirmed')
          AND h.start_at < NEW.end_at
          AND NEW.start_at < h.end_at
    );
END;
