//! Kernels on dates, timestamps and durations: fields, truncation, parsing and
//! formatting, casts, calendar arithmetic and the coercions comparisons need.
//!
//! Dates are polars `Date` columns (days since 1970-01-01), timestamps `Datetime`
//! columns (ticks of a unit since 1970-01-01 UTC, with an optional zone), durations
//! `Duration` columns. Fields, dates and text of a zoned time stamp are in its zone;
//! under the Spark preset every zoned column is in the session zone (UTC), set at the
//! scan (see `TimeZones`).

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use partita_common::temporal::{
    self as t, add_months as add_months_to, date_of_days, days_of_date, TruncUnit,
};
use partita_common::{
    BinaryOperator, DataType, DatePart, Error, Result, Semantics, TextFormat, TimeUnit, TimeZone,
};
use polars_core::prelude::{
    DataType as PlDataType, Int32Chunked, Int64Chunked, IntoSeries, Series, StringChunked,
};

use crate::frame::{from_polars_type, pl_err, to_polars_type};

/// The Partita type of a series.
fn type_of(s: &Series) -> Result<DataType> {
    from_polars_type(s.dtype())
}

/// The physical values (days or ticks) of a date, timestamp or duration series.
fn ticks(s: &Series) -> Result<Int64Chunked> {
    Ok(s.to_physical_repr()
        .cast(&PlDataType::Int64)
        .map_err(pl_err)?
        .i64()
        .map_err(pl_err)?
        .clone())
}

/// A series of `to` from physical values (days for a date, ticks otherwise).
pub fn from_ticks(name: &str, values: Int64Chunked, to: DataType) -> Result<Series> {
    let s = values.with_name(name.into()).into_series();
    Ok(match to {
        DataType::Date => s.cast(&PlDataType::Int32).map_err(pl_err)?.into_date(),
        other => s.cast(&to_polars_type(other)).map_err(pl_err)?,
    })
}

/// The wall-clock date-time of every value of a date or timestamp series (in the
/// time stamp's zone).
pub fn wall_times(s: &Series) -> Result<Vec<Option<NaiveDateTime>>> {
    let ty = type_of(s)?;
    let values = ticks(s)?;
    match ty {
        DataType::Date => Ok(values
            .iter()
            .map(|d| {
                d.and_then(|d| date_of_days(d as i32))
                    .map(|d| d.and_time(NaiveTime::MIN))
            })
            .collect()),
        DataType::Timestamp(unit, zone) => values
            .iter()
            .map(|v| v.map(|v| t::local_of_ticks(v, unit, zone)).transpose())
            .collect(),
        DataType::Null => Ok(vec![None; s.len()]),
        other => Err(Error::plan(format!(
            "expected a date or a timestamp, got {other}"
        ))),
    }
}

/// The shape pandas' `astype(str)` gives a column of time stamps holding these
/// values: the finest fraction any needs (0, 3, 6 or 9 digits) and whether any
/// has a time of day (`None` for a column of another type).
pub fn timestamp_text_shape(s: &Series) -> Result<Option<(u8, bool)>> {
    let DataType::Timestamp(unit, _) = type_of(s)? else {
        return Ok(None);
    };
    let mut shape = (0, false);
    for v in ticks(s)?.iter().flatten() {
        let (digits, time) = t::timestamp_shape(v, unit);
        shape = (shape.0.max(digits), shape.1 || time);
    }
    Ok(Some(shape))
}

/// Time stamps as text in one shape for the whole column
/// ([`t::format_timestamp_shaped`]).
pub fn timestamp_text(s: &Series, with_time: bool, digits: u8) -> Result<Series> {
    let DataType::Timestamp(unit, _) = type_of(s)? else {
        return Err(Error::internal("a text shape over no time stamps"));
    };
    let text: StringChunked = ticks(s)?
        .iter()
        .map(|v| v.map(|v| t::format_timestamp_shaped(v, unit, with_time, digits)))
        .collect();
    Ok(text.with_name(s.name().clone()).into_series())
}

