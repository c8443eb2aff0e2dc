//! [`SignatureMemo`]: the signatures one verification has already found valid.

use std::sync::Mutex;

use sha2::{Digest as _, Sha256};

use crate::crypto::{CryptoError, CryptoProvider, SignatureAlgorithm};

/// Most signatures one memo remembers; past that it stops remembering (and checks afresh).
pub(crate) const MAX_MEMO_ENTRIES: usize = 64;

/// The signatures (algorithm, key, message, signature value) found valid during one
/// verification, so material that several paths share — a CA certificate, a CRL, a TSA
/// certificate that stamps twice — is checked once, whichever copy of it a path uses.
///
/// Only successes are remembered: a signature that does not verify is checked again every time
/// it is met. A hit answers exactly what the provider answered before for the same bytes, so no
/// verdict can change; the validator still spends its signature budget on every check. Bounded
/// by [`MAX_MEMO_ENTRIES`] and meant to live no longer than one verification (a signed message
/// and its time-stamp tokens), so it never carries verdicts between unrelated inputs.
#[derive(Debug, Default)]
pub(crate) struct SignatureMemo {
    verified: Mutex<Vec<[u8; 32]>>,
}

impl SignatureMemo {
    /// An empty memo.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// [`CryptoProvider::verify`], answered from the memo when these exact bytes verified
    /// before.
    ///
    /// # Errors
    /// As [`CryptoProvider::verify`].
    pub(crate) fn verify(
        &self,
        provider: &CryptoProvider,
        alg: &SignatureAlgorithm,
        spki: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        let key = memo_key(provider, alg, spki, message, signature);
        if self
            .verified
            .lock()
            .map(|v| v.contains(&key))
            .unwrap_or(false)
        {
            return Ok(());
        }
        provider.verify(alg, spki, message, signature)?;
        if let Ok(mut v) = self.verified.lock()
            && v.len() < MAX_MEMO_ENTRIES
            && !v.contains(&key)
        {
            v.push(key);
        }
        Ok(())
    }
}

/// SHA-256 over everything the answer depends on, each part length-prefixed.
fn memo_key(
    provider: &CryptoProvider,
    alg: &SignatureAlgorithm,
    spki: &[u8],
    message: &[u8],
    signature: &[u8],
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"signflow-signature-memo-v1\0");
    for part in [
        provider.name.as_bytes(),
        format!("{alg:?}").as_bytes(),
        spki,
        message,
        signature,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_successes_only() {
        let provider = CryptoProvider::all_compiled()[0];
        let cert = crate::pki::Certificate::all_from_pem_or_der(include_bytes!(
            "../../testdata/pki/intermediate-ca.pem"
        ))
        .unwrap()
        .remove(0);
        let root = crate::pki::Certificate::all_from_pem_or_der(include_bytes!(
            "../../testdata/pki/root-ca.pem"
        ))
        .unwrap()
        .remove(0);
        let alg = cert.signature_algorithm().unwrap();
        let memo = SignatureMemo::new();
        let check = |sig: &[u8]| memo.verify(provider, &alg, root.spki_der(), cert.tbs_der(), sig);
        let mut bad = cert.signature().to_vec();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(check(&bad).is_err());
        assert!(check(&bad).is_err(), "a failure is not remembered");
        assert!(check(cert.signature()).is_ok());
        assert_eq!(memo.verified.lock().unwrap().len(), 1);
        assert!(check(cert.signature()).is_ok());
        assert_eq!(memo.verified.lock().unwrap().len(), 1);
        // Another key over the same bytes is not the remembered answer.
        assert!(
            memo.verify(
                provider,
                &alg,
                cert.spki_der(),
                cert.tbs_der(),
                cert.signature()
            )
            .is_err()
        );
    }
}
