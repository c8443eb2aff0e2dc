//! Prime-field arithmetic for the GOST curves: `N` 64-bit limbs (4 or 8), products in `u128`,
//! the modulus a compile-time constant of each field's [`FieldSpec`].
//!
//! Two reductions, chosen at compile time from the modulus:
//!
//! - **pseudo-Mersenne** for `p = 2^(64N) − c` with a small `c` (CryptoPro A / tc26 256 A / B:
//!   `2^256 − 617`; tc26 512 A and C: `2^512 − 569`): elements are kept as plain integers in
//!   `[0, 2^(64N))`, *not* necessarily below `p` (lazy reduction: the values `x` and `x + p`
//!   for `x < c` both stand for `x`). A product `hi·2^(64N) + lo` folds to `lo + c·hi`, twice,
//!   and a sum or difference folds its carry or borrow the same way, with no conditional
//!   subtraction of `p`; an element is brought below `p` only where its value is read
//!   ([`Fe::to_limbs`], equality, the zero tests). That subtraction and its select were a
//!   quarter of a 256-bit product;
//! - **Montgomery** (SOS: full product, then word-by-word REDC) for every other modulus,
//!   elements kept as `x·2^(64N) mod p`, with `−p⁻¹ mod 2^64` and `2^(128N) mod p` computed at
//!   compile time from `p`.
//!
//! Montgomery elements are fully reduced (`0 ≤ x < p`); pseudo-Mersenne ones are made so before
//! their limbs are compared or returned. Every operation runs in constant time: no branch and no
//! memory index depends on an element's value (carries become masks; the conditional
//! subtraction is a masked select behind [`barrier`]). Only the functions named `*_vartime`
//! branch on values, and they are used on public data only.
//!
//! Written here rather than taken from a crate: `crypto-bigint`'s `ConstMontyForm` keeps the
//! modulus constant but is generic Montgomery only (no pseudo-Mersenne reduction, which nearly
//! halves the 512-bit multiplication) and fiat-crypto style crates exist for none of the GOST
//! primes. The operations are checked against `crypto-bigint` on edge and random values of
//! every field in `arith_tests.rs`.

// Limb loops index several arrays in step (`a[i]`, `b[i]`, `p[i]`, carries): indices read
// more plainly than zipped iterators here, and the compiler unrolls either.
#![allow(clippy::needless_range_loop)]

use core::fmt;
use core::marker::PhantomData;

/// Largest limb count in use (512-bit fields). Scratch buffers have `2·MAX_LIMBS` words.
const MAX_LIMBS: usize = 8;

/// A mask of all ones if `bit` is 1, all zeros if 0, hidden from the optimiser so that selects
/// on it stay branch-free.
#[inline(always)]
pub(crate) fn barrier(bit: u64) -> u64 {
    core::hint::black_box(bit).wrapping_neg()
}

/// `a + b + carry`, returning the low word and the carry (0 or 1).
#[inline(always)]
const fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = a as u128 + b as u128 + carry as u128;
    (t as u64, (t >> 64) as u64)
}

/// `a − b − borrow`, returning the low word and the borrow (0 or 1).
#[inline(always)]
const fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let (d1, b1) = a.overflowing_sub(b);
    let (d2, b2) = d1.overflowing_sub(borrow);
    (d2, (b1 | b2) as u64)
}

/// `acc + a·b + carry`, returning the low word and the high word.
#[inline(always)]
const fn mac(acc: u64, a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = acc as u128 + (a as u128) * (b as u128) + carry as u128;
    (t as u64, (t >> 64) as u64)
}

/// `c` if `p = 2^(64N) − c` with `0 < c < 2^32`, else 0.
const fn pseudo_mersenne_c<const N: usize>(p: &[u64; N]) -> u64 {
    let mut i = 1;
    while i < N {
        if p[i] != u64::MAX {
            return 0;
        }
        i += 1;
    }
    let c = p[0].wrapping_neg();
    if c < (1 << 32) { c } else { 0 }
}

