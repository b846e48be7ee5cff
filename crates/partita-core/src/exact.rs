//! Order-independent accumulators: the sums behind SUM, AVG, VAR/STD and CORR of
//! floats give the same bits for every partitioning, worker count and merge tree.
//!
//! Floating-point addition is not associative, so a plain `f64` running sum depends
//! on the order in which partitions are merged. [`Binned`] is a *binned* sum (the
//! idea of ReproBLAS' indexed sums, with integer bins): the binary exponent range is
//! cut into bins of [`BIN_BITS`] bits on a fixed grid, a value is split along that
//! grid into at most three chunks (its 53-bit significand covers at most three
//! bins), and each chunk is added, exactly, to the integer accumulator of its bin. An
//! accumulator keeps the `K` highest bins that hold a value (its *window*); chunks
//! below the window are dropped, so each value contributes exactly its truncation
//! (toward zero) at the window's bottom, and when a larger value raises the window
//! the lowest bins are dropped whole. The bins are therefore a function of the
//! multiset of values alone: depositing, splitting and merging in any order gives
//! the same bins, and the result is rounded once, correctly, at the end.
//!
//! Precision: a window of `K` bins holds at least `28 (K - 1)` bits below the top
//! bit of the largest value, so every value within `28 (K - 1) - 52` binades of the
//! largest is kept exactly, and a smaller one loses less than `2^-(28 (K - 1))` of
//! the largest magnitude. Sums use `K = 3` (56 bits), the sum of a variance's
//! values `K = 4`, sums of squares and cross products `K = 5` (112 bits, so the
//! exact 106-bit product of two values near the largest is kept whole). A bin adds
//! chunks below `2^28`, so an `i64` bin is exact for up to `2^35` values in one
//! group (about 34 billion rows).
//!
//! NaN and infinities are not deposited; flags record them, and the result follows
//! IEEE rules: NaN if a NaN or both infinities were seen, else the infinity seen.
//!
//! Integer columns need no bins: [`Sum192`] adds products of two `i64` exactly in
//! 192 bits (the sums of squares and cross products of a correlation of integer
//! columns; their plain sums fit an `i128`).
//!
//! Variances and correlations are computed at the end from exact sums, as
//! `n Σx² - (Σx)²` (and `n Σxy - Σx Σy`) in [`Wide`] integer arithmetic, rounded
//! once: no cancellation, whatever the offset of the data (`1e9 + {1, 2, 3}` has
//! variance exactly 1).

/// Bits per bin.
pub(crate) const BIN_BITS: u32 = 28;
const BIN_MASK: u64 = (1 << BIN_BITS) - 1;
const FRACTION: u64 = (1 << 52) - 1;

/// Flag: a NaN was seen.
const SAW_NAN: u32 = 1;
/// Flag: +inf was seen.
const SAW_POS_INF: u32 = 2;
/// Flag: -inf was seen.
const SAW_NEG_INF: u32 = 4;

/// The bit position (in the grid of a [`Binned`]) of `2^0` for sums of values:
/// position 0 is `2^-1074`, the least significant bit of the smallest subnormal.
pub(crate) const VALUE_ORIGIN: i64 = -1074;
/// The same for sums of products of two values: position 0 is `2^-2148`.
pub(crate) const PRODUCT_ORIGIN: i64 = -2148;

/// The sign, significand and grid position of the least significant bit of a
/// finite `f64`: `x = (-1)^sign * significand * 2^(position - 1074)`.
#[inline(always)]
fn decompose(bits: u64) -> (u64, u64, u32) {
    let exponent = (bits >> 52) & 0x7FF;
    let significand = (bits & FRACTION) | (((exponent != 0) as u64) << 52);
    (bits >> 63, significand, (exponent.max(1) - 1) as u32)
}

/// The top grid bin of `(-1)^sign * significand * 2^position` (the bin of the
/// highest bit the significand may occupy) and its signed chunks in that bin and
/// the two below it (lowest first).
#[inline(always)]
fn chunks(sign: u64, significand: u64, position: u32) -> (u32, [i64; 3]) {
    let highest = position + 52;
    let bin = highest / BIN_BITS;
    // The significand shifted into place is below 2^84: its low 64 bits and the
    // bits above, with 64-bit shifts only (the shift is 4 to 31).
    let shift = highest % BIN_BITS + 2 * BIN_BITS - 52;
    let low = significand << shift;
    let high = significand >> (64 - shift);
    let negate = 0i64.wrapping_sub(sign as i64);
    let signed = |c: u64| ((c as i64) ^ negate).wrapping_sub(negate);
    (
        bin,
        [
            signed(low & BIN_MASK),
            signed((low >> BIN_BITS) & BIN_MASK),
            signed((low >> (2 * BIN_BITS)) | (high << (64 - 2 * BIN_BITS))),
        ],
    )
}

