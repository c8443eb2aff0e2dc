//! Signing: enveloped (the default), enveloping and detached XML signatures.
//!
//! The signer writes the `ds:Signature` element into the caller's bytes without touching
//! anything else (an enveloped signature is spliced in before the end tag of the element the
//! [`Placement`] names), so the signed document is the input plus the signature, byte for byte.
//! It then parses the result, computes each Reference's digest and the canonical SignedInfo from
//! that parsed document — with the same canonicalizer the verifier uses, in the namespace
//! context the signature really has — and signs with the caller's [`SigningKey`].
//!
//! | layout | Reference | transforms |
//! |---|---|---|
//! | [`Layout::Enveloped`] | `""` or `#id` | enveloped-signature (when the Signature is inside what is referenced), the C14N method |
//! | [`Layout::Enveloping`] | `#id` of a `ds:Object` inside the Signature holding the input's root element | the C14N method |
//! | [`Layout::Detached`] | the caller's URI; the input is the external content, digested as bytes | none |
//!
//! | key | SignatureMethod (default first) |
//! |---|---|
//! | RSA | `xmldsig-more#rsa-sha256` (…384, …512); RSA-PSS `2007/05/xmldsig-more#sha256-rsa-MGF1` (…384, …512) |
//! | ECDSA P-256 / P-384 | `xmldsig-more#ecdsa-sha256` / `#ecdsa-sha384` (r ‖ s) |
//! | Ed25519 | `2021/04/xmldsig-more#eddsa-ed25519` |
//! | GOST R 34.10-2012 | `cpxmlsec:algorithms:gostr34102012-gostr34112012-256` / `-512` |
//!
//! KeyInfo carries the signer's certificate and, by default, the chain given with it.
//!
//! # Example
//! ```
//! # #[cfg(any(feature = "aws-lc-rs", feature = "rustcrypto"))] {
//! use signflow::crypto::CryptoProvider;
//! use signflow::pki::{Certificate, RevocationMode, Status, TrustStore, UnixTime};
//! use signflow::xmldsig::{SignOptions, VerifyOptions, sign, verify};
//!
//! let provider = CryptoProvider::all_compiled()[0];
//! let key = provider
//!     .load_private_key_pem(include_str!("../../testdata/pki/leaf-ecdsa-p256.key.pem"))?;
//! let cert = Certificate::all_from_pem_or_der(include_bytes!(
//!     "../../testdata/pki/leaf-ecdsa-p256.pem"
//! ))?
//! .remove(0);
//! let chain =
//!     Certificate::all_from_pem_or_der(include_bytes!("../../testdata/pki/chain.pem"))?;
//! let xml = br#"<Act xmlns="urn:signflow:test" Id="act-17"><Amount>1000.00</Amount></Act>"#;
//!
//! let signed = sign(provider, &*key, &cert, &chain, xml, &SignOptions::default())?;
//!
//! let mut trust = TrustStore::new();
//! trust.add_pem_or_der(include_bytes!("../../testdata/pki/root-ca.pem"))?;
//! let mut options = VerifyOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
//! options.validation.revocation = RevocationMode::Off;
//! let result = verify(provider, &signed, &trust, &chain, &[], &options)?;
//! assert_eq!(result.status, Status::Valid);
//! assert_eq!(
//!     result.references[0].canonical,
//!     br#"<Act xmlns="urn:signflow:test" Id="act-17"><Amount>1000.00</Amount></Act>"#
//! );
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use super::algorithms::{digest_method_uri, signature_method_uri};
use super::c14n::{C14nMethod, NodeSet, canonicalize};
use super::error::{SignError, XmlError};
use super::tree::{Document, NodeId, ParseLimits, XmlText};
use super::verify::{DSIG_NS, ENVELOPED_SIGNATURE, EXC_C14N_NS};
use super::xades::XadesTemplate;
use crate::crypto::{
    CryptoProvider, EcdsaEncoding, HashAlgorithm, Hasher, PublicKeyInfo, SignatureAlgorithm,
    SigningKey,
};
use crate::pki::Certificate;

/// Where an enveloped Signature element goes. Node ids are those of [`Document::parse`] on the
/// same input bytes (parsing is deterministic).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Placement {
    /// The last child of the root element (the default).
    #[default]
    LastChildOfRoot,
    /// The last child of this element.
    LastChildOf(NodeId),
    /// The first child of this element.
    FirstChildOf(NodeId),
    /// Just before this element (which must not be the root).
    Before(NodeId),
}

