//! The scalar side of a curve: integers modulo the group order `q` on `crypto-bigint`'s
//! constant-time Montgomery forms, and `p` as an integer. The point arithmetic lives in
//! `point.rs` on the specialised fields of `field.rs`.

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{NonZero, Uint};

/// An integer modulo `q` in Montgomery form.
pub(crate) type Scalar<const L: usize> = FixedMontyForm<L>;

/// The orders of one curve. Built at compile time.
#[derive(Debug)]
pub(crate) struct CurveDef<const L: usize> {
    /// The field modulus `p`.
    p: Uint<L>,
    /// The prime order `q` of the base point's subgroup.
    pub q: FixedMontyParams<L>,
    /// Number of points on the curve divided by `q` (1 or 4).
    pub cofactor: u32,
}

/// Parses big-endian hex of any length up to the `Uint`'s width (leading zeros optional).
pub(crate) const fn be_hex<const L: usize>(hex: &str) -> Uint<L> {
    let h = hex.as_bytes();
    let n = Uint::<L>::BYTES;
    assert!(n <= 64 && h.len() <= 2 * n, "hex constant too long");
    let mut buf = [0u8; 64];
    let mut i = 0;
    while i < h.len() {
        let c = h[h.len() - 1 - i];
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("not a hex digit"),
        };
        let pos = 63 - i / 2;
        buf[pos] |= if i % 2 == 0 { d } else { d << 4 };
        i += 1;
    }
    let (_, tail) = buf.split_at(64 - n);
    Uint::from_be_slice(tail)
}

impl<const L: usize> CurveDef<L> {
    /// From big-endian hex `p` and `q`.
    ///
    /// # Panics
    /// At compile time, if `q` is even or a constant is malformed.
    pub const fn new(p: &str, q: &str, cofactor: u32) -> Self {
        let qu = be_hex::<L>(q);
        Self {
            p: be_hex::<L>(p),
            q: FixedMontyParams::new_vartime(qu.to_odd().expect_copied("q must be odd")),
            cofactor,
        }
    }

    /// The field modulus as an integer.
    pub fn p_uint(&self) -> &Uint<L> {
        &self.p
    }

    /// The group order as an integer.
    pub fn q_uint(&self) -> &Uint<L> {
        self.q.modulus().as_ref()
    }

    /// `q` as a divisor.
    pub fn q_nz(&self) -> &NonZero<Uint<L>> {
        self.q.modulus().as_nz_ref()
    }
}