/// `YEAR(x)`, `HOUR(x)`, ...: a field of every value, as `out` (an integer type).
pub fn date_part(s: &Series, part: DatePart, out: DataType, sem: &Semantics) -> Result<Series> {
    if part == DatePart::SecondWithFraction {
        // Microseconds of the minute, at 6 digits after the point.
        let values = wall_times(s)?
            .into_iter()
            .map(|w| w.map(|w| w.second() as i128 * 1_000_000 + (w.nanosecond() / 1_000) as i128))
            .collect();
        return crate::decimal::decimal_series(s.name().as_str(), values, 8, 6);
    }
    let values: Int32Chunked = wall_times(s)?
        .into_iter()
        .map(|w| w.map(|w| t::date_part(part, sem.day_of_week, &w)))
        .collect();
    values
        .with_name(s.name().clone())
        .into_series()
        .cast(&to_polars_type(out))
        .map_err(pl_err)
}

/// `DATE_TRUNC(unit, x)`: a timestamp of type `out`.
pub fn date_trunc(s: &Series, unit: TruncUnit, out: DataType) -> Result<Series> {
    let DataType::Timestamp(u, zone) = out else {
        return Err(Error::internal(format!("date_trunc producing {out}")));
    };
    let values: Int64Chunked = wall_times(s)?
        .into_iter()
        .map(|w| match w {
            Some(w) => t::ticks_of_local(unit.apply(w), u, zone),
            None => Ok(None),
        })
        .collect::<Result<_>>()?;
    from_ticks(s.name().as_str(), values, out)
}

fn invalid_text(class: &str, value: &str, what: &str) -> Error {
    Error::data(
        class,
        format!(
            "the text '{value}' is not a valid {what} (Spark: {class}; pandas raises ValueError)"
        ),
    )
}

/// Converts a Java date pattern (Spark's `yyyy-MM-dd HH:mm:ss`) to a chrono format.
pub fn java_pattern(pattern: &str) -> Result<String> {
    let mut out = String::new();
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // A quoted literal ('T'); '' is a quote.
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '\'' {
                out.push(chars[j]);
                j += 1;
            }
            if j == i + 1 {
                out.push('\'');
            }
            i = j + 1;
            continue;
        }
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        let spec = match (c, n) {
            ('y', 2) => "%y",
            ('y', _) | ('u', _) => "%Y",
            ('M', 1) => "%-m",
            ('M', 2) => "%m",
            ('M', 3) => "%b",
            ('M', _) => "%B",
            ('d', 1) => "%-d",
            ('d', _) => "%d",
            ('D', _) => "%j",
            ('H', 1) => "%-H",
            ('H', _) => "%H",
            ('h', 1) => "%-I",
            ('h', _) => "%I",
            ('m', 1) => "%-M",
            ('m', _) => "%M",
            ('s', 1) => "%-S",
            ('s', _) => "%S",
            ('S', 3) => "%3f",
            ('S', 6) => "%6f",
            ('S', 9) => "%9f",
            ('a', _) => "%p",
            ('E', 1..=3) => "%a",
            ('E', _) => "%A",
            ('X' | 'x' | 'Z', _) => "%:z",
            (c, _) if c.is_ascii_alphabetic() => {
                return Err(Error::plan(format!(
                    "the date pattern letter '{c}' in '{pattern}' is not supported"
                )))
            }
            _ => {
                for _ in 0..n {
                    if c == '%' {
                        out.push_str("%%");
                    } else {
                        out.push(c);
                    }
                }
                i += n;
                continue;
            }
        };
        out.push_str(spec);
        i += n;
    }
    Ok(out)
}

/// Parses text with an optional Java pattern into a wall-clock date-time and the
/// offset the text names; errors name the text.
fn parse_with(text: &str, pattern: Option<&str>, date_only: bool) -> Result<t::ParsedTimestamp> {
    match pattern {
        None => {
            if date_only {
                let days = t::parse_date(text)
                    .ok_or_else(|| invalid_text("CAST_INVALID_INPUT", text, "date"))?;
                let d = date_of_days(days).expect("a parsed date is in range");
                Ok((d.and_time(NaiveTime::MIN), None))
            } else {
                t::parse_timestamp(text)
                    .ok_or_else(|| invalid_text("CAST_INVALID_INPUT", text, "timestamp"))
            }
        }
        Some(p) => {
            let fmt = java_pattern(p)?;
            let trimmed = text.trim();
            if let Ok(dt) = chrono::DateTime::parse_from_str(trimmed, &fmt) {
                return Ok((dt.naive_local(), Some(*dt.offset())));
            }
            if let Ok(dt) = NaiveDateTime::parse_from_str(trimmed, &fmt) {
                return Ok((dt, None));
            }
            if let Ok(d) = NaiveDate::parse_from_str(trimmed, &fmt) {
                return Ok((d.and_time(NaiveTime::MIN), None));
            }
            Err(invalid_text(
                "CANNOT_PARSE_TIMESTAMP",
                text,
                &format!("date-time in the pattern '{p}'"),
            ))
        }
    }
}

