//! Conformance suite for `BookingRepository` (being written).
