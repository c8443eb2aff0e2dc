//! Signature generation and verification, GOST R 34.10-2012 §6.1 and §6.2 (RFC 7091 §6).

use crypto_bigint::{CtLt, CtSelect, Uint};
use zeroize::{Zeroize, Zeroizing};

use super::GostError;
use super::arith::{CurveDef, Scalar};
use super::params::ParamSet;
use super::point;
use crate::crypto::SecureRandom;

/// How many nonces to draw before concluding that the random generator is broken. A healthy
/// generator needs more than one draw with probability below 3/4 (the worst `q` is just above
/// a power of two), so 128 consecutive failures do not happen.
const MAX_NONCE_DRAWS: usize = 128;

/// A GOST R 34.10 signature `(r, s)` with its fixed width.
///
/// The byte form ([`Signature::to_bytes`], [`Signature::from_bytes`]) is `s ‖ r`, each
/// big-endian and [`ParamSet::coordinate_len`] bytes: the vector `ζ = (r̄ ‖ s̄)` of GOST R
/// 34.10-2012 §5.3 written out most significant byte first, as RFC 9215 §3 (RFC 4491 §2.2.2)
/// puts it in X.509 and CMS and as `openssl dgst -sign` writes it.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    len: usize,
    r: [u8; 64],
    s: [u8; 64],
}

impl Signature {
    /// Parses the `s ‖ r` byte form for `params`.
    ///
    /// # Errors
    /// [`GostError::BadLength`] unless `bytes` is `2 × coordinate_len` long.
    pub fn from_bytes(params: ParamSet, bytes: &[u8]) -> Result<Self, GostError> {
        let n = params.coordinate_len();
        if bytes.len() != 2 * n {
            return Err(GostError::BadLength {
                what: "signature",
                expected: 2 * n,
                actual: bytes.len(),
            });
        }
        let (s, r) = bytes.split_at(n);
        Self::from_r_s(params, r, s)
    }

    /// Builds a signature from big-endian `r` and `s` (shorter values are left-padded).
    ///
    /// # Errors
    /// [`GostError::BadLength`] if either is longer than `coordinate_len`.
    pub fn from_r_s(params: ParamSet, r: &[u8], s: &[u8]) -> Result<Self, GostError> {
        let n = params.coordinate_len();
        let mut sig = Self {
            len: n,
            r: [0; 64],
            s: [0; 64],
        };
        for (src, dst) in [(r, &mut sig.r), (s, &mut sig.s)] {
            if src.len() > n {
                return Err(GostError::BadLength {
                    what: "signature",
                    expected: n,
                    actual: src.len(),
                });
            }
            dst[n - src.len()..n].copy_from_slice(src);
        }
        Ok(sig)
    }

    /// `r`, big-endian, `coordinate_len` bytes.
    pub fn r(&self) -> &[u8] {
        &self.r[..self.len]
    }

    /// `s`, big-endian, `coordinate_len` bytes.
    pub fn s(&self) -> &[u8] {
        &self.s[..self.len]
    }

    /// The `s ‖ r` byte form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 * self.len);
        out.extend_from_slice(self.s());
        out.extend_from_slice(self.r());
        out
    }
}

impl core::fmt::Debug for Signature {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        f.debug_struct("Signature")
            .field("r", &hex(self.r()))
            .field("s", &hex(self.s()))
            .finish()
    }
}

/// Checks the digest length and returns `e = α mod q` (or 1 if that is 0), where `α` is the
/// digest read as a little-endian integer (GOST R 34.10-2012 §6.1 steps 1–2; the engine's
/// `hashsum2bn`).
fn digest_to_e<const L: usize>(
    c: &CurveDef<L>,
    params: ParamSet,
    digest: &[u8],
) -> Result<Scalar<L>, GostError> {
    let n = params.coordinate_len();
    if digest.len() != n {
        return Err(GostError::BadLength {
            what: "digest",
            expected: n,
            actual: digest.len(),
        });
    }
    let alpha = Uint::<L>::from_le_slice(digest);
    let e = alpha.rem(c.q_nz());
    let e = e.ct_select(&Uint::ONE, !e.is_nonzero());
    Ok(Scalar::new(&e, &c.q))
}