/// `−p₀⁻¹ mod 2^64` for odd `p₀` (Newton's iteration doubles the correct bits each step).
const fn neg_inv(p0: u64) -> u64 {
    assert!(p0 & 1 == 1, "the modulus must be odd");
    let mut x = 1u64;
    let mut i = 0;
    while i < 7 {
        x = x.wrapping_mul(2u64.wrapping_sub(p0.wrapping_mul(x)));
        i += 1;
    }
    x.wrapping_neg()
}

/// `a + b mod p` for `a, b < p` (shared by the runtime and the compile-time code).
#[inline(always)]
const fn add_mod<const N: usize>(a: &[u64; N], b: &[u64; N], p: &[u64; N]) -> [u64; N] {
    let mut s = [0u64; N];
    let mut carry = 0;
    let mut i = 0;
    while i < N {
        (s[i], carry) = adc(a[i], b[i], carry);
        i += 1;
    }
    let mut d = [0u64; N];
    let mut borrow = 0;
    i = 0;
    while i < N {
        (d[i], borrow) = sbb(s[i], p[i], borrow);
        i += 1;
    }
    // a + b ≥ p exactly when the sum carried out or the subtraction did not borrow.
    let take_d = (carry | (borrow ^ 1)).wrapping_neg();
    i = 0;
    while i < N {
        s[i] = (d[i] & take_d) | (s[i] & !take_d);
        i += 1;
    }
    s
}

/// `2^(128N) mod p`, by doubling 1 modulo `p` (compile time only).
const fn r2_mod<const N: usize>(p: &[u64; N]) -> [u64; N] {
    let mut x = [0u64; N];
    x[0] = 1;
    let mut i = 0;
    while i < 128 * N {
        x = add_mod(&x, &x, p);
        i += 1;
    }
    x
}