/// A binned sum with a window of `K` bins: order-independent and, within the window,
/// exact. See the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Binned<const K: usize> {
    /// `bins[j]` accumulates the chunks of grid bin `top - (K - 1) + j`.
    bins: [i64; K],
    /// The grid bin at the top of the window (at least `K - 1`).
    top: u32,
    /// `SAW_NAN`, `SAW_POS_INF`, `SAW_NEG_INF`.
    flags: u32,
}

impl<const K: usize> Default for Binned<K> {
    fn default() -> Self {
        Binned {
            bins: [0; K],
            top: K as u32 - 1,
            flags: 0,
        }
    }
}

impl<const K: usize> Binned<K> {
    /// Adds a value (NaN and infinities set flags).
    #[inline(always)]
    pub fn add(&mut self, x: f64) {
        let bits = x.to_bits();
        if (bits >> 52) & 0x7FF == 0x7FF {
            self.add_special(bits);
            return;
        }
        let (sign, significand, position) = decompose(bits);
        self.deposit(sign, significand, position);
    }

    #[cold]
    fn add_special(&mut self, bits: u64) {
        self.flags |= if bits & FRACTION != 0 {
            SAW_NAN
        } else if bits >> 63 == 1 {
            SAW_NEG_INF
        } else {
            SAW_POS_INF
        };
    }

    /// Adds the exact product `x * y` (grid origin [`PRODUCT_ORIGIN`]): the 106-bit
    /// product of the significands, deposited as two 53-bit halves. A NaN or an
    /// infinity among the factors sets the NaN flag.
    #[inline(always)]
    pub fn add_product(&mut self, x: f64, y: f64) {
        let (bx, by) = (x.to_bits(), y.to_bits());
        if (bx >> 52) & 0x7FF == 0x7FF || (by >> 52) & 0x7FF == 0x7FF {
            self.flags |= SAW_NAN;
            return;
        }
        let (sx, mx, px) = decompose(bx);
        let (sy, my, py) = decompose(by);
        let product = mx as u128 * my as u128;
        let position = px + py;
        self.deposit(sx ^ sy, (product as u64) & ((1 << 53) - 1), position);
        self.deposit(sx ^ sy, (product >> 53) as u64, position + 53);
    }

    /// The state of one value (a per-row state), without a window to move.
    #[inline(always)]
    pub fn single(x: f64) -> Self {
        let bits = x.to_bits();
        let (sign, significand, position) = decompose(bits);
        let (bin, chunks) = chunks(sign, significand, position);
        if (bits >> 52) & 0x7FF == 0x7FF || bin < K as u32 - 1 {
            // Special values and values below 2^-1018: the general path.
            let mut b = Self::default();
            b.add(x);
            return b;
        }
        let mut bins = [0; K];
        bins[K - 3..].copy_from_slice(&chunks);
        Binned {
            bins,
            top: bin,
            flags: 0,
        }
    }

    /// Adds `(-1)^sign * significand * 2^position` (in grid units), with
    /// `significand < 2^53`.
    #[inline(always)]
    fn deposit(&mut self, sign: u64, significand: u64, position: u32) {
        let (bin, chunks) = chunks(sign, significand, position);
        if bin == self.top {
            // The most common case, with constant slots: the value's top bin is the
            // window's.
            for (b, c) in self.bins[K - 3..].iter_mut().zip(chunks) {
                *b = b.wrapping_add(c);
            }
            return;
        }
        if bin > self.top {
            self.raise(bin);
        }
        let below = (self.top - bin) as usize;
        if below <= K - 3 {
            // The common case: the three chunks fall inside the window.
            let at = K - 3 - below;
            for (b, c) in self.bins[at..at + 3].iter_mut().zip(chunks) {
                *b = b.wrapping_add(c);
            }
            return;
        }
        // The window slot of the lowest chunk; chunks below the window are dropped
        // (masked to zero) without a branch.
        let lowest = bin as i64 - self.top as i64 + K as i64 - 3;
        for (j, chunk) in chunks.into_iter().enumerate() {
            let slot = lowest + j as i64;
            let keep = !(slot >> 63);
            let b = &mut self.bins[slot.max(0) as usize];
            *b = b.wrapping_add(chunk & keep);
        }
    }

    /// Moves the window up so that its top bin is `top`: the lowest bins drop out.
    #[cold]
    #[inline(never)]
    fn raise(&mut self, top: u32) {
        let shift = (top - self.top) as usize;
        for j in 0..K {
            self.bins[j] = if j + shift < K {
                self.bins[j + shift]
            } else {
                0
            };
        }
        self.top = top;
    }