/// Reads a big-endian coordinate_len-byte integer into a `Uint`.
pub(crate) fn uint_be<const L: usize>(bytes: &[u8]) -> Uint<L> {
    let mut buf = [0u8; 64];
    let n = Uint::<L>::BYTES;
    buf[n - bytes.len()..n].copy_from_slice(bytes);
    let out = Uint::from_be_slice(&buf[..n]);
    buf.zeroize();
    out
}

/// Writes a `Uint` as big-endian, `len` bytes (the value must fit).
pub(crate) fn uint_to_be<const L: usize>(v: &Uint<L>, len: usize) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    bytes.as_ref()[Uint::<L>::BYTES - len..].to_vec()
}

/// Verification, GOST R 34.10-2012 §6.2, with a validated public key point `x ‖ y`
/// (little-endian coordinates).
pub(crate) fn verify_generic<const L: usize>(
    c: &CurveDef<L>,
    params: ParamSet,
    xy_le: &[u8],
    digest: &[u8],
    sig: &Signature,
) -> Result<(), GostError> {
    // Step 1: 0 < r < q and 0 < s < q.
    let r = uint_be::<L>(sig.r());
    let s = uint_be::<L>(sig.s());
    let q = c.q_uint();
    if r.is_zero_vartime() || &r >= q {
        return Err(GostError::SignatureOutOfRange("r"));
    }
    if s.is_zero_vartime() || &s >= q {
        return Err(GostError::SignatureOutOfRange("s"));
    }
    // Steps 2–3: e.
    let e = digest_to_e(c, params, digest)?;
    // Step 4: v = e⁻¹ mod q (q is prime and 0 < e < q, so the inverse exists).
    let v = e
        .invert_vartime()
        .into_option()
        .ok_or(GostError::BadSignature)?;
    // Step 5: z1 = s·v, z2 = −r·v (mod q).
    let z1 = Scalar::new(&s, &c.q).mul(&v).retrieve();
    let z2 = Scalar::new(&r, &c.q).mul(&v).neg().retrieve();
    // Steps 6–7: C = z1·P + z2·Q, R = x_C mod q, R = r?
    let n = params.coordinate_len();
    let (z1, z2) = (uint_to_be(&z1, n), uint_to_be(&z2, n));
    if point::verify_combination(params, xy_le, &z1, &z2, sig.r())? {
        Ok(())
    } else {
        Err(GostError::BadSignature)
    }
}

/// Signing, GOST R 34.10-2012 §6.1, with the nonce `k` supplied (`0 < k < q`, `0 < d < q`).
/// Returns `None` if `r` or `s` comes out zero (the caller draws another `k`).
fn sign_with_nonce<const L: usize>(
    c: &CurveDef<L>,
    params: ParamSet,
    d: &Uint<L>,
    e: &Scalar<L>,
    k: &Uint<L>,
) -> Option<(Uint<L>, Uint<L>)> {
    // Step 4: C = k·P, r = x_C mod q.
    let n = params.coordinate_len();
    let k_be = Zeroizing::new(uint_to_be(k, n));
    let mut xy = Zeroizing::new([0u8; 128]);
    let (x_be, y_be) = xy.split_at_mut(64);
    if !point::base_mul(params, &k_be, &mut x_be[..n], &mut y_be[..n]) {
        return None;
    }
    let mut x = uint_be::<L>(&x_be[..n]);
    let r = x.rem(c.q_nz());
    x.zeroize();
    if r.is_zero_vartime() {
        return None;
    }
    // Step 5: s = (r·d + k·e) mod q.
    let mut dm = Scalar::new(d, &c.q);
    let mut km = Scalar::new(k, &c.q);
    let rm = Scalar::new(&r, &c.q);
    let mut rd = rm.mul(&dm);
    let mut ke = km.mul(e);
    let s = rd.add(&ke).retrieve();
    for v in [&mut dm, &mut km, &mut rd, &mut ke] {
        v.zeroize();
    }
    if s.is_zero_vartime() {
        return None;
    }
    Some((r, s))
}