/// The UTC ticks of parsed text in `unit`: an offset in the text wins; otherwise
/// the text is a wall time in `zone`.
fn ticks_of_parsed(
    parsed: t::ParsedTimestamp,
    unit: TimeUnit,
    zone: Option<TimeZone>,
) -> Result<Option<i64>> {
    match parsed {
        (wall, Some(offset)) => {
            let utc = wall - offset;
            match zone {
                Some(_) => Ok(t::ticks_of_naive(utc, unit)),
                // A naive target: the wall time in UTC (Spark's session zone).
                None => Ok(t::ticks_of_naive(utc, unit)),
            }
        }
        (wall, None) => t::ticks_of_local(wall, unit, zone),
    }
}

/// Text to dates or timestamps (`CAST`, `TO_DATE`, `TO_TIMESTAMP`): a value that does
/// not parse is an error naming it.
pub fn parse_text(s: &Series, to: DataType, pattern: Option<&str>) -> Result<Series> {
    let ca = s.str().map_err(pl_err)?;
    let values: Int64Chunked = match to {
        DataType::Date => ca
            .iter()
            .map(|v| match v {
                None => Ok(None),
                Some(text) => {
                    let (wall, _) = parse_with(text, pattern, true)?;
                    Ok(Some(days_of_date(wall.date()) as i64))
                }
            })
            .collect::<Result<_>>()?,
        DataType::Timestamp(unit, zone) => ca
            .iter()
            .map(|v| match v {
                None => Ok(None),
                Some(text) => ticks_of_parsed(parse_with(text, pattern, false)?, unit, zone),
            })
            .collect::<Result<_>>()?,
        other => return Err(Error::internal(format!("parsing text as {other}"))),
    };
    from_ticks(s.name().as_str(), values, to)
}

/// Dates and timestamps as text: `2024-01-31`, `2024-01-31 05:06:07[.ffffff]`, with
/// the offset of a zoned time stamp under pandas' text format; or in a Java pattern.
pub fn format_text(s: &Series, pattern: Option<&str>, sem: &Semantics) -> Result<Series> {
    let ty = type_of(s)?;
    let out: StringChunked = match (pattern, ty) {
        (Some(p), _) => {
            let fmt = java_pattern(p)?;
            wall_times(s)?
                .into_iter()
                .map(|w| {
                    w.map(|w| {
                        // chrono fails (a Display error, a panic in to_string) on
                        // what a wall time lacks: an offset (`x`, `X`, `Z`).
                        let mut text = String::new();
                        std::fmt::Write::write_fmt(&mut text, format_args!("{}", w.format(&fmt)))
                            .map(|_| text)
                            .map_err(|_| {
                                Error::plan(format!(
                                    "the date pattern '{p}' cannot format {w}: the value has no \
                                     time-zone offset to show"
                                ))
                            })
                    })
                    .transpose()
                })
                .collect::<Result<_>>()?
        }
        (None, DataType::Date) => ticks(s)?
            .iter()
            .map(|d| d.map(|d| t::format_date(d as i32)))
            .collect(),
        (None, DataType::Timestamp(unit, zone)) => {
            let python = sem.text_format == TextFormat::Python;
            ticks(s)?
                .iter()
                .map(|v| {
                    v.map(|v| {
                        let text = t::format_timestamp_with(v, unit, zone, python);
                        // Spark writes the fraction without trailing zeros
                        // (`23:30:00.5`); Java's text has no offset to trim past.
                        match (python, text.contains('.')) {
                            (false, true) => text.trim_end_matches('0').to_string(),
                            _ => text,
                        }
                    })
                })
                .collect()
        }
        (None, DataType::Duration(unit)) => ticks(s)?
            .iter()
            .map(|v| v.map(|v| t::format_duration(v, unit)))
            .collect(),
        (_, other) => return Err(Error::internal(format!("formatting {other} as dates"))),
    };
    Ok(out.with_name(s.name().clone()).into_series())
}