/// Whether `a < b` (compile time and public values only).
const fn lt<const N: usize>(a: &[u64; N], b: &[u64; N]) -> bool {
    let mut i = N;
    while i > 0 {
        i -= 1;
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// The full product `a·b` into `t[..2N]`.
#[inline(always)]
const fn mul_wide<const N: usize>(a: &[u64; N], b: &[u64; N]) -> [u64; 2 * MAX_LIMBS] {
    let mut t = [0u64; 2 * MAX_LIMBS];
    let mut i = 0;
    while i < N {
        let mut carry = 0;
        let mut j = 0;
        while j < N {
            (t[i + j], carry) = mac(t[i + j], a[i], b[j], carry);
            j += 1;
        }
        t[i + N] = carry;
        i += 1;
    }
    t
}

/// Montgomery reduction of `t[..2N]` (`t < p·2^(64N)`): `t·2^(−64N) mod p`, fully reduced.
#[inline(always)]
fn redc<const N: usize>(mut t: [u64; 2 * MAX_LIMBS], p: &[u64; N], pinv: u64) -> [u64; N] {
    let mut top = 0;
    let mut row = |i: usize| {
        if i < N {
            let m = t[i].wrapping_mul(pinv);
            let mut carry = 0;
            for j in 0..N {
                (t[i + j], carry) = mac(t[i + j], m, p[j], carry);
            }
            (t[i + N], top) = adc(t[i + N], carry, top);
        }
    };
    row(0);
    row(1);
    row(2);
    row(3);
    row(4);
    row(5);
    row(6);
    row(7);
    let mut r = [0u64; N];
    let mut d = [0u64; N];
    let mut borrow = 0;
    for i in 0..N {
        r[i] = t[N + i];
        (d[i], borrow) = sbb(r[i], p[i], borrow);
    }
    select(&r, &d, barrier(top | (borrow ^ 1)))
}

/// The full product `a·b` into `t[..2N]` (rows written out so that the compiler unrolls
/// all of them).
#[inline(always)]
fn mul_wide_rt<const N: usize>(a: &[u64; N], b: &[u64; N]) -> [u64; 2 * MAX_LIMBS] {
    let mut t = [0u64; 2 * MAX_LIMBS];
    let mut row = |i: usize| {
        if i < N {
            let mut carry = 0;
            for j in 0..N {
                (t[i + j], carry) = mac(t[i + j], a[i], b[j], carry);
            }
            t[i + N] = carry;
        }
    };
    row(0);
    row(1);
    row(2);
    row(3);
    row(4);
    row(5);
    row(6);
    row(7);
    t
}

/// Montgomery reduction without the final select: `(r, r − p, 1 if r − p is the result)`.
#[inline(always)]
const fn redc_parts<const N: usize>(
    mut t: [u64; 2 * MAX_LIMBS],
    p: &[u64; N],
    pinv: u64,
) -> ([u64; N], [u64; N], u64) {
    let mut top = 0;
    let mut i = 0;
    while i < N {
        let m = t[i].wrapping_mul(pinv);
        let mut carry = 0;
        let mut j = 0;
        while j < N {
            (t[i + j], carry) = mac(t[i + j], m, p[j], carry);
            j += 1;
        }
        (t[i + N], top) = adc(t[i + N], carry, top);
        i += 1;
    }
    // The result `top·2^(64N) + t[N..2N]` is below 2p: subtract p once if it is ≥ p.
    let mut r = [0u64; N];
    let mut d = [0u64; N];
    let mut borrow = 0;
    i = 0;
    while i < N {
        r[i] = t[N + i];
        (d[i], borrow) = sbb(r[i], p[i], borrow);
        i += 1;
    }
    (r, d, top | (borrow ^ 1))
}

/// The full square `a²` into `t[..2N]`: cross products row by row (rows written out so that
/// the compiler unrolls all of them), doubled, plus the squares.
#[inline(always)]
fn sqr_wide_rt<const N: usize>(a: &[u64; N]) -> [u64; 2 * MAX_LIMBS] {
    let mut t = [0u64; 2 * MAX_LIMBS];
    let mut row = |i: usize| {
        if i + 1 < N {
            let mut carry = 0;
            for j in i + 1..N {
                (t[i + j], carry) = mac(t[i + j], a[i], a[j], carry);
            }
            t[i + N] = carry;
        }
    };
    row(0);
    row(1);
    row(2);
    row(3);
    row(4);
    row(5);
    row(6);
    let mut top = 0;
    for w in t.iter_mut().take(2 * N) {
        let v = *w;
        *w = (v << 1) | top;
        top = v >> 63;
    }
    let mut carry = 0;
    for i in 0..N {
        let sq = (a[i] as u128) * (a[i] as u128);
        (t[2 * i], carry) = adc(t[2 * i], sq as u64, carry);
        (t[2 * i + 1], carry) = adc(t[2 * i + 1], (sq >> 64) as u64, carry);
    }
    t
}

/// Reduction of `t[..2N]` (any value below `2^(128N)`) modulo `p = 2^(64N) − c` into
/// `[0, 2^(64N))`: `lo + c·hi`, folded twice (lazy: the result may still be `≥ p`).
#[inline(always)]
fn reduce_pm<const N: usize>(t: &[u64; 2 * MAX_LIMBS], c: u64) -> [u64; N] {
    let mut r = [0u64; N];
    let mut carry = 0;
    for i in 0..N {
        (r[i], carry) = mac(t[i], t[N + i], c, carry);
    }
    // Now `carry·2^(64N) + r` with carry ≤ c: fold `carry·c` into the low limb.
    let (lo, hi) = mac(r[0], carry, c, 0);
    r[0] = lo;
    let mut cc = hi;
    for limb in r.iter_mut().skip(1) {
        (*limb, cc) = adc(*limb, 0, cc);
    }
    // If that wrapped (cc = 1), r is now below c·(c + 1) and adding c cannot carry.
    r[0] = r[0].wrapping_add(cc.wrapping_neg() & c);
    r
}

/// `r − p` if `r ≥ p` for `p = 2^(64N) − c`, else `r`.
#[inline(always)]
fn sub_p_if_ge_pm<const N: usize>(r: [u64; N], c: u64) -> [u64; N] {
    let mut d = [0u64; N];
    let mut carry = c;
    for i in 0..N {
        (d[i], carry) = adc(r[i], 0, carry);
    }
    select(&r, &d, barrier(carry))
}

/// `b` where `mask` is all ones, `a` where it is zero.
#[inline(always)]
fn select<const N: usize>(a: &[u64; N], b: &[u64; N], mask: u64) -> [u64; N] {
    let mut r = [0u64; N];
    for i in 0..N {
        r[i] = (b[i] & mask) | (a[i] & !mask);
    }
    r
}

/// A prime field `GF(p)`, `p < 2^(64N)` odd and at least `2^(64N−2)`, given by its modulus
/// (little-endian limbs); the reduction constants follow from it at compile time.
pub(crate) trait FieldSpec<const N: usize>:
    Copy + Send + Sync + fmt::Debug + 'static
{
    /// The modulus, little-endian limbs.
    const P: [u64; N];
    /// `c` of a pseudo-Mersenne modulus `2^(64N) − c`, or 0 (Montgomery arithmetic).
    const C: u64 = pseudo_mersenne_c(&Self::P);
    /// `−p⁻¹ mod 2^64`.
    const PINV: u64 = neg_inv(Self::P[0]);
    /// `2^(128N) mod p`.
    const R2: [u64; N] = r2_mod(&Self::P);
}

/// An element of the field `F`: in Montgomery form and fully reduced, or, for a pseudo-Mersenne
/// `F`, the plain integer in `[0, 2^(64N))` (see the module documentation).
#[derive(Clone, Copy)]
pub(crate) struct Fe<const N: usize, F: FieldSpec<N>> {
    limbs: [u64; N],
    _field: PhantomData<F>,
}

/// Variable-time equality (public values only).
impl<const N: usize, F: FieldSpec<N>> PartialEq for Fe<N, F> {
    fn eq(&self, other: &Self) -> bool {
        self.reduced_limbs() == other.reduced_limbs()
    }
}

impl<const N: usize, F: FieldSpec<N>> Eq for Fe<N, F> {}

impl<const N: usize, F: FieldSpec<N>> fmt::Debug for Fe<N, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Fe(..)")
    }
}

