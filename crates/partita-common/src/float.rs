//! The text of floating-point numbers: the shortest digits that read back to the
//! same value, with ties between two shortest candidates broken to the even digit.
//!
//! Python's `repr` (pandas' text and CSV) and Java's `Double.toString` (Spark's)
//! both break such ties to even; Rust's own formatter does not always
//! (1658206780088562.25 prints as `...562.3`, where Python prints `...562.2`), so
//! every float Partita turns into text gets its digits here, from `ryu`.

/// The shortest round-trip digits of `|x|` (finite) and its decimal exponent:
/// `|x| = d.ddd × 10^exp` for `digits = "dddd"` (no leading or trailing zeros;
/// `("0", 0)` for zero).
pub fn shortest_digits(x: f64) -> (String, i32) {
    let mut b = ryu::Buffer::new();
    digits_of(b.format_finite(x))
}

/// As [`shortest_digits`], for a 32-bit float's own shortest digits.
pub fn shortest_digits_f32(x: f32) -> (String, i32) {
    let mut b = ryu::Buffer::new();
    digits_of(b.format_finite(x))
}

/// The double that a 32-bit float's shortest text reads back as (0.1f32 gives
/// 0.1, not the 0.10000000149011612 it widens to); NaN and infinities as such.
pub fn f32_as_shortest_f64(x: f32) -> f64 {
    let mut b = ryu::Buffer::new();
    b.format(x).parse().unwrap_or(f64::NAN)
}

/// Digits and exponent of ryu's text (`-12.5`, `0.001`, `1e16`, `1.5e-7`).
fn digits_of(text: &str) -> (String, i32) {
    let t = text.trim_start_matches('-');
    let (mantissa, e) = match t.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().expect("ryu writes an integer exponent")),
        None => (t, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = format!("{int}{frac}");
    let lead = all.bytes().take_while(|&b| b == b'0').count();
    if lead == all.len() {
        return ("0".to_string(), 0);
    }
    let digits = all[lead..].trim_end_matches('0').to_string();
    (digits, int.len() as i32 - 1 - lead as i32 + e)
}

/// `digits × 10^exp` ([`shortest_digits`]) written out without an exponent: the
/// integer part and the fraction (empty for a whole number).
pub fn positional(digits: &str, exp: i32) -> (String, String) {
    if exp >= 0 {
        let e = exp as usize;
        if digits.len() > e + 1 {
            (digits[..=e].to_string(), digits[e + 1..].to_string())
        } else {
            (
                format!("{digits}{}", "0".repeat(e + 1 - digits.len())),
                String::new(),
            )
        }
    } else {
        (
            "0".to_string(),
            format!("{}{digits}", "0".repeat((-exp - 1) as usize)),
        )
    }
}

/// A finite float as the shell and the CSV writer print it: every digit in
/// place (no exponent), a whole value below `whole_below` with one decimal
/// (`2.0`), a larger whole value without one.
pub fn plain_text(x: f64, whole_below: f64) -> String {
    let (digits, exp) = shortest_digits(x);
    plain(x.is_sign_negative(), &digits, exp, x.abs() < whole_below)
}

/// As [`plain_text`], for a 32-bit float's shortest digits.
pub fn plain_text_f32(x: f32, whole_below: f32) -> String {
    let (digits, exp) = shortest_digits_f32(x);
    plain(x.is_sign_negative(), &digits, exp, x.abs() < whole_below)
}

fn plain(negative: bool, digits: &str, exp: i32, decimal_when_whole: bool) -> String {
    let (int, frac) = positional(digits, exp);
    let sign = if negative { "-" } else { "" };
    match (frac.is_empty(), decimal_when_whole) {
        (false, _) => format!("{sign}{int}.{frac}"),
        (true, true) => format!("{sign}{int}.0"),
        (true, false) => format!("{sign}{int}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_and_exponents() {
        assert_eq!(shortest_digits(86.181768), ("86181768".into(), 1));
        assert_eq!(shortest_digits(0.0001), ("1".into(), -4));
        assert_eq!(shortest_digits(-1.5e-7), ("15".into(), -7));
        assert_eq!(shortest_digits(1e16), ("1".into(), 16));
        assert_eq!(shortest_digits(120.0), ("12".into(), 2));
        assert_eq!(shortest_digits(0.0), ("0".into(), 0));
        assert_eq!(shortest_digits_f32(0.1), ("1".into(), -1));
    }

    /// A tie between two shortest candidates goes to the even digit, as Python's
    /// `repr(1658206780088562.25)` and Java's `Double.toString` write it.
    #[test]
    fn ties_go_to_even() {
        // 1658206780088562.25, exactly (the spacing of doubles there is 0.25).
        let tie = 1_658_206_780_088_562.0 + 0.25;
        assert_eq!(plain_text(tie, 1e16), "1658206780088562.2");
    }

    /// Apart from such ties, the text is Rust's `Display` (one decimal on a whole
    /// value below 1e16), across magnitudes from subnormal to 1e308.
    #[test]
    fn plain_text_is_displays_text_apart_from_ties() {
        let display = |x: f64| {
            if x.fract() == 0.0 && x.abs() < 1e16 {
                format!("{x:.1}")
            } else {
                format!("{x}")
            }
        };
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut values = vec![
            0.0,
            -0.0,
            1e-5,
            1e-6,
            9.99e-6,
            1e15,
            1e16,
            1e300,
            0.1,
            86.181768,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            123_456_789_012_345.6,
            -2.5,
        ];
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let x = f64::from_bits(state);
            if x.is_finite() {
                values.push(x);
            }
            values.push((state % 100_000_000) as f64 / 1e6 - 50.0);
        }
        let mut ties = 0;
        for x in values {
            let (ours, theirs) = (plain_text(x, 1e16), display(x));
            if ours != theirs {
                // Both must be shortest round-trip texts of x, ours the even one.
                assert_eq!(ours.len(), theirs.len(), "{x:e}: {ours} vs {theirs}");
                assert_eq!(ours.parse::<f64>().unwrap(), x, "{x:e}");
                let last = ours.bytes().last().unwrap();
                assert!((last - b'0').is_multiple_of(2), "{x:e}: {ours} vs {theirs}");
                ties += 1;
            }
        }
        assert!(ties < 1000, "{ties} ties");
    }
}
