//! Keys for XML signatures beyond certificates: raw public keys written in KeyInfo
//! (`KeyValue`, `DEREncodedKeyValue`), turned into SubjectPublicKeyInfo DER so they cross the
//! provider boundary like any other key. (HMAC is `crate::crypto::mac`.)
//!
//! Whether a raw key from the document may be used at all is the caller's decision
//! ([`super::VerifyOptions::trust_key_value`]); this module only reads it.

use std::collections::HashMap;

use super::tree::{Document, NodeId};
use super::verify::DSIG_NS;

/// The XMLDSig 1.1 namespace (`ECKeyValue`, `DEREncodedKeyValue`, `X509Digest`,
/// `KeyInfoReference`).
pub const DSIG11_NS: &str = "http://www.w3.org/2009/xmldsig11#";

/// A DER TLV.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A DER INTEGER from unsigned big-endian bytes.
fn uint(be: &[u8]) -> Vec<u8> {
    let first = be.iter().position(|&b| b != 0).unwrap_or(be.len());
    let mut v = be[first..].to_vec();
    if v.first().is_none_or(|&b| b & 0x80 != 0) {
        v.insert(0, 0);
    }
    tlv(0x02, &v)
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn bit_string(content: &[u8]) -> Vec<u8> {
    let mut v = vec![0];
    v.extend_from_slice(content);
    tlv(0x03, &v)
}

/// rsaEncryption, 1.2.840.113549.1.1.1.
const OID_RSA: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];
/// id-ecPublicKey, 1.2.840.10045.2.1.
const OID_EC: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// id-dsa, 1.2.840.10040.4.1.
const OID_DSA: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01];
/// Largest base64 value read from a key element (a 16384-bit modulus is 2 KiB).
const MAX_KEY_PART: usize = 4096;

fn b64_child(doc: &Document, parent: NodeId, ns: &str, local: &str) -> Option<Vec<u8>> {
    let el = doc.children_named(parent, ns, local).next()?;
    let v = super::verify::decode_base64(&doc.text(el))?;
    (v.len() <= MAX_KEY_PART).then_some(v)
}

/// The SubjectPublicKeyInfo DER of a `KeyValue`'s content element (`RSAKeyValue`,
/// `DSAKeyValue`, `dsig11:ECKeyValue` with a NamedCurve), or of a `dsig11:DEREncodedKeyValue`.
/// `None` for anything else or anything malformed.
pub(crate) fn key_value_spki(doc: &Document, el: NodeId) -> Option<Vec<u8>> {
    if doc.is_named(el, DSIG_NS, "RSAKeyValue") {
        let n = b64_child(doc, el, DSIG_NS, "Modulus")?;
        let e = b64_child(doc, el, DSIG_NS, "Exponent")?;
        let alg = seq(&[OID_RSA, &[0x05, 0x00]]);
        return Some(seq(&[&alg, &bit_string(&seq(&[&uint(&n), &uint(&e)]))]));
    }
    if doc.is_named(el, DSIG_NS, "DSAKeyValue") {
        let p = b64_child(doc, el, DSIG_NS, "P")?;
        let q = b64_child(doc, el, DSIG_NS, "Q")?;
        let g = b64_child(doc, el, DSIG_NS, "G")?;
        let y = b64_child(doc, el, DSIG_NS, "Y")?;
        let alg = seq(&[OID_DSA, &seq(&[&uint(&p), &uint(&q), &uint(&g)])]);
        return Some(seq(&[&alg, &bit_string(&uint(&y))]));
    }
    if doc.is_named(el, DSIG11_NS, "ECKeyValue") {
        let curve = doc.children_named(el, DSIG11_NS, "NamedCurve").next()?;
        let uri = doc.element(curve)?.attribute("URI")?;
        let oid = const_oid::ObjectIdentifier::new(uri.strip_prefix("urn:oid:")?).ok()?;
        let oid = der::Encode::to_der(&oid).ok()?;
        let point = b64_child(doc, el, DSIG11_NS, "PublicKey")?;
        let alg = seq(&[OID_EC, &oid]);
        return Some(seq(&[&alg, &bit_string(&point)]));
    }
    if doc.is_named(el, DSIG11_NS, "DEREncodedKeyValue") {
        let der = super::verify::decode_base64(&doc.text(el))?;
        return (der.len() <= MAX_KEY_PART).then_some(der);
    }
    None
}

/// Most KeyInfo indirections followed (RetrievalMethod, KeyInfoReference).
const MAX_INDIRECTIONS: usize = 4;

/// The elements KeyInfo holds for key look-up: its children, with same-document
/// `RetrievalMethod` (`URI="#id"`) and `dsig11:KeyInfoReference` replaced by what they point
/// at (RetrievalMethod: the element itself; KeyInfoReference: the children of the KeyInfo it
/// names). Nothing outside the document is ever fetched.
pub(crate) fn key_info_items(
    doc: &Document,
    signature: NodeId,
    ids: &HashMap<&str, NodeId>,
) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut queue: Vec<(NodeId, usize)> = doc
        .children_named(signature, DSIG_NS, "KeyInfo")
        .flat_map(|ki| element_children(doc, ki))
        .map(|c| (c, 0))
        .collect();
    queue.reverse();
    while let Some((el, depth)) = queue.pop() {
        let target = || {
            let uri = doc.element(el)?.attribute("URI")?;
            ids.get(uri.strip_prefix('#')?).copied()
        };
        if doc.is_named(el, DSIG_NS, "RetrievalMethod") {
            if depth < MAX_INDIRECTIONS
                && let Some(t) = target()
            {
                queue.push((t, depth + 1));
            }
        } else if doc.is_named(el, DSIG11_NS, "KeyInfoReference") {
            if depth < MAX_INDIRECTIONS
                && let Some(t) = target()
                && doc.is_named(t, DSIG_NS, "KeyInfo")
            {
                let mut kids: Vec<(NodeId, usize)> = element_children(doc, t)
                    .into_iter()
                    .map(|c| (c, depth + 1))
                    .collect();
                kids.reverse();
                queue.extend(kids);
            }
        } else if out.len() < 64 {
            out.push(el);
        }
    }
    out
}

fn element_children(doc: &Document, el: NodeId) -> Vec<NodeId> {
    doc.element(el)
        .map(|e| e.children().filter(|&c| doc.element(c).is_some()).collect())
        .unwrap_or_default()
}

/// The raw public keys (SPKI DER) among KeyInfo items: `KeyValue` contents (or a
/// RetrievalMethod target that is one) and `DEREncodedKeyValue`.
pub(crate) fn raw_keys(doc: &Document, items: &[NodeId]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for &el in items {
        if doc.is_named(el, DSIG_NS, "KeyValue") {
            out.extend(
                element_children(doc, el)
                    .into_iter()
                    .filter_map(|c| key_value_spki(doc, c)),
            );
        } else if let Some(k) = key_value_spki(doc, el) {
            out.push(k);
        }
    }
    out
}
