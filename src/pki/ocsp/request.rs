//! OCSP requests (RFC 6960 §4.1): an OCSPRequest asking about one certificate, unsigned, with
//! an optional nonce (RFC 8954) — what a client posts to the responder its certificate names
//! in authorityInfoAccess.

use super::super::certificate::Certificate;
use super::{ID_PKIX_OCSP_NONCE, subject_public_key_bits};
use crate::crypto::{CryptoError, CryptoProvider, HashAlgorithm};
use crate::der_util::{self, INTEGER, OCTET_STRING, SEQUENCE, cons};

/// Longest nonce put in a request (RFC 8954 §2.1: responders need accept no more than 32).
pub const MAX_NONCE_LEN: usize = 32;

/// Why an OCSP request could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OcspRequestError {
    /// The issuer's SubjectPublicKeyInfo has no readable subjectPublicKey.
    #[error("the issuer's public key cannot be read")]
    IssuerKey,
    /// The nonce is empty or longer than [`MAX_NONCE_LEN`] bytes.
    #[error("an OCSP nonce must be 1 to {MAX_NONCE_LEN} bytes, not {len}")]
    Nonce {
        /// The nonce's length.
        len: usize,
    },
    /// The provider cannot compute the CertID hash.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// The DER OCSPRequest (RFC 6960 §4.1.1) for `cert`, issued by `issuer`: one Request whose
/// CertID hashes the issuer's name (as `cert` spells it) and key with `hash` (SHA-1, as most
/// responders expect, or SHA-256 and the others), no requestorName, no signature, and the
/// nonce extension when `nonce` is given. With SHA-1 and no nonce the bytes are those of
/// `openssl ocsp -issuer I -cert C -no_nonce -reqout R`.
///
/// # Errors
/// [`OcspRequestError::IssuerKey`] if the issuer's key cannot be read,
/// [`OcspRequestError::Nonce`] for an empty or over-long nonce, and the provider's error if it
/// lacks `hash`.
pub fn ocsp_request(
    provider: &CryptoProvider,
    cert: &Certificate,
    issuer: &Certificate,
    hash: HashAlgorithm,
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>, OcspRequestError> {
    let key = subject_public_key_bits(issuer.spki_der()).ok_or(OcspRequestError::IssuerKey)?;
    let name_hash = provider.digest(hash, cert.issuer().as_der())?;
    let key_hash = provider.digest(hash, key)?;
    // AlgorithmIdentifier with NULL parameters, as RFC 5754 §2 allows and OpenSSL writes.
    let algorithm = der_util::tlv_parts(
        SEQUENCE,
        &[&der_util::encode_oid(&hash.oid()), &[0x05, 0x00]],
    );
    let cert_id = der_util::tlv_parts(
        SEQUENCE,
        &[
            &algorithm,
            &der_util::tlv(OCTET_STRING, name_hash.as_ref()),
            &der_util::tlv(OCTET_STRING, key_hash.as_ref()),
            &der_util::tlv(INTEGER, cert.serial()),
        ],
    );
    let request = der_util::tlv(SEQUENCE, &cert_id);
    let request_list = der_util::tlv(SEQUENCE, &request);
    let extensions = match nonce {
        Some(n) if n.is_empty() || n.len() > MAX_NONCE_LEN => {
            return Err(OcspRequestError::Nonce { len: n.len() });
        }
        Some(n) => {
            let oid = const_oid::ObjectIdentifier::new_unwrap(ID_PKIX_OCSP_NONCE);
            let value = der_util::tlv(OCTET_STRING, &der_util::tlv(OCTET_STRING, n));
            let extension = der_util::tlv_parts(SEQUENCE, &[&der_util::encode_oid(&oid), &value]);
            der_util::tlv(cons(2), &der_util::tlv(SEQUENCE, &extension))
        }
        None => Vec::new(),
    };
    let tbs = der_util::tlv_parts(SEQUENCE, &[&request_list, &extensions]);
    Ok(der_util::tlv(SEQUENCE, &tbs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(bytes: &[u8]) -> Certificate {
        Certificate::all_from_pem_or_der(bytes).unwrap().remove(0)
    }

    #[test]
    fn the_request_is_the_one_openssl_makes() {
        let leaf = cert(include_bytes!("../../../testdata/online/leaf-ocsp.pem"));
        let issuer = cert(include_bytes!("../../../testdata/online/int.pem"));
        let provider = CryptoProvider::current();
        let ours = ocsp_request(provider, &leaf, &issuer, HashAlgorithm::Sha1, None).unwrap();
        // testdata/online/generate.sh: openssl ocsp -issuer int.pem -cert leaf-ocsp.pem
        // -no_nonce -reqout ocsp-req.der
        assert_eq!(
            ours,
            include_bytes!("../../../testdata/online/ocsp-req.der")
        );
        // The response to openssl's request answers ours: its CertID matches.
        let response = super::super::OcspResponse::from_der(include_bytes!(
            "../../../testdata/online/ocsp-good.der"
        ))
        .unwrap();
        let id = &response.responses()[0].cert_id;
        assert_eq!(id.serial, leaf.serial());
        let sha256 =
            ocsp_request(provider, &leaf, &issuer, HashAlgorithm::Sha256, Some(b"n0")).unwrap();
        assert_ne!(sha256, ours);
        assert!(sha256.windows(2).any(|w| w == b"n0"));
        assert_eq!(
            ocsp_request(provider, &leaf, &issuer, HashAlgorithm::Sha1, Some(&[])),
            Err(OcspRequestError::Nonce { len: 0 })
        );
    }
}
