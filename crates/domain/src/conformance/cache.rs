//! Conformance suite for `CachePort` (being written).