    /// Adds another accumulator: the same as depositing its values.
    #[inline]
    pub fn merge(&mut self, other: &Self) {
        if other.top == self.top {
            for (b, o) in self.bins.iter_mut().zip(other.bins) {
                *b = b.wrapping_add(o);
            }
            self.flags |= other.flags;
            return;
        }
        if other.top > self.top {
            self.raise(other.top);
        }
        let shift = (self.top - other.top) as usize;
        for j in shift..K {
            self.bins[j - shift] = self.bins[j - shift].wrapping_add(other.bins[j]);
        }
        self.flags |= other.flags;
    }

    /// True when a NaN or an infinity was added.
    pub fn saw_special(&self) -> bool {
        self.flags != 0
    }

    /// The special result (NaN, +inf or -inf) when a NaN or an infinity was added.
    fn special(&self) -> Option<f64> {
        let f = self.flags;
        if f == 0 {
            None
        } else if f & SAW_NAN != 0 || f & (SAW_POS_INF | SAW_NEG_INF) == SAW_POS_INF | SAW_NEG_INF {
            Some(f64::NAN)
        } else if f & SAW_POS_INF != 0 {
            Some(f64::INFINITY)
        } else {
            Some(f64::NEG_INFINITY)
        }
    }

    /// The sum, correctly rounded once (a sum of values: origin [`VALUE_ORIGIN`]).
    /// An exact zero is `+0.0`, as a running sum started at `0.0` gives.
    pub fn value(&self) -> f64 {
        if let Some(special) = self.special() {
            return special;
        }
        let exponent = (self.top as i64 + 1 - K as i64) * BIN_BITS as i64 + VALUE_ORIGIN;
        if K <= 3 && exponent >= -1022 {
            // The window as one i128 (three bins of at most 63 bits, 28 apart), rounded
            // once by the conversion; scaling a normal result by a power of two is exact.
            let exact = self
                .bins
                .iter()
                .rev()
                .fold(0i128, |acc, &b| (acc << BIN_BITS) + b as i128);
            // Without its trailing zeros the sum often fits an i64 (always for one
            // value), whose conversion is one instruction; both round correctly.
            let zeros = exact.trailing_zeros().min(127);
            let odd = exact >> zeros;
            let rounded = if odd as i64 as i128 == odd {
                odd as i64 as f64
            } else {
                return ldexp(exact as f64, exponent);
            };
            return ldexp(rounded, exponent + zeros as i64);
        }
        self.wide().to_f64(VALUE_ORIGIN)
    }

    /// The exact sum of the window as a [`Wide`] integer (special values ignored).
    pub fn wide(&self) -> Wide {
        let mut w = Wide::from_limbs(&self.bins, self.top as i64 + 1 - K as i64);
        w.normalize();
        w
    }

    /// The state as `K + 1` integers: the bins, then the window's top bin and the
    /// flags (`top | flags << 32`).
    #[inline]
    pub fn to_parts(self) -> ([i64; K], i64) {
        (self.bins, self.top as i64 | (self.flags as i64) << 32)
    }

    /// The state [`to_parts`](Self::to_parts) wrote.
    #[inline]
    pub fn from_parts(bins: [i64; K], window: i64) -> Self {
        Binned {
            bins,
            top: window as u32,
            flags: (window >> 32) as u32,
        }
    }
}

/// An exact sum of products of two `i64` (a 192-bit two's-complement integer):
/// the sums of squares and cross products of a correlation of integer columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Sum192 {
    low: u128,
    high: i64,
}

impl Sum192 {
    /// Adds `x * y`, exactly.
    #[inline(always)]
    pub fn add_product(&mut self, x: i64, y: i64) {
        self.add(x as i128 * y as i128);
    }

    /// Adds a 128-bit value, sign-extended.
    #[inline(always)]
    pub fn add(&mut self, p: i128) {
        let (low, carry) = self.low.overflowing_add(p as u128);
        self.low = low;
        self.high = self
            .high
            .wrapping_add((p >> 127) as i64)
            .wrapping_add(carry as i64);
    }

    /// Adds another sum.
    #[inline(always)]
    pub fn merge(&mut self, other: &Self) {
        self.add(other.low as i128);
        // `add` sign-extended the low half; undo that and add the high half.
        self.high = self
            .high
            .wrapping_sub((other.low as i128 >> 127) as i64)
            .wrapping_add(other.high);
    }

    /// The three 64-bit words, lowest first.
    pub fn to_parts(self) -> [i64; 3] {
        [self.low as i64, (self.low >> 64) as i64, self.high]
    }

    /// The sum [`to_parts`](Self::to_parts) wrote.
    pub fn from_parts(parts: [i64; 3]) -> Self {
        Sum192 {
            low: (parts[0] as u64 as u128) | ((parts[1] as u64 as u128) << 64),
            high: parts[2],
        }
    }

    /// The sum as a 256-bit integer.
    pub fn i256(&self) -> ethnum::I256 {
        (ethnum::I256::from(self.high) << 128) + ethnum::I256::from(self.low)
    }