/// What the signature covers and where it lives.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Layout {
    /// The Signature goes inside the input document, at `placement`, and signs the whole
    /// document (`reference_id: None`, URI `""`) or the element with that `Id`/`ID`/`id`
    /// attribute (URI `#id`; a signature placed outside it is a same-document detached one).
    Enveloped {
        /// The Id of the element to sign; `None` for the whole document.
        reference_id: Option<String>,
        /// Where the Signature element goes.
        placement: Placement,
    },
    /// The output is the Signature element, with the input's root element inside a
    /// `ds:Object` (document-level comments, processing instructions and the XML declaration
    /// of the input are not carried over).
    Enveloping,
    /// The output is the Signature element alone; the input, any bytes, is external content
    /// that the Reference names by `uri` and digests as is. Verifiers must be handed the
    /// content ([`super::VerifyOptions::detached`]).
    Detached {
        /// The Reference URI (a file name, say); neither empty nor starting with `#`.
        uri: String,
    },
}

impl Default for Layout {
    /// Enveloped over the whole document, Signature as the last child of the root.
    fn default() -> Self {
        Self::Enveloped {
            reference_id: None,
            placement: Placement::LastChildOfRoot,
        }
    }
}

/// How to sign.
#[derive(Clone, Debug)]
pub struct SignOptions {
    /// The signature algorithm; `None` for the key's default (RSA PKCS#1 v1.5 SHA-256, ECDSA
    /// with the curve's hash, Ed25519, GOST with its Streebog).
    pub algorithm: Option<SignatureAlgorithm>,
    /// The Reference digest; `None` for the signature's hash (SHA-256 for Ed25519).
    pub digest: Option<HashAlgorithm>,
    /// The canonicalization of SignedInfo and of the referenced content. Default: exclusive
    /// C14N without comments.
    pub c14n: C14nMethod,
    /// What is signed and where the Signature goes.
    pub layout: Layout,
    /// Put the chain given to [`sign`] into KeyInfo after the signer's certificate. Default:
    /// yes.
    pub include_chain: bool,
    /// Parsing limits for the input and for the signed result: a result beyond them (a
    /// document just under the size or node limit, plus the Signature) is refused with
    /// [`SignError::ExceedsLimits`], as the verifier with the same limits would refuse it.
    /// Default: the verifier's defaults.
    pub limits: ParseLimits,
    /// Add the SMEV 3 transform ([`super::SMEV_TRANSFORM`]) after the canonicalization
    /// transform of the Reference, as SMEV 3 messages require (with exclusive C14N and GOST
    /// keys). Not for the detached layout. Default: no.
    pub smev_transform: bool,
    /// Make a XAdES-BES signature (ETSI EN 319 132-1) with these signed properties: a
    /// `QualifyingProperties` object (SigningTime, SigningCertificateV2) signed by a second
    /// Reference of type [`super::SIGNED_PROPERTIES_TYPE`]. [`super::add_xades_timestamp`]
    /// makes it XAdES-T. Default: none (plain XMLDSig).
    pub xades: Option<super::XadesOptions>,
}

impl Default for SignOptions {
    fn default() -> Self {
        Self {
            algorithm: None,
            digest: None,
            c14n: C14nMethod::Exclusive {
                comments: false,
                inclusive_prefixes: Vec::new(),
            },
            layout: Layout::default(),
            include_chain: true,
            limits: ParseLimits::default(),
            smev_transform: false,
            xades: None,
        }
    }
}

/// The prefix the signer binds to the XMLDSig namespace on its Signature element.
const DS: &str = "ds";

