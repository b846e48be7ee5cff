//! The built-in demo tables: `df` (the six rows of the README), `flights`
//! (200,000 generated departures from New York and a few other airports), and
//! the dimension tables `airlines` and `airports` that flights join with.
//!
//! `flights` is made in code from a fixed-seed xorshift generator, with integer
//! arithmetic only, so it is the same on every machine and every run.

use partita::polars::NamedFrom;
use partita::polars::Series;

/// Rows of the generated `flights` table.
pub const FLIGHT_ROWS: usize = 200_000;

/// The columns of `df`: `col1` (str: null, null, A, A, B, B) and `col2` (i64: 1..6).
///
/// ```
/// let cols = partita_cli::demo::df_columns();
/// assert_eq!(cols[1].len(), 6);
/// ```
pub fn df_columns() -> Vec<Series> {
    vec![
        Series::new(
            "col1".into(),
            [None, None, Some("A"), Some("A"), Some("B"), Some("B")],
        ),
        Series::new("col2".into(), [1i64, 2, 3, 4, 5, 6]),
    ]
}

/// The columns of `airlines`: `carrier` and `name`, for every carrier of `flights`
/// but `F9` (so a join shows an unmatched key) and one carrier that never flies
/// (`HA`).
///
/// ```
/// let cols = partita_cli::demo::airlines_columns();
/// assert_eq!(cols[0].len(), 10);
/// ```
pub fn airlines_columns() -> Vec<Series> {
    let rows = [
        ("UA", "United Air Lines Inc."),
        ("B6", "JetBlue Airways"),
        ("EV", "ExpressJet Airlines Inc."),
        ("DL", "Delta Air Lines Inc."),
        ("AA", "American Airlines Inc."),
        ("MQ", "Envoy Air"),
        ("9E", "Endeavor Air Inc."),
        ("WN", "Southwest Airlines Co."),
        ("AS", "Alaska Airlines Inc."),
        ("HA", "Hawaiian Airlines Inc."),
    ];
    vec![
        Series::new("carrier".into(), rows.map(|r| r.0)),
        Series::new("name".into(), rows.map(|r| r.1)),
    ]
}

/// The columns of `airports`: `faa` (the code `flights.origin` uses), `name` and
/// `tz` (hours from UTC in winter), one row per origin of `flights`.
///
/// ```
/// let cols = partita_cli::demo::airports_columns();
/// assert_eq!(cols[0].len(), 7);
/// ```
pub fn airports_columns() -> Vec<Series> {
    let rows = [
        ("JFK", "John F Kennedy Intl", -5i64),
        ("LGA", "La Guardia", -5),
        ("EWR", "Newark Liberty Intl", -5),
        ("BOS", "General Edward Lawrence Logan Intl", -5),
        ("PHL", "Philadelphia Intl", -5),
        ("ORD", "Chicago Ohare Intl", -6),
        ("ATL", "Hartsfield Jackson Atlanta Intl", -5),
    ];
    vec![
        Series::new("faa".into(), rows.map(|r| r.0)),
        Series::new("name".into(), rows.map(|r| r.1)),
        Series::new("tz".into(), rows.map(|r| r.2)),
    ]
}

/// A xorshift64* generator with a fixed seed: the same numbers everywhere.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator from a seed (0 is replaced by a fixed non-zero seed).
    pub fn new(seed: u64) -> Self {
        XorShift(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        // The top bits are the best of xorshift64*; the bias for small n is negligible.
        (self.next_u64() >> 11) % n.max(1)
    }

    /// An index into `weights`, drawn in proportion to them.
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut r = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return i;
            }
            r -= w;
        }
        weights.len().saturating_sub(1)
    }
}

const ORIGINS: [&str; 7] = ["JFK", "LGA", "EWR", "BOS", "PHL", "ORD", "ATL"];
const ORIGIN_WEIGHTS: [u64; 7] = [30, 28, 30, 4, 3, 3, 2];
/// Extra delay (minutes) per origin, so the airports differ.
const ORIGIN_BIAS: [i64; 7] = [2, -1, 4, 0, 1, 5, -2];
const CARRIERS: [&str; 10] = ["UA", "B6", "EV", "DL", "AA", "MQ", "9E", "WN", "AS", "F9"];
const CARRIER_WEIGHTS: [u64; 10] = [18, 16, 15, 14, 10, 8, 7, 6, 4, 2];

/// Minutes since midnight as HHMM (wrapping past midnight).
fn hhmm(minutes: i64) -> i64 {
    let m = minutes.rem_euclid(24 * 60);
    (m / 60) * 100 + m % 60
}