/// Checks `0 < d < q` for a big-endian scalar, in constant time.
pub(crate) fn scalar_in_range<const L: usize>(c: &CurveDef<L>, d: &Uint<L>) -> bool {
    (d.is_nonzero() & d.ct_lt(c.q_uint())).to_bool()
}

/// Draws a uniform scalar `0 < k < q` (a nonce or a private key): random bytes masked to the bit length of `q`, rejected
/// until in range.
pub(crate) fn random_scalar<const L: usize>(
    c: &CurveDef<L>,
    rng: &dyn SecureRandom,
) -> Result<Zeroizing<Uint<L>>, GostError> {
    let q = c.q_uint();
    let bits = q.bits_vartime() as usize;
    let nbytes = bits.div_ceil(8);
    let top_mask = if bits.is_multiple_of(8) {
        0xff
    } else {
        (1u8 << (bits % 8)) - 1
    };
    let mut buf = Zeroizing::new([0u8; 64]);
    for _ in 0..MAX_NONCE_DRAWS {
        rng.fill(&mut buf[..nbytes]).map_err(GostError::Random)?;
        buf[0] &= top_mask;
        let k = Zeroizing::new(uint_be::<L>(&buf[..nbytes]));
        if scalar_in_range(c, &k) {
            return Ok(k);
        }
    }
    Err(GostError::Random(crate::crypto::CryptoError::Backend(
        "the random generator keeps returning values out of range",
    )))
}

/// Signs `digest` with the big-endian scalar `d` (already checked `0 < d < q`).
pub(crate) fn sign_generic<const L: usize>(
    c: &CurveDef<L>,
    params: ParamSet,
    d_be: &[u8],
    digest: &[u8],
    rng: &dyn SecureRandom,
) -> Result<Signature, GostError> {
    let e = digest_to_e(c, params, digest)?;
    let d = Zeroizing::new(uint_be::<L>(d_be));
    for _ in 0..MAX_NONCE_DRAWS {
        let k = random_scalar(c, rng)?;
        if let Some((r, s)) = sign_with_nonce(c, params, &d, &e, &k) {
            return finish(params, &r, &s);
        }
    }
    Err(GostError::Random(crate::crypto::CryptoError::Backend(
        "no usable nonce after many draws",
    )))
}

/// Signs with a caller-chosen nonce `k` (big-endian): for reproducing published test vectors.
pub(crate) fn sign_with_k_generic<const L: usize>(
    c: &CurveDef<L>,
    params: ParamSet,
    d_be: &[u8],
    digest: &[u8],
    k_be: &[u8],
) -> Result<Signature, GostError> {
    let e = digest_to_e(c, params, digest)?;
    let d = Zeroizing::new(uint_be::<L>(d_be));
    if k_be.len() > params.coordinate_len() {
        return Err(GostError::BadLength {
            what: "nonce",
            expected: params.coordinate_len(),
            actual: k_be.len(),
        });
    }
    let k = Zeroizing::new(uint_be::<L>(k_be));
    if !scalar_in_range(c, &k) {
        return Err(GostError::InvalidPrivateKey(
            "the nonce k must satisfy 0 < k < q",
        ));
    }
    let (r, s) = sign_with_nonce(c, params, &d, &e, &k).ok_or(GostError::InvalidPrivateKey(
        "this nonce gives r = 0 or s = 0",
    ))?;
    finish(params, &r, &s)
}

fn finish<const L: usize>(
    params: ParamSet,
    r: &Uint<L>,
    s: &Uint<L>,
) -> Result<Signature, GostError> {
    let n = params.coordinate_len();
    Signature::from_r_s(params, &uint_to_be(r, n), &uint_to_be(s, n))
}
