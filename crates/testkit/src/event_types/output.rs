//! `EventTypeOutput_2024_06_14`, as `GET /v2/event-types` returns it.

use serde_json::{Value, json};

use crate::demo_data::Catalog;
use crate::event_types::{EventLocation, EventTypeDef};

/// The JSON body of one event type. Hidden booking fields are already left
/// out, as the list endpoint does.
pub(crate) fn event_type_json(et: &EventTypeDef, catalog: &Catalog) -> Value {
    let owner = &catalog.user;
    let metadata = if et.is_variable_length() {
        json!({ "multipleDuration": et.length_options })
    } else {
        json!({})
    };
    let mut out = json!({
        "id": et.id,
        "ownerId": owner.id,
        "lengthInMinutes": et.length,
        "title": et.title,
        "slug": et.slug,
        "description": et.description,
        "locations": et.locations.iter().map(location_json).collect::<Vec<_>>(),
        "bookingFields": default_booking_fields(et.locations.len() > 1),
        "recurrence": null,
        "disableGuests": false,
        "slotInterval": et.slot_interval,
        "minimumBookingNotice": et.minimum_booking_notice,
        "beforeEventBuffer": et.before_buffer,
        "afterEventBuffer": et.after_buffer,
        "metadata": metadata,
        "price": 0,
        "currency": "usd",
        "lockTimeZoneToggleOnBookingPage": false,
        "seatsPerTimeSlot": null,
        "forwardParamsSuccessRedirect": true,
        "successRedirectUrl": null,
        "isInstantEvent": false,
        "seatsShowAvailabilityCount": null,
        "scheduleId": null,
        "onlyShowFirstAvailableSlot": false,
        "offsetStart": 0,
        "requiresBookerEmailVerification": false,
        "hideCalendarNotes": false,
        "hideCalendarEventDetails": false,
        "hideOrganizerEmail": false,
        "useDestinationCalendarEmail": false,
        "hidden": et.hidden,
        "bookingRequiresAuthentication": false,
        "bookerActiveBookingsLimit": { "disabled": true },
        "disableCancelling": { "disabled": false },
        "disableRescheduling": { "disabled": false },
        "interfaceLanguage": null,
        "allowReschedulingPastBookings": false,
        "allowReschedulingCancelledBookings": false,
        "showOptimizedSlots": false,
        "users": [{
            "id": owner.id,
            "name": owner.name,
            "username": owner.username,
            "avatarUrl": null,
            "brandColor": "#292929",
            "darkBrandColor": "#fafafa",
            "weekStart": "Monday",
            "metadata": {},
        }],
        "bookingUrl": format!("https://cal.com/{}/{}", owner.username, et.slug),
    });
    let Some(obj) = out.as_object_mut() else {
        return out;
    };
    if et.is_variable_length() {
        obj.insert(
            "lengthInMinutesOptions".to_owned(),
            json!(et.length_options),
        );
    }
    if let Some(team) = et.team_id.and_then(|id| catalog.team(id)) {
        obj.remove("ownerId");
        obj.remove("users");
        obj.insert("teamId".to_owned(), json!(team.id));
        obj.insert("schedulingType".to_owned(), json!(et.scheduling.as_api()));
        obj.insert(
            "requiresConfirmation".to_owned(),
            json!(et.requires_confirmation),
        );
        let hosts: Vec<Value> = et
            .host_ids
            .iter()
            .filter_map(|id| catalog.user_by_id(*id))
            .map(|u| {
                json!({ "userId": u.id, "name": u.name, "username": u.username,
                        "avatarUrl": null, "mandatory": false, "priority": "medium" })
            })
            .collect();
        obj.insert("hosts".to_owned(), Value::Array(hosts));
        obj.insert(
            "team".to_owned(),
            json!({ "id": team.id, "slug": team.slug, "name": team.name, "bannerUrl": "",
                    "logoUrl": "", "weekStart": "Monday", "brandColor": "#292929",
                    "darkBrandColor": "#fafafa", "theme": "light" }),
        );
        obj.insert(
            "bookingUrl".to_owned(),
            json!(format!("https://cal.com/team/{}/{}", team.slug, et.slug)),
        );
    }
    out
}

/// `Output*Location_2024_06_14`.
pub(crate) fn location_json(loc: &EventLocation) -> Value {
    match loc {
        EventLocation::Integration(name) => json!({ "type": "integration", "integration": name }),
        EventLocation::Address(address) => {
            json!({ "type": "address", "address": address, "public": true })
        }
        EventLocation::Link(link) => json!({ "type": "link", "link": link, "public": true }),
    }
}

/// Cal.com's system booking fields as the list endpoint shows them (hidden
/// ones such as `title` and `attendeePhoneNumber` removed; `location` only
/// when there is a choice of locations).
fn default_booking_fields(several_locations: bool) -> Value {
    let mut fields = json!([
        { "type": "name", "slug": "name", "isDefault": true, "required": true,
          "label": "Your name", "placeholder": "", "disableOnPrefill": false },
        { "type": "email", "slug": "email", "isDefault": true, "required": true, "hidden": false,
          "label": "Email address", "placeholder": "", "disableOnPrefill": false },
        { "type": "textarea", "slug": "notes", "isDefault": true, "required": false,
          "hidden": false, "label": "Additional notes", "placeholder": "",
          "disableOnPrefill": false },
        { "type": "multiemail", "slug": "guests", "isDefault": true, "required": false,
          "hidden": false, "label": "Add guests", "placeholder": "", "disableOnPrefill": false },
        { "type": "textarea", "slug": "rescheduleReason", "isDefault": true, "required": false,
          "hidden": false, "label": "Reason for reschedule", "placeholder": "",
          "disableOnPrefill": false },
    ]);
    if several_locations && let Some(list) = fields.as_array_mut() {
        list.insert(
            2,
            json!({ "type": "radioInput", "slug": "location", "isDefault": true,
                    "required": false, "hidden": false, "label": "Location" }),
        );
    }
    fields
}

#[cfg(test)]
mod tests {
    use chrono_tz::Tz;

    use super::*;
    use crate::demo_data::Catalog;

    #[test]
    fn carries_the_required_fields_of_the_spec() {
        let c = Catalog::demo(Tz::Europe__Berlin, &[]);
        let Some(et) = c.event_type(1003) else {
            panic!("1003 missing");
        };
        let out = event_type_json(et, &c);
        for key in [
            "id",
            "lengthInMinutes",
            "title",
            "slug",
            "description",
            "locations",
            "bookingFields",
            "disableGuests",
            "recurrence",
            "metadata",
            "price",
            "currency",
            "lockTimeZoneToggleOnBookingPage",
            "forwardParamsSuccessRedirect",
            "successRedirectUrl",
            "isInstantEvent",
            "scheduleId",
            "hidden",
            "bookingRequiresAuthentication",
            "ownerId",
            "users",
            "bookingUrl",
        ] {
            assert!(out.get(key).is_some(), "missing {key}");
        }
        assert_eq!(out["lengthInMinutesOptions"], json!([15, 30, 45]));
        assert_eq!(out["slotInterval"], json!(15));
        assert_eq!(
            out["bookingUrl"],
            "https://cal.com/calbridge-demo/quick-call"
        );
        let Some(fixed) = c.event_type(1001) else {
            panic!("1001 missing");
        };
        let out = event_type_json(fixed, &c);
        assert!(out.get("lengthInMinutesOptions").is_none());
        assert_eq!(out["slotInterval"], Value::Null);
    }
}
