//! Property tests of the specialised arithmetic (`field.rs`, `point.rs`) against the generic
//! reference implementation signflow used before (`reference.rs`, `crypto-bigint` with the
//! modulus at run time), on every parameter set: field operations on edge and random values,
//! the constant-time comb against the reference ladder for edge and random scalars (0, 1,
//! q − 1, q, 2^(64N) − 1, every radix-32 digit pattern…), the verification combination
//! `u₁·G + u₂·Q` (including `Q = ±G`, which makes additions double or cancel), the final
//! `x mod q` comparison, the exceptional cases of the Jacobian formulas, points with `x = 0`,
//! and the subgroup check on random points of the cofactor-4 curves.
//!
//! Random values come from a fixed-seed SplitMix64, so failures reproduce.

use crypto_bigint::{U256, U512, Uint};

use super::field::{Fe, FieldSpec, limbs_from_be, limbs_to_be};
use super::params::{
    CryptoProA, CryptoProB, CryptoProC, Tc26_256A, Tc26_512A, Tc26_512B, Tc26_512C, Test256,
    Test512,
};
use super::point::{
    Affine, CurveSpec, Jacobian, lincomb_vartime, mul_base_ct, mul_vartime,
    projective_to_affine_ct, x_mod_q_equals,
};
use super::reference::{Fe as RefFe, Point as RefPoint, RefCurve};

/// SplitMix64 (Steele, Lea, Flood 2014): a small deterministic generator for test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform below `bound` (rejection sampling on the bit length of `bound`).
    fn below<const N: usize>(&mut self, bound: &[u64; N]) -> [u64; N] {
        let top = (0..N)
            .rev()
            .find(|&i| bound[i] != 0)
            .expect("nonzero bound");
        let mask = u64::MAX >> bound[top].leading_zeros();
        loop {
            let mut x = [0u64; N];
            for (i, limb) in x.iter_mut().enumerate().take(top + 1) {
                *limb = self.next();
                if i == top {
                    *limb &= mask;
                }
            }
            if lt(&x, bound) {
                return x;
            }
        }
    }
}

