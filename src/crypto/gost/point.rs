//! Point arithmetic on the GOST curves `y² = x³ + a·x + b` over [`Fe`], specialised per curve
//! at compile time ([`CurveSpec`]).
//!
//! Two methods, one per kind of scalar:
//!
//! - **Secret scalars** (nonces, private keys): [`mul_base_ct`], a fixed-base comb without
//!   doublings. The scalar is recoded into signed radix-`R` digits `d_i ∈ [−R/2, R/2 − 1]`
//!   (`R = 32` for 256-bit curves, 64 for 512-bit ones; `k = Σ d_i·R^i`), and
//!   `k·G = Σ d_i·(R^i·G)` is summed from a table holding `j·R^i·G` for `j = 1..R/2` (affine;
//!   built once per curve, lazily). Each digit reads every entry of its row and keeps one with
//!   masks, negates `y` with a mask, and adds with the Jacobian mixed formula on the low digits,
//!   where no exceptional case can occur ([`CombTable`]), and with the *complete* mixed formula
//!   of Renes–Costello–Batina 2016 (Algorithm 1 with `Z₂ = 1`) on the top ones; a zero digit
//!   keeps the old sum by a masked select. The same instructions run and the same memory is
//!   read whatever the scalar: no branch and no table index depends on it.
//! - **Public scalars** (verification, the subgroup check of public keys): Jacobian
//!   coordinates with exception-checked formulas (`dbl-2001-b` when `a = −3`, `dbl-2007-bl`
//!   otherwise, `add-2007-bl`, `madd-2007-bl`; Bernstein–Lange, Explicit-Formulas Database),
//!   and width-`w` NAF: `u₁·G + u₂·Q` in one pass of shared doublings (Straus/Shamir), `G` from
//!   a precomputed table of its odd multiples `G, 3G, …, 511G` (width 10), `Q` from eight odd
//!   multiples computed per call (width 5) and made affine with one inversion, so that
//!   both are added with the mixed formula. The final comparison `x(C) mod q = r` is made in
//!   Jacobian coordinates (`X = r'·Z²` for each `r' ≡ r mod q` below `p`), without inverting.

use super::GostError;
use super::field::{Fe, FieldSpec, barrier, limbs_from_be, limbs_from_le, limbs_to_be};
use super::params::{ParamSet, dispatch};

/// Width of the NAF of `u₂` (the public key's scalar): 8 odd multiples per call.
const W_Q: u32 = 5;
/// Width of the NAF of `u₁` (the generator's scalar): 256 precomputed odd multiples (16 KB
/// for a 256-bit curve, 32 KB for a 512-bit one), one addition per 11 bits of `u₁`.
const W_G: u32 = 10;
/// Number of odd multiples of `G` in [`CurveSpec::odd_multiples`].
pub(crate) const ODD_G: usize = 1 << (W_G - 2);

/// A GOST curve: its field (`Self` is also the field's [`FieldSpec`]), coefficients, base
/// point and order, and its lazily built tables.
pub(crate) trait CurveSpec<const N: usize>: FieldSpec<N> {
    /// Coefficient `a`, an integer below `p`.
    const A_INT: [u64; N];
    /// Coefficient `b`, an integer below `p`.
    const B_INT: [u64; N];
    /// The base point's affine coordinates, integers below `p`.
    const GX_INT: [u64; N];
    /// See [`CurveSpec::GX_INT`].
    const GY_INT: [u64; N];
    /// The prime order `q` of the base point.
    const Q: [u64; N];
    /// Number of points on the curve divided by `q` (1 or 4).
    const COFACTOR: u32;
    /// `p, a, b, q, x, y` as the hex the constants were made from (for the reference tests).
    #[cfg(test)]
    const HEX: [&'static str; 6];

    /// `a` in the field.
    const A: Fe<N, Self> = Fe::from_canonical(&Self::A_INT);
    /// `b` in the field.
    const B: Fe<N, Self> = Fe::from_canonical(&Self::B_INT);
    /// `3·b` in the field.
    const B3: Fe<N, Self> = Self::B.add_const(&Self::B).add_const(&Self::B);
    /// Whether `a = −3` (faster doubling).
    const A_IS_MINUS_3: bool = is_minus_3(&Self::A_INT, &Self::P);
    /// The base point.
    const G: Affine<N, Self> = Affine {
        x: Fe::from_canonical(&Self::GX_INT),
        y: Fe::from_canonical(&Self::GY_INT),
    };

    /// The comb table of [`mul_base_ct`], built on first use.
    fn comb() -> &'static CombTable<N, Self>;
    /// `G, 3G, 5G, …, 511G`, built on first use.
    fn odd_multiples() -> &'static [Affine<N, Self>; ODD_G];
}

const fn is_minus_3<const N: usize>(a: &[u64; N], p: &[u64; N]) -> bool {
    // a + 3 == p
    let mut carry = 3u64;
    let mut i = 0;
    while i < N {
        let (s, c) = a[i].overflowing_add(carry);
        if s != p[i] {
            return false;
        }
        carry = c as u64;
        i += 1;
    }
    true
}

/// `self·a` for the curve's `a`: three additions and a negation when `a = −3`.
#[inline(always)]
fn mul_a<const N: usize, C: CurveSpec<N>>(x: &Fe<N, C>) -> Fe<N, C> {
    if C::A_IS_MINUS_3 {
        x.mul_small(3).neg()
    } else {
        x.mul(&C::A)
    }
}

/// An affine point (never the identity).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Affine<const N: usize, C: CurveSpec<N>> {
    x: Fe<N, C>,
    y: Fe<N, C>,
}

