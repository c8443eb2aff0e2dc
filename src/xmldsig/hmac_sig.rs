//! HMAC SignatureMethods (XMLDSig §6.3): the caller's key, or one encrypted in KeyInfo and
//! opened with the caller's key-decryption keys, and the HMACOutputLength floor.

use super::error::XmlError;
use super::options::{KeySource, VerifyOptions};
use super::report::XmlFinding;
use super::tree::{Document, NodeId};
use super::verify::{DSIG_NS, Scope, SignedBytes, to_io};
use crate::crypto::HashAlgorithm;

/// Largest HMACOutputLength read (bits); anything longer than a hash output is refused anyway.
const MAX_HMAC_OUTPUT_BITS: usize = 4096;

/// Checks an HMAC SignatureValue with the caller's key ([`KeySource::Hmac`]; no other source
/// can supply one), refusing truncations below [`VerifyOptions::hmac_min_output_bits`].
pub(super) fn check_hmac(
    scope: &Scope<'_, '_>,
    method_el: NodeId,
    hash: HashAlgorithm,
    signed: SignedBytes<'_>,
    findings: &mut Vec<XmlFinding>,
) -> Result<(), XmlError> {
    let Scope {
        provider,
        doc,
        signature,
        options,
        ..
    } = *scope;
    let SignedBytes {
        canonical: canonical_si,
        value: signature_value,
    } = signed;
    let decrypted;
    let key: &[u8] = match &options.key {
        KeySource::Hmac(key) => key.bytes(),
        _ if !options.key_decryption.is_empty() => {
            match encrypted_hmac_key(doc, signature, options, findings) {
                Some(k) => {
                    decrypted = k;
                    &decrypted
                }
                None => return Ok(()),
            }
        }
        _ => {
            findings.push(XmlFinding::Unsupported {
                what: "an HMAC SignatureMethod needs a key from the caller (KeySource::Hmac, \
                       or VerifyOptions::key_decryption for an encrypted key in KeyInfo)"
                    .into(),
            });
            return Ok(());
        }
    };
    let full = hash.output_len() * 8;
    let min = options
        .hmac_min_output_bits
        .unwrap_or((full / 2).max(80))
        .max(8);
    let mut lengths = doc.children_named(method_el, DSIG_NS, "HMACOutputLength");
    let bits = match (lengths.next(), lengths.next()) {
        (None, _) => full,
        (Some(l), None) => {
            let text = doc.text(l);
            let t = text.trim();
            if t.is_empty() || t.len() > 5 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(XmlError::Structure("HMACOutputLength"));
            }
            t.parse::<usize>()
                .map_err(|_| XmlError::Structure("HMACOutputLength"))?
                .min(MAX_HMAC_OUTPUT_BITS + 1)
        }
        _ => return Err(XmlError::Structure("HMACOutputLength")),
    };
    if bits < min || bits > full || !bits.is_multiple_of(8) {
        findings.push(XmlFinding::HmacOutputLength { bits, min });
        return Ok(());
    }
    let mac = crate::crypto::mac::hmac(provider, hash, key, canonical_si).map_err(to_io)?;
    if !crate::crypto::mac::constant_time_eq(&mac[..bits / 8], signature_value) {
        findings.push(XmlFinding::SignatureMismatch);
    }
    Ok(())
}

/// The HMAC key from an encrypted key in the signature's KeyInfo, opened with the caller's
/// [`VerifyOptions::key_decryption`] keys; `None` (with a finding) when there is none or
/// none opens.
fn encrypted_hmac_key(
    doc: &Document,
    signature: NodeId,
    options: &VerifyOptions,
    findings: &mut Vec<XmlFinding>,
) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    let encrypted: Vec<_> = doc
        .children_named(signature, DSIG_NS, "KeyInfo")
        .flat_map(|ki| super::enckey::encrypted_keys(doc, ki))
        .collect();
    if encrypted.is_empty() {
        findings.push(XmlFinding::Unsupported {
            what: "an HMAC SignatureMethod needs a key from the caller (KeySource::Hmac); \
                   KeyInfo holds no encrypted key for VerifyOptions::key_decryption"
                .into(),
        });
        return None;
    }
    let mut reasons = Vec::new();
    for ek in encrypted {
        match ek.and_then(|ek| {
            super::enckey::decrypt(&ek, &options.key_decryption).map(|k| (ek.algorithm, k))
        }) {
            Ok((algorithm, key)) => {
                findings.push(XmlFinding::EncryptedHmacKey { algorithm });
                return Some(key);
            }
            Err(e) => reasons.push(e.to_string()),
        }
    }
    findings.push(XmlFinding::KeyDecryptionFailed {
        reason: reasons.join("; "),
    });
    None
}