    /// The sum as a [`Wide`] integer.
    pub fn wide(&self) -> Wide {
        let negative = self.high < 0;
        // The magnitude as three words, then 28-bit limbs.
        let (mut low, mut high) = (self.low, self.high as u64);
        if negative {
            low = !low;
            high = !high;
            let (l, c) = low.overflowing_add(1);
            low = l;
            high = high.wrapping_add(c as u64);
        }
        let mut limbs = [0i64; 7];
        for (j, limb) in limbs.iter_mut().enumerate() {
            let at = 28 * j as u32;
            let bits = if at < 128 {
                (low >> at) as u64 | if at > 64 { high << (128 - at) } else { 0 }
            } else {
                high >> (at - 128)
            };
            *limb = (bits & BIN_MASK) as i64;
        }
        let w = Wide::from_limbs(&limbs, 0);
        if negative {
            w.negated()
        } else {
            w
        }
    }
}

/// Limbs of a [`Wide`] integer: enough for the product of two sums of 4 bins (12
/// limbs) aligned with a count times a sum of 5 bins (9 limbs).
const LIMBS: usize = 16;

/// A fixed-size signed integer times a power of two, in limbs of [`BIN_BITS`] bits:
/// `Σ limbs[j] * 2^(BIN_BITS * (low + j))`. Normalized, every limb but the last is in
/// `[0, 2^BIN_BITS)` and the last carries the sign.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Wide {
    limbs: [i64; LIMBS],
    low: i64,
}

impl Wide {
    fn from_limbs(limbs: &[i64], low: i64) -> Wide {
        let mut w = Wide {
            limbs: [0; LIMBS],
            low,
        };
        w.limbs[..limbs.len()].copy_from_slice(limbs);
        w
    }

    /// An exact integer.
    pub fn from_i64(v: i64) -> Wide {
        let mut w = Wide::from_limbs(&[v], 0);
        w.normalize();
        w
    }

    /// An exact integer.
    pub fn from_i128(v: i128) -> Wide {
        let mut s = Sum192::default();
        s.add(v);
        s.wide()
    }

    /// Carries every limb into the next (the value is unchanged).
    fn normalize(&mut self) {
        let mut carry = 0i64;
        for limb in &mut self.limbs[..LIMBS - 1] {
            let v = limb.wrapping_add(carry);
            carry = v >> BIN_BITS;
            *limb = v & BIN_MASK as i64;
        }
        self.limbs[LIMBS - 1] = self.limbs[LIMBS - 1].wrapping_add(carry);
    }

    fn is_negative(&self) -> bool {
        self.limbs[LIMBS - 1] < 0
    }

    fn negated(&self) -> Wide {
        let mut w = *self;
        for limb in &mut w.limbs {
            *limb = -*limb;
        }
        w.normalize();
        w
    }

    /// The magnitude's limbs (normalized, non-negative) and the sign.
    fn magnitude(&self) -> (Wide, bool) {
        if self.is_negative() {
            (self.negated(), true)
        } else {
            (*self, false)
        }
    }

    /// The number of limbs up to the highest non-zero one.
    fn used(&self) -> usize {
        self.limbs
            .iter()
            .rposition(|&l| l != 0)
            .map_or(0, |i| i + 1)
    }

    /// The exact product (both normalized). Limbs that do not fit are the lowest,
    /// dropped, which cannot happen for the sums this module multiplies.
    pub fn mul(&self, other: &Wide) -> Wide {
        let (a, na) = self.magnitude();
        let (b, nb) = other.magnitude();
        let (ua, ub) = (a.used(), b.used());
        let mut acc = [0i128; 2 * LIMBS];
        for i in 0..ua {
            for j in 0..ub {
                acc[i + j] += a.limbs[i] as i128 * b.limbs[j] as i128;
            }
        }
        // Carry in i128, then keep the highest LIMBS - 1 limbs.
        let mut carry = 0i128;
        let mut limbs = [0i64; 2 * LIMBS];
        for (limb, v) in limbs.iter_mut().zip(acc) {
            let v = v + carry;
            carry = v >> BIN_BITS;
            *limb = (v & BIN_MASK as i128) as i64;
        }
        let used = limbs.iter().rposition(|&l| l != 0).map_or(0, |i| i + 1);
        let skip = used.saturating_sub(LIMBS - 1);
        let mut w = Wide::from_limbs(&limbs[skip..skip + LIMBS - 1], a.low + b.low + skip as i64);
        if na != nb {
            w = w.negated();
        }
        w
    }

