//! Calendar arithmetic on Partita's date and timestamp representations: days since
//! 1970-01-01 for dates, ticks of a [`TimeUnit`] since 1970-01-01 00:00 UTC for
//! timestamps. Text forms follow pandas' `str(Timestamp)` (which Python's
//! `str(datetime)` shares): `2024-01-31 05:06:07`, a six-digit fraction when there
//! is one (nine when nanoseconds are not whole microseconds), and `+HH:MM` for a
//! time stamp with a zone when the offset is shown.
//!
//! chrono does the calendar and chrono-tz the IANA zone rules (both already built
//! by polars' `timezones` feature).

use chrono::{
    DateTime, Datelike, Duration as ChronoDuration, FixedOffset, Months, NaiveDate, NaiveDateTime,
    NaiveTime, Offset, TimeZone as _, Timelike,
};

use crate::error::{Error, Result};
use crate::functions::DatePart;
use crate::semantics::DayOfWeek;
use crate::types::{TimeUnit, TimeZone};

const EPOCH_DAYS_CE: i32 = 719_163; // days from 0001-01-01 to 1970-01-01

/// The civil date of a day number.
pub fn date_of_days(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(EPOCH_DAYS_CE)?)
}

/// The day number of a civil date.
pub fn days_of_date(date: NaiveDate) -> i32 {
    date.num_days_from_ce() - EPOCH_DAYS_CE
}

/// `2024-01-31`.
pub fn format_date(days: i32) -> String {
    match date_of_days(days) {
        Some(d) => d.format("%Y-%m-%d").to_string(),
        None => format!("<date out of range: {days}>"),
    }
}

/// Splits ticks into whole seconds and nanoseconds within the second (floored).
pub fn split_ticks(ticks: i64, unit: TimeUnit) -> (i64, u32) {
    let per = unit.per_second();
    let secs = ticks.div_euclid(per);
    let sub = ticks.rem_euclid(per);
    (secs, (sub * (1_000_000_000 / per)) as u32)
}

/// The UTC (or wall-clock, for a time stamp without a zone) date-time of ticks.
pub fn naive_of_ticks(ticks: i64, unit: TimeUnit) -> Option<NaiveDateTime> {
    let (secs, nanos) = split_ticks(ticks, unit);
    DateTime::from_timestamp(secs, nanos).map(|d| d.naive_utc())
}

/// The ticks of a UTC (or wall-clock) date-time; None outside the unit's range.
pub fn ticks_of_naive(dt: NaiveDateTime, unit: TimeUnit) -> Option<i64> {
    let utc = dt.and_utc();
    match unit {
        TimeUnit::Millisecond => Some(utc.timestamp_millis()),
        TimeUnit::Microsecond => Some(utc.timestamp_micros()),
        TimeUnit::Nanosecond => utc.timestamp_nanos_opt(),
    }
}

/// The offset of a zone at a UTC instant.
pub fn zone_offset(zone: TimeZone, utc: NaiveDateTime) -> Result<FixedOffset> {
    if let Some(fixed) = parse_fixed_offset(zone.name()) {
        return Ok(fixed);
    }
    let tz: chrono_tz::Tz = zone
        .name()
        .parse()
        .map_err(|_| Error::plan(format!("unknown time zone '{}'", zone.name())))?;
    Ok(tz.offset_from_utc_datetime(&utc).fix())
}

