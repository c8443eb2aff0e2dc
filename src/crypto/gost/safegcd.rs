//! Constant-time inversion modulo an odd 256-bit prime by Bernstein–Yang's safegcd ("Fast
//! constant-time gcd computation and modular inversion", 2019), with the `δ = ½` variant of
//! the divstep that needs at most 590 steps for 256-bit inputs, in batches of 62 steps on the
//! low 64 bits whose 2×2 transition matrix is then applied to the full-width values. Values
//! are held in five signed 62-bit limbs (`v₀ + v₁·2^62 + … + v₄·2^248`, limbs 0–3 in
//! `[0, 2^62)`, limb 4 signed), so a limb times a matrix entry fits in 124 bits.
//!
//! Written for signflow from the paper and Pieter Wuille's public write-up of the algorithm
//! (the libsecp256k1 `safegcd_implementation.md` notes): the batch size, the limb layout and
//! the modular update that keeps `d`, `e` in `(−2p, p)` follow that description. It replaces
//! the 255-squaring addition chain for the 256-bit fields (about 2.9 µs) and `crypto-bigint`'s
//! generic safegcd (about 3.7 µs). Every step runs whatever the values: masks, no branches or
//! indexes that depend on them.

/// `2^62 − 1`.
const M62: i64 = (u64::MAX >> 2) as i64;

/// Batches of 62 divsteps: 620 ≥ 590, the bound for 256-bit moduli.
const BATCHES: usize = 10;

/// A value in signed 62-bit limbs.
type Signed62 = [i64; 5];

/// The transition matrix of 62 divsteps, scaled by `2^62`: `[f'; g'] = [u v; q r]·[f; g] / 2^62`.
struct Transition {
    u: i64,
    v: i64,
    q: i64,
    r: i64,
}

/// `x` (four 64-bit limbs, little-endian) in signed 62-bit limbs.
fn to_signed62(x: &[u64; 4]) -> Signed62 {
    let m = M62 as u64;
    [
        (x[0] & m) as i64,
        ((x[0] >> 62 | x[1] << 2) & m) as i64,
        ((x[1] >> 60 | x[2] << 4) & m) as i64,
        ((x[2] >> 58 | x[3] << 6) & m) as i64,
        (x[3] >> 56) as i64,
    ]
}

/// Back to four 64-bit limbs, for a value in `[0, 2^256)` with limbs 0–3 in `[0, 2^62)`.
fn from_signed62(v: &Signed62) -> [u64; 4] {
    let l = v.map(|x| x as u64);
    [
        l[0] | l[1] << 62,
        l[1] >> 2 | l[2] << 60,
        l[2] >> 4 | l[3] << 58,
        l[3] >> 6 | l[4] << 56,
    ]
}

/// `p⁻¹ mod 2^62` for odd `p` (Newton's iteration doubles the correct low bits each step).
const fn inverse_mod_2_62(p0: u64) -> i64 {
    let mut x = p0; // correct to 3 bits for odd p0
    let mut i = 0;
    while i < 5 {
        x = x.wrapping_mul(2u64.wrapping_sub(p0.wrapping_mul(x)));
        i += 1;
    }
    (x & (M62 as u64)) as i64
}

