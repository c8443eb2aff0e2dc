//! The reference implementation: the generic elliptic-curve arithmetic signflow used before
//! the specialised fields of `field.rs` and `point.rs` (kept for tests only, which compare the
//! two on random and edge-case inputs for every parameter set).
//!
//! Short Weierstrass curves `y² = x³ + a·x + b (mod p)`, on `crypto-bigint` Montgomery forms
//! with the modulus carried at run time.
//!
//! Points are kept in homogeneous projective coordinates `(X : Y : Z)` (`x = X/Z`, `y = Y/Z`,
//! identity `(0 : 1 : 0)`) and added with the complete formulas of Renes, Costello and Batina,
//! "Complete addition formulas for prime order elliptic curves" (EUROCRYPT 2016,
//! <https://eprint.iacr.org/2015/1060>), Algorithm 1 (addition) and Algorithm 3 (doubling), for
//! an arbitrary `a`. The formulas have no exceptional cases on a group without points of order
//! two. Two parameter sets (tc26 256 A and 512 C) have cofactor 4, so the whole group has such
//! points; but every point this module combines lies in the subgroup of prime order `q` (the
//! base point, and public keys, which [`super::PublicKey`] checks with `q·Q = O`), where the
//! formulas stay complete.
//!
//! Signing used [`RefCurve::mul_ct`], a double-and-add-always ladder over every bit of the
//! scalar's `Uint` with constant-time selection. Verification, on public data only, used the
//! variable-time [`RefCurve::lincomb_vartime`].

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Choice, CtSelect, NonZero, Uint};
use zeroize::Zeroize;

use super::arith::be_hex;

/// A field element (mod `p`) or scalar (mod `q`) in Montgomery form.
pub(crate) type Fe<const L: usize> = FixedMontyForm<L>;

/// One curve: the field, the group order and the base point. Built at compile time.
#[derive(Debug)]
pub(crate) struct RefCurve<const L: usize> {
    /// The field modulus `p`.
    pub p: FixedMontyParams<L>,
    /// The prime order `q` of the base point's subgroup.
    pub q: FixedMontyParams<L>,
    /// Curve coefficient `a`.
    pub a: Fe<L>,
    /// Curve coefficient `b`.
    pub b: Fe<L>,
    /// `3·b`, used by the complete formulas.
    pub b3: Fe<L>,
    /// Base point `P` (called `G` in this module's comments), affine `x`.
    pub gx: Fe<L>,
    /// Base point, affine `y`.
    pub gy: Fe<L>,
}

impl<const L: usize> RefCurve<L> {
    /// Builds a curve from big-endian hex parameters, in the order RFC 4357 §11.4 lists them.
    pub const fn new(hex: &[&str; 6]) -> Self {
        let [p, a, b, q, x, y] = *hex;
        let pu = be_hex::<L>(p);
        let qu = be_hex::<L>(q);
        let pp = FixedMontyParams::new_vartime(pu.to_odd().expect_copied("p must be odd"));
        let qp = FixedMontyParams::new_vartime(qu.to_odd().expect_copied("q must be odd"));
        let bm = Fe::new(&be_hex::<L>(b), &pp);
        Self {
            p: pp,
            q: qp,
            a: Fe::new(&be_hex::<L>(a), &pp),
            b: bm,
            b3: bm.add(&bm).add(&bm),
            gx: Fe::new(&be_hex::<L>(x), &pp),
            gy: Fe::new(&be_hex::<L>(y), &pp),
        }
    }

    /// The field modulus as an integer.
    pub fn p_uint(&self) -> &Uint<L> {
        self.p.modulus().as_ref()
    }

    /// The group order as an integer.
    pub fn q_uint(&self) -> &Uint<L> {
        self.q.modulus().as_ref()
    }

    /// `q` as a divisor.
    pub fn q_nz(&self) -> &NonZero<Uint<L>> {
        self.q.modulus().as_nz_ref()
    }

    /// The base point.
    pub fn generator(&self) -> Point<L> {
        Point::from_affine(self, &self.gx, &self.gy)
    }

    /// A field element from an integer, or `None` unless `v < p`.
    pub fn fe(&self, v: &Uint<L>) -> Option<Fe<L>> {
        (v < self.p_uint()).then(|| Fe::new(v, &self.p))
    }

    /// Whether the affine point `(x, y)` satisfies the curve equation.
    pub fn is_on_curve(&self, x: &Fe<L>, y: &Fe<L>) -> bool {
        let rhs = x.square().mul(x).add(&self.a.mul(x)).add(&self.b);
        y.square() == rhs
    }