/// `+02:00`, `-0530`, `Z`, `UTC` as a fixed offset.
fn parse_fixed_offset(text: &str) -> Option<FixedOffset> {
    if text.eq_ignore_ascii_case("utc") || text == "Z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// The wall-clock date-time of a time stamp: in its zone when it has one.
pub fn local_of_ticks(ticks: i64, unit: TimeUnit, zone: Option<TimeZone>) -> Result<NaiveDateTime> {
    let utc = naive_of_ticks(ticks, unit).ok_or_else(|| {
        Error::data(
            "DATETIME_OVERFLOW",
            format!("timestamp {ticks} is out of range"),
        )
    })?;
    match zone {
        None => Ok(utc),
        Some(z) => Ok(utc + zone_offset(z, utc)?),
    }
}

/// The UTC ticks of a wall-clock date-time in a zone (the earlier instant of an
/// ambiguous wall time, the instant after the gap for a skipped one); the
/// wall-clock ticks themselves without a zone.
pub fn ticks_of_local(
    local: NaiveDateTime,
    unit: TimeUnit,
    zone: Option<TimeZone>,
) -> Result<Option<i64>> {
    let Some(z) = zone else {
        return Ok(ticks_of_naive(local, unit));
    };
    let utc = if let Some(fixed) = parse_fixed_offset(z.name()) {
        local - fixed
    } else {
        let tz: chrono_tz::Tz = z
            .name()
            .parse()
            .map_err(|_| Error::plan(format!("unknown time zone '{}'", z.name())))?;
        match tz.from_local_datetime(&local) {
            chrono::LocalResult::Single(d) => d.naive_utc(),
            chrono::LocalResult::Ambiguous(a, _) => a.naive_utc(),
            chrono::LocalResult::None => {
                // In a gap (spring forward): the wall time one hour later.
                match tz.from_local_datetime(&(local + ChronoDuration::hours(1))) {
                    chrono::LocalResult::Single(d) | chrono::LocalResult::Ambiguous(d, _) => {
                        d.naive_utc()
                    }
                    chrono::LocalResult::None => return Ok(None),
                }
            }
        }
    };
    Ok(ticks_of_naive(utc, unit))
}

/// Whether a wall time names one instant in `zone`: not skipped by a change to
/// daylight saving time, not repeated by the change back.
pub fn is_unique_wall_time(local: NaiveDateTime, zone: TimeZone) -> Result<bool> {
    if parse_fixed_offset(zone.name()).is_some() {
        return Ok(true);
    }
    let tz: chrono_tz::Tz = zone
        .name()
        .parse()
        .map_err(|_| Error::plan(format!("unknown time zone '{}'", zone.name())))?;
    Ok(matches!(
        tz.from_local_datetime(&local),
        chrono::LocalResult::Single(_)
    ))
}

/// `2024-01-31 05:06:07[.ffffff][+HH:MM]`: the wall time in the time stamp's zone,
/// with the offset when `show_offset` and the time stamp has a zone.
pub fn format_timestamp_with(
    ticks: i64,
    unit: TimeUnit,
    zone: Option<TimeZone>,
    show_offset: bool,
) -> String {
    let Some(utc) = naive_of_ticks(ticks, unit) else {
        return format!("<timestamp out of range: {ticks}>");
    };
    let (local, offset) = match zone {
        None => (utc, None),
        Some(z) => match zone_offset(z, utc) {
            Ok(off) => (utc + off, Some(off)),
            Err(_) => (utc, None),
        },
    };
    let mut out = local.format("%Y-%m-%d %H:%M:%S").to_string();
    let nanos = local.nanosecond() % 1_000_000_000;
    if nanos != 0 {
        if nanos % 1000 != 0 {
            out.push_str(&format!(".{nanos:09}"));
        } else {
            out.push_str(&format!(".{:06}", nanos / 1000));
        }
    }
    if let (true, Some(off)) = (show_offset, offset) {
        let secs = off.local_minus_utc();
        let sign = if secs < 0 { '-' } else { '+' };
        let secs = secs.abs();
        out.push_str(&format!("{sign}{:02}:{:02}", secs / 3600, secs % 3600 / 60));
    }
    out
}

/// A time stamp without a zone as pandas' `astype(str)` writes every value of
/// one column: the date alone when no value of the column has a time of day,
/// else the time too with `digits` (0, 3, 6 or 9) of fraction, the finest any
/// value of the column needs.
pub fn format_timestamp_shaped(ticks: i64, unit: TimeUnit, with_time: bool, digits: u8) -> String {
    let Some(t) = naive_of_ticks(ticks, unit) else {
        return format!("<timestamp out of range: {ticks}>");
    };
    if !with_time {
        return t.format("%Y-%m-%d").to_string();
    }
    let mut out = t.format("%Y-%m-%d %H:%M:%S").to_string();
    let nanos = t.nanosecond() % 1_000_000_000;
    match digits {
        3 => out.push_str(&format!(".{:03}", nanos / 1_000_000)),
        6 => out.push_str(&format!(".{:06}", nanos / 1_000)),
        9 => out.push_str(&format!(".{nanos:09}")),
        _ => {}
    }
    out
}

/// The fraction digits (0, 3, 6 or 9) pandas writes for a time stamp of `ticks`
/// in `unit`, and whether it has a time of day (for [`format_timestamp_shaped`]).
pub fn timestamp_shape(ticks: i64, unit: TimeUnit) -> (u8, bool) {
    let per_second = unit.per_second();
    let nanos = ticks.rem_euclid(per_second) * (1_000_000_000 / per_second);
    let digits = if nanos % 1_000 != 0 {
        9
    } else if nanos % 1_000_000 != 0 {
        6
    } else if nanos != 0 {
        3
    } else {
        0
    };
    (digits, ticks.rem_euclid(86_400 * per_second) != 0)
}

/// [`format_timestamp_with`], the offset shown.
pub fn format_timestamp(ticks: i64, unit: TimeUnit, zone: Option<TimeZone>) -> String {
    format_timestamp_with(ticks, unit, zone, true)
}

/// A duration as pandas writes a Timedelta: `1 days 02:03:04[.ffffff]`.
pub fn format_duration(ticks: i64, unit: TimeUnit) -> String {
    let (secs, nanos) = split_ticks(ticks, unit);
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    let mut out = format!(
        "{days} days {:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    );
    if nanos != 0 {
        if nanos % 1000 != 0 {
            out.push_str(&format!(".{nanos:09}"));
        } else {
            out.push_str(&format!(".{:06}", nanos / 1000));
        }
    }
    out
}

/// Parses a date: `YYYY-MM-DD` (also `YYYY-M-D`), optionally followed by a time
/// (which is dropped, as Spark's `CAST(... AS DATE)` and `to_date` do).
pub fn parse_date(text: &str) -> Option<i32> {
    let t = text.trim();
    let date_part = t.split([' ', 'T']).next()?;
    let mut it = date_part.splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u32 = match it.next() {
        Some(m) => m.parse().ok()?,
        None => 1,
    };
    let d: u32 = match it.next() {
        Some(d) => d.parse().ok()?,
        None => 1,
    };
    if date_part.len() < 4 || !date_part.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if date_part.len() < t.len() {
        // A time after the date must itself parse.
        parse_timestamp(t)?;
    }
    NaiveDate::from_ymd_opt(y, m, d).map(days_of_date)
}

/// A parsed time stamp: the wall-clock date-time and the offset written in the
/// text, if any.
pub type ParsedTimestamp = (NaiveDateTime, Option<FixedOffset>);

/// Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]][Z|±HH:MM]`.
pub fn parse_timestamp(text: &str) -> Option<ParsedTimestamp> {
    let t = text.trim();
    let (date_text, rest) = match t.find([' ', 'T']) {
        Some(i) => (&t[..i], Some(t[i + 1..].trim())),
        None => (t, None),
    };
    let mut it = date_text.splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    let date = NaiveDate::from_ymd_opt(y, m, d)?;
    let Some(rest) = rest.filter(|r| !r.is_empty()) else {
        return Some((date.and_time(NaiveTime::MIN), None));
    };
    // The zone suffix.
    let (time_text, offset) = if let Some(stripped) = rest.strip_suffix('Z') {
        (stripped, FixedOffset::east_opt(0))
    } else if let Some(i) = rest.rfind(['+', '-']) {
        (&rest[..i], Some(parse_fixed_offset(&rest[i..])?))
    } else if let Some(stripped) = rest.strip_suffix(" UTC") {
        (stripped, FixedOffset::east_opt(0))
    } else {
        (rest, None)
    };
    let mut parts = time_text.trim().splitn(3, ':');
    let h: u32 = parts.next()?.parse().ok()?;
    let mi: u32 = parts.next()?.parse().ok()?;
    let (s, nanos) = match parts.next() {
        None => (0, 0),
        Some(sec) => {
            let (whole, frac) = match sec.split_once('.') {
                Some((w, f)) => (w, f),
                None => (sec, ""),
            };
            if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let s: u32 = whole.parse().ok()?;
            let nanos: u32 = if frac.is_empty() {
                0
            } else {
                format!("{frac:0<9}").parse().ok()?
            };
            (s, nanos)
        }
    };
    let time = NaiveTime::from_hms_nano_opt(h, mi, s, nanos)?;
    Some((date.and_time(time), offset))
}

/// Adds months to a date, clamping to the end of a shorter month (Jan 31 + 1 month
/// is Feb 28 or 29), as Spark's `add_months` and pandas' `DateOffset(months=n)` do.
pub fn add_months(date: NaiveDate, months: i64) -> Option<NaiveDate> {
    if months >= 0 {
        date.checked_add_months(Months::new(u32::try_from(months).ok()?))
    } else {
        date.checked_sub_months(Months::new(u32::try_from(-months).ok()?))
    }
}

/// A field of a date-time: `part`, with the day of the week numbered as
/// `day_of_week` says.
pub fn date_part(part: DatePart, day_of_week: DayOfWeek, dt: &NaiveDateTime) -> i32 {
    match part {
        DatePart::Year => dt.year(),
        DatePart::Quarter => (dt.month0() / 3 + 1) as i32,
        DatePart::Month => dt.month() as i32,
        DatePart::Day => dt.day() as i32,
        DatePart::Hour => dt.hour() as i32,
        DatePart::Minute => dt.minute() as i32,
        DatePart::Second | DatePart::SecondWithFraction => dt.second() as i32,
        DatePart::DayOfWeek if day_of_week == DayOfWeek::Sunday1 => {
            dt.weekday().num_days_from_sunday() as i32 + 1
        }
        DatePart::DayOfWeek | DatePart::WeekDay => dt.weekday().num_days_from_monday() as i32,
        DatePart::DayOfYear => dt.ordinal() as i32,
        DatePart::WeekOfYear => dt.iso_week().week() as i32,
    }
}

/// The unit `DATE_TRUNC` truncates to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TruncUnit {
    /// January 1st.
    Year,
    /// The first day of the quarter.
    Quarter,
    /// The first day of the month.
    Month,
    /// The Monday of the week.
    Week,
    /// Midnight.
    Day,
    /// The whole hour.
    Hour,
    /// The whole minute.
    Minute,
    /// The whole second.
    Second,
}

impl TruncUnit {
    /// Parses a unit name as Spark's `date_trunc` spells it.
    pub fn parse(name: &str) -> Option<TruncUnit> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "year" | "yyyy" | "yy" => TruncUnit::Year,
            "quarter" => TruncUnit::Quarter,
            "month" | "mon" | "mm" => TruncUnit::Month,
            "week" => TruncUnit::Week,
            "day" | "dd" => TruncUnit::Day,
            "hour" => TruncUnit::Hour,
            "minute" => TruncUnit::Minute,
            "second" => TruncUnit::Second,
            _ => return None,
        })
    }

    /// Truncates a date-time.
    pub fn apply(self, dt: NaiveDateTime) -> NaiveDateTime {
        let date = dt.date();
        let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN);
        match self {
            TruncUnit::Year => midnight(date.with_ordinal(1).unwrap_or(date)),
            TruncUnit::Quarter => midnight(
                NaiveDate::from_ymd_opt(date.year(), date.month0() / 3 * 3 + 1, 1).unwrap_or(date),
            ),
            TruncUnit::Month => midnight(date.with_day(1).unwrap_or(date)),
            TruncUnit::Week => {
                midnight(date - ChronoDuration::days(date.weekday().num_days_from_monday() as i64))
            }
            TruncUnit::Day => midnight(date),
            TruncUnit::Hour => dt
                .with_minute(0)
                .and_then(|d| d.with_second(0))
                .and_then(|d| d.with_nanosecond(0))
                .unwrap_or(dt),
            TruncUnit::Minute => dt
                .with_second(0)
                .and_then(|d| d.with_nanosecond(0))
                .unwrap_or(dt),
            TruncUnit::Second => dt.with_nanosecond(0).unwrap_or(dt),
        }
    }
}

