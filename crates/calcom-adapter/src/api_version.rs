//! The `cal-api-version` header, per operation.
//!
//! Cal.com picks the controller by this header, and a missing or wrong value
//! silently selects a legacy controller with other shapes, or a 404
//! (NOTES §1). So there is no global version: this is the one table.

use crate::operation::Operation;

/// Name of the header that selects Cal.com's controller version.
pub const API_VERSION_HEADER: &str = "cal-api-version";

/// The `cal-api-version` value to send for `op`; `None` means send no header
/// (the controller accepts every version).
pub fn api_version(op: Operation) -> Option<&'static str> {
    match op {
        Operation::Me => None,
        Operation::EventTypes => Some("2024-06-14"),
        Operation::Slots => Some("2024-09-04"),
        Operation::CreateBooking
        | Operation::ListBookings
        | Operation::GetBooking
        | Operation::CancelBooking
        | Operation::RescheduleBooking => Some("2024-08-13"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_family_gets_the_version_its_controller_answers_to() {
        let table: Vec<_> = Operation::ALL
            .iter()
            .map(|&op| (op, api_version(op)))
            .collect();
        assert_eq!(
            table,
            vec![
                (Operation::Me, None),
                (Operation::EventTypes, Some("2024-06-14")),
                (Operation::Slots, Some("2024-09-04")),
                (Operation::CreateBooking, Some("2024-08-13")),
                (Operation::ListBookings, Some("2024-08-13")),
                (Operation::GetBooking, Some("2024-08-13")),
                (Operation::CancelBooking, Some("2024-08-13")),
                (Operation::RescheduleBooking, Some("2024-08-13")),
            ]
        );
    }
}