impl<const N: usize, F: FieldSpec<N>> Fe<N, F> {
    /// Zero.
    pub const ZERO: Self = Self::from_raw([0; N]);
    /// One.
    pub const ONE: Self = Self::from_canonical(&{
        let mut one = [0u64; N];
        one[0] = 1;
        one
    });

    const fn from_raw(limbs: [u64; N]) -> Self {
        Self {
            limbs,
            _field: PhantomData,
        }
    }

    /// From an integer below `p` (little-endian limbs). Also usable in constants.
    ///
    /// # Panics
    /// If `x ≥ p` (a programming error: callers check ranges first).
    pub const fn from_canonical(x: &[u64; N]) -> Self {
        assert!(lt(x, &F::P), "field element out of range");
        if F::C != 0 {
            Self::from_raw(*x)
        } else {
            // x·R² (a product below p·2^(64N)), reduced: x·R.
            let (r, d, take_d) = redc_parts(mul_wide(x, &F::R2), &F::P, F::PINV);
            let mask = take_d.wrapping_neg();
            let mut out = [0u64; N];
            let mut i = 0;
            while i < N {
                out[i] = (d[i] & mask) | (r[i] & !mask);
                i += 1;
            }
            Self::from_raw(out)
        }
    }

    /// The limbs brought below `p` (pseudo-Mersenne elements may be up to `p + c − 1`; one
    /// conditional subtraction settles it); Montgomery limbs as they are.
    #[inline(always)]
    fn reduced_limbs(&self) -> [u64; N] {
        if F::C != 0 {
            sub_p_if_ge_pm(self.limbs, F::C)
        } else {
            self.limbs
        }
    }

    /// A pseudo-Mersenne element from any representative below `2^(64N)`, for the tests of the
    /// lazy reduction.
    #[cfg(test)]
    pub(crate) fn from_representative(x: &[u64; N]) -> Self {
        assert!(
            F::C != 0,
            "only pseudo-Mersenne elements have several representatives"
        );
        Self::from_raw(*x)
    }