impl<const N: usize, C: CurveSpec<N>> Affine<N, C> {
    /// The point `(x, y)` from little-endian limbs, if both are below `p` and it lies on the
    /// curve (variable time: public keys only).
    pub fn from_limbs_vartime(x: &[u64; N], y: &[u64; N]) -> Option<Self> {
        let x = Fe::from_limbs_vartime(x)?;
        let y = Fe::from_limbs_vartime(y)?;
        let rhs = x.square().add(&C::A).mul(&x).add(&C::B);
        (y.square() == rhs).then_some(Self { x, y })
    }

    pub(crate) fn neg(&self) -> Self {
        Self {
            x: self.x,
            y: self.y.neg(),
        }
    }

    fn zeroize(&mut self) {
        self.x.zeroize();
        self.y.zeroize();
    }

    /// The affine coordinates as little-endian limbs.
    #[cfg(test)]
    pub fn to_limbs(self) -> ([u64; N], [u64; N]) {
        (self.x.to_limbs(), self.y.to_limbs())
    }
}

/// Jacobian coordinates: `x = X/Z²`, `y = Y/Z³`; `Z = 0` is the identity.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Jacobian<const N: usize, C: CurveSpec<N>> {
    x: Fe<N, C>,
    y: Fe<N, C>,
    z: Fe<N, C>,
}

