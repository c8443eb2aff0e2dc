//! Pairing a private key with its certificate and ordering the chain above it.

use crate::crypto::PublicKeyInfo;
use crate::pki::Certificate;

/// Whether two SubjectPublicKeyInfo encodings carry the same key (byte-equal, or the same key
/// kind and key bits when the encodings differ, e.g. in the parameters' form).
pub(super) fn same_public_key(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    match (PublicKeyInfo::parse(a), PublicKeyInfo::parse(b)) {
        (Ok(a), Ok(b)) => a.kind == b.kind && a.key == b.key,
        _ => false,
    }
}

/// Indexes of the chain above `leaf`: issuer first, towards the root.
pub(super) fn build_chain(parsed: &[Option<Certificate>], leaf: usize) -> Vec<usize> {
    let mut used = vec![false; parsed.len()];
    if let Some(u) = used.get_mut(leaf) {
        *u = true;
    }
    let mut chain = Vec::new();
    let mut current = leaf;
    while let Some(Some(cur)) = parsed.get(current) {
        if cur.is_self_issued() {
            break; // self-issued: the root
        }
        let candidates: Vec<usize> = parsed
            .iter()
            .enumerate()
            .filter(|&(i, p)| {
                !used.get(i).copied().unwrap_or(true)
                    && p.as_ref().is_some_and(|p| p.subject() == cur.issuer())
            })
            .map(|(i, _)| i)
            .collect();
        let by_key_id = cur.extensions().authority_key_id.as_ref().and_then(|aki| {
            candidates.iter().copied().find(|&i| {
                parsed
                    .get(i)
                    .and_then(|p| p.as_ref())
                    .and_then(|p| p.extensions().subject_key_id.as_ref())
                    == Some(aki)
            })
        });
        let Some(next) = by_key_id.or_else(|| candidates.first().copied()) else {
            break;
        };
        if let Some(u) = used.get_mut(next) {
            *u = true;
        }
        chain.push(next);
        current = next;
    }
    chain
}