/// The columns of `flights`, `rows` rows: `origin` (str), `carrier` (str),
/// `sched_dep_time` and `dep_time` (i64, HHMM), `dep_delay` (f64 minutes, missing
/// for about 2.5% of the rows: not recorded), `distance` (i64 miles) and
/// `time_hour` (the scheduled hour on a day of 2013, a time stamp in
/// America/New_York, as nycflights13 has it).
///
/// `dep_time` is the scheduled time plus the delay, or the scheduled time where
/// the delay is missing.
///
/// ```
/// let cols = partita_cli::demo::flights_columns(1000);
/// assert_eq!(cols.len(), 7);
/// assert!(cols.iter().all(|c| c.len() == 1000));
/// ```
pub fn flights_columns(rows: usize) -> Vec<Series> {
    let mut rng = XorShift::new(20_130_101);
    let mut origin = Vec::with_capacity(rows);
    let mut carrier = Vec::with_capacity(rows);
    let mut sched = Vec::with_capacity(rows);
    let mut dep = Vec::with_capacity(rows);
    let mut delay = Vec::with_capacity(rows);
    let mut distance = Vec::with_capacity(rows);
    // Days from their own generator, so the other columns stay as they were.
    let mut days = XorShift::new(2013);
    let mut time_hour = Vec::with_capacity(rows);
    for _ in 0..rows {
        let o = rng.weighted(&ORIGIN_WEIGHTS);
        let c = rng.weighted(&CARRIER_WEIGHTS);
        // Departures from 05:00 to 23:55, in steps of 5 minutes, busier by day.
        let slot = rng.below(19 * 12) as i64;
        let sched_min = 5 * 60 + 5 * slot;
        // Later in the day, longer delays.
        let late = slot / 40;
        let d: Option<i64> = match rng.below(1000) {
            0..=24 => None,
            25..=599 => Some(rng.below(21) as i64 - 15),
            600..=899 => Some(rng.below(60) as i64),
            900..=979 => Some(60 + rng.below(120) as i64),
            _ => Some(180 + rng.below(420) as i64),
        };
        let d = d.map(|d| d + ORIGIN_BIAS[o] + late);
        let dist = 94 + rng.below(2_500) as i64;
        origin.push(ORIGINS[o]);
        carrier.push(CARRIERS[c]);
        sched.push(hhmm(sched_min));
        dep.push(hhmm(sched_min + d.unwrap_or(0)));
        delay.push(d.map(|d| d as f64));
        distance.push(dist);
        let day = days.below(365) as i64;
        // 2013-01-01 00:00 in New York is 05:00 UTC (EST); summer hours are EDT.
        let local_us = (15_706 + day) * 86_400_000_000 + (sched_min / 60) * 3_600_000_000;
        time_hour.push(local_us);
    }
    let ny = partita::TimeZone::new("America/New_York");
    let time_hour: Vec<Option<i64>> = time_hour
        .into_iter()
        .map(|local| {
            let wall = partita::temporal::naive_of_ticks(local, partita::TimeUnit::Microsecond)
                .expect("a 2013 date");
            partita::temporal::ticks_of_local(wall, partita::TimeUnit::Microsecond, Some(ny))
                .expect("a known zone")
        })
        .collect();
    vec![
        Series::new("origin".into(), origin),
        Series::new("carrier".into(), carrier),
        Series::new("sched_dep_time".into(), sched),
        Series::new("dep_time".into(), dep),
        Series::new("dep_delay".into(), delay),
        Series::new("distance".into(), distance),
        Series::new("time_hour".into(), time_hour)
            .cast(&partita::polars::to_polars_type(
                partita::DataType::Timestamp(partita::TimeUnit::Microsecond, Some(ny)),
            ))
            .expect("ticks cast to a time stamp"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_fixed() {
        let mut a = XorShift::new(7);
        let mut b = XorShift::new(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert!(xs.windows(2).all(|w| w[0] != w[1]));
        let mut r = XorShift::new(0);
        assert!((0..1000).all(|_| r.below(10) < 10));
        assert!((0..1000).all(|_| r.weighted(&[1, 0, 3]) != 1));
    }

    #[test]
    fn flights_shape() {
        let cols = flights_columns(5000);
        assert_eq!(cols.len(), 7);
        assert!(cols.iter().all(|c| c.len() == 5000));
        let nulls = cols[4].null_count();
        assert!(nulls > 50 && nulls < 250, "{nulls}");
        assert_eq!(cols[3].null_count(), 0);
        assert_eq!(hhmm(-5), 2355);
        assert_eq!(hhmm(24 * 60 + 61), 101);
    }
}