    /// `P + Q`: Renes–Costello–Batina 2016, Algorithm 1 (complete addition, any `a`).
    pub fn add(&self, p: &Point<L>, q: &Point<L>) -> Point<L> {
        let (a, b3) = (&self.a, &self.b3);
        let t0 = p.x.mul(&q.x); // 1
        let t1 = p.y.mul(&q.y); // 2
        let t2 = p.z.mul(&q.z); // 3
        let t3 = p.x.add(&p.y).mul(&q.x.add(&q.y)); // 4, 5, 6
        let t3 = t3.sub(&t0.add(&t1)); // 7, 8
        let t4 = p.x.add(&p.z).mul(&q.x.add(&q.z)); // 9, 10, 11
        let t4 = t4.sub(&t0.add(&t2)); // 12, 13
        let t5 = p.y.add(&p.z).mul(&q.y.add(&q.z)); // 14, 15, 16
        let t5 = t5.sub(&t1.add(&t2)); // 17, 18
        let z3 = a.mul(&t4).add(&b3.mul(&t2)); // 19, 20, 21
        let x3 = t1.sub(&z3); // 22
        let z3 = t1.add(&z3); // 23
        let y3 = x3.mul(&z3); // 24
        let t1 = t0.double().add(&t0); // 25, 26
        let t2 = a.mul(&t2); // 27
        let t4 = b3.mul(&t4); // 28
        let t1 = t1.add(&t2); // 29
        let t2 = a.mul(&t0.sub(&t2)); // 30, 31
        let t4 = t4.add(&t2); // 32
        let y3 = y3.add(&t1.mul(&t4)); // 33, 34
        let x3 = t3.mul(&x3).sub(&t5.mul(&t4)); // 35, 36, 37
        let z3 = t5.mul(&z3).add(&t3.mul(&t1)); // 38, 39, 40
        Point {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `2·P`: Renes–Costello–Batina 2016, Algorithm 3 (exception-free doubling, any `a`).
    pub fn double(&self, p: &Point<L>) -> Point<L> {
        let (a, b3) = (&self.a, &self.b3);
        let t0 = p.x.square(); // 1
        let t1 = p.y.square(); // 2
        let t2 = p.z.square(); // 3
        let t3 = p.x.mul(&p.y).double(); // 4, 5
        let z3 = p.x.mul(&p.z).double(); // 6, 7
        let y3 = a.mul(&z3).add(&b3.mul(&t2)); // 8, 9, 10
        let x3 = t1.sub(&y3); // 11
        let y3 = t1.add(&y3).mul(&x3); // 12, 13
        let x3 = t3.mul(&x3); // 14
        let z3 = b3.mul(&z3); // 15
        let t2 = a.mul(&t2); // 16
        let t3 = a.mul(&t0.sub(&t2)).add(&z3); // 17, 18, 19
        let t0 = t0.double().add(&t0).add(&t2); // 20, 21, 22
        let y3 = y3.add(&t0.mul(&t3)); // 23, 24
        let t2 = p.y.mul(&p.z).double(); // 25, 26
        let x3 = x3.sub(&t2.mul(&t3)); // 27, 28
        let z3 = t2.mul(&t1).double().double(); // 29, 30, 31
        Point {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `k·P` in constant time with respect to `k` (and `P`): double-and-add-always over all
    /// `Uint::<L>::BITS` bits, selecting with [`CtSelect`]. For secret scalars.
    pub fn mul_ct(&self, p: &Point<L>, k: &Uint<L>) -> Point<L> {
        let mut acc = Point::identity(self);
        let mut i = Uint::<L>::BITS;
        while i > 0 {
            i -= 1;
            acc = self.double(&acc);
            let sum = self.add(&acc, p);
            acc = acc.ct_select(&sum, k.bit(i));
        }
        acc
    }

    /// `k·P` in variable time, for public scalars (tests and the subgroup check `q·Q = O`).
    pub fn mul_vartime(&self, p: &Point<L>, k: &Uint<L>) -> Point<L> {
        let mut acc = Point::identity(self);
        let mut i = k.bits_vartime();
        while i > 0 {
            i -= 1;
            acc = self.double(&acc);
            if k.bit_vartime(i) {
                acc = self.add(&acc, p);
            }
        }
        acc
    }

    /// `u1·P + u2·Q` in variable time (Shamir's trick), for signature verification.
    pub fn lincomb_vartime(
        &self,
        p: &Point<L>,
        u1: &Uint<L>,
        q: &Point<L>,
        u2: &Uint<L>,
    ) -> Point<L> {
        let pq = self.add(p, q);
        let mut acc = Point::identity(self);
        let mut i = u1.bits_vartime().max(u2.bits_vartime());
        while i > 0 {
            i -= 1;
            acc = self.double(&acc);
            match (u1.bit_vartime(i), u2.bit_vartime(i)) {
                (true, true) => acc = self.add(&acc, &pq),
                (true, false) => acc = self.add(&acc, p),
                (false, true) => acc = self.add(&acc, q),
                (false, false) => {}
            }
        }
        acc
    }
}

/// A point in projective coordinates `(X : Y : Z)`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Point<const L: usize> {
    x: Fe<L>,
    y: Fe<L>,
    z: Fe<L>,
}

impl<const L: usize> Point<L> {
    /// The point at infinity `(0 : 1 : 0)`.
    pub fn identity(curve: &RefCurve<L>) -> Self {
        Self {
            x: Fe::zero(&curve.p),
            y: Fe::one(&curve.p),
            z: Fe::zero(&curve.p),
        }
    }

    /// `(x : y : 1)`; the caller checks the point is on the curve.
    pub fn from_affine(curve: &RefCurve<L>, x: &Fe<L>, y: &Fe<L>) -> Self {
        Self {
            x: *x,
            y: *y,
            z: Fe::one(&curve.p),
        }
    }

    /// Whether this is the point at infinity (constant time).
    pub fn is_identity(&self) -> Choice {
        !self.z.as_montgomery().is_nonzero()
    }

    /// The affine coordinates as integers, in variable time; `None` for the identity.
    pub fn affine_vartime(&self) -> Option<(Uint<L>, Uint<L>)> {
        let zinv = self.z.invert_vartime().into_option()?;
        Some((self.x.mul(&zinv).retrieve(), self.y.mul(&zinv).retrieve()))
    }
}

impl<const L: usize> CtSelect for Point<L> {
    fn ct_select(&self, other: &Self, choice: Choice) -> Self {
        Self {
            x: self.x.ct_select(&other.x, choice),
            y: self.y.ct_select(&other.y, choice),
            z: self.z.ct_select(&other.z, choice),
        }
    }
}

impl<const L: usize> Zeroize for Point<L> {
    fn zeroize(&mut self) {
        self.x.zeroize();
        self.y.zeroize();
        self.z.zeroize();
    }
}