/// Signs `input` with `key`, whose certificate is `certificate` (`chain`: the certificates
/// above it, for KeyInfo), and returns the signed document.
///
/// # Errors
/// [`SignError::Xml`] when the input is not a document signflow accepts,
/// [`SignError::DuplicateId`] when an Id value occurs twice (no verifier would accept the
/// signature), [`SignError::NoSuchId`] / [`SignError::Placement`] for a reference or placement
/// that does not fit the document, [`SignError::KeyMismatch`] when `key` is not the
/// certificate's, [`SignError::UnsupportedAlgorithm`] for an algorithm XMLDSig has no URI for
/// (or SHA-1), [`SignError::Crypto`] when the key cannot sign.
pub fn sign(
    provider: &CryptoProvider,
    key: &dyn SigningKey,
    certificate: &Certificate,
    chain: &[Certificate],
    input: &[u8],
    options: &SignOptions,
) -> Result<Vec<u8>, SignError> {
    let cert_key = PublicKeyInfo::parse(certificate.spki_der())?;
    let own = PublicKeyInfo::parse(key.public_key_der())?;
    if cert_key.key != own.key {
        return Err(SignError::KeyMismatch);
    }
    // XMLDSig's ECDSA signature value is r ‖ s, whatever encoding the caller named.
    let alg = match options.algorithm.unwrap_or_else(|| key.default_algorithm()) {
        SignatureAlgorithm::Ecdsa { hash, .. } => SignatureAlgorithm::Ecdsa {
            hash,
            encoding: EcdsaEncoding::Fixed,
        },
        a => a,
    };
    let method_uri = signature_method_uri(&alg)
        .ok_or_else(|| SignError::UnsupportedAlgorithm(format!("signature algorithm {alg}")))?;
    if let Some(weak) = alg.hash().filter(|h| h.is_weak()) {
        return Err(SignError::UnsupportedAlgorithm(format!(
            "{weak} (verification only)"
        )));
    }
    let hash = options
        .digest
        .or(alg.hash())
        .unwrap_or(HashAlgorithm::Sha256);
    let digest_uri = digest_method_uri(hash)
        .filter(|_| !hash.is_weak())
        .ok_or_else(|| SignError::UnsupportedAlgorithm(format!("digest {hash:?}")))?;

    let mut certs = vec![certificate];
    if options.include_chain {
        certs.extend(chain.iter().filter(|c| c.der() != certificate.der()));
    }
    if options.smev_transform && matches!(options.layout, Layout::Detached { .. }) {
        return Err(SignError::Placement(
            "the SMEV transform applies to XML in the document, not to detached content".into(),
        ));
    }
    // The input as UTF-8 text (transcoded when it is in another encoding); the detached
    // layout digests the input as bytes and reads none of it.
    let source = match options.layout {
        Layout::Detached { .. } => None,
        _ => Some(XmlText::decode(input, &options.limits)?),
    };
    // XAdES: the qualifying properties, with Ids the input does not use.
    let xades = match &options.xades {
        None => None,
        Some(x) => {
            let taken: Vec<String> = match &source {
                Some(s) => Document::parse_text(s, &options.limits)?
                    .id_attributes()
                    .map(|(v, _)| v.to_owned())
                    .collect(),
                None => Vec::new(),
            };
            Some(XadesTemplate::new(
                provider,
                x,
                certificate,
                hash,
                digest_uri,
                &taken,
            )?)
        }
    };
    let template = Template {
        smev: options.smev_transform,
        c14n: &options.c14n,
        method_uri,
        digest_uri,
        digest_len: hash.output_len(),
        certs: &certs,
        xades: xades.as_ref(),
    };
    let text = source.as_ref().map_or(input, |s| s.as_str().as_bytes());

    // The output with placeholders, where the Signature starts, and what is referenced.
    let (mut out, block, reference) = match &options.layout {
        Layout::Enveloped {
            reference_id,
            placement,
        } => enveloped(
            source
                .as_ref()
                .ok_or(SignError::Placement("no document".into()))?,
            options,
            &template,
            reference_id.as_deref(),
            *placement,
        )?,
        Layout::Enveloping => {
            let source = source
                .as_ref()
                .ok_or(SignError::Placement("no document".into()))?;
            let doc = Document::parse_text(source, &options.limits)?;
            let ids = id_index(&doc)?;
            let mut object_id = "signflow-object".to_owned();
            let mut n = 1;
            while ids.iter().any(|(v, _)| *v == object_id) {
                n += 1;
                object_id = format!("signflow-object-{n}");
            }
            let root = doc
                .element(doc.root())
                .map(|e| e.span())
                .unwrap_or_default();
            let content = text
                .get(root.start..root.end)
                .ok_or_else(|| SignError::Placement("the root element's position".into()))?;
            let uri = format!("#{object_id}");
            let block = template.render(&uri, false, Some((&object_id, content)), true);
            (
                block.text.clone(),
                Placed { at: 0, block },
                Reference::Object,
            )
        }
        Layout::Detached { uri } => {
            if uri.is_empty() || uri.starts_with('#') {
                return Err(SignError::Placement(format!(
                    "detached reference URI {uri:?} (must name external content)"
                )));
            }
            let block = template.render(uri, false, None, false);
            (
                block.text.clone(),
                Placed { at: 0, block },
                Reference::Bytes,
            )
        }
    };

    // Parse the result: digests and SignedInfo come from the document as a verifier sees it.
    // With the verifier's limits: what is signed here must verify ([`SignOptions::limits`]
    // are the verifier's defaults unless the caller changed them).
    // An enveloped signature is spliced into the document's text and parsed as it: a
    // windows-1251 document's declaration still names windows-1251 (the output is encoded back
    // below). The other layouts' output is the Signature element, UTF-8 without a declaration.
    let out_text = std::str::from_utf8(&out)
        .map_err(|_| SignError::Placement("the signed document is not UTF-8".into()))?;
    let reread = match (&options.layout, &source) {
        (Layout::Enveloped { .. }, Some(source)) => XmlText::decoded_like(out_text, source),
        _ => XmlText::decode(
            out_text.as_bytes(),
            &ParseLimits {
                max_size: usize::MAX,
                ..options.limits
            },
        )?,
    };
    let mut doc = Document::parse_text(&reread, &options.limits).map_err(|e| match e {
        XmlError::Limit(what) => SignError::ExceedsLimits(what),
        other => SignError::Xml(other),
    })?;
    let signature = doc
        .nodes()
        .map(|(id, _)| id)
        .find(|&id| {
            doc.expanded_name(id) == Some((Some(DSIG_NS), "Signature"))
                && doc.element(id).map(|e| e.span().start) == Some(block.at)
        })
        .ok_or_else(|| SignError::Placement("the Signature element did not parse back".into()))?;
    let signed_info = first_child(&doc, signature, "SignedInfo")?;
    let reference_el = first_child(&doc, signed_info, "Reference")?;
    let digest_el = first_child(&doc, reference_el, "DigestValue")?;

    let mut hasher = provider.digests.hasher(hash)?;
    let content_method = options.c14n.without_comments();
    // With the SMEV transform, the canonical form is parsed again and transformed.
    let mut smev_octets = Vec::new();
    let mut hash_writer = HashWriter(&mut *hasher);
    let canonical_sink: &mut dyn std::io::Write = if options.smev_transform {
        &mut smev_octets
    } else {
        &mut hash_writer
    };
    match reference {
        Reference::Bytes => std::io::Write::write_all(canonical_sink, input)?,
        Reference::Object => {
            let object = first_child(&doc, signature, "Object")?;
            canonicalize(
                &doc,
                &content_method,
                NodeSet::subtree(object),
                canonical_sink,
            )?;
        }
        Reference::Document {
            id,
            enveloped_transform,
        } => {
            let apex = match id {
                None => None,
                Some(id) => Some(
                    id_index(&doc)?
                        .into_iter()
                        .find(|(v, _)| *v == id)
                        .map(|(_, n)| n)
                        .ok_or_else(|| SignError::NoSuchId(id.to_owned()))?,
                ),
            };
            let exclude = [signature];
            let set = NodeSet {
                apex,
                exclude: if enveloped_transform { &exclude } else { &[] },
                members: None,
            };
            canonicalize(&doc, &content_method, set, canonical_sink)?;
        }
    }
    if options.smev_transform {
        super::reference::smev_of(&smev_octets, &options.limits, &mut hash_writer)
            .map_err(|e| SignError::Placement(format!("the SMEV transform: {e}")))?;
    }
    let digest = B64.encode(hasher.finalize());
    debug_assert_eq!(digest.len(), block.block.digest_len);
    doc.set_text(digest_el, &digest);
    // XAdES: the second Reference, over the SignedProperties.
    let properties_digest = match &xades {
        None => None,
        Some(x) => {
            let properties = id_index(&doc)?
                .into_iter()
                .find(|(v, _)| *v == x.properties_id)
                .map(|(_, n)| n)
                .ok_or_else(|| {
                    SignError::Placement("the SignedProperties did not parse back".into())
                })?;
            let mut hasher = provider.digests.hasher(hash)?;
            canonicalize(
                &doc,
                &content_method,
                NodeSet::subtree(properties),
                &mut HashWriter(&mut *hasher),
            )?;
            let digest = B64.encode(hasher.finalize());
            let reference = doc
                .children_named(signed_info, DSIG_NS, "Reference")
                .nth(1)
                .ok_or_else(|| {
                    SignError::Placement("the SignedProperties reference is missing".into())
                })?;
            let digest_el = first_child(&doc, reference, "DigestValue")?;
            doc.set_text(digest_el, &digest);
            Some(digest)
        }
    };

    let mut canonical_si = Vec::new();
    canonicalize(
        &doc,
        &options.c14n,
        NodeSet::subtree(signed_info),
        &mut canonical_si,
    )?;
    // The parsed document borrows `out`: the placeholders are filled in after its last use.
    let at = block.at + block.block.digest_at;
    out[at..at + digest.len()].copy_from_slice(digest.as_bytes());
    if let (Some(d), Some(at)) = (&properties_digest, block.block.properties_digest_at) {
        let at = block.at + at;
        out[at..at + d.len()].copy_from_slice(d.as_bytes());
    }
    let value = B64.encode(key.sign(&alg, &canonical_si)?);
    let at = block.at + block.block.value_at;
    out.splice(at..at, value.into_bytes());
    // A document that came in another encoding goes out in it, declaration and all (as
    // xmlsec1 writes one back); the verifier's size limit applies to what is written.
    if let (Layout::Enveloped { .. }, Some(source)) = (&options.layout, &source)
        && source.encoding() != "UTF-8"
    {
        let text = std::str::from_utf8(&out)
            .map_err(|_| SignError::Placement("the signed document is not UTF-8".into()))?;
        out = source.encode(text)?;
    }
    if out.len() > options.limits.max_size {
        return Err(SignError::ExceedsLimits("document size"));
    }
    Ok(out)
}

