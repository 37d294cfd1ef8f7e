//! JavaScript `parseInt(value)` semantics for query parameters.

/// What `parseInt(s, 10)` returns, saturated to `i64`: leading whitespace
/// and a sign are accepted, then the longest run of digits; trailing junk is
/// ignored (`"12abc"` → 12). `None` stands for `NaN` (no digits at all).
pub(crate) fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim_start();
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let run: &str = {
        let end = digits
            .char_indices()
            .find(|(_, c)| !c.is_ascii_digit())
            .map_or(digits.len(), |(i, _)| i);
        &digits[..end]
    };
    if run.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for b in run.bytes() {
        let d = i64::from(b - b'0');
        value = value.saturating_mul(10).saturating_add(d);
    }
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_parse_int() {
        assert_eq!(parse_int("1001"), Some(1001));
        assert_eq!(parse_int("  42"), Some(42));
        assert_eq!(parse_int("12abc"), Some(12));
        assert_eq!(parse_int("-5"), Some(-5));
        assert_eq!(parse_int("+7"), Some(7));
        assert_eq!(parse_int("abc"), None);
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_int("-"), None);
        assert_eq!(parse_int("1e3"), Some(1));
        assert_eq!(parse_int("99999999999999999999999999"), Some(i64::MAX));
    }
}
