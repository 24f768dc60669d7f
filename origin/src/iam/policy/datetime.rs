//! Instants as the `Date...` condition operators read them.
//!
//! Owns: parsing AWS's two date notations, "one of the W3C
//! implementations of the ISO 8601 date formats" (`YYYY-MM`,
//! `YYYY-MM-DD`, `YYYY-MM-DDThh:mmTZD`, `YYYY-MM-DDThh:mm:ssTZD`,
//! `YYYY-MM-DDThh:mm:ss.sTZD`) or epoch (UNIX) seconds, into nanoseconds
//! since the epoch.
//! Must never: read clocks: `aws:CurrentTime` / `aws:EpochTime` come
//! from the caller with the request.
//!
//! A value of digits alone is epoch seconds; the W3C year-only form
//! `YYYY` is therefore not accepted.

use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

const NANOS: i128 = 1_000_000_000;

/// Nanoseconds since 1970-01-01T00:00:00Z, or `None` if `s` is neither
/// notation.
pub(super) fn parse_instant(s: &str) -> Option<i128> {
    let s = s.trim();
    if !s.is_ascii() || s.is_empty() {
        return None;
    }
    epoch(s).or_else(|| iso8601(s))
}

/// `[-]digits[.digits]` seconds.
fn epoch(s: &str) -> Option<i128> {
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || whole.len() > 15 {
        return None;
    }
    let seconds: i128 = whole.parse().ok()?;
    let nanos = fraction_nanos(frac)?;
    let total = seconds * NANOS + nanos;
    Some(if negative { -total } else { total })
}

fn iso8601(s: &str) -> Option<i128> {
    let (date_part, time_part) = match s.find(['T', 't']) {
        Some(i) => (s.get(..i)?, Some(s.get(i + 1..)?)),
        None => (s, None),
    };
    let mut fields = date_part.split('-');
    let year: i32 = number(fields.next()?, 4)?;
    let month: u8 = number(fields.next()?, 2)?;
    let day: u8 = match fields.next() {
        Some(d) => number(d, 2)?,
        None if time_part.is_none() => 1,
        None => return None,
    };
    if fields.next().is_some() {
        return None;
    }
    let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    let (time, offset) = match time_part {
        None => (Time::MIDNIGHT, UtcOffset::UTC),
        Some(t) => clock(t)?,
    };
    let instant = PrimitiveDateTime::new(date, time).assume_offset(offset);
    Some(instant.unix_timestamp_nanos())
}

/// `hh:mm[:ss[.s+]]` then `Z`, `±hh:mm`, `±hhmm`; no designator is UTC.
fn clock(t: &str) -> Option<(Time, UtcOffset)> {
    let zone_at = t.find(['Z', 'z', '+', '-']).unwrap_or(t.len());
    let (clock, zone) = (t.get(..zone_at)?, t.get(zone_at..)?);
    let mut fields = clock.split(':');
    let hour: u8 = number(fields.next()?, 2)?;
    let minute: u8 = number(fields.next()?, 2)?;
    let (second, nanos) = match fields.next() {
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
            if sec.contains('.') && frac.is_empty() {
                return None;
            }
            (number::<u8>(whole, 2)?, fraction_nanos(frac)?)
        }
        None => (0, 0),
    };
    if fields.next().is_some() {
        return None;
    }
    let nanos = u32::try_from(nanos).ok()?;
    let time = Time::from_hms_nano(hour, minute, second, nanos).ok()?;
    Some((time, zone_offset(zone)?))
}

fn zone_offset(zone: &str) -> Option<UtcOffset> {
    if zone.is_empty() || zone.eq_ignore_ascii_case("z") {
        return Some(UtcOffset::UTC);
    }
    let (sign, rest) = match zone.split_at_checked(1)? {
        ("+", rest) => (1i8, rest),
        ("-", rest) => (-1i8, rest),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None => rest.split_at_checked(2)?,
    };
    let hours: i8 = number(h, 2)?;
    let minutes: i8 = number(m, 2)?;
    UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// Exactly `width` digits.
fn number<T: std::str::FromStr>(s: &str, width: usize) -> Option<T> {
    (s.len() == width && all_digits(s))
        .then(|| s.parse().ok())
        .flatten()
}

/// Digits after a decimal point as nanoseconds (beyond 9 digits dropped).
fn fraction_nanos(frac: &str) -> Option<i128> {
    if !all_digits(frac) {
        return None;
    }
    let mut nanos: i128 = 0;
    for (i, b) in frac.bytes().enumerate().take(9) {
        nanos += i128::from(b - b'0') * 10i128.pow(8 - i as u32);
    }
    Some(nanos)
}