    /// `self - other` (both normalized), exact when both fit [`LIMBS`] limbs
    /// together; otherwise the lowest limbs are dropped.
    pub fn sub(&self, other: &Wide) -> Wide {
        let (a, b) = (self.magnitude(), other.magnitude());
        let high = (a.0.low + a.0.used() as i64).max(b.0.low + b.0.used() as i64);
        // One limb above the highest for the carry and the sign.
        let low = self.low.min(other.low).max(high + 2 - LIMBS as i64);
        let mut w = Wide {
            limbs: [0; LIMBS],
            low,
        };
        // Magnitudes, so that no sign limb spreads over the limbs above a number.
        for ((m, negative), sign) in [(a, 1i64), (b, -1i64)] {
            let sign = if negative { -sign } else { sign };
            for (j, &l) in m.limbs.iter().enumerate() {
                let at = j as i64 + m.low - low;
                if (0..LIMBS as i64).contains(&at) {
                    w.limbs[at as usize] += sign * l;
                }
            }
        }
        w.normalize();
        w
    }

    /// The value times `2^origin`, correctly rounded to nearest, ties to even.
    pub fn to_f64(self, origin: i64) -> f64 {
        match self.rounded(origin) {
            None => 0.0,
            Some((negative, significand, exponent)) => {
                let v = scale(significand as f64, exponent);
                if negative {
                    -v
                } else {
                    v
                }
            }
        }
    }

    /// The value times `2^origin` as `m * 2^e` with `m` in `[1, 2)`, rounded to 53
    /// bits (no overflow or underflow): for ratios of values that may not fit an `f64`.
    pub fn to_scaled(self, origin: i64) -> Option<(f64, i64)> {
        let (negative, significand, exponent) = self.rounded_to_bits(origin, 53, false)?;
        let bits = 63 - significand.leading_zeros() as i64;
        let m = significand as f64 / (1u64 << bits) as f64;
        Some((if negative { -m } else { m }, exponent + bits))
    }

    /// Sign, significand (< 2^54) and exponent of the value rounded to an `f64`
    /// (subnormals included); `None` for zero.
    fn rounded(&self, origin: i64) -> Option<(bool, u64, i64)> {
        self.rounded_to_bits(origin, 53, true)
    }

    fn rounded_to_bits(&self, origin: i64, bits: i64, subnormal: bool) -> Option<(bool, u64, i64)> {
        let (m, negative) = self.magnitude();
        let used = m.used();
        if used == 0 {
            return None;
        }
        // The highest four limbs (at least 85 significant bits), with a sticky bit
        // for any limb below them.
        let from = used.saturating_sub(4);
        let mut top = 0u128;
        for &l in m.limbs[from..used].iter().rev() {
            top = (top << BIN_BITS) | l as u128;
        }
        if m.limbs[..from].iter().any(|&l| l != 0) {
            top |= 1;
        }
        let exponent = (m.low + from as i64) * BIN_BITS as i64 + origin;
        let highest = 127 - top.leading_zeros() as i64 + exponent;
        let mut lsb = highest - (bits - 1);
        if subnormal {
            lsb = lsb.max(-1074);
        }
        let shift = lsb - exponent;
        if shift <= 0 {
            return Some((negative, top as u64, exponent));
        }
        if shift >= 128 {
            return Some((negative, 0, lsb));
        }
        let kept = top >> shift;
        let rest = top & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        let up = rest > half || (rest == half && kept & 1 == 1);
        Some((negative, (kept + up as u128) as u64, lsb))
    }
}

/// `significand * 2^exponent` for an integer significand below `2^54` that is
/// exactly representable after scaling (or overflows to infinity).
fn scale(significand: f64, exponent: i64) -> f64 {
    if significand == 0.0 {
        return 0.0;
    }
    // Two steps keep each factor a normal power of two.
    let first = exponent.clamp(-1022, 1023);
    let second = (exponent - first).clamp(-1022, 1023);
    significand * pow2(first) * pow2(second)
}

/// `x * 2^e` (exact for a normal result).
#[inline]
pub(crate) fn ldexp(x: f64, e: i64) -> f64 {
    if (-1022..=1023).contains(&e) {
        return x * pow2(e);
    }
    ldexp_far(x, e)
}

#[cold]
fn ldexp_far(mut x: f64, mut e: i64) -> f64 {
    while e > 1023 {
        x *= pow2(1023);
        e -= 1023;
        if x.is_infinite() {
            return x;
        }
    }
    while e < -1022 {
        // Stop at the subnormal range: one last multiplication rounds once.
        if e >= -1022 - 52 {
            return x * pow2(-1022) * pow2(e + 1022);
        }
        x *= pow2(-1022);
        e += 1022;
        if x == 0.0 {
            return x;
        }
    }
    x * pow2(e)
}

fn pow2(e: i64) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// `n Σxy - Σx Σy` for the sums of a variance (`x = y`) or a covariance, exact.
pub(crate) fn centered(n: i64, sum_x: &Wide, sum_y: &Wide, sum_xy: &Wide) -> Wide {
    Wide::from_i64(n).mul(sum_xy).sub(&sum_x.mul(sum_y))
}

