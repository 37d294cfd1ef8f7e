//! API v1, the deprecated fallback (NOTES §9): when it is used, its bodies
//! translated to the v2 DTOs, and switching it off for good once Cal.com
//! answers `410 Gone`.
//!
//! v1 authenticates with `?apiKey=` in the URL. The key is added only when
//! the request is built and is masked in every URL this crate shows.

mod wire;

use std::sync::atomic::{AtomicBool, Ordering};

pub(crate) use wire::{
    V1CreateBooking, booking_from_v1, event_type_from_v1, event_types_from_v1, me_from_v1,
    schedule_from_v1, schedules_from_v1,
};

/// When API v1 stands in for v2, for the operations v1 has (users, event
/// types, schedules, booking create and get).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum V1Mode {
    /// Never.
    Off,
    /// When v2 answers that the operation does not exist (`404 Cannot GET
    /// /v2/...`, e.g. an old self-hosted Cal.com).
    #[default]
    Fallback,
    /// Always, for those operations (a Cal.com without v2).
    Prefer,
}

/// A client's v1 switch: the configured mode, and whether v1 is gone.
#[derive(Debug)]
pub(crate) struct V1State {
    mode: V1Mode,
    gone: AtomicBool,
}

impl V1State {
    pub(crate) fn new(mode: V1Mode) -> Self {
        Self {
            mode,
            gone: AtomicBool::new(false),
        }
    }

    /// Whether v1 answers first.
    pub(crate) fn preferred(&self) -> bool {
        self.mode == V1Mode::Prefer && !self.is_gone()
    }

    /// Whether v1 may stand in after v2 said the operation does not exist.
    pub(crate) fn may_fall_back(&self) -> bool {
        self.mode != V1Mode::Off && !self.is_gone()
    }

    /// v1 answered 410: never use it again from this client.
    pub(crate) fn mark_gone(&self) {
        if !self.gone.swap(true, Ordering::Relaxed) {
            tracing::warn!("Cal.com API v1 answered 410 Gone; v1 fallback switched off");
        }
    }

    pub(crate) fn is_gone(&self) -> bool {
        self.gone.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gone_switches_every_mode_off() {
        let s = V1State::new(V1Mode::Prefer);
        assert!(s.preferred() && s.may_fall_back());
        s.mark_gone();
        assert!(!s.preferred() && !s.may_fall_back());
        let s = V1State::new(V1Mode::Fallback);
        assert!(!s.preferred() && s.may_fall_back());
        let s = V1State::new(V1Mode::Off);
        assert!(!s.preferred() && !s.may_fall_back());
    }
}