    /// From an integer known to be below `p` (constant time: no range check).
    fn from_canonical_ct(x: &[u64; N]) -> Self {
        if F::C != 0 {
            Self::from_raw(*x)
        } else {
            Self::from_raw(redc(mul_wide_rt(x, &F::R2), &F::P, F::PINV))
        }
    }

    /// From an integer (little-endian limbs), or `None` unless it is below `p`.
    pub fn from_limbs_vartime(x: &[u64; N]) -> Option<Self> {
        lt(x, &F::P).then(|| Self::from_canonical(x))
    }

    /// The integer value, little-endian limbs.
    pub fn to_limbs(self) -> [u64; N] {
        if F::C != 0 {
            self.reduced_limbs()
        } else {
            let mut t = [0u64; 2 * MAX_LIMBS];
            t[..N].copy_from_slice(&self.limbs);
            redc(t, &F::P, F::PINV)
        }
    }

    /// `self + rhs` in a constant expression (canonical operands: constants).
    pub const fn add_const(&self, rhs: &Self) -> Self {
        Self::from_raw(add_mod(&self.limbs, &rhs.limbs, &F::P))
    }

    /// `self + rhs`.
    #[inline(always)]
    pub fn add(&self, rhs: &Self) -> Self {
        let mut s = [0u64; N];
        let mut carry = 0;
        for i in 0..N {
            (s[i], carry) = adc(self.limbs[i], rhs.limbs[i], carry);
        }
        if F::C != 0 {
            // A carry out is 2^(64N) ≡ c: fold it in. If that wraps, s is now below c and
            // adding c once more cannot carry.
            let mut cc = carry * F::C;
            for i in 0..N {
                (s[i], cc) = adc(s[i], 0, cc);
            }
            s[0] = s[0].wrapping_add(cc * F::C);
            return Self::from_raw(s);
        }
        let mut d = [0u64; N];
        let mut borrow = 0;
        for i in 0..N {
            (d[i], borrow) = sbb(s[i], F::P[i], borrow);
        }
        Self::from_raw(select(&s, &d, barrier(carry | (borrow ^ 1))))
    }

    /// `self − rhs`.
    #[inline(always)]
    pub fn sub(&self, rhs: &Self) -> Self {
        let mut d = [0u64; N];
        let mut borrow = 0;
        for i in 0..N {
            (d[i], borrow) = sbb(self.limbs[i], rhs.limbs[i], borrow);
        }
        if F::C != 0 {
            // A borrow wrapped d to a − b + 2^(64N) ≡ a − b + c: take c off. If that borrows
            // too, d was below c and is now at least 2^(64N) − c, which still stands for one
            // c too many: the low limb takes it without borrowing (it is ≥ 2^64 − c > c).
            let mut b2 = borrow * F::C;
            for i in 0..N {
                (d[i], b2) = sbb(d[i], 0, b2);
            }
            d[0] = d[0].wrapping_sub(b2 * F::C);
            return Self::from_raw(d);
        }
        let mask = barrier(borrow);
        // Add p back if it borrowed.
        let mut carry = 0;
        for i in 0..N {
            (d[i], carry) = adc(d[i], F::P[i] & mask, carry);
        }
        Self::from_raw(d)
    }

    /// `−self`.
    #[inline(always)]
    pub fn neg(&self) -> Self {
        Self::ZERO.sub(self)
    }

    /// `2·self`.
    #[inline(always)]
    pub fn double(&self) -> Self {
        self.add(self)
    }