fn lt<const N: usize>(a: &[u64; N], b: &[u64; N]) -> bool {
    for i in (0..N).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

fn to_uint<const N: usize, const L: usize>(x: &[u64; N]) -> Uint<L> {
    let mut be = vec![0u8; 8 * N];
    limbs_to_be(x, &mut be);
    Uint::from_be_slice(&be)
}

fn from_uint<const N: usize, const L: usize>(x: &Uint<L>) -> [u64; N] {
    limbs_from_be(x.to_be_bytes().as_ref())
}

fn add_small<const N: usize>(x: &[u64; N], v: i64) -> [u64; N] {
    let mut out = *x;
    if v >= 0 {
        let mut carry = v as u64;
        for limb in out.iter_mut() {
            let (s, c) = limb.overflowing_add(carry);
            *limb = s;
            carry = c as u64;
        }
    } else {
        let mut borrow = v.unsigned_abs();
        for limb in out.iter_mut() {
            let (s, b) = limb.overflowing_sub(borrow);
            *limb = s;
            borrow = b as u64;
        }
    }
    out
}

fn shr1<const N: usize>(x: &[u64; N]) -> [u64; N] {
    let mut out = [0u64; N];
    for i in 0..N {
        out[i] = (x[i] >> 1) | x.get(i + 1).map_or(0, |h| h << 63);
    }
    out
}

fn reference<const N: usize, const L: usize, C: CurveSpec<N>>() -> RefCurve<L> {
    RefCurve::new(&C::HEX)
}

/// Integer values worth testing below `bound`: small ones, the top, the middle, a power of
/// two, digit patterns, and `count` random ones.
fn interesting<const N: usize>(bound: &[u64; N], rng: &mut Rng, count: usize) -> Vec<[u64; N]> {
    let mut v = Vec::new();
    for small in [0i64, 1, 2, 3, 15, 16, 17, 31, 32, 33] {
        v.push(add_small(&[0; N], small));
    }
    for below in [-1i64, -2, -16, -17, -32] {
        v.push(add_small(bound, below));
    }
    v.push(shr1(bound));
    let mut top_bit = [0u64; N];
    top_bit[N - 1] = 1 << 62;
    v.push(top_bit);
    v.push([0x1111_1111_1111_1111; N]);
    v.push([0x8421_0842_1084_2108; N]);
    v.push([0x0f0f_0f0f_0f0f_0f0f; N]);
    v.retain(|x| lt(x, bound));
    for _ in 0..count {
        v.push(rng.below(bound));
    }
    v
}

fn check_field<const N: usize, const L: usize, C: CurveSpec<N>>(rng: &mut Rng) {
    let r = reference::<N, L, C>();
    let fe = |x: &[u64; N]| Fe::<N, C>::from_limbs_vartime(x).expect("below p");
    let rfe = |x: &[u64; N]| RefFe::new(&to_uint::<N, L>(x), &r.p);
    let back = |x: &RefFe<L>| from_uint::<N, L>(&x.retrieve());
    let values = interesting(&C::P, rng, 40);
    assert!(Fe::<N, C>::from_limbs_vartime(&C::P).is_none(), "p itself");
    for a in &values {
        let (fa, ra) = (fe(a), rfe(a));
        assert_eq!(fa.to_limbs(), *a, "round trip");
        assert_eq!(fa.neg().to_limbs(), back(&ra.neg()), "neg {a:x?}");
        assert_eq!(fa.square().to_limbs(), back(&ra.square()), "square {a:x?}");
        assert_eq!(fa.double().to_limbs(), back(&ra.double()), "double {a:x?}");
        assert_eq!(fa.is_zero_vartime(), *a == [0; N]);
        assert_eq!(fa.is_zero_bit() == 1, *a == [0; N]);
        if *a != [0; N] {
            let inv = back(&ra.invert().into_option().unwrap());
            assert_eq!(fa.invert().to_limbs(), inv, "invert {a:x?}");
            assert_eq!(fa.invert_fermat().to_limbs(), inv, "invert_fermat {a:x?}");
        } else {
            assert_eq!(fa.invert().to_limbs(), [0; N]);
        }
        for b in values.iter().step_by(3) {
            let (fb, rb) = (fe(b), rfe(b));
            assert_eq!(fa.add(&fb).to_limbs(), back(&ra.add(&rb)), "add");
            assert_eq!(fa.sub(&fb).to_limbs(), back(&ra.sub(&rb)), "sub");
            assert_eq!(fa.mul(&fb).to_limbs(), back(&ra.mul(&rb)), "mul");
            assert_eq!(fa.select(&fb, 0).to_limbs(), *a);
            assert_eq!(fa.select(&fb, u64::MAX).to_limbs(), *b);
        }
    }
}

/// The lazy reduction of pseudo-Mersenne fields (`p = 2^(64N) − c`): elements may be held as
/// `x + p` for `x < c`. Every operation on such representatives, alone or mixed with canonical
/// ones, must give what the reference gives for `x`; and the zero tests and equality must see
/// through the representative.
fn check_lazy_representatives<const N: usize, const L: usize, C: CurveSpec<N>>(rng: &mut Rng) {
    let c = C::P[0].wrapping_neg();
    if (1..N).any(|i| C::P[i] != u64::MAX) || c >= 1 << 32 {
        return; // a Montgomery field: one representative per element
    }
    let r = reference::<N, L, C>();
    let rfe = |x: &[u64; N]| RefFe::new(&to_uint::<N, L>(x), &r.p);
    let back = |x: &RefFe<L>| from_uint::<N, L>(&x.retrieve());
    // x + p for small x, for the largest x (c − 1, i.e. 2^(64N) − 1) and a random x < c.
    let mut small: Vec<u64> = vec![0, 1, 2, c / 2, c - 2, c - 1];
    small.push(rng.next() % c);
    let canonical = interesting(&C::P, rng, 8);
    for x in small {
        let a = add_small(&C::P, x as i64);
        let lazy = Fe::<N, C>::from_representative(&a);
        let mut x_limbs = [0u64; N];
        x_limbs[0] = x;
        let plain = Fe::<N, C>::from_limbs_vartime(&x_limbs).expect("x < c < p");
        let rx = rfe(&x_limbs);
        assert_eq!(lazy.to_limbs(), x_limbs, "to_limbs of x + p, x = {x}");
        assert!(
            lazy == plain,
            "equality through the representative, x = {x}"
        );
        assert_eq!(lazy.is_zero_bit() == 1, x == 0);
        assert_eq!(lazy.is_zero_vartime(), x == 0);
        assert_eq!(lazy.neg().to_limbs(), back(&rx.neg()), "neg x = {x}");
        assert_eq!(
            lazy.square().to_limbs(),
            back(&rx.square()),
            "square x = {x}"
        );
        assert_eq!(
            lazy.double().to_limbs(),
            back(&rx.double()),
            "double x = {x}"
        );
        assert_eq!(
            lazy.mul_small(12).to_limbs(),
            back(&rx.mul(&rfe(&add_small(&[0; N], 12))))
        );
        if x != 0 {
            let inv = back(&rx.invert().into_option().unwrap());
            assert_eq!(lazy.invert().to_limbs(), inv, "invert x = {x}");
        }
        // Against itself, against a second representative and against canonical values, both
        // ways round.
        let others = canonical
            .iter()
            .map(|b| (Fe::<N, C>::from_limbs_vartime(b).expect("below p"), *b))
            .chain([
                (lazy, x_limbs),
                (Fe::from_representative(&[u64::MAX; N]), {
                    let mut m = [0u64; N];
                    m[0] = c - 1;
                    m
                }),
            ]);
        for (fb, b) in others {
            let rb = rfe(&b);
            for (l, rl, rr) in [
                (lazy.add(&fb), rx.add(&rb), "add"),
                (fb.add(&lazy), rb.add(&rx), "add'"),
            ] {
                assert_eq!(l.to_limbs(), back(&rl), "{rr} x = {x}, b = {b:x?}");
            }
            assert_eq!(
                lazy.sub(&fb).to_limbs(),
                back(&rx.sub(&rb)),
                "sub x = {x}, b = {b:x?}"
            );
            assert_eq!(
                fb.sub(&lazy).to_limbs(),
                back(&rb.sub(&rx)),
                "sub' x = {x}, b = {b:x?}"
            );
            assert_eq!(
                lazy.mul(&fb).to_limbs(),
                back(&rx.mul(&rb)),
                "mul x = {x}, b = {b:x?}"
            );
        }
    }
    // Long chains of lazy results fed back in: a running product and sum against the reference.
    let (mut acc, mut racc) = (Fe::<N, C>::from_representative(&[u64::MAX; N]), {
        let mut m = [0u64; N];
        m[0] = c - 1;
        rfe(&m)
    });
    for b in &canonical {
        let (fb, rb) = (Fe::<N, C>::from_limbs_vartime(b).expect("below p"), rfe(b));
        acc = acc.mul(&fb).add(&acc).sub(&fb.square());
        racc = racc.mul(&rb).add(&racc).sub(&rb.square());
        assert_eq!(acc.to_limbs(), back(&racc), "chain");
    }
}

/// `k·G` by the reference's constant-time ladder (what signing used before), affine, or `None`
/// for the identity.
fn ref_base_mul<const N: usize, const L: usize>(
    r: &RefCurve<L>,
    k: &[u64; N],
) -> Option<([u64; N], [u64; N])> {
    let p = r.mul_ct(&r.generator(), &to_uint::<N, L>(k));
    ref_affine(&p)
}

fn ref_affine<const N: usize, const L: usize>(p: &RefPoint<L>) -> Option<([u64; N], [u64; N])> {
    p.affine_vartime()
        .map(|(x, y)| (from_uint::<N, L>(&x), from_uint::<N, L>(&y)))
}

fn jac_affine<const N: usize, C: CurveSpec<N>>(p: &Jacobian<N, C>) -> Option<([u64; N], [u64; N])> {
    p.to_affine_vartime().map(|a| a.to_limbs())
}

fn check_comb<const N: usize, const L: usize, C: CurveSpec<N>>(rng: &mut Rng, count: usize) {
    let r = reference::<N, L, C>();
    let mut scalars = interesting(&C::Q, rng, count);
    // At and above q, up to 2^(64N) − 1: the comb takes any N-limb integer.
    scalars.push(C::Q);
    scalars.push(add_small(&C::Q, 1));
    scalars.push([u64::MAX; N]);
    // Every digit at its extremes: 0b10000 patterns recode to −16, all ones to −1 with carries.
    scalars.push([0x8421_0842_1084_2108 << 1; N]);
    for k in &scalars {
        let mut p = mul_base_ct::<N, C>(k);
        let fast = projective_to_affine_ct(&mut p);
        assert_eq!(fast, ref_base_mul::<N, L>(&r, k), "comb k = {k:x?}");
        let slow = jac_affine(&mul_vartime(&C::G, k));
        assert_eq!(slow, fast, "wNAF single multiplication k = {k:x?}");
    }
}

/// A random point `t·G` of the subgroup.
fn random_point<const N: usize, C: CurveSpec<N>>(rng: &mut Rng) -> Affine<N, C> {
    let t = rng.below(&C::Q);
    let (x, y) = jac_affine(&mul_vartime(&C::G, &t)).expect("t ≠ 0");
    Affine::from_limbs_vartime(&x, &y).expect("on the curve")
}

fn ref_point<const N: usize, const L: usize, C: CurveSpec<N>>(
    r: &RefCurve<L>,
    p: &Affine<N, C>,
) -> RefPoint<L> {
    let (x, y) = p.to_limbs();
    let (x, y) = (
        r.fe(&to_uint::<N, L>(&x)).unwrap(),
        r.fe(&to_uint::<N, L>(&y)).unwrap(),
    );
    assert!(r.is_on_curve(&x, &y));
    RefPoint::from_affine(r, &x, &y)
}

fn check_lincomb<const N: usize, const L: usize, C: CurveSpec<N>>(rng: &mut Rng, count: usize) {
    let r = reference::<N, L, C>();
    let g = C::G;
    let q_minus_1 = add_small(&C::Q, -1);
    let mut cases: Vec<([u64; N], Affine<N, C>, [u64; N])> = Vec::new();
    let one = add_small(&[0; N], 1);
    let u = rng.below(&C::Q);
    // Q = G with u₁ = u₂: the G and Q digits coincide, so additions meet equal points.
    cases.push((u, g, u));
    // Q = −G with u₁ = u₂: the result is the identity; additions meet opposite points.
    cases.push((u, g.neg(), u));
    cases.push((one, g, q_minus_1));
    cases.push(([0; N], g, one));
    cases.push((one, g, [0; N]));
    cases.push(([0; N], g, [0; N]));
    for _ in 0..count {
        let q = random_point::<N, C>(rng);
        let u1 = rng.below(&C::Q);
        let u2 = rng.below(&C::Q);
        cases.push((u1, q, u2));
        cases.push((u1, q, add_small(&C::Q, -1)));
    }
    for (u1, q, u2) in &cases {
        let fast = lincomb_vartime(u1, q, u2);
        let slow = r.lincomb_vartime(
            &r.generator(),
            &to_uint::<N, L>(u1),
            &ref_point(&r, q),
            &to_uint::<N, L>(u2),
        );
        let expected = ref_affine::<N, L>(&slow);
        assert_eq!(jac_affine(&fast), expected, "u1 = {u1:x?}, u2 = {u2:x?}");
        // The final comparison: x mod q against r, without inversion.
        match expected {
            None => assert!(!x_mod_q_equals(&fast, &one)),
            Some((x, _)) => {
                let xr = to_uint::<N, L>(&x).rem_vartime(r.q_nz());
                let rr = from_uint::<N, L>(&xr);
                if rr != [0; N] {
                    assert!(x_mod_q_equals(&fast, &rr), "x mod q");
                }
                let other = if rr == q_minus_1 {
                    one
                } else {
                    add_small(&rr, 1)
                };
                assert!(!x_mod_q_equals(&fast, &other), "x mod q, wrong r");
            }
        }
    }
}

fn check_jacobian_exceptions<const N: usize, C: CurveSpec<N>>(rng: &mut Rng) {
    let p = random_point::<N, C>(rng);
    let pj = Jacobian::from_affine(&p);
    // A Jacobian representative with Z ≠ 1.
    let p3 = pj.double().add(&pj);
    let p2 = pj.double();
    let id = Jacobian::<N, C>::IDENTITY;
    assert!(p2.add(&pj).eq_vartime(&p3));
    assert!(pj.add(&pj).eq_vartime(&p2), "P + P");
    assert!(pj.add_affine(&p).eq_vartime(&p2), "P + P (mixed)");
    assert!(p3.add(&p3).eq_vartime(&p3.double()), "3P + 3P");
    assert!(pj.add(&pj.neg()).is_identity_vartime(), "P − P");
    assert!(
        pj.add_affine(&p.neg()).is_identity_vartime(),
        "P − P (mixed)"
    );
    assert!(
        id.add(&p3).eq_vartime(&p3) && p3.add(&id).eq_vartime(&p3),
        "O + P"
    );
    assert!(id.add_affine(&p).eq_vartime(&pj), "O + P (mixed)");
    assert!(id.double().is_identity_vartime(), "2·O");
    assert!(mul_vartime(&p, &C::Q).is_identity_vartime(), "q·P");
}

/// `v^e` for a public exponent (tests only).
fn pow<const N: usize, C: CurveSpec<N>>(v: &Fe<N, C>, e: &[u64; N]) -> Fe<N, C> {
    let mut acc = Fe::ONE;
    for i in (0..64 * N).rev() {
        acc = acc.square();
        if (e[i / 64] >> (i % 64)) & 1 == 1 {
            acc = acc.mul(v);
        }
    }
    acc
}

/// A square root by Tonelli–Shanks (variable time, tests only), or `None` for a non-square.
fn sqrt<const N: usize, C: CurveSpec<N>>(v: &Fe<N, C>) -> Option<Fe<N, C>> {
    if v.is_zero_vartime() {
        return Some(*v);
    }
    let p_minus_1 = add_small(&C::P, -1);
    let half = shr1(&p_minus_1);
    let is_square = |x: &Fe<N, C>| pow(x, &half) == Fe::ONE;
    if !is_square(v) {
        return None;
    }
    let mut s = 0;
    let mut t = p_minus_1;
    while t[0] & 1 == 0 {
        t = shr1(&t);
        s += 1;
    }
    let mut z = Fe::<N, C>::ONE.double();
    while is_square(&z) {
        z = z.add(&Fe::ONE);
    }
    let mut m = s;
    let mut c = pow(&z, &t);
    let mut tt = pow(v, &t);
    let mut r = pow(v, &shr1(&add_small(&t, 1)));
    while tt != Fe::ONE {
        let mut i = 0;
        let mut x = tt;
        while x != Fe::ONE {
            x = x.square();
            i += 1;
        }
        let b = c.square_n(m - i - 1);
        m = i;
        c = b.square();
        tt = tt.mul(&c);
        r = r.mul(&b);
    }
    assert!(r.square() == *v);
    Some(r)
}

/// Points found from `x` by a square root: `x = 0` where it lies on the curve, and random
/// points of the whole group (on the cofactor-4 curves, mostly outside the subgroup).
fn check_points_from_x<const N: usize, const L: usize, C: CurveSpec<N>>(rng: &mut Rng) {
    let r = reference::<N, L, C>();
    let a = Fe::<N, C>::from_limbs_vartime(&C::A_INT).unwrap();
    let b = Fe::<N, C>::from_limbs_vartime(&C::B_INT).unwrap();
    let mut xs = vec![[0u64; N]];
    for _ in 0..12 {
        xs.push(rng.below(&C::P));
    }
    let mut outside = 0;
    for x in xs {
        let fx = Fe::<N, C>::from_limbs_vartime(&x).unwrap();
        let rhs = fx.square().add(&a).mul(&fx).add(&b);
        let Some(y) = sqrt(&rhs) else { continue };
        let y = y.to_limbs();
        let p = Affine::<N, C>::from_limbs_vartime(&x, &y).expect("on the curve");
        let rp = ref_point(&r, &p);
        let in_subgroup = bool::from(r.mul_vartime(&rp, r.q_uint()).is_identity());
        assert_eq!(
            mul_vartime(&p, &C::Q).is_identity_vartime(),
            in_subgroup,
            "subgroup check, x = {x:x?}"
        );
        if C::COFACTOR == 1 {
            assert!(in_subgroup);
        } else if !in_subgroup {
            outside += 1;
            continue;
        }
        // A subgroup point with this x: the verification combination agrees.
        let u1 = rng.below(&C::Q);
        let u2 = rng.below(&C::Q);
        let fast = lincomb_vartime(&u1, &p, &u2);
        let slow = r.lincomb_vartime(
            &r.generator(),
            &to_uint::<N, L>(&u1),
            &rp,
            &to_uint::<N, L>(&u2),
        );
        assert_eq!(jac_affine(&fast), ref_affine::<N, L>(&slow));
    }
    if C::COFACTOR != 1 {
        assert!(
            outside > 0,
            "no random point outside the subgroup was tried"
        );
    }
}

fn check_curve<const N: usize, const L: usize, C: CurveSpec<N>>(seed: u64, count: usize) {
    let mut rng = Rng(seed);
    check_field::<N, L, C>(&mut rng);
    check_lazy_representatives::<N, L, C>(&mut rng);
    check_comb::<N, L, C>(&mut rng, count);
    check_lincomb::<N, L, C>(&mut rng, count);
    check_jacobian_exceptions::<N, C>(&mut rng);
    check_points_from_x::<N, L, C>(&mut rng);
}

const L4: usize = U256::LIMBS;
const L8: usize = U512::LIMBS;

#[test]
fn test256_matches_reference() {
    check_curve::<4, L4, Test256>(1, 24);
}

#[test]
fn cryptopro_a_matches_reference() {
    check_curve::<4, L4, CryptoProA>(2, 24);
}

#[test]
fn cryptopro_b_matches_reference() {
    check_curve::<4, L4, CryptoProB>(3, 24);
}

#[test]
fn cryptopro_c_matches_reference() {
    check_curve::<4, L4, CryptoProC>(4, 24);
}

#[test]
fn tc26_256a_matches_reference() {
    check_curve::<4, L4, Tc26_256A>(5, 24);
}

#[test]
fn test512_matches_reference() {
    check_curve::<8, L8, Test512>(6, 8);
}

#[test]
fn tc26_512a_matches_reference() {
    check_curve::<8, L8, Tc26_512A>(7, 8);
}

#[test]
fn tc26_512b_matches_reference() {
    check_curve::<8, L8, Tc26_512B>(8, 8);
}

#[test]
fn tc26_512c_matches_reference() {
    check_curve::<8, L8, Tc26_512C>(9, 8);
}

/// Which reduction each field uses: the pseudo-Mersenne path must be taken where it applies.
#[test]
fn reductions_are_chosen_from_the_modulus() {
    assert_eq!(<CryptoProA as FieldSpec<4>>::C, 617);
    assert_eq!(<Tc26_256A as FieldSpec<4>>::C, 617);
    assert_eq!(<Tc26_512A as FieldSpec<8>>::C, 569);
    assert_eq!(<Tc26_512C as FieldSpec<8>>::C, 569);
    for c in [
        <Test256 as FieldSpec<4>>::C,
        <CryptoProB as FieldSpec<4>>::C,
        <CryptoProC as FieldSpec<4>>::C,
    ] {
        assert_eq!(c, 0);
    }
    assert_eq!(<Test512 as FieldSpec<8>>::C, 0);
    assert_eq!(<Tc26_512B as FieldSpec<8>>::C, 0);
}