/// 62 divsteps on the low bits of `f` (odd) and `g`, in constant time; returns the new `ζ`
/// (`ζ = −(δ + ½)`) and the scaled transition matrix.
fn divsteps_62(mut zeta: i64, mut f: u64, mut g: u64) -> (i64, Transition) {
    let (mut u, mut v, mut q, mut r) = (1i64, 0i64, 0i64, 1i64);
    for _ in 0..62 {
        // c1: all ones if ζ < 0 (δ > 0), when an odd g makes this a swapping step.
        let c1 = zeta >> 63;
        // x, y, z: f, u, v, negated if ζ < 0.
        let x = ((f as i64 ^ c1).wrapping_sub(c1)) as u64;
        let y = (u ^ c1).wrapping_sub(c1);
        let z = (v ^ c1).wrapping_sub(c1);
        // c2: all ones if g is odd; then g, q, r gain x, y, z.
        let c2 = -((g & 1) as i64);
        g = g.wrapping_add(x & c2 as u64);
        q = q.wrapping_add(y & c2);
        r = r.wrapping_add(z & c2);
        // A swapping step (ζ < 0 and g odd): ζ → −ζ − 2, and f, u, v gain the new g, q, r
        // (which makes them the old g, q, r); otherwise ζ → ζ − 1.
        let c3 = c1 & c2;
        zeta = (zeta ^ c3).wrapping_sub(1);
        f = f.wrapping_add(g & c3 as u64);
        u = u.wrapping_add(q & c3);
        v = v.wrapping_add(r & c3);
        // g is even now: halve it; the matrix is kept scaled by 2^62, so u and v double instead.
        g >>= 1;
        u = u.wrapping_shl(1);
        v = v.wrapping_shl(1);
    }
    (zeta, Transition { u, v, q, r })
}

/// `[f; g] ← t·[f; g] / 2^62` (exact: the low 62 bits of both products are zero).
fn update_fg(f: &mut Signed62, g: &mut Signed62, t: &Transition) {
    let (u, v, q, r) = (t.u as i128, t.v as i128, t.q as i128, t.r as i128);
    let mut cf = u * f[0] as i128 + v * g[0] as i128;
    let mut cg = q * f[0] as i128 + r * g[0] as i128;
    debug_assert_eq!(cf as i64 & M62, 0);
    debug_assert_eq!(cg as i64 & M62, 0);
    cf >>= 62;
    cg >>= 62;
    for i in 1..5 {
        cf += u * f[i] as i128 + v * g[i] as i128;
        cg += q * f[i] as i128 + r * g[i] as i128;
        f[i - 1] = cf as i64 & M62;
        g[i - 1] = cg as i64 & M62;
        cf >>= 62;
        cg >>= 62;
    }
    f[4] = cf as i64;
    g[4] = cg as i64;
}

/// `[d; e] ← t·[d; e] / 2^62 mod p`, both kept in `(−2p, p)`: a multiple of `p` chosen so that
/// the low 62 bits vanish is added before the shift (and `p` times the entries that meet a
/// negative `d` or `e`, which keeps the result above `−2p`).
fn update_de(d: &mut Signed62, e: &mut Signed62, t: &Transition, p: &Signed62, p_inv62: i64) {
    let sd = d[4] >> 63;
    let se = e[4] >> 63;
    let mut md = (t.u & sd) + (t.v & se);
    let mut me = (t.q & sd) + (t.r & se);
    let (u, v, q, r) = (t.u as i128, t.v as i128, t.q as i128, t.r as i128);
    let mut cd = u * d[0] as i128 + v * e[0] as i128;
    let mut ce = q * d[0] as i128 + r * e[0] as i128;
    md -= (p_inv62.wrapping_mul(cd as i64).wrapping_add(md)) & M62;
    me -= (p_inv62.wrapping_mul(ce as i64).wrapping_add(me)) & M62;
    cd += p[0] as i128 * md as i128;
    ce += p[0] as i128 * me as i128;
    debug_assert_eq!(cd as i64 & M62, 0);
    debug_assert_eq!(ce as i64 & M62, 0);
    cd >>= 62;
    ce >>= 62;
    for i in 1..5 {
        cd += u * d[i] as i128 + v * e[i] as i128 + p[i] as i128 * md as i128;
        ce += q * d[i] as i128 + r * e[i] as i128 + p[i] as i128 * me as i128;
        d[i - 1] = cd as i64 & M62;
        e[i - 1] = ce as i64 & M62;
        cd >>= 62;
        ce >>= 62;
    }
    d[4] = cd as i64;
    e[4] = ce as i64;
}

/// All ones if `x < 0`, else 0, through the optimisation barrier: without it the compiler
/// turned the masked additions of the final normalisation into a branch on the sign of `d`
/// (Memcheck's report in gost-ct's ctgrind run).
fn sign_mask(x: i64) -> i64 {
    super::field::barrier((x as u64) >> 63) as i64
}