    /// `k·self` for a small public `k` (`k < 2^32`): for a pseudo-Mersenne field one pass of
    /// single-limb products, the top word folded back as `top·c`, and one conditional
    /// subtraction, in place of the two or three additions `3x`, `4x`, `8x` take otherwise;
    /// for a Montgomery field (`k·xR = (kx)R`) doublings and additions over the bits of `k`.
    #[inline(always)]
    pub fn mul_small(&self, k: u64) -> Self {
        debug_assert!(k > 0 && k < 1 << 32);
        if F::C != 0 {
            let mut r = [0u64; N];
            let mut carry = 0;
            for i in 0..N {
                (r[i], carry) = mac(0, self.limbs[i], k, carry);
            }
            // `carry·2^(64N) + r` with carry < k: fold `carry·c` into the low limb.
            let (lo, hi) = mac(r[0], carry, F::C, 0);
            r[0] = lo;
            let mut cc = hi;
            for limb in r.iter_mut().skip(1) {
                (*limb, cc) = adc(*limb, 0, cc);
            }
            // If that wrapped (cc = 1), r is now below k·c and adding c cannot carry.
            r[0] = r[0].wrapping_add(cc.wrapping_neg() & F::C);
            return Self::from_raw(r);
        }
        let mut r = *self;
        for bit in (0..63 - k.leading_zeros()).rev() {
            r = r.double();
            if (k >> bit) & 1 == 1 {
                r = r.add(self);
            }
        }
        r
    }

    /// `self·rhs`.
    #[inline(always)]
    pub fn mul(&self, rhs: &Self) -> Self {
        let t = mul_wide_rt(&self.limbs, &rhs.limbs);
        Self::reduce(&t)
    }

    /// `self²`.
    #[inline(always)]
    pub fn square(&self) -> Self {
        let t = sqr_wide_rt(&self.limbs);
        Self::reduce(&t)
    }

    #[inline(always)]
    fn reduce(t: &[u64; 2 * MAX_LIMBS]) -> Self {
        if F::C != 0 {
            Self::from_raw(reduce_pm(t, F::C))
        } else {
            Self::from_raw(redc(*t, &F::P, F::PINV))
        }
    }

    /// `self^(2^k)` (`k` public).
    #[cfg(any(test, not(target_pointer_width = "64")))]
    pub fn square_n(&self, k: usize) -> Self {
        let mut x = *self;
        for _ in 0..k {
            x = x.square();
        }
        x
    }

    /// The inverse for nonzero elements (0 for 0), in constant time: for the 256-bit fields
    /// signflow's own safegcd in signed 62-bit limbs (`super::safegcd`, 1.6 µs, where the
    /// 255-squaring addition chain over `p − 2` that it replaced took 2.9 µs and
    /// `crypto-bigint`'s generic safegcd 3.7 µs), for the 512-bit ones `crypto-bigint`'s
    /// constant-time safegcd (Bernstein–Yang) where its words are 64-bit, else
    /// [`Fe::invert_fermat`].
    pub fn invert(&self) -> Self {
        if N == 4 {
            let mut x = [0u64; 4];
            x.copy_from_slice(&self.to_limbs());
            let mut p = [0u64; 4];
            p.copy_from_slice(&F::P);
            let mut inv = super::safegcd::invert(&x, &p);
            let mut limbs = [0u64; N];
            limbs.copy_from_slice(&inv);
            let out = Self::from_canonical_ct(&limbs);
            zeroize::Zeroize::zeroize(&mut x);
            zeroize::Zeroize::zeroize(&mut inv);
            zeroize::Zeroize::zeroize(&mut limbs);
            return out;
        }
        #[cfg(target_pointer_width = "64")]
        {
            use crypto_bigint::{Odd, Uint};
            let mut x = Uint::<N>::from_words(self.to_limbs());
            let p = Odd::new(Uint::<N>::from_words(F::P)).expect("the modulus is odd");
            let inv = x.invert_odd_mod(&p).unwrap_or(Uint::ZERO);
            zeroize::Zeroize::zeroize(&mut x);
            let mut limbs = inv.to_words();
            let out = Self::from_canonical_ct(&limbs);
            zeroize::Zeroize::zeroize(&mut limbs);
            out
        }
        #[cfg(not(target_pointer_width = "64"))]
        self.invert_fermat()
    }

    /// The inverse for nonzero elements (0 for 0) in variable time (public values only: table
    /// building and verification): `crypto-bigint`'s variable-time safegcd.
    pub fn invert_vartime(&self) -> Self {
        use crypto_bigint::{Odd, Uint};
        let x = Uint::<N>::from_words(self.to_limbs());
        let p = Odd::new(Uint::<N>::from_words(F::P)).expect("the modulus is odd");
        let inv = x.invert_odd_mod_vartime(&p).unwrap_or(Uint::ZERO);
        Self::from_canonical_ct(&inv.to_words())
    }