/// Converts ticks between units (None on overflow; finer to coarser floors).
pub fn convert_ticks(ticks: i64, from: TimeUnit, to: TimeUnit) -> Option<i64> {
    let (f, t) = (from.per_second(), to.per_second());
    if f == t {
        Some(ticks)
    } else if t > f {
        ticks.checked_mul(t / f)
    } else {
        Some(ticks.div_euclid(f / t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(parse_date("2024-02-29"), Some(19782));
        assert_eq!(format_date(19782), "2024-02-29");
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024-01-31 10:00:00"), parse_date("2024-01-31"));
        assert_eq!(parse_date("x"), None);
        assert_eq!(format_date(-1), "1969-12-31");
    }

    #[test]
    fn timestamps_format_like_pandas() {
        let (dt, off) = parse_timestamp("2024-01-31 05:06:07.123456").unwrap();
        assert!(off.is_none());
        let t = ticks_of_naive(dt, TimeUnit::Microsecond).unwrap();
        assert_eq!(
            format_timestamp(t, TimeUnit::Microsecond, None),
            "2024-01-31 05:06:07.123456"
        );
        let ny = Some(TimeZone::new("America/New_York"));
        let (dt, off) = parse_timestamp("2024-01-31 10:00:00+00:00").unwrap();
        let t = ticks_of_naive(dt - off.unwrap(), TimeUnit::Microsecond).unwrap();
        assert_eq!(
            format_timestamp(t, TimeUnit::Microsecond, ny),
            "2024-01-31 05:00:00-05:00"
        );
        assert_eq!(
            format_timestamp(-1, TimeUnit::Nanosecond, None),
            "1969-12-31 23:59:59.999999999"
        );
        assert_eq!(
            format_duration(86_400_000_000 + 1, TimeUnit::Microsecond),
            "1 days 00:00:00.000001"
        );
    }

    #[test]
    fn local_times_in_a_gap_and_an_overlap() {
        let ny = Some(TimeZone::new("America/New_York"));
        let (gap, _) = parse_timestamp("2024-03-10 02:30:00").unwrap();
        let t = ticks_of_local(gap, TimeUnit::Microsecond, ny)
            .unwrap()
            .unwrap();
        assert_eq!(
            format_timestamp(t, TimeUnit::Microsecond, ny),
            "2024-03-10 03:30:00-04:00"
        );
    }

    #[test]
    fn months_clamp_at_month_ends() {
        let d = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
        assert_eq!(add_months(d, 1), NaiveDate::from_ymd_opt(2024, 2, 29));
        assert_eq!(add_months(d, -2), NaiveDate::from_ymd_opt(2023, 11, 30));
    }
}
