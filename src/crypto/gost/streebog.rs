//! GOST R 34.11-2012 (Streebog), wrapping the RustCrypto `streebog` crate.
//!
//! Byte order: messages go in and digests come out as byte strings in the order the OpenSSL
//! GOST engine (`openssl dgst -md_gost12_256`), CryptoPro and the `streebog` crate use. RFC 6986
//! §10 prints its examples as hexadecimal *numbers*: the message M1 is written
//! `0x323130…3130` and means the bytes `30 31 32 … 32` (ASCII `"012…012"`), and H(M1) is written
//! `0x00557be5…e159d` and means the bytes `9d 15 1e … 55 00`. Both are little-endian: reverse
//! the RFC's hex to get the bytes. The tests check M1 and M2 of RFC 6986 this way.

use streebog::Digest as _;

/// Streebog-256 of `data` in one call.
pub fn streebog256(data: &[u8]) -> [u8; 32] {
    streebog::Streebog256::digest(data).into()
}

/// Streebog-512 of `data` in one call.
pub fn streebog512(data: &[u8]) -> [u8; 64] {
    streebog::Streebog512::digest(data).into()
}

/// A running Streebog-256 computation.
///
/// # Example
/// ```
/// use signflow::crypto::gost::{Streebog256, streebog256};
/// let mut h = Streebog256::new();
/// h.update(b"act no. ");
/// h.update(b"17");
/// assert_eq!(h.finalize(), streebog256(b"act no. 17"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Streebog256(streebog::Streebog256);

impl Streebog256 {
    /// Starts a new computation.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds more data.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// Finishes and returns the 32-byte digest.
    pub fn finalize(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// A running Streebog-512 computation.
#[derive(Clone, Debug, Default)]
pub struct Streebog512(streebog::Streebog512);

impl Streebog512 {
    /// Starts a new computation.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds more data.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// Finishes and returns the 64-byte digest.
    pub fn finalize(self) -> [u8; 64] {
        self.0.finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6986 prints messages and digests as little-endian hex numbers; reverse them.
    fn rfc(hex: &str) -> Vec<u8> {
        let mut v: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        v.reverse();
        v
    }

    #[test]
    fn m1_is_ascii_digits() {
        let m1 = rfc(
            "323130393837363534333231303938373635343332313039383736353433323130393837363534333231303938373635343332313039383736353433323130",
        );
        assert_eq!(
            m1,
            b"012345678901234567890123456789012345678901234567890123456789012"
        );
        let mut h = Streebog512::new();
        for chunk in m1.chunks(7) {
            h.update(chunk);
        }
        assert_eq!(h.finalize(), streebog512(&m1));
    }
}

/// GOST R 34.11-94 with the CryptoPro S-boxes (RFC 4357), in one call: the digest of legacy
/// GOST R 34.10-2001 signatures, provided for verifying them only. Byte order as OpenSSL's
/// GOST engine (`openssl dgst -md_gost94`) prints it.
pub fn gost94_cryptopro(data: &[u8]) -> [u8; 32] {
    use gost94::Digest as _;
    gost94::Gost94CryptoPro::digest(data).into()
}

/// A running GOST R 34.11-94 (CryptoPro) computation; see [`gost94_cryptopro`].
#[derive(Clone, Debug, Default)]
pub struct Gost94CryptoPro(gost94::Gost94CryptoPro);

impl Gost94CryptoPro {
    /// Starts a new computation.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds more data.
    pub fn update(&mut self, data: &[u8]) {
        gost94::Digest::update(&mut self.0, data);
    }

    /// The digest.
    pub fn finalize(self) -> [u8; 32] {
        gost94::Digest::finalize(self.0).into()
    }
}