impl<const N: usize, C: CurveSpec<N>> Jacobian<N, C> {
    pub(crate) const IDENTITY: Self = Self {
        x: Fe::ONE,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    pub(crate) fn from_affine(p: &Affine<N, C>) -> Self {
        Self {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
        }
    }

    /// Whether this is the identity (variable time).
    pub fn is_identity_vartime(&self) -> bool {
        self.z.is_zero_vartime()
    }

    pub(crate) fn neg(&self) -> Self {
        Self {
            x: self.x,
            y: self.y.neg(),
            z: self.z,
        }
    }

    /// `2·P` (variable time only in the identity check; correct for every input).
    pub(crate) fn double(&self) -> Self {
        if self.is_identity_vartime() {
            return *self;
        }
        let (x1, y1, z1) = (&self.x, &self.y, &self.z);
        if C::A_IS_MINUS_3 {
            // dbl-2001-b (3M + 5S), with Z3 = 2·Y1·Z1 in place of (Y1 + Z1)² − γ − δ and the
            // small multiples by `mul_small`: here a squaring costs about a product, while
            // each addition saved is a fifth of one.
            let delta = z1.square();
            let gamma = y1.square();
            let beta = x1.mul(&gamma);
            let alpha = x1.sub(&delta).mul(&x1.add(&delta)).mul_small(3);
            let beta4 = beta.mul_small(4);
            let x3 = alpha.square().sub(&beta4.double());
            let z3 = y1.mul(z1).double();
            let y3 = alpha.mul(&beta4.sub(&x3)).sub(&gamma.square().mul_small(8));
            Self {
                x: x3,
                y: y3,
                z: z3,
            }
        } else {
            // dbl-2007-bl (1M + 8S + 1·a), with S = 4·X1·YY and Z3 = 2·Y1·Z1 (products in
            // place of squarings and additions, as above).
            let xx = x1.square();
            let yy = y1.square();
            let yyyy = yy.square();
            let zz = z1.square();
            let s = x1.mul(&yy).mul_small(4);
            let m = xx.mul_small(3).add(&mul_a::<N, C>(&zz.square()));
            let t = m.square().sub(&s.double());
            let y3 = m.mul(&s.sub(&t)).sub(&yyyy.mul_small(8));
            let z3 = y1.mul(z1).double();
            Self { x: t, y: y3, z: z3 }
        }
    }

    /// `P + Q` (add-2007-bl: 11M + 5S), with the exceptional cases checked (variable time).
    pub(crate) fn add(&self, other: &Self) -> Self {
        if self.is_identity_vartime() {
            return *other;
        }
        if other.is_identity_vartime() {
            return *self;
        }
        let z1z1 = self.z.square();
        let z2z2 = other.z.square();
        let u1 = self.x.mul(&z2z2);
        let u2 = other.x.mul(&z1z1);
        let s1 = self.y.mul(&other.z).mul(&z2z2);
        let s2 = other.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&u1);
        let r = s2.sub(&s1).double();
        if h.is_zero_vartime() {
            return if r.is_zero_vartime() {
                self.double()
            } else {
                Self::IDENTITY
            };
        }
        let i = h.double().square();
        let j = h.mul(&i);
        let v = u1.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&s1.mul(&j).double());
        // ((Z1 + Z2)² − Z1Z1 − Z2Z2)·H = 2·Z1·Z2·H.
        let z3 = self.z.mul(&other.z).mul(&h).double();
        Self {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `P + Q` for an affine `Q` (madd-2007-bl: 7M + 4S), exceptions checked (variable time).
    pub(crate) fn add_affine(&self, other: &Affine<N, C>) -> Self {
        if self.is_identity_vartime() {
            return Self::from_affine(other);
        }
        let z1z1 = self.z.square();
        let u2 = other.x.mul(&z1z1);
        let s2 = other.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&self.x);
        let r = s2.sub(&self.y).double();
        if h.is_zero_vartime() {
            return if r.is_zero_vartime() {
                self.double()
            } else {
                Self::IDENTITY
            };
        }
        let i = h.square().mul_small(4);
        let j = h.mul(&i);
        let v = self.x.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&self.y.mul(&j).double());
        // (Z1 + H)² − Z1Z1 − HH = 2·Z1·H.
        let z3 = self.z.mul(&h).double();
        Self {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `P + Q` for an affine `Q` by madd-2007-bl without any check (constant time): correct
    /// unless `P` is the identity or `P = ±Q`, which the caller rules out or handles.
    #[inline(always)]
    fn add_affine_unchecked(&self, other: &Affine<N, C>) -> Self {
        let z1z1 = self.z.square();
        let u2 = other.x.mul(&z1z1);
        let s2 = other.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&self.x);
        let r = s2.sub(&self.y).double();
        let i = h.square().mul_small(4);
        let j = h.mul(&i);
        let v = self.x.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&self.y.mul(&j).double());
        // (Z1 + H)² − Z1Z1 − HH = 2·Z1·H.
        let z3 = self.z.mul(&h).double();
        Self {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    #[inline(always)]
    fn select(&self, other: &Self, mask: u64) -> Self {
        Self {
            x: self.x.select(&other.x, mask),
            y: self.y.select(&other.y, mask),
            z: self.z.select(&other.z, mask),
        }
    }

    fn zeroize(&mut self) {
        self.x.zeroize();
        self.y.zeroize();
        self.z.zeroize();
    }

    /// Whether two points are equal (variable time).
    #[cfg(test)]
    pub fn eq_vartime(&self, other: &Self) -> bool {
        match (self.is_identity_vartime(), other.is_identity_vartime()) {
            (true, true) => true,
            (false, false) => {
                let z1z1 = self.z.square();
                let z2z2 = other.z.square();
                self.x.mul(&z2z2) == other.x.mul(&z1z1)
                    && self.y.mul(&z2z2.mul(&other.z)) == other.y.mul(&z1z1.mul(&self.z))
            }
            _ => false,
        }
    }

    /// The affine point, `None` for the identity (variable time).
    #[cfg(test)]
    pub fn to_affine_vartime(self) -> Option<Affine<N, C>> {
        if self.is_identity_vartime() {
            return None;
        }
        let zi = self.z.invert();
        let zi2 = zi.square();
        Some(Affine {
            x: self.x.mul(&zi2),
            y: self.y.mul(&zi2.mul(&zi)),
        })
    }
}

/// Homogeneous projective coordinates `x = X/Z`, `y = Y/Z`; the identity is `(0 : 1 : 0)`.
/// Used only by the constant-time comb.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Projective<const N: usize, C: CurveSpec<N>> {
    x: Fe<N, C>,
    y: Fe<N, C>,
    z: Fe<N, C>,
}

