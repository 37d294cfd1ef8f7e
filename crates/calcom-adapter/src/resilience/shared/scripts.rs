//! The Lua scripts of the shared rate limiter. Each runs atomically in
//! Redis, reading the time from Redis itself (`TIME`), so instances with
//! skewed clocks still agree.
//!
//! State: one key per API key holding the GCRA "theoretical arrival time"
//! (TAT) in microseconds since the Unix epoch.

/// Takes a cell, reserving a future one if the caller may wait for it.
///
/// `ARGV`: emission interval (µs), burst tolerance τ = interval·(burst−1)
/// (µs), the longest wait the caller accepts (µs).
/// Returns the wait in µs (`0` = go now), or minus the wait when it is
/// longer than allowed (nothing reserved).
pub(crate) const ACQUIRE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tau = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]))
if (not tat) or tat < now then tat = now end
local wait = tat - tau - now
if wait < 0 then wait = 0 end
if wait > max_wait then return -math.ceil(wait) end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1000)
return math.ceil(wait)
";

/// Cal.com said the key's budget is spent until its reset: push the TAT so
/// no instance is let through before then.
///
/// `ARGV`: reset delay (µs), burst tolerance τ (µs). Returns 1.
pub(crate) const EXHAUST: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local floor = now + tonumber(ARGV[1]) + tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if (not tat) or tat < floor then
  redis.call('SET', KEYS[1], string.format('%.0f', floor), 'PX', math.ceil((floor - now) / 1000) + 1000)
end
return 1
";