    /// `self^(p−2)`, the inverse for nonzero elements (0 for 0), in constant time: Fermat's
    /// little theorem with fixed 4-bit windows over the public exponent.
    #[cfg(any(test, not(target_pointer_width = "64")))]
    pub fn invert_fermat(&self) -> Self {
        let mut table = [Self::ONE; 16];
        for i in 1..16 {
            table[i] = table[i - 1].mul(self);
        }
        // p − 2 (p is odd and above 2, so no borrow past the low limb matters beyond it).
        let mut e = F::P;
        let mut borrow = 2;
        for limb in &mut e {
            (*limb, borrow) = sbb(*limb, borrow, 0);
        }
        let mut acc = Self::ONE;
        let mut first = true;
        for i in (0..16 * N).rev() {
            let nibble = ((e[i / 16] >> (4 * (i % 16))) & 15) as usize;
            if first {
                if nibble == 0 {
                    continue;
                }
                acc = table[nibble];
                first = false;
                continue;
            }
            acc = acc.square_n(4);
            if nibble != 0 {
                acc = acc.mul(&table[nibble]);
            }
        }
        acc
    }

    /// Whether this is zero (constant time), as 0 or 1.
    #[inline(always)]
    pub fn is_zero_bit(&self) -> u64 {
        let mut acc = 0;
        for limb in &self.reduced_limbs() {
            acc |= limb;
        }
        // 1 iff acc == 0.
        ((acc | acc.wrapping_neg()) >> 63) ^ 1
    }

    /// Whether this is zero, in variable time.
    #[inline(always)]
    pub fn is_zero_vartime(&self) -> bool {
        self.reduced_limbs().iter().all(|&l| l == 0)
    }

    /// `other` where `mask` is all ones, `self` where it is zero.
    #[inline(always)]
    pub fn select(&self, other: &Self, mask: u64) -> Self {
        Self::from_raw(select(&self.limbs, &other.limbs, mask))
    }

    /// Overwrites the limbs with zeros.
    pub fn zeroize(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.limbs);
    }
}

/// Little-endian limbs from big-endian bytes (`bytes.len() ≤ 8N`; shorter is left-padded).
pub(crate) fn limbs_from_be<const N: usize>(bytes: &[u8]) -> [u64; N] {
    let mut out = [0u64; N];
    for (i, &b) in bytes.iter().rev().enumerate() {
        out[i / 8] |= u64::from(b) << (8 * (i % 8));
    }
    out
}

/// Little-endian limbs from little-endian bytes (`bytes.len() ≤ 8N`).
pub(crate) fn limbs_from_le<const N: usize>(bytes: &[u8]) -> [u64; N] {
    let mut out = [0u64; N];
    for (i, &b) in bytes.iter().enumerate() {
        out[i / 8] |= u64::from(b) << (8 * (i % 8));
    }
    out
}

/// Big-endian bytes of little-endian limbs, the low `out.len()` bytes of the value.
pub(crate) fn limbs_to_be<const N: usize>(x: &[u64; N], out: &mut [u8]) {
    let len = out.len();
    for (i, b) in out.iter_mut().enumerate() {
        let k = len - 1 - i;
        *b = (x[k / 8] >> (8 * (k % 8))) as u8;
    }
}

/// Little-endian limbs of a big-endian hex constant (compile time).
pub(crate) const fn limbs_from_hex<const N: usize>(hex: &str) -> [u64; N] {
    let h = hex.as_bytes();
    assert!(h.len() <= 16 * N, "hex constant too long");
    let mut out = [0u64; N];
    let mut i = 0;
    while i < h.len() {
        let c = h[h.len() - 1 - i];
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("not a hex digit"),
        } as u64;
        out[i / 16] |= d << (4 * (i % 16));
        i += 1;
    }
    out
}