impl<const N: usize, C: CurveSpec<N>> Projective<N, C> {
    /// `P + Q` for an affine `Q`, complete (constant time): Renes–Costello–Batina 2016,
    /// Algorithm 1 with `Z₂ = 1` (11M + 3·a + 2·3b).
    #[inline(always)]
    fn add_affine_complete(&self, q: &Affine<N, C>) -> Self {
        let b3 = &C::B3;
        let t0 = self.x.mul(&q.x);
        let t1 = self.y.mul(&q.y);
        let t3 = q.x.add(&q.y).mul(&self.x.add(&self.y)).sub(&t0.add(&t1));
        let t4 = q.x.mul(&self.z).add(&self.x);
        let t5 = q.y.mul(&self.z).add(&self.y);
        let z3 = mul_a::<N, C>(&t4).add(&b3.mul(&self.z));
        let x3 = t1.sub(&z3);
        let z3 = t1.add(&z3);
        let y3 = x3.mul(&z3);
        let t1 = t0.mul_small(3);
        let t2 = mul_a::<N, C>(&self.z);
        let t4 = b3.mul(&t4);
        let t1 = t1.add(&t2);
        let t2 = mul_a::<N, C>(&t0.sub(&t2));
        let t4 = t4.add(&t2);
        let y3 = y3.add(&t1.mul(&t4));
        let x3 = t3.mul(&x3).sub(&t5.mul(&t4));
        let z3 = t5.mul(&z3).add(&t3.mul(&t1));
        Self {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    #[inline(always)]
    fn select(&self, other: &Self, mask: u64) -> Self {
        Self {
            x: self.x.select(&other.x, mask),
            y: self.y.select(&other.y, mask),
            z: self.z.select(&other.z, mask),
        }
    }

    fn zeroize(&mut self) {
        self.x.zeroize();
        self.y.zeroize();
        self.z.zeroize();
    }
}

/// Bits per digit of the comb: 5 for 256-bit curves (rows of 16 points, 52 digits), 6 for
/// 512-bit ones (rows of 32 points, 86 digits instead of 103: the wider row scan costs less
/// than the 17 additions it saves at this size).
const fn comb_w(n: usize) -> usize {
    if n >= 8 { 6 } else { 5 }
}

/// Entries per row of the comb table: `j·2^(w·i)·G` for `j = 1..2^(w−1)`.
const fn comb_row(n: usize) -> usize {
    1 << (comb_w(n) - 1)
}

/// Number of signed radix-`2^w` digits of an `N`-limb scalar: enough windows to cover `64N + 1`
/// bits, so that the recoding's carry out of the top window is always zero.
const fn comb_digits(n: usize) -> usize {
    (64 * n + 1).div_ceil(comb_w(n))
}

/// Bit length of an `N`-limb integer (compile time).
const fn bit_length<const N: usize>(x: &[u64; N]) -> usize {
    let mut i = N;
    while i > 0 {
        i -= 1;
        if x[i] != 0 {
            return 64 * i + 64 - x[i].leading_zeros() as usize;
        }
    }
    0
}

/// The comb table: row `i` holds `j·R^i·G` for `j = 1..R/2`, `R = 2^comb_w(N)`, affine, for
/// every digit `i`.
pub(crate) struct CombTable<const N: usize, C: CurveSpec<N>> {
    /// `comb_row(N)` points per row, row after row.
    rows: Vec<Affine<N, C>>,
}

impl<const N: usize, C: CurveSpec<N>> CombTable<N, C> {
    /// How many low digits are summed with the incomplete Jacobian mixed addition: those `i`
    /// with `w·(i + 1) ≤ bits(q) − 1`. Before digit `i` the sum is `Sᵢ·G` with
    /// `|Sᵢ| < (R/2)/(R − 1)·R^i` (radix `R = 2^w`), and the digit adds `dᵢ·R^i·G` with
    /// `1 ≤ |dᵢ| ≤ R/2`; the addition is exceptional only if `Sᵢ ∓ dᵢ·R^i ≡ 0 (mod q)`, but that
    /// integer is nonzero (`|Sᵢ| < R^i`) and below `(R/2 + 1)·R^i ≤ R^(i+1) ≤ 2^(bits(q)−1) < q`
    /// in absolute value.
    /// (A zero sum, the identity, is handled by a select.) The remaining top digits use the
    /// complete formula.
    const SAFE_DIGITS: usize = (bit_length(&C::Q) - 1) / comb_w(N);

    /// Builds the table (variable time: public points only).
    pub fn build() -> Self {
        let mut points = Vec::with_capacity(comb_row(N) * comb_digits(N));
        let mut base = Jacobian::from_affine(&C::G);
        for _ in 0..comb_digits(N) {
            let mut acc = base;
            points.push(acc);
            for _ in 1..comb_row(N) {
                acc = acc.add(&base);
                points.push(acc);
            }
            // 2^w·base = 2·(2^(w−1)·base).
            base = acc.double();
        }
        Self {
            rows: normalize_all(&points),
        }
    }
}

/// Builds `G, 3G, …, 511G` (variable time: public points only).
pub(crate) fn build_odd_multiples<const N: usize, C: CurveSpec<N>>() -> [Affine<N, C>; ODD_G] {
    let g = Jacobian::from_affine(&C::G);
    let g2 = g.double();
    let mut points = Vec::with_capacity(ODD_G);
    let mut acc = g;
    points.push(acc);
    for _ in 1..ODD_G {
        acc = acc.add(&g2);
        points.push(acc);
    }
    let affine = normalize_all(&points);
    core::array::from_fn(|i| affine[i])
}

/// Affine forms of many Jacobian points with one inversion (Montgomery's trick), in variable
/// time (public points only). None of the points may be the identity.
fn normalize_all<const N: usize, C: CurveSpec<N>>(points: &[Jacobian<N, C>]) -> Vec<Affine<N, C>> {
    let mut prefix = Vec::with_capacity(points.len());
    let mut acc = Fe::ONE;
    for p in points {
        assert!(!p.is_identity_vartime(), "table point is the identity");
        prefix.push(acc);
        acc = acc.mul(&p.z);
    }
    let mut inv = acc.invert_vartime();
    let mut out = vec![C::G; points.len()];
    for (i, p) in points.iter().enumerate().rev() {
        let zi = inv.mul(&prefix[i]);
        inv = inv.mul(&p.z);
        let zi2 = zi.square();
        out[i] = Affine {
            x: p.x.mul(&zi2),
            y: p.y.mul(&zi2.mul(&zi)),
        };
    }
    out
}

/// Bits `[pos, pos + w)` of `k` (positions are public), `w = comb_w(N)`.
fn window<const N: usize>(k: &[u64; N], pos: usize) -> u64 {
    let w_bits = comb_w(N);
    let (limb, off) = (pos / 64, pos % 64);
    let mut w = k.get(limb).map_or(0, |l| l >> off);
    if off + w_bits > 64 {
        w |= k.get(limb + 1).map_or(0, |l| l << (64 - off));
    }
    w & ((1 << w_bits) - 1)
}

/// Signed radix-`R` digits of `k < 2^(64N)` (constant time; `R = 2^comb_w(N)`):
/// `k = Σ dᵢ·R^i`, `dᵢ ∈ [−R/2, R/2 − 1]`, into `out[..comb_digits(N)]`.
fn recode_signed<const N: usize>(k: &[u64; N], out: &mut [i64]) {
    let mut carry = 0u64;
    for (i, d) in out.iter_mut().enumerate().take(comb_digits(N)) {
        let w = comb_w(N);
        let v = window(k, w * i) + carry;
        carry = (v + (1 << (w - 1))) >> w;
        *d = v as i64 - (carry << w) as i64;
    }
    debug_assert_eq!(carry, 0, "the top window cannot carry");
}

/// The entry `|d|·R^i·G` of `row` with `y` negated if `d < 0`, read in constant time (every
/// entry is read; masks pick one). For `d = 0` it returns some entry; callers discard it.
/// Also returns a mask of all ones if `d = 0`.
#[inline(always)]
fn lookup<const N: usize, C: CurveSpec<N>>(row: &[Affine<N, C>], d: i64) -> (Affine<N, C>, u64) {
    let sign = (d >> 63) as u64; // all ones if negative
    let abs = ((d as u64) ^ sign).wrapping_sub(sign);
    let mut pt = row[0];
    for (j, entry) in row.iter().enumerate().skip(1) {
        let diff = abs ^ (j as u64 + 1);
        let mask = barrier(((diff | diff.wrapping_neg()) >> 63) ^ 1);
        pt = Affine {
            x: pt.x.select(&entry.x, mask),
            y: pt.y.select(&entry.y, mask),
        };
    }
    pt.y = pt.y.select(&pt.y.neg(), barrier(sign & 1));
    (pt, barrier(((abs | abs.wrapping_neg()) >> 63) ^ 1))
}

/// `k·G` in constant time with respect to `k` (see the module documentation), in homogeneous
/// projective coordinates. `k` is any `N`-limb integer; the result is the identity when
/// `k ≡ 0 mod q`.
pub(crate) fn mul_base_ct<const N: usize, C: CurveSpec<N>>(k: &[u64; N]) -> Projective<N, C> {
    let table = C::comb();
    let mut digits = [0i64; comb_digits(8)];
    recode_signed(k, &mut digits);
    let safe = CombTable::<N, C>::SAFE_DIGITS;

    // Low digits: Jacobian mixed additions (no exceptional case can occur, see SAFE_DIGITS),
    // the identity as a starting point handled by a select.
    let mut acc = Jacobian::<N, C>::IDENTITY;
    for (row, &d) in table.rows.chunks_exact(comb_row(N)).zip(&digits).take(safe) {
        let (mut pt, zero) = lookup(row, d);
        let sum = acc.add_affine_unchecked(&pt);
        let from_identity = Jacobian {
            x: pt.x,
            y: pt.y,
            z: Fe::ONE,
        };
        let sum = sum.select(&from_identity, barrier(acc.z.is_zero_bit()));
        acc = sum.select(&acc, zero);
        pt.zeroize();
    }

    // Top digits: complete additions in homogeneous coordinates, (X·Z : Y : Z³).
    let z2 = acc.z.square();
    let mut proj = Projective {
        x: acc.x.mul(&acc.z),
        y: acc.y,
        z: z2.mul(&acc.z),
    };
    acc.zeroize();
    for (row, &d) in table
        .rows
        .chunks_exact(comb_row(N))
        .zip(&digits)
        .take(comb_digits(N))
        .skip(safe)
    {
        let (mut pt, zero) = lookup(row, d);
        let sum = proj.add_affine_complete(&pt);
        proj = sum.select(&proj, zero);
        pt.zeroize();
    }
    zeroize::Zeroize::zeroize(&mut digits[..]);
    proj
}

/// The affine coordinates of a projective point in constant time, or `None` for the identity
/// (whether it is the identity is not secret: it happens only for scalars ≡ 0 mod q, which
/// callers exclude).
pub(crate) fn projective_to_affine_ct<const N: usize, C: CurveSpec<N>>(
    p: &mut Projective<N, C>,
) -> Option<([u64; N], [u64; N])> {
    let is_id = p.z.is_zero_bit() == 1;
    let mut zi = p.z.invert();
    let x = p.x.mul(&zi).to_limbs();
    let y = p.y.mul(&zi).to_limbs();
    zi.zeroize();
    p.zeroize();
    (!is_id).then_some((x, y))
}

/// Width-`w` NAF of `k` (variable time): `k = Σ nᵢ·2^i`, each `nᵢ` zero or odd in
/// `(−2^(w−1), 2^(w−1))`. Returns the digits and their count.
fn wnaf<const N: usize>(k: &[u64; N], w: u32) -> ([i16; 64 * 8 + 1], usize) {
    let mut out = [0i16; 64 * 8 + 1];
    // One spare limb: subtracting a negative digit can carry above the top.
    let mut v = [0u64; 9];
    v[..N].copy_from_slice(k);
    let full = 1i64 << w;
    let half = full >> 1;
    let mut len = 0;
    let mut i = 0;
    while v.iter().any(|&l| l != 0) {
        if v[0] & 1 == 1 {
            let mut d = (v[0] & (full as u64 - 1)) as i64;
            if d >= half {
                d -= full;
            }
            out[i] = d as i16;
            // v -= d
            if d > 0 {
                let mut borrow = d as u64;
                for limb in v.iter_mut() {
                    let (s, b) = limb.overflowing_sub(borrow);
                    *limb = s;
                    borrow = b as u64;
                    if borrow == 0 {
                        break;
                    }
                }
            } else {
                let mut carry = (-d) as u64;
                for limb in v.iter_mut() {
                    let (s, c) = limb.overflowing_add(carry);
                    *limb = s;
                    carry = c as u64;
                    if carry == 0 {
                        break;
                    }
                }
            }
        }
        // v >>= 1
        for j in 0..v.len() {
            let hi = v.get(j + 1).copied().unwrap_or(0);
            v[j] = (v[j] >> 1) | (hi << 63);
        }
        i += 1;
        len = i;
    }
    (out, len)
}

/// `u₁·G + u₂·Q` in variable time (public scalars and points only).
pub(crate) fn lincomb_vartime<const N: usize, C: CurveSpec<N>>(
    u1: &[u64; N],
    q: &Affine<N, C>,
    u2: &[u64; N],
) -> Jacobian<N, C> {
    let (n1, len1) = wnaf(u1, W_G);
    let (n2, len2) = wnaf(u2, W_Q);
    let g_odd = C::odd_multiples();
    // Q, 3Q, …, 15Q.
    let q1 = Jacobian::from_affine(q);
    let q2 = q1.double();
    let mut q_odd = [q1; 1 << (W_Q - 2)];
    for i in 1..q_odd.len() {
        q_odd[i] = q_odd[i - 1].add(&q2);
    }
    // Affine with one inversion (an inversion costs less than the ~(64N/(W_Q+1)) mixed
    // additions save over full ones). A multiple is the identity only for a point of small
    // order (a public key outside the subgroup, which `check_public` refuses): then the
    // Jacobian table is used as it is.
    let q_aff = (!q_odd.iter().any(Jacobian::is_identity_vartime)).then(|| normalize_all(&q_odd));
    let mut acc = Jacobian::IDENTITY;
    for i in (0..len1.max(len2)).rev() {
        acc = acc.double();
        let d = n1[i];
        if d > 0 {
            acc = acc.add_affine(&g_odd[(d >> 1) as usize]);
        } else if d < 0 {
            acc = acc.add_affine(&g_odd[(-d >> 1) as usize].neg());
        }
        let d = n2[i];
        if d != 0 {
            let j = (d.unsigned_abs() >> 1) as usize;
            acc = match &q_aff {
                Some(t) if d > 0 => acc.add_affine(&t[j]),
                Some(t) => acc.add_affine(&t[j].neg()),
                None if d > 0 => acc.add(&q_odd[j]),
                None => acc.add(&q_odd[j].neg()),
            };
        }
    }
    acc
}

/// `k·P` in variable time (public scalars only: the subgroup check `q·Q = O`).
pub(crate) fn mul_vartime<const N: usize, C: CurveSpec<N>>(
    p: &Affine<N, C>,
    k: &[u64; N],
) -> Jacobian<N, C> {
    let (naf, len) = wnaf(k, W_Q);
    let p1 = Jacobian::from_affine(p);
    let p2 = p1.double();
    let mut odd = [p1; 1 << (W_Q - 2)];
    for i in 1..odd.len() {
        odd[i] = odd[i - 1].add(&p2);
    }
    let mut acc = Jacobian::IDENTITY;
    for i in (0..len).rev() {
        acc = acc.double();
        let d = naf[i];
        if d > 0 {
            acc = acc.add(&odd[(d >> 1) as usize]);
        } else if d < 0 {
            acc = acc.add(&odd[(-d >> 1) as usize].neg());
        }
    }
    acc
}

/// Whether the affine `x` of `c` reduced mod `q` equals `r` (`0 < r < q`), without inverting:
/// for every `r' = r + j·q < p`, whether `X = r'·Z²`. Variable time (verification only).
pub(crate) fn x_mod_q_equals<const N: usize, C: CurveSpec<N>>(
    c: &Jacobian<N, C>,
    r: &[u64; N],
) -> bool {
    if c.is_identity_vartime() {
        return false;
    }
    let zz = c.z.square();
    let mut cand = *r;
    loop {
        let Some(fe) = Fe::<N, C>::from_limbs_vartime(&cand) else {
            return false;
        };
        if fe.mul(&zz) == c.x {
            return true;
        }
        // cand += q, stopping on overflow past 2^(64N) (then it is above p anyway).
        let mut carry = 0u64;
        for (limb, q) in cand.iter_mut().zip(C::Q) {
            let t = *limb as u128 + q as u128 + carry as u128;
            *limb = t as u64;
            carry = (t >> 64) as u64;
        }
        if carry != 0 {
            return false;
        }
    }
}

/// Little-endian limbs of a big-endian scalar of at most `8N` bytes.
pub(crate) fn scalar_limbs<const N: usize>(be: &[u8]) -> [u64; N] {
    limbs_from_be(be)
}

// ---- Entry points by parameter set -------------------------------------------------------

/// `k·G` for the big-endian scalar `k` (at most `coordinate_len` bytes), in constant time with
/// respect to `k`: the affine coordinates, big-endian, written into `x_be` and `y_be`
/// (`coordinate_len` bytes each). `false` if `k ≡ 0 mod q` (callers exclude it).
pub(crate) fn base_mul(params: ParamSet, k_be: &[u8], x_be: &mut [u8], y_be: &mut [u8]) -> bool {
    dispatch!(params, base_mul_n(k_be, x_be, y_be))
}

fn base_mul_n<const N: usize, C: CurveSpec<N>>(
    k_be: &[u8],
    x_be: &mut [u8],
    y_be: &mut [u8],
) -> bool {
    let mut k = scalar_limbs::<N>(k_be);
    let mut p = mul_base_ct::<N, C>(&k);
    zeroize::Zeroize::zeroize(&mut k);
    match projective_to_affine_ct(&mut p) {
        Some((mut x, mut y)) => {
            limbs_to_be(&x, x_be);
            limbs_to_be(&y, y_be);
            zeroize::Zeroize::zeroize(&mut x);
            zeroize::Zeroize::zeroize(&mut y);
            true
        }
        None => false,
    }
}

/// Decodes `x ‖ y` (little-endian, `coordinate_len` bytes each) into a point of the curve.
fn decode<const N: usize, C: CurveSpec<N>>(xy_le: &[u8]) -> Result<Affine<N, C>, GostError> {
    let (x, y) = xy_le.split_at(xy_le.len() / 2);
    let x = limbs_from_le::<N>(x);
    let y = limbs_from_le::<N>(y);
    if Fe::<N, C>::from_limbs_vartime(&x).is_none() {
        return Err(GostError::InvalidPublicKey(
            "x is not below the field modulus p",
        ));
    }
    if Fe::<N, C>::from_limbs_vartime(&y).is_none() {
        return Err(GostError::InvalidPublicKey(
            "y is not below the field modulus p",
        ));
    }
    Affine::from_limbs_vartime(&x, &y)
        .ok_or(GostError::InvalidPublicKey("the point is not on the curve"))
}

/// Checks a public point `x ‖ y` (little-endian, `2·coordinate_len` bytes): coordinates below
/// `p`, on the curve, and for the cofactor-4 curves in the subgroup of order `q` (`q·Q = O`).
pub(crate) fn check_public(params: ParamSet, xy_le: &[u8]) -> Result<(), GostError> {
    dispatch!(params, check_public_n(xy_le))
}

fn check_public_n<const N: usize, C: CurveSpec<N>>(xy_le: &[u8]) -> Result<(), GostError> {
    let point = decode::<N, C>(xy_le)?;
    if C::COFACTOR != 1 && !mul_vartime(&point, &C::Q).is_identity_vartime() {
        return Err(GostError::InvalidPublicKey(
            "the point is not in the subgroup of order q",
        ));
    }
    Ok(())
}

/// GOST R 34.10-2012 §6.2 steps 6–7 for the public key `x ‖ y` (little-endian, already
/// checked by [`check_public`]) and big-endian `z₁`, `z₂`, `r`: whether
/// `x(z₁·P + z₂·Q) mod q = r`.
pub(crate) fn verify_combination(
    params: ParamSet,
    xy_le: &[u8],
    z1_be: &[u8],
    z2_be: &[u8],
    r_be: &[u8],
) -> Result<bool, GostError> {
    dispatch!(params, verify_combination_n(xy_le, z1_be, z2_be, r_be))
}

fn verify_combination_n<const N: usize, C: CurveSpec<N>>(
    xy_le: &[u8],
    z1_be: &[u8],
    z2_be: &[u8],
    r_be: &[u8],
) -> Result<bool, GostError> {
    let q = decode::<N, C>(xy_le)?;
    let c = lincomb_vartime(&scalar_limbs::<N>(z1_be), &q, &scalar_limbs::<N>(z2_be));
    Ok(x_mod_q_equals(&c, &scalar_limbs::<N>(r_be)))
}
