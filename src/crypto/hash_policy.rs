//! Which hashes a verification accepts: the one policy path validation, CMS and XMLDSig share.

use serde::Serialize;

use super::HashAlgorithm;

/// Which legacy hashes a verification accepts, wherever a hash is checked: certificate and
/// CRL signatures ([`crate::pki::ValidationOptions::hashes`]), XML digests, HMAC and signature
/// methods ([`crate::xmldsig::VerifyOptions::hashes`]).
///
/// Every hash is accepted except the legacy ones, each behind its own switch:
///
/// | hash | accepted when | why it is legacy |
/// |---|---|---|
/// | SHA-2, SHA-3, Streebog, GOST R 34.11-94 | always | — |
/// | SHA-1, RIPEMD-160 ([`HashAlgorithm::is_weak`]) | [`HashPolicy::allow_sha1`] | 160-bit output; SHA-1 collisions are practical (SHAttered, 2017) |
/// | MD5 ([`HashAlgorithm::is_broken`]) | [`HashPolicy::allow_md5`] | collisions are cheap (a CA certificate was forged with them in 2008) |
///
/// The two switches are independent: allowing SHA-1 never admits MD5. An accepted legacy hash
/// is still reported as weak. Both are off by default ([`HashPolicy::STRICT`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct HashPolicy {
    /// Accept the 160-bit legacy hashes, SHA-1 and RIPEMD-160 (reported as weak). Off by
    /// default.
    pub allow_sha1: bool,
    /// Accept MD5 (reported as weak). **Off by default** and independent of
    /// [`HashPolicy::allow_sha1`]: MD5 binds nothing a forger could not have prepared; only
    /// for reading old archives, at their own time, whose content is trusted by other means.
    pub allow_md5: bool,
}

impl HashPolicy {
    /// No legacy hash accepted (the default).
    pub const STRICT: Self = Self {
        allow_sha1: false,
        allow_md5: false,
    };

    /// This policy, with SHA-1 and RIPEMD-160 accepted or not.
    #[must_use]
    pub const fn with_sha1(mut self, allow: bool) -> Self {
        self.allow_sha1 = allow;
        self
    }

    /// This policy, with MD5 accepted or not.
    #[must_use]
    pub const fn with_md5(mut self, allow: bool) -> Self {
        self.allow_md5 = allow;
        self
    }

    /// Whether `hash` is accepted: always when it is not legacy; SHA-1 and RIPEMD-160 as
    /// [`HashPolicy::allow_sha1`] says; MD5 as [`HashPolicy::allow_md5`] says.
    pub const fn allows(self, hash: HashAlgorithm) -> bool {
        if hash.is_broken() {
            self.allow_md5
        } else {
            !hash.is_weak() || self.allow_sha1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_switch_admits_its_own_hashes_only() {
        use HashAlgorithm::{Md5, Ripemd160, Sha1, Sha256, Streebog256};
        let strict = HashPolicy::STRICT;
        assert_eq!(strict, HashPolicy::default());
        for strong in [Sha256, Streebog256] {
            assert!(strict.allows(strong));
        }
        for legacy in [Sha1, Ripemd160, Md5] {
            assert!(!strict.allows(legacy), "{legacy:?}");
        }
        let sha1 = strict.with_sha1(true);
        assert!(sha1.allows(Sha1) && sha1.allows(Ripemd160) && !sha1.allows(Md5));
        let md5 = strict.with_md5(true);
        assert!(md5.allows(Md5) && !md5.allows(Sha1) && !md5.allows(Ripemd160));
    }
}