/// `CAST` between dates, timestamps and text (None when neither side is temporal).
pub fn cast(s: &Series, to: DataType, sem: &Semantics) -> Option<Result<Series>> {
    let from = type_of(s).ok()?;
    let temporal = |t: DataType| t.is_temporal() || matches!(t, DataType::Duration(_));
    if !temporal(from) && !temporal(to) {
        return None;
    }
    Some(cast_temporal(s, from, to, sem))
}

fn cast_temporal(s: &Series, from: DataType, to: DataType, sem: &Semantics) -> Result<Series> {
    let name = s.name().as_str();
    match (from, to) {
        (DataType::Utf8, DataType::Date | DataType::Timestamp(..)) => parse_text(s, to, None),
        (_, DataType::Utf8) => format_text(s, None, sem),
        (DataType::Timestamp(..), DataType::Date) => {
            let days: Int64Chunked = wall_times(s)?
                .into_iter()
                .map(|w| w.map(|w| days_of_date(w.date()) as i64))
                .collect();
            from_ticks(name, days, to)
        }
        (DataType::Date, DataType::Timestamp(unit, zone)) => {
            let values: Int64Chunked = wall_times(s)?
                .into_iter()
                .map(|w| {
                    w.map(|w| t::ticks_of_local(w, unit, zone))
                        .transpose()
                        .map(Option::flatten)
                })
                .collect::<Result<_>>()?;
            from_ticks(name, values, to)
        }
        (DataType::Timestamp(u1, _), DataType::Timestamp(u2, _))
        | (DataType::Duration(u1), DataType::Duration(u2)) => {
            let values: Int64Chunked = ticks(s)?
                .iter()
                .map(|v| v.and_then(|v| t::convert_ticks(v, u1, u2)))
                .collect();
            from_ticks(name, values, to)
        }
        (DataType::Null, _) => Ok(Series::full_null(
            s.name().clone(),
            s.len(),
            &to_polars_type(to),
        )),
        (f, t) => Err(Error::analysis(
            "DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION",
            format!("cannot cast {f} to {t}"),
        )),
    }
}

/// Brings a comparison's operands to one representation: text compared with a date
/// or a time stamp is parsed as one (a wall time in the column's zone), a date
/// compared with a time stamp becomes its midnight, time stamps of different units
/// meet at the finer one. Other pairs are returned as they are.
pub fn align_for_compare(l: &Series, r: &Series, sem: &Semantics) -> Result<(Series, Series)> {
    let (lt, rt) = (type_of(l)?, type_of(r)?);
    let target = match (lt, rt) {
        (a, b) if a == b => return Ok((l.clone(), r.clone())),
        (DataType::Utf8, t) | (t, DataType::Utf8) if t.is_temporal() => t,
        (DataType::Date, DataType::Timestamp(u, z))
        | (DataType::Timestamp(u, z), DataType::Date) => DataType::Timestamp(u, z),
        (DataType::Timestamp(u1, z1), DataType::Timestamp(u2, z2)) => {
            DataType::Timestamp(u1.max(u2), z1.or(z2))
        }
        (DataType::Duration(u1), DataType::Duration(u2)) => DataType::Duration(u1.max(u2)),
        _ => return Ok((l.clone(), r.clone())),
    };
    let conv = |s: &Series, from: DataType| -> Result<Series> {
        if from == target {
            Ok(s.clone())
        } else {
            cast_temporal(s, from, target, sem)
        }
    };
    Ok((conv(l, lt)?, conv(r, rt)?))
}