/// What the one Reference covers.
enum Reference<'a> {
    /// The document (`id: None`) or the element with this Id.
    Document {
        id: Option<&'a str>,
        enveloped_transform: bool,
    },
    /// The `ds:Object` of an enveloping signature.
    Object,
    /// The input bytes (detached).
    Bytes,
}

/// A rendered Signature element and where its placeholders are, relative to its start.
#[derive(Clone, Debug)]
struct Block {
    text: Vec<u8>,
    /// Where the DigestValue placeholder starts, and its length.
    digest_at: usize,
    digest_len: usize,
    /// Where the SignedProperties Reference's DigestValue placeholder starts (XAdES).
    properties_digest_at: Option<usize>,
    /// Where the SignatureValue text goes (the element is empty).
    value_at: usize,
}

/// A block and the offset of its `<` in the output.
struct Placed {
    at: usize,
    block: Block,
}

struct Template<'a> {
    smev: bool,
    c14n: &'a C14nMethod,
    method_uri: &'a str,
    digest_uri: &'a str,
    digest_len: usize,
    certs: &'a [&'a Certificate],
    xades: Option<&'a XadesTemplate>,
}

impl Template<'_> {
    /// The Signature element for a Reference to `uri`, with an enveloped-signature transform
    /// and/or a C14N transform as asked, and an Object holding `object` (id, content).
    fn render(
        &self,
        uri: &str,
        enveloped_transform: bool,
        object: Option<(&str, &[u8])>,
        c14n_transform: bool,
    ) -> Block {
        let mut t = String::new();
        match self.xades {
            None => t.push_str(&format!("<{DS}:Signature xmlns:{DS}=\"{DSIG_NS}\">")),
            Some(x) => t.push_str(&format!(
                "<{DS}:Signature xmlns:{DS}=\"{DSIG_NS}\" Id=\"{}\">",
                x.signature_id
            )),
        }
        t.push_str(&format!("<{DS}:SignedInfo>"));
        t.push_str(&format!(
            "<{DS}:CanonicalizationMethod Algorithm=\"{}\">",
            self.c14n.uri()
        ));
        t.push_str(&inclusive_namespaces(self.c14n));
        t.push_str(&format!("</{DS}:CanonicalizationMethod>"));
        t.push_str(&format!(
            "<{DS}:SignatureMethod Algorithm=\"{}\"/>",
            self.method_uri
        ));
        t.push_str(&format!("<{DS}:Reference URI=\"{}\">", escape_attr(uri)));
        if enveloped_transform || c14n_transform {
            t.push_str(&format!("<{DS}:Transforms>"));
            if enveloped_transform {
                t.push_str(&format!(
                    "<{DS}:Transform Algorithm=\"{ENVELOPED_SIGNATURE}\"/>"
                ));
            }
            if c14n_transform {
                let m = self.c14n.without_comments();
                t.push_str(&format!("<{DS}:Transform Algorithm=\"{}\">", m.uri()));
                t.push_str(&inclusive_namespaces(&m));
                t.push_str(&format!("</{DS}:Transform>"));
                if self.smev {
                    t.push_str(&format!(
                        "<{DS}:Transform Algorithm=\"{}\"/>",
                        super::SMEV_TRANSFORM
                    ));
                }
            }
            t.push_str(&format!("</{DS}:Transforms>"));
        }
        t.push_str(&format!(
            "<{DS}:DigestMethod Algorithm=\"{}\"/>",
            self.digest_uri
        ));
        t.push_str(&format!("<{DS}:DigestValue>"));
        let placeholder = B64.encode(vec![0u8; self.digest_len]);
        let digest_at = t.len();
        t.push_str(&placeholder);
        t.push_str(&format!("</{DS}:DigestValue></{DS}:Reference>"));
        let mut properties_digest_at = None;
        if let Some(x) = self.xades {
            let m = self.c14n.without_comments();
            t.push_str(&format!(
                "<{DS}:Reference Type=\"{}\" URI=\"#{}\"><{DS}:Transforms>\
                 <{DS}:Transform Algorithm=\"{}\">{}</{DS}:Transform></{DS}:Transforms>\
                 <{DS}:DigestMethod Algorithm=\"{}\"/><{DS}:DigestValue>",
                super::SIGNED_PROPERTIES_TYPE,
                x.properties_id,
                m.uri(),
                inclusive_namespaces(&m),
                self.digest_uri
            ));
            properties_digest_at = Some(t.len());
            t.push_str(&placeholder);
            t.push_str(&format!("</{DS}:DigestValue></{DS}:Reference>"));
        }
        t.push_str(&format!("</{DS}:SignedInfo>"));
        t.push_str(&format!("<{DS}:SignatureValue>"));
        let value_at = t.len();
        t.push_str(&format!("</{DS}:SignatureValue>"));
        t.push_str(&format!("<{DS}:KeyInfo><{DS}:X509Data>"));
        for c in self.certs {
            t.push_str(&format!(
                "<{DS}:X509Certificate>{}</{DS}:X509Certificate>",
                B64.encode(c.der())
            ));
        }
        t.push_str(&format!("</{DS}:X509Data></{DS}:KeyInfo>"));
        let mut text = t.into_bytes();
        if let Some((id, content)) = object {
            text.extend_from_slice(format!("<{DS}:Object Id=\"{}\">", escape_attr(id)).as_bytes());
            text.extend_from_slice(content);
            text.extend_from_slice(format!("</{DS}:Object>").as_bytes());
        }
        if let Some(x) = self.xades {
            text.extend_from_slice(
                format!("<{DS}:Object>{}</{DS}:Object>", x.qualifying).as_bytes(),
            );
        }
        text.extend_from_slice(format!("</{DS}:Signature>").as_bytes());
        Block {
            text,
            digest_at,
            digest_len: placeholder.len(),
            properties_digest_at,
            value_at,
        }
    }
}

