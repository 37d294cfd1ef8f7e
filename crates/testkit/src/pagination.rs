//! `PaginationMetaDto`, computed exactly as Cal.com's `getPagination`
//! (`apps/api/v2/src/lib/pagination/pagination.ts`, NOTES §2).

use serde_json::{Value, json};

/// The `pagination` object for a page of `take` items after `skip`, out of
/// `total` matching items. `take` is at least 1 (validated before).
pub(crate) fn pagination_json(skip: u64, take: u64, total: u64) -> Value {
    let safe_skip = skip.min(total);
    let take = take.max(1);
    let remaining_items = total.saturating_sub(safe_skip.saturating_add(take));
    let total_pages = total.div_ceil(take);
    let current_page = if total_pages == 0 {
        0
    } else {
        (safe_skip / take + 1).clamp(1, total_pages)
    };
    let returned_items = (total - safe_skip).min(take);
    json!({
        "returnedItems": returned_items,
        "totalItems": total,
        "itemsPerPage": take,
        "remainingItems": remaining_items,
        "currentPage": current_page,
        "totalPages": total_pages,
        "hasNextPage": safe_skip.saturating_add(take) < total,
        "hasPreviousPage": safe_skip > 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_notes_example() {
        assert_eq!(
            pagination_json(10, 10, 123),
            json!({"totalItems":123,"remainingItems":103,"returnedItems":10,"itemsPerPage":10,
                   "currentPage":2,"totalPages":13,"hasNextPage":true,"hasPreviousPage":true})
        );
    }

    #[test]
    fn edges() {
        // Empty result: page 0 of 0.
        let p = pagination_json(0, 100, 0);
        assert_eq!(p["currentPage"], 0);
        assert_eq!(p["totalPages"], 0);
        assert_eq!(p["returnedItems"], 0);
        assert_eq!(p["hasNextPage"], false);
        assert_eq!(p["hasPreviousPage"], false);
        // Skipping past the end: clamped to the last page, nothing returned.
        let p = pagination_json(50, 10, 25);
        assert_eq!(p["currentPage"], 3);
        assert_eq!(p["returnedItems"], 0);
        assert_eq!(p["remainingItems"], 0);
        assert_eq!(p["hasPreviousPage"], true);
        assert_eq!(p["hasNextPage"], false);
        // Last partial page.
        let p = pagination_json(20, 10, 25);
        assert_eq!(p["returnedItems"], 5);
        assert_eq!(p["currentPage"], 3);
        assert_eq!(p["hasNextPage"], false);
        // Skip not on a page boundary.
        let p = pagination_json(5, 10, 25);
        assert_eq!(p["currentPage"], 1);
        assert_eq!(p["remainingItems"], 10);
    }
}