/// Origin of [`centered`]'s result: products of two values.
pub(crate) const CENTERED_ORIGIN: i64 = PRODUCT_ORIGIN;

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift64*).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545F4914F6CDD1D)
        }
        fn shuffle<T>(&mut self, v: &mut [T]) {
            for i in (1..v.len()).rev() {
                v.swap(i, (self.next() % (i as u64 + 1)) as usize);
            }
        }
    }

    fn sum3(values: &[f64]) -> Binned<3> {
        let mut b = Binned::<3>::default();
        for &v in values {
            b.add(v);
        }
        b
    }

    /// Sums `values` in a random order, cut into random pieces merged in a random
    /// tree: the state must be the one of a plain left-to-right sum.
    fn check_order_independent(values: &[f64], rng: &mut Rng) -> Binned<3> {
        let expected = sum3(values);
        for _ in 0..50 {
            let mut v = values.to_vec();
            rng.shuffle(&mut v);
            let mut pieces: Vec<Binned<3>> = vec![];
            let mut at = 0;
            while at < v.len() {
                let len = 1 + (rng.next() % 7) as usize;
                pieces.push(sum3(&v[at..(at + len).min(v.len())]));
                at += len;
            }
            while pieces.len() > 1 {
                let i = (rng.next() % (pieces.len() as u64 - 1)) as usize;
                let right = pieces.remove(i + 1);
                pieces[i].merge(&right);
            }
            let got = pieces.pop().unwrap_or_default();
            assert_eq!(got, expected, "{values:?}");
            assert_eq!(got.value().to_bits(), expected.value().to_bits());
        }
        expected
    }

    #[test]
    fn sums_do_not_depend_on_order_or_splits() {
        let mut rng = Rng(7);
        let cases: Vec<Vec<f64>> = vec![
            vec![1e308, -1e308, 1e-300, 1.0, -1.0],
            vec![1e308, 1e308, -1e308],
            vec![0.1, 0.2, 0.3, -0.6, 1e16, -1e16, 3.0],
            vec![f64::MIN_POSITIVE / 3.0, 5e-324, -5e-324, 1e-310, 2.5e-308],
            vec![-0.0, -0.0, 0.0],
            (0..200)
                .map(|i| (i as f64 * 0.7).sin() * 10f64.powi(i % 40 - 20))
                .collect(),
            (0..300)
                .map(|i| {
                    if i % 2 == 0 {
                        1e20
                    } else {
                        1.0 + i as f64 * 1e-3
                    }
                })
                .collect(),
        ];
        for c in &cases {
            check_order_independent(c, &mut rng);
        }
        let random: Vec<f64> = (0..500)
            .map(|_| {
                f64::from_bits(rng.next() >> 2)
                    * if rng.next().is_multiple_of(2) {
                        1.0
                    } else {
                        -1.0
                    }
            })
            .filter(|x| x.is_finite())
            .collect();
        check_order_independent(&random, &mut rng);
    }

    #[test]
    fn sums_are_exact_within_the_window() {
        // Expected values are Python's math.fsum (the correctly rounded exact sum):
        // math.fsum([0.1] * 10) == 1.0,
        // math.fsum([0.1, 0.2, 0.3]) == 0.6 (0.6000000000000001 summed naively),
        // math.fsum([1e16, 1.0, -1e16]) == 1.0,
        // math.fsum([2**53, 1.0, 1.0]) == 9007199254740994.0 (naively ...992.0),
        // math.fsum([1.0, 2**-60, 2**-60]) == 1.0000000000000000 (exact 1 + 2^-59
        //   rounds to 1.0).
        assert_eq!(sum3(&[0.1; 10]).value(), 1.0);
        assert_eq!(sum3(&[0.1, 0.2, 0.3]).value(), 0.6);
        assert_eq!(sum3(&[1e16, 1.0, -1e16]).value(), 1.0);
        assert_eq!(sum3(&[2f64.powi(53), 1.0, 1.0]).value(), 9007199254740994.0);
        // Ties: 2^53 + 1 is halfway between 2^53 and 2^53 + 2 and rounds to even;
        // 2^53 + 1 + 2^-40 is above halfway and rounds up.
        assert_eq!(sum3(&[2f64.powi(53), 1.0]).value(), 9007199254740992.0);
        assert_eq!(
            sum3(&[2f64.powi(53), 1.0, 2f64.powi(-1)]).value(),
            9007199254740994.0
        );
        // Sums of integers scaled by a power of two are exact in any order: the
        // reference is an i128 sum.
        let mut rng = Rng(11);
        let ints: Vec<i64> = (0..1000)
            .map(|_| (rng.next() >> 12) as i64 - (1 << 51))
            .collect();
        let exact: i128 = ints.iter().map(|&i| i as i128).sum();
        let scaled: Vec<f64> = ints.iter().map(|&i| i as f64 * 2f64.powi(-30)).collect();
        assert_eq!(sum3(&scaled).value(), exact as f64 * 2f64.powi(-30));
        // math.fsum([i * 0.1 + 1 / (i + 1) for i in range(100)]) == 500.1873775176396
        // (sum() gives ...397): values within four binades of the largest are exact.
        let v: Vec<f64> = (0..100)
            .map(|i| i as f64 * 0.1 + 1.0 / (i as f64 + 1.0))
            .collect();
        assert_eq!(sum3(&v).value(), 500.1873775176396);
        // math.fsum([(-1)**i * (i * 1e-3 + 1 / (i + 3)) * 10**(i % 5) for i in
        // range(200)]) == -99.70668647620063 (sum() gives ...028): values 20 binades
        // apart, the smallest partly below the window, still within 2^-56 of the
        // largest magnitude (5e3) each.
        let w: Vec<f64> = (0..200)
            .map(|i| {
                let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
                sign * (i as f64 * 1e-3 + 1.0 / (i as f64 + 3.0)) * 10f64.powi(i % 5)
            })
            .collect();
        let got = sum3(&w).value();
        assert!(
            (got - -99.70668647620063).abs() <= 200.0 * 5e3 * 2f64.powi(-56),
            "{got}"
        );
        // Subnormals add exactly.
        assert_eq!(sum3(&[5e-324, 5e-324, 5e-324]).value(), 1.5e-323);
        assert_eq!(
            sum3(&[f64::MIN_POSITIVE, -5e-324]).value(),
            f64::MIN_POSITIVE - 5e-324
        );
        // The exact sum can leave the f64 range and come back.
        assert_eq!(sum3(&[1e308, 1e308, -1e308]).value(), 1e308);
        assert_eq!(sum3(&[1e308, 1e308]).value(), f64::INFINITY);
        assert_eq!(sum3(&[-1e308, -1e308]).value(), f64::NEG_INFINITY);
    }

    #[test]
    fn values_far_below_the_largest_are_truncated_the_same_way_in_any_order() {
        // 1e-300 is 2000 binades below 1e308: outside the window, it is dropped
        // whatever the order (a plain sum gives 1e-300 or 0 depending on it).
        let mut rng = Rng(3);
        let s = check_order_independent(&[1e308, -1e308, 1e-300], &mut rng);
        assert_eq!(s.value(), 0.0);
        // Alone, it is exact.
        assert_eq!(sum3(&[1e-300]).value(), 1e-300);
        // x and -x cancel exactly, even when both are truncated.
        let s = check_order_independent(
            &[1e10, 1.0 + 2f64.powi(-52), -(1.0 + 2f64.powi(-52))],
            &mut rng,
        );
        assert_eq!(s.value(), 1e10);
    }

    #[test]
    fn zeros_and_special_values() {
        // A running sum starts at +0.0, so the sum of -0.0 values is +0.0.
        assert_eq!(sum3(&[-0.0, -0.0]).value().to_bits(), 0.0f64.to_bits());
        assert_eq!(sum3(&[]).value().to_bits(), 0.0f64.to_bits());
        assert!(sum3(&[1.0, f64::NAN]).value().is_nan());
        assert!(sum3(&[f64::INFINITY, f64::NEG_INFINITY]).value().is_nan());
        assert_eq!(
            sum3(&[f64::INFINITY, 1.0, 1e308, 1e308]).value(),
            f64::INFINITY
        );
        assert_eq!(sum3(&[f64::NEG_INFINITY, 1.0]).value(), f64::NEG_INFINITY);
        // Flags survive merges and the parts round trip.
        let mut a = sum3(&[f64::INFINITY]);
        a.merge(&sum3(&[f64::NEG_INFINITY, 2.0]));
        let (bins, window) = a.to_parts();
        assert!(Binned::<3>::from_parts(bins, window).value().is_nan());
        let b = sum3(&[3.5, -1e300]);
        let (bins, window) = b.to_parts();
        assert_eq!(Binned::<3>::from_parts(bins, window), b);
    }

    fn variance(values: &[f64]) -> f64 {
        let (mut s, mut s2) = (Binned::<4>::default(), Binned::<5>::default());
        for &x in values {
            s.add(x);
            s2.add_product(x, x);
        }
        let n = values.len() as i64;
        let d = centered(n, &s.wide(), &s.wide(), &s2.wide()).to_f64(CENTERED_ORIGIN);
        d / (n as f64 * (n - 1) as f64)
    }

    #[test]
    fn variances_do_not_cancel() {
        assert_eq!(variance(&[1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0]), 1.0);
        assert_eq!(variance(&[1e15 + 1.0, 1e15 + 2.0, 1e15 + 3.0]), 1.0);
        assert_eq!(variance(&[0.1, 0.1, 0.1]), 0.0);
        assert_eq!(variance(&[1.0, 2.0, 3.0, 4.0]), 5.0 / 3.0);
        // A constant far from zero and values of mixed scale.
        assert_eq!(variance(&[-7.25e200; 5]), 0.0);
        let v = variance(&[1e-3, 2e-3, 3e-3]);
        assert!((v - 1e-6).abs() <= 1e-21, "{v}");
    }

    #[test]
    fn products_do_not_depend_on_order() {
        let mut rng = Rng(5);
        let xs: Vec<f64> = (0..300)
            .map(|i| (i as f64 * 1.3).cos() * 10f64.powi(i % 9 - 4))
            .collect();
        let state = |v: &[f64]| {
            let mut s = Binned::<5>::default();
            for &x in v {
                s.add_product(x, x * 0.75 + 1.0);
            }
            s
        };
        let expected = state(&xs);
        for _ in 0..20 {
            let mut v = xs.clone();
            rng.shuffle(&mut v);
            let (a, b) = v.split_at((rng.next() % 300) as usize);
            let mut s = state(b);
            s.merge(&state(a));
            assert_eq!(s, expected);
        }
    }

    #[test]
    fn the_fast_rounding_agrees_with_the_wide_one() {
        // `value` rounds three bins as one i128; `Wide::to_f64` rounds limb by limb.
        let mut rng = Rng(13);
        for _ in 0..2000 {
            let len = 1 + rng.next() % 5;
            let values: Vec<f64> = (0..len)
                .map(|_| {
                    f64::from_bits(rng.next() >> 1)
                        * if rng.next().is_multiple_of(2) {
                            1.0
                        } else {
                            -1.0
                        }
                })
                .filter(|x| x.is_finite())
                .collect();
            let s = sum3(&values);
            assert_eq!(
                s.value().to_bits(),
                s.wide().to_f64(VALUE_ORIGIN).to_bits(),
                "{values:?}"
            );
        }
    }

    #[test]
    fn the_state_of_one_value_is_its_deposit() {
        let mut rng = Rng(17);
        let mut values: Vec<f64> = (0..5000).map(|_| f64::from_bits(rng.next())).collect();
        values.extend([
            0.0,
            -0.0,
            5e-324,
            -1e-310,
            1e-300,
            f64::MAX,
            f64::NAN,
            f64::NEG_INFINITY,
        ]);
        for x in values {
            let mut b = Binned::<3>::default();
            b.add(x);
            assert_eq!(Binned::<3>::single(x), b, "{x:e}");
        }
    }

    #[test]
    fn sums_of_integer_products_are_exact() {
        let mut rng = Rng(19);
        let values: Vec<i64> = (0..500).map(|_| rng.next() as i64).collect();
        let mut s = Sum192::default();
        let (mut a, mut b) = (Sum192::default(), Sum192::default());
        for (i, &v) in values.iter().enumerate() {
            s.add_product(v, v);
            if i % 3 == 0 { &mut a } else { &mut b }.add_product(v, v);
        }
        a.merge(&b);
        assert_eq!(a, s);
        assert_eq!(Sum192::from_parts(s.to_parts()), s);
        // Against the exact value: each square is below 2^126, so the sum of 500 is
        // below 2^135; compare through f64 and through the low 128 bits.
        let exact_low: u128 = values.iter().fold(0u128, |acc, &v| {
            acc.wrapping_add((v as i128 * v as i128) as u128)
        });
        assert_eq!(s.low, exact_low);
        let approx: f64 = values.iter().map(|&v| (v as f64) * (v as f64)).sum();
        let w = s.wide().to_f64(0);
        assert!((w - approx).abs() <= approx * 1e-12, "{w} {approx}");
        // Negative sums.
        let mut n = Sum192::default();
        n.add_product(i64::MIN, i64::MAX);
        n.add_product(i64::MIN, i64::MAX);
        assert_eq!(
            n.wide().to_f64(0),
            2.0 * (i64::MIN as f64) * (i64::MAX as f64)
        );
        assert_eq!(Wide::from_i128(-5).to_f64(0), -5.0);
        assert_eq!(Wide::from_i128(i128::MIN).to_f64(0), -(2f64.powi(127)));
    }

    #[test]
    fn scaled_rounding_keeps_the_exponent() {
        let w = Wide::from_i64(3);
        assert_eq!(w.to_scaled(0), Some((1.5, 1)));
        assert_eq!(w.to_scaled(-2000), Some((1.5, -1999)));
        assert_eq!(Wide::from_i64(-1).to_scaled(5000), Some((-1.0, 5000)));
        assert_eq!(Wide::from_i64(0).to_scaled(0), None);
    }
}