/// Timestamp and date arithmetic: `ts - ts`, `ts ± duration`, `date ± days`,
/// `duration ± duration`, producing `out`.
pub fn arithmetic(l: &Series, op: BinaryOperator, r: &Series, out: DataType) -> Result<Series> {
    use BinaryOperator::*;
    let (lt, rt) = (type_of(l)?, type_of(r)?);
    let name = l.name().as_str();
    let unit_of = |t: DataType| match t {
        DataType::Timestamp(u, _) | DataType::Duration(u) => Some(u),
        _ => None,
    };
    let in_unit = |s: &Series, t: DataType, to: TimeUnit| -> Result<Int64Chunked> {
        let v = ticks(s)?;
        Ok(match unit_of(t) {
            Some(u) if u != to => v
                .iter()
                .map(|x| x.and_then(|x| t::convert_ticks(x, u, to)))
                .collect(),
            _ => v,
        })
    };
    let overflow = || Error::arithmetic("DATETIME_OVERFLOW", "date-time arithmetic overflowed");
    let combine = |a: Int64Chunked,
                   b: Int64Chunked,
                   f: &dyn Fn(i64, i64) -> Option<i64>|
     -> Result<Int64Chunked> {
        a.iter()
            .zip(b.iter())
            .map(|(x, y)| match (x, y) {
                (Some(x), Some(y)) => f(x, y).map(Some).ok_or_else(overflow),
                _ => Ok(None),
            })
            .collect()
    };
    match out {
        DataType::Date => {
            // date ± integer days.
            let (d, n, sign) = if lt == DataType::Date {
                (l, r, if op == Minus { -1 } else { 1 })
            } else {
                (r, l, 1)
            };
            let days = ticks(d)?;
            let n = n.cast(&PlDataType::Int64).map_err(pl_err)?;
            let n = n.i64().map_err(pl_err)?.clone();
            let v = combine(days, n, &|a, b| a.checked_add(sign * b))?;
            from_ticks(name, v, out)
        }
        DataType::Timestamp(u, _) | DataType::Duration(u) => {
            if lt == DataType::Date || rt == DataType::Date {
                // date ± duration: from the date's midnight.
                let (d, other, dt, ot) = if lt == DataType::Date {
                    (l, r, lt, rt)
                } else {
                    (r, l, rt, lt)
                };
                let midnight =
                    cast_temporal(d, dt, DataType::Timestamp(u, None), &Semantics::spark())?;
                let a = in_unit(&midnight, DataType::Timestamp(u, None), u)?;
                let b = in_unit(other, ot, u)?;
                let sign = if op == Minus { -1 } else { 1 };
                let v = combine(a, b, &|x, y| {
                    y.checked_mul(sign).and_then(|y| x.checked_add(y))
                })?;
                return from_ticks(name, v, out);
            }
            let a = in_unit(l, lt, u)?;
            let b = in_unit(r, rt, u)?;
            let v = match (op, lt.is_integer(), rt.is_integer()) {
                (Multiply, false, true) | (Multiply, true, false) => {
                    let (x, y) = if lt.is_integer() {
                        (
                            r.cast(&PlDataType::Int64).map_err(pl_err)?,
                            l.cast(&PlDataType::Int64).map_err(pl_err)?,
                        )
                    } else {
                        (
                            ticks(l)?.into_series(),
                            r.cast(&PlDataType::Int64).map_err(pl_err)?,
                        )
                    };
                    let (x, y) = (
                        x.i64().map_err(pl_err)?.clone(),
                        y.i64().map_err(pl_err)?.clone(),
                    );
                    combine(x, y, &|p, q| p.checked_mul(q))?
                }
                (Plus, ..) => combine(a, b, &|x, y| x.checked_add(y))?,
                (Minus, ..) => combine(a, b, &|x, y| x.checked_sub(y))?,
                _ => {
                    return Err(Error::plan(format!(
                        "arithmetic '{op}' is not defined for {lt} and {rt}"
                    )))
                }
            };
            from_ticks(name, v, out)
        }
        other => Err(Error::internal(format!(
            "date arithmetic producing {other}"
        ))),
    }
}

