-- Holds last at most 31 days (SlotHold::MAX_LENGTH), the bound the SQLite
-- store relies on to look for overlaps among recent holds only; the same
-- rule here keeps both stores accepting the same holds.
ALTER TABLE slot_holds
    ADD CONSTRAINT slot_holds_max_length CHECK (end_at - start_at <= interval '31 days');