/// The InclusiveNamespaces element of an exclusive method with a PrefixList (else nothing).
fn inclusive_namespaces(m: &C14nMethod) -> String {
    match m {
        C14nMethod::Exclusive {
            inclusive_prefixes, ..
        } if !inclusive_prefixes.is_empty() => {
            let list: Vec<&str> = inclusive_prefixes
                .iter()
                .map(|p| if p.is_empty() { "#default" } else { p.as_str() })
                .collect();
            format!(
                "<ec:InclusiveNamespaces xmlns:ec=\"{EXC_C14N_NS}\" PrefixList=\"{}\"/>",
                escape_attr(&list.join(" "))
            )
        }
        _ => String::new(),
    }
}

fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

/// The enveloped layout: splices the Signature into the input at `placement`.
fn enveloped<'a>(
    source: &XmlText<'_>,
    options: &SignOptions,
    template: &Template<'_>,
    reference_id: Option<&'a str>,
    placement: Placement,
) -> Result<(Vec<u8>, Placed, Reference<'a>), SignError> {
    let doc = Document::parse_text(source, &options.limits)?;
    let input = source.as_str().as_bytes();
    let ids = id_index(&doc)?;
    let referenced = match reference_id {
        None => None,
        Some(id) => Some(
            ids.iter()
                .find(|(v, _)| *v == id)
                .map(|(_, n)| *n)
                .ok_or_else(|| SignError::NoSuchId(id.to_owned()))?,
        ),
    };
    let element = |id: NodeId| {
        doc.element(id).ok_or_else(|| {
            SignError::Placement(format!("node {id:?} is not an element of the document"))
        })
    };
    // The parent the Signature gets, and how to splice: insert at an offset, or open an
    // empty-element tag (`<a/>` → `<a>…</a>`).
    let (parent, splice) = match placement {
        Placement::LastChildOfRoot => (doc.root(), Splice::LastChild(doc.root())),
        Placement::LastChildOf(id) => {
            element(id)?;
            (id, Splice::LastChild(id))
        }
        Placement::FirstChildOf(id) => {
            element(id)?;
            (id, Splice::FirstChild(id))
        }
        Placement::Before(id) => {
            let span = element(id)?.span();
            let parent = doc.parent(id).ok_or_else(|| {
                SignError::Placement("nothing can go before the root element".into())
            })?;
            (parent, Splice::At(span.start))
        }
    };
    let enveloped_transform = referenced.is_none_or(|r| doc.is_ancestor_or_self(r, parent));
    let uri = reference_id.map_or(String::new(), |id| format!("#{id}"));
    let block = template.render(&uri, enveloped_transform, None, true);

    let (at, open_empty) = match splice {
        Splice::At(at) => (at, None),
        Splice::LastChild(id) | Splice::FirstChild(id) => {
            let e = element(id)?;
            let span = e.span();
            match (span.end_tag_start, splice) {
                (Some(end), Splice::LastChild(_)) => (end, None),
                (Some(_), _) => (span.start_tag_end, None),
                (None, _) => (span.start_tag_end, Some(e.name().to_owned())),
            }
        }
    };
    let mut out = Vec::with_capacity(input.len() + block.text.len() + 64);
    let placed_at;
    match open_empty {
        None => {
            if at > input.len() {
                return Err(SignError::Placement("position past the input".into()));
            }
            out.extend_from_slice(&input[..at]);
            placed_at = out.len();
            out.extend_from_slice(&block.text);
            out.extend_from_slice(&input[at..]);
        }
        Some(name) => {
            // `<a …/>` ends with "/>": keep the start tag, drop the slash.
            let Some(before) = at
                .checked_sub(2)
                .filter(|&b| input.get(b..at) == Some(b"/>"))
            else {
                return Err(SignError::Placement(
                    "an empty-element tag that does not end with />".into(),
                ));
            };
            out.extend_from_slice(&input[..before]);
            out.push(b'>');
            placed_at = out.len();
            out.extend_from_slice(&block.text);
            out.extend_from_slice(format!("</{name}>").as_bytes());
            out.extend_from_slice(&input[at..]);
        }
    }
    Ok((
        out,
        Placed {
            at: placed_at,
            block,
        },
        Reference::Document {
            id: reference_id,
            enveloped_transform,
        },
    ))
}

enum Splice {
    At(usize),
    LastChild(NodeId),
    FirstChild(NodeId),
}

/// Every Id/ID/id/xml:id value with its element; a value seen twice is an error.
fn id_index<'d>(doc: &'d Document<'_>) -> Result<Vec<(&'d str, NodeId)>, SignError> {
    let mut seen = std::collections::HashMap::new();
    for (value, id) in doc.id_attributes() {
        if seen.insert(value, id).is_some() {
            return Err(SignError::DuplicateId(value.to_owned()));
        }
    }
    Ok(seen.into_iter().collect())
}

fn first_child(doc: &Document, parent: NodeId, local: &'static str) -> Result<NodeId, SignError> {
    doc.children_named(parent, DSIG_NS, local)
        .next()
        .ok_or_else(|| SignError::Placement(format!("the rendered {local} element is missing")))
}

/// Feeds canonical output into a hasher.
struct HashWriter<'h>(&'h mut dyn Hasher);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
