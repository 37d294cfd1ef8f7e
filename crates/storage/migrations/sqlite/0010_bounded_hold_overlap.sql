-- Holds last at most 31 days (SlotHold::MAX_LENGTH, 2678400000000 µs), so
-- a hold overlapping [s, e) starts after s - 31 days. Saying so lets the
-- overlap check and the lookups walk slot_holds_host_idx over recent holds
-- only, instead of over every hold the host ever had.
DROP TRIGGER slot_holds_no_overlap_insert;
DROP TRIGGER slot_holds_no_overlap_update;

CREATE TRIGGER slot_holds_no_overlap_insert
BEFORE INSERT ON slot_holds
WHEN NEW.status IN ('held', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'slot_holds_too_long')
    WHERE NEW.end_at - NEW.start_at > 2678400000000;
    SELECT RAISE(ABORT, 'slot_holds_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM slot_holds AS h
        WHERE h.tenant_id = NEW.tenant_id
          AND h.host_id = NEW.host_id
          AND h.status IN ('held', 'confirmed')
          AND h.start_at > NEW.start_at - 2678400000000
          AND h.start_at < NEW.end_at
          AND NEW.start_at < h.end_at
    );
END;

CREATE TRIGGER slot_holds_no_overlap_update
BEFORE UPDATE OF tenant_id, host_id, start_at, end_at, status ON slot_holds
WHEN NEW.status IN ('held', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'slot_holds_too_long')
    WHERE NEW.end_at - NEW.start_at > 2678400000000;
    SELECT RAISE(ABORT, 'slot_holds_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM slot_holds AS h
        WHERE h.id <> NEW.id
          AND h.tenant_id = NEW.tenant_id
          AND h.host_id = NEW.host_id
          AND h.status IN ('held', 'confirmed')
          AND h.start_at > NEW.start_at - 2678400000000
          AND h.start_at < NEW.end_at
          AND NEW.start_at < h.end_at
    );
END;