/// Adds `p` to `v` where `mask` is all ones, then carries so that limbs 0–3 are in
/// `[0, 2^62)` and the sign is limb 4's.
fn add_masked_and_carry(v: &mut Signed62, p: &Signed62, mask: i64) {
    for (limb, p_limb) in v.iter_mut().zip(p) {
        *limb += p_limb & mask;
    }
    carry(v);
}

/// Carries so that limbs 0–3 are in `[0, 2^62)` and the sign is limb 4's.
fn carry(v: &mut Signed62) {
    for i in 0..4 {
        v[i + 1] += v[i] >> 62;
        v[i] &= M62;
    }
}

/// `x⁻¹ mod p` for `x < p` (0 for 0), `p` an odd prime below `2^256`, in constant time.
pub(crate) fn invert(x: &[u64; 4], p: &[u64; 4]) -> [u64; 4] {
    let p62 = to_signed62(p);
    let p_inv62 = inverse_mod_2_62(p[0]);
    let (mut f, mut g) = (p62, to_signed62(x));
    let (mut d, mut e): (Signed62, Signed62) = ([0; 5], [1, 0, 0, 0, 0]);
    let mut zeta = -1;
    for _ in 0..BATCHES {
        let t;
        (zeta, t) = divsteps_62(zeta, f[0] as u64, g[0] as u64);
        update_de(&mut d, &mut e, &t, &p62, p_inv62);
        update_fg(&mut f, &mut g, &t);
    }
    // Now g = 0 and f = ±1 (the gcd; for x = 0, f = p and d = 0): the inverse is ±d.
    // d in (−2p, p): add p if negative, negate if f is, add p if still negative.
    let negative = sign_mask(d[4]);
    add_masked_and_carry(&mut d, &p62, negative);
    let negate = sign_mask(f[4]);
    for limb in d.iter_mut() {
        *limb = (*limb ^ negate).wrapping_sub(negate);
    }
    carry(&mut d);
    let negative = sign_mask(d[4]);
    add_masked_and_carry(&mut d, &p62, negative);
    from_signed62(&d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_bigint::{Odd, U256};

    fn check(x: &[u64; 4], p: &[u64; 4]) {
        let po = Odd::new(U256::from_words(*p)).unwrap();
        let xv = U256::from_words(*x);
        let expected = xv.invert_odd_mod(&po).unwrap_or(U256::ZERO).to_words();
        assert_eq!(invert(x, p), expected, "x = {x:x?}, p = {p:x?}");
    }

    #[test]
    fn matches_crypto_bigint() {
        use crate::crypto::gost::field::FieldSpec;
        use crate::crypto::gost::params::{CryptoProA, CryptoProB, CryptoProC, Tc26_256A, Test256};
        let moduli = [
            CryptoProA::P,
            CryptoProB::P,
            CryptoProC::P,
            Test256::P,
            Tc26_256A::P,
            // P-256 (not GOST; a modulus with mixed limbs).
            [u64::MAX, 0xffff_ffff, 0, 0xffff_ffff_0000_0001],
        ];
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for p in &moduli {
            let below = |mut x: [u64; 4]| {
                // Reduce by clearing the top bits until below p (a test helper, not constant time).
                while U256::from_words(x) >= U256::from_words(*p) {
                    x[3] >>= 1;
                }
                x
            };
            check(&[0; 4], p);
            check(&[1, 0, 0, 0], p);
            check(&[2, 0, 0, 0], p);
            let mut pm1 = *p;
            pm1[0] -= 1;
            check(&pm1, p);
            for _ in 0..500 {
                check(&below([next(), next(), next(), next()]), p);
            }
            // Values with long runs of ones and zeros.
            for k in 0..256 {
                let mut x = [0u64; 4];
                for bit in 0..k {
                    x[bit / 64] |= 1 << (bit % 64);
                }
                check(&below(x), p);
            }
        }
    }
}