/// `MAKE_DATE(y, m, d)`: an impossible date is an error (Spark's
/// DATETIME_FIELD_OUT_OF_BOUNDS; pandas raises ValueError).
pub fn make_date(y: &Series, m: &Series, d: &Series) -> Result<Series> {
    let (y, m, d) = (
        crate::scalar::i64s(y)?,
        crate::scalar::i64s(m)?,
        crate::scalar::i64s(d)?,
    );
    let values: Int64Chunked = y
        .iter()
        .zip(m.iter())
        .zip(d.iter())
        .map(|((y, m), d)| match (y, m, d) {
            (Some(y), Some(m), Some(d)) => {
                let date = i32::try_from(y)
                    .ok()
                    .zip(u32::try_from(m).ok())
                    .zip(u32::try_from(d).ok())
                    .and_then(|((y, m), d)| NaiveDate::from_ymd_opt(y, m, d));
                match date {
                    Some(date) => Ok(Some(days_of_date(date) as i64)),
                    None => Err(Error::data(
                        "DATETIME_FIELD_OUT_OF_BOUNDS.WITHOUT_SUGGESTION",
                        format!("{y}-{m}-{d} is not a date"),
                    )),
                }
            }
            _ => Ok(None),
        })
        .collect::<Result<_>>()?;
    from_ticks("make_date", values, DataType::Date)
}

/// The date of each value of a date or timestamp series (in its zone), as days.
fn dates(s: &Series) -> Result<Vec<Option<NaiveDate>>> {
    Ok(wall_times(s)?
        .into_iter()
        .map(|w| w.map(|w| w.date()))
        .collect())
}

/// `DATE_ADD(d, n)` / `DATE_SUB(d, n)` (`sign` -1) / `ADD_MONTHS(d, n)`.
pub fn shift_date(d: &Series, n: &Series, months: bool, sign: i64) -> Result<Series> {
    let n = crate::scalar::i64s(n)?;
    let values: Int64Chunked = dates(d)?
        .into_iter()
        .zip(n.iter())
        .map(|(d, n)| match (d, n) {
            (Some(d), Some(n)) => {
                let shifted = if months {
                    add_months_to(d, sign * n)
                } else {
                    d.checked_add_signed(chrono::Duration::days(sign * n))
                };
                shifted
                    .map(|x| Some(days_of_date(x) as i64))
                    .ok_or_else(|| {
                        Error::arithmetic("DATETIME_OVERFLOW", "the date is out of range")
                    })
            }
            _ => Ok(None),
        })
        .collect::<Result<_>>()?;
    from_ticks(d.name().as_str(), values, DataType::Date)
}

/// `DATEDIFF(end, start)`: whole calendar days from start to end.
pub fn date_diff(end: &Series, start: &Series, sem: &Semantics) -> Result<Series> {
    if let (
        partita_common::DateDiff::Elapsed,
        DataType::Timestamp(eu, _),
        DataType::Timestamp(su, _),
    ) = (sem.date_diff, type_of(end)?, type_of(start)?)
    {
        // pandas' `(end - start).dt.days`: the time between the instants in whole
        // days, rounded down (in nanoseconds, as pandas' Timedelta).
        const DAY: i128 = 86_400_000_000_000;
        let nanos = |s: &Series, unit: TimeUnit| -> Result<Vec<Option<i128>>> {
            let scale = i128::from(1_000_000_000 / unit.per_second());
            Ok(ticks(s)?
                .iter()
                .map(|v| v.map(|v| i128::from(v) * scale))
                .collect())
        };
        let values: Int32Chunked = nanos(end, eu)?
            .into_iter()
            .zip(nanos(start, su)?)
            .map(|(e, s)| Some((e? - s?).div_euclid(DAY) as i32))
            .collect();
        return Ok(values.with_name(end.name().clone()).into_series());
    }
    let values: Int32Chunked = dates(end)?
        .into_iter()
        .zip(dates(start)?)
        .map(|(e, s)| Some((e? - s?).num_days() as i32))
        .collect();
    Ok(values.with_name(end.name().clone()).into_series())
}

/// The day number of a date (for `CURRENT_DATE`).
pub fn today() -> i32 {
    days_of_date(chrono::Utc::now().date_naive())
}

/// The current instant in microseconds (for `CURRENT_TIMESTAMP`).
pub fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Year, month and day of a date value (for tests and display).
pub fn ymd(days: i32) -> Option<(i32, u32, u32)> {
    date_of_days(days).map(|d| (d.year(), d.month(), d.day()))
}
