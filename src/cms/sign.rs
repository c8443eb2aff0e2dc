//! Signing: CMS SignedData (RFC 5652 §5) with the CAdES-BES signed attributes — content-type,
//! message-digest, signing-time and signing-certificate-v2 (RFC 5035 §3, ESSCertIDv2 with a
//! SHA-256 certHash and the issuer and serial) — attached or detached, plus co-signing (a
//! further SignerInfo over the same content) and counter-signing (RFC 5652 §11.4).
//!
//! Signing is split in two, as the RustCrypto builders do: [`Signer::prepare`] (and its
//! co-/counter-signing siblings) produces a [`ToBeSigned`] whose [`bytes`](ToBeSigned::bytes)
//! are what the key signs — the DER SignedAttributes — and [`ToBeSigned::assemble`] puts the
//! signature in place. The key can therefore live elsewhere (a token, another process);
//! [`Signer::sign`] does both steps with a [`SigningKey`].
//!
//! | key        | signatureAlgorithm                         | digestAlgorithm          |
//! |------------|--------------------------------------------|--------------------------|
//! | RSA        | `sha256WithRSAEncryption` (…384, …512)     | the same hash            |
//! | RSA-PSS    | `id-RSASSA-PSS` with its parameters        | the PSS hash             |
//! | ECDSA      | `ecdsa-with-SHA256` (…384, …512), DER      | the same hash            |
//! | Ed25519    | `id-Ed25519` (RFC 8419)                    | SHA-512 (RFC 8419 §3.1)  |
//!
//! # Example
//! ```
//! # #[cfg(any(feature = "aws-lc-rs", feature = "rustcrypto"))] {
//! use signflow::cms::{Content, SignOptions, Signer};
//! use signflow::crypto::CryptoProvider;
//! use signflow::pki::{Certificate, UnixTime};
//!
//! let provider = CryptoProvider::all_compiled()[0];
//! let key = provider.load_private_key_pem(include_str!("../../testdata/pki/leaf-ecdsa-p256.key.pem"))?;
//! let cert = Certificate::all_from_pem_or_der(include_bytes!("../../testdata/pki/leaf-ecdsa-p256.pem"))?.remove(0);
//! let chain = Certificate::all_from_pem_or_der(include_bytes!("../../testdata/pki/chain.pem"))?;
//! let signer = Signer::new(provider, &cert, &chain, SignOptions::at(UnixTime::from_utc(2026, 11, 23, 12, 0, 0)));
//!
//! // Two steps: the bytes to sign, then the signature assembled into the SignedData.
//! let tbs = signer.prepare(None, Content::Attached(b"act no. 17"))?;
//! let signature = key.sign(&tbs.algorithm(), tbs.bytes())?;
//! let signed = tbs.assemble(&signature)?;
//! assert_eq!(signed.content(), Some(&b"act no. 17"[..]));
//! assert!(signed.to_pem().starts_with("-----BEGIN CMS-----"));
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::Read;

use const_oid::ObjectIdentifier;

use super::der::{
    self, INTEGER, OCTET_STRING, SEQUENCE, SET, cons, encode_oid, encode_time, prim, set_of, tlv,
    tlv_parts,
};
use super::error::CmsError;
use super::signed_data::{EContent, Parts, SignedData, assemble};
use super::{CHUNK_SIZE, oid};
use crate::crypto::{
    CryptoProvider, Digest, HashAlgorithm, KeyKind, PublicKeyInfo, SignatureAlgorithm, SigningKey,
};
use crate::pki::{Certificate, UnixTime};

/// How the SignerInfo names the signer certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SignerIdentifierKind {
    /// issuerAndSerialNumber (SignerInfo version 1), which every verifier understands.
    #[default]
    IssuerAndSerialNumber,
    /// subjectKeyIdentifier (SignerInfo version 3); the certificate must carry one.
    SubjectKeyIdentifier,
}

/// What to put in a signature.
#[derive(Clone, Debug)]
pub struct SignOptions {
    /// The signature algorithm; `None` for the key's default (RSA PKCS#1 v1.5 SHA-256, ECDSA
    /// with the curve's hash, Ed25519).
    pub algorithm: Option<SignatureAlgorithm>,
    /// The signing-time attribute; `None` leaves it out.
    pub signing_time: Option<UnixTime>,
    /// Whether to add signing-certificate-v2 (CAdES-BES). Default: yes.
    pub signing_certificate_v2: bool,
    /// How to identify the signer.
    pub signer_identifier: SignerIdentifierKind,
    /// Whether to embed the signer certificate and the chain. Default: yes.
    pub include_certificates: bool,
    /// eContentType of a new SignedData (`id-data` by default; anything else is signed as
    /// an OCTET STRING of that type).
    pub content_type: ObjectIdentifier,
}

impl Default for SignOptions {
    /// CAdES-BES (signing-certificate-v2, the key's default algorithm, certificates embedded,
    /// issuerAndSerialNumber, id-data) without a signing-time attribute; [`SignOptions::at`]
    /// adds one.
    fn default() -> Self {
        Self {
            algorithm: None,
            signing_time: None,
            signing_certificate_v2: true,
            signer_identifier: SignerIdentifierKind::IssuerAndSerialNumber,
            include_certificates: true,
            content_type: oid::ID_DATA,
        }
    }
}

impl SignOptions {
    /// CAdES-BES defaults with `signing_time` as the signing-time attribute.
    pub fn at(signing_time: UnixTime) -> Self {
        Self {
            signing_time: Some(signing_time),
            ..Self::default()
        }
    }
}

/// The content to sign.
pub enum Content<'a> {
    /// Embedded in the SignedData.
    Attached(&'a [u8]),
    /// Left out of the SignedData, read once in chunks to digest it.
    Detached(&'a mut dyn Read),
    /// Left out, already digested by the caller with the signature's digest algorithm.
    DetachedDigest(Digest),
}

impl core::fmt::Debug for Content<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Attached(c) => write!(f, "Attached({} bytes)", c.len()),
            Self::Detached(_) => f.write_str("Detached(reader)"),
            Self::DetachedDigest(d) => write!(f, "DetachedDigest({d:?})"),
        }
    }
}

/// A signer: certificate, chain and options (the key is used only by [`Signer::sign`] and its
/// siblings).
#[derive(Debug)]
pub struct Signer<'a> {
    provider: &'a CryptoProvider,
    certificate: &'a Certificate,
    chain: &'a [Certificate],
    options: SignOptions,
}

enum Target<'c> {
    New {
        content_type: ObjectIdentifier,
        content: Option<&'c [u8]>,
    },
    CoSign(&'c SignedData),
    CounterSign(&'c SignedData, usize),
}

/// A SignerInfo waiting for its signature: [`ToBeSigned::bytes`] is what to sign with
/// [`ToBeSigned::algorithm`].
pub struct ToBeSigned<'c> {
    algorithm: SignatureAlgorithm,
    /// The signature algorithm's AlgorithmIdentifier DER.
    algorithm_der: Vec<u8>,
    digest: HashAlgorithm,
    /// DER SignedAttributes (tagged SET): the bytes to sign.
    signed_attrs: Vec<u8>,
    sid: Vec<u8>,
    signer_info_version: u8,
    certificates: Vec<Vec<u8>>,
    target: Target<'c>,
}

impl core::fmt::Debug for ToBeSigned<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ToBeSigned")
            .field("algorithm", &self.algorithm)
            .field("digest", &self.digest)
            .field("signed_attrs_len", &self.signed_attrs.len())
            .finish_non_exhaustive()
    }
}

impl ToBeSigned<'_> {
    /// The DER encoding of the SignedAttributes: the bytes the key signs.
    pub fn bytes(&self) -> &[u8] {
        &self.signed_attrs
    }

    /// The algorithm to sign [`Self::bytes`] with.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    /// The digest algorithm of the SignerInfo.
    pub fn digest_algorithm(&self) -> HashAlgorithm {
        self.digest
    }

    /// Puts `signature` (over [`Self::bytes`]) in place: a new SignedData, the co-signed one or
    /// the counter-signed one.
    ///
    /// # Errors
    /// [`CmsError::LimitExceeded`] if the result exceeds a bound (signers, certificates), or
    /// another [`CmsError`] if it cannot be re-read (which would be a bug).
    pub fn assemble(self, signature: &[u8]) -> Result<SignedData, CmsError> {
        let mut attrs = self.signed_attrs;
        attrs[0] = cons(0);
        let signer_info = tlv_parts(
            SEQUENCE,
            &[
                &der::encode_small_uint(self.signer_info_version),
                &self.sid,
                &self.digest.algorithm_identifier_der(),
                &attrs,
                &self.algorithm_der,
                &tlv(OCTET_STRING, signature),
            ],
        );
        let digest_ai = self.digest.algorithm_identifier_der();
        let own_v3 = self.signer_info_version == 3;
        match self.target {
            Target::New {
                content_type,
                content,
            } => assemble(Parts {
                version: signed_data_version(own_v3, content_type, 1),
                digest_algorithms: vec![digest_ai],
                content_type,
                econtent: content.map_or(EContent::Absent, EContent::Octets),
                certificates: self.certificates,
                crls: Vec::new(),
                signer_infos: vec![signer_info],
            }),
            Target::CoSign(existing) => {
                let mut parts = existing_parts(existing);
                let has_digest = existing
                    .digest_algorithms
                    .iter()
                    .any(|r| digest_oid(existing.bytes(r)).is_some_and(|o| o == self.digest.oid()));
                if !has_digest {
                    parts.digest_algorithms.push(digest_ai);
                }
                parts.version = signed_data_version(own_v3, parts.content_type, parts.version);
                parts.certificates.extend(self.certificates);
                parts.signer_infos.push(signer_info);
                assemble(parts)
            }
            Target::CounterSign(existing, index) => with_unsigned_value(
                existing,
                index,
                oid::COUNTER_SIGNATURE,
                signer_info,
                self.certificates,
            ),
        }
    }
}

/// `existing` with `value` added to signer `index`'s unsigned attribute `attribute` (a new
/// attribute when it has none, else one more value of it) and `certificates` added to the
/// SignedData; everything else kept byte for byte.
pub(super) fn with_unsigned_value(
    existing: &SignedData,
    index: usize,
    attribute: ObjectIdentifier,
    value: Vec<u8>,
    certificates: Vec<Vec<u8>>,
) -> Result<SignedData, CmsError> {
    let si = existing.signers.get(index).ok_or(CmsError::NoSuchSigner {
        index,
        count: existing.signers.len(),
    })?;
    let mut parts = existing_parts(existing);
    parts.certificates.extend(certificates);
    let mut attrs: Vec<Vec<u8>> = Vec::new();
    let mut values: Vec<Vec<u8>> = Vec::new();
    for a in &si.unsigned {
        if a.oid == attribute {
            values.extend(a.values.iter().map(|v| existing.bytes(v).to_vec()));
        } else {
            attrs.push(existing.bytes(&a.raw).to_vec());
        }
    }
    values.push(value);
    attrs.push(tlv_parts(
        SEQUENCE,
        &[&encode_oid(&attribute), &set_of(SET, values)],
    ));
    let rebuilt = tlv_parts(
        SEQUENCE,
        &[existing.bytes(&si.before_unsigned), &set_of(cons(1), attrs)],
    );
    parts.signer_infos[index] = rebuilt;
    assemble(parts)
}

/// RFC 5652 §5.1: version 3 with a v3 SignerInfo or content other than id-data, else 1 (never
/// below what the existing SignedData had).
fn signed_data_version(v3_signer: bool, content_type: ObjectIdentifier, existing: u32) -> u32 {
    let v = if v3_signer || content_type != oid::ID_DATA {
        3
    } else {
        1
    };
    v.max(existing)
}

fn digest_oid(ai_der: &[u8]) -> Option<ObjectIdentifier> {
    let (ai, _) = der::read_tlv(ai_der).ok()?;
    let mut r = der::Reader::new(ai.value);
    der::oid(&r.expect(der::OID, "algorithm").ok()?, "algorithm").ok()
}

fn existing_parts(sd: &SignedData) -> Parts<'_> {
    Parts {
        version: sd.version,
        digest_algorithms: sd
            .digest_algorithms
            .iter()
            .map(|r| sd.bytes(r).to_vec())
            .collect(),
        content_type: sd.content_type(),
        econtent: sd
            .econtent
            .as_ref()
            .map_or(EContent::Absent, |r| EContent::Raw(sd.bytes(r))),
        certificates: sd
            .certificates
            .iter()
            .map(|r| sd.bytes(r).to_vec())
            .collect(),
        crls: sd.crls.iter().map(|r| sd.bytes(r).to_vec()).collect(),
        signer_infos: sd
            .signers
            .iter()
            .map(|s| sd.bytes(&s.raw).to_vec())
            .collect(),
    }
}

/// The default algorithm for a public key (as [`SigningKey::default_algorithm`]).
fn default_algorithm(kind: KeyKind) -> Result<SignatureAlgorithm, CmsError> {
    Ok(match kind {
        KeyKind::Rsa {
            pss_only: false, ..
        } => SignatureAlgorithm::RSA_PKCS1_SHA256,
        KeyKind::Rsa { pss_only: true, .. } => SignatureAlgorithm::RSA_PSS_SHA256,
        KeyKind::EcP256 => SignatureAlgorithm::ECDSA_SHA256,
        KeyKind::EcP384 => SignatureAlgorithm::ECDSA_SHA384,
        KeyKind::Ed25519 => SignatureAlgorithm::Ed25519,
        KeyKind::Gost {
            algorithm: crate::crypto::gost::KeyAlgorithm::Gost2012_512,
            ..
        } => SignatureAlgorithm::Gost2012_512,
        KeyKind::Gost {
            algorithm: crate::crypto::gost::KeyAlgorithm::Gost2012_256,
            ..
        } => SignatureAlgorithm::Gost2012_256,
        _ => {
            return Err(CmsError::Crypto(
                crate::crypto::CryptoError::UnsupportedAlgorithm(
                    "signing with this key type".into(),
                ),
            ));
        }
    })
}

impl<'a> Signer<'a> {
    /// A signer with `certificate` (whose key will sign) and the `chain` above it (issuer
    /// first; the root may be left out).
    pub fn new(
        provider: &'a CryptoProvider,
        certificate: &'a Certificate,
        chain: &'a [Certificate],
        options: SignOptions,
    ) -> Self {
        Self {
            provider,
            certificate,
            chain,
            options,
        }
    }

    /// The algorithm that will be used: the options', else the certificate key's default.
    ///
    /// # Errors
    /// [`CmsError::Crypto`] if the certificate's key is unusable or does not fit the algorithm.
    pub fn algorithm(&self) -> Result<SignatureAlgorithm, CmsError> {
        let key = PublicKeyInfo::parse(self.certificate.spki_der())?;
        let alg = match self.options.algorithm {
            Some(a) => a,
            None => default_algorithm(key.kind)?,
        };
        alg.check_signable()?;
        key.check_algorithm(&alg)?;
        Ok(alg)
    }

    /// Digest algorithm of the SignerInfo: the signature's hash (Streebog for GOST), SHA-512 for
    /// Ed25519.
    fn digest_for(alg: &SignatureAlgorithm) -> HashAlgorithm {
        alg.hash().unwrap_or(HashAlgorithm::Sha512)
    }

    fn digest_content(&self, h: HashAlgorithm, content: Content<'_>) -> Result<Digest, CmsError> {
        match content {
            Content::Attached(c) => Ok(self.provider.digest(h, c)?),
            Content::Detached(reader) => digest_reader(self.provider, h, reader),
            Content::DetachedDigest(d) if d.algorithm() == h => Ok(d),
            Content::DetachedDigest(d) => Err(CmsError::Unsupported {
                what: format!(
                    "a {} digest of the content where the signature needs {h}",
                    d.algorithm()
                ),
            }),
        }
    }

    /// Prepares a new SignedData over `content`, to be signed with `algorithm` (`None`: see
    /// [`Signer::algorithm`]).
    ///
    /// # Errors
    /// [`CmsError::Crypto`] for an algorithm the certificate's key cannot make,
    /// [`CmsError::Io`] if reading detached content fails, [`CmsError::Unsupported`] for a
    /// [`SignerIdentifierKind::SubjectKeyIdentifier`] without one in the certificate.
    pub fn prepare<'c>(
        &self,
        algorithm: Option<SignatureAlgorithm>,
        content: Content<'c>,
    ) -> Result<ToBeSigned<'c>, CmsError> {
        let alg = self.resolve(algorithm)?;
        let digest = Self::digest_for(&alg);
        let attached = match &content {
            Content::Attached(c) => Some(*c),
            _ => None,
        };
        let d = self.digest_content(digest, content)?;
        self.to_be_signed(
            alg,
            digest,
            &d,
            Some(self.options.content_type),
            Target::New {
                content_type: self.options.content_type,
                content: attached,
            },
        )
    }

    /// Prepares a further SignerInfo for `existing` over the same content: its attached
    /// content, or `detached` for a detached one. The certificates are merged and the digest
    /// algorithm added to digestAlgorithms.
    ///
    /// The content is first checked against the existing signers, in the same single read:
    /// each signer's message-digest attribute must match it (a signer without signed
    /// attributes: its signature, with its embedded certificate's key). A co-signature over
    /// other content would leave a SignedData that can never verify.
    ///
    /// # Errors
    /// [`CmsError::ContentRequired`] / [`CmsError::ContentConflict`] when `detached` does not
    /// fit `existing`; [`CmsError::CosignContentMismatch`] when the content is not what an
    /// existing signer signed, [`CmsError::CosignContentUnconfirmed`] when no existing signer
    /// can be checked; otherwise as [`Signer::prepare`].
    pub fn prepare_cosign<'c>(
        &self,
        algorithm: Option<SignatureAlgorithm>,
        existing: &'c SignedData,
        detached: Option<&mut dyn Read>,
    ) -> Result<ToBeSigned<'c>, CmsError> {
        let alg = self.resolve(algorithm)?;
        let digest = Self::digest_for(&alg);
        let mut hashes = vec![digest];
        for si in &existing.signers {
            if let Some(h) = cosign::hash_needed(existing, si)
                && !hashes.contains(&h)
            {
                hashes.push(h);
            }
        }
        let digests = match (existing.content(), detached) {
            (Some(_), Some(_)) => return Err(CmsError::ContentConflict),
            (None, None) => return Err(CmsError::ContentRequired),
            (Some(c), None) => hashes
                .iter()
                .map(|h| self.provider.digest(*h, c))
                .collect::<Result<Vec<Digest>, _>>()?,
            (None, Some(r)) => digest_reader_all(self.provider, &hashes, r)?,
        };
        cosign::check_content(self.provider, existing, &digests)?;
        let d = digests
            .into_iter()
            .find(|d| d.algorithm() == digest)
            .ok_or_else(|| {
                CmsError::Crypto(crate::crypto::CryptoError::UnsupportedAlgorithm(format!(
                    "{digest}"
                )))
            })?;
        self.to_be_signed(
            alg,
            digest,
            &d,
            Some(existing.content_type()),
            Target::CoSign(existing),
        )
    }

    /// Prepares a counter-signature (RFC 5652 §11.4) on the signature of `existing`'s signer
    /// number `signer_index`: signed attributes message-digest (of that signature value),
    /// signing-time and signing-certificate-v2, no content-type.
    ///
    /// # Errors
    /// [`CmsError::NoSuchSigner`]; otherwise as [`Signer::prepare`].
    pub fn prepare_countersign<'c>(
        &self,
        algorithm: Option<SignatureAlgorithm>,
        existing: &'c SignedData,
        signer_index: usize,
    ) -> Result<ToBeSigned<'c>, CmsError> {
        let si = existing
            .signers
            .get(signer_index)
            .ok_or(CmsError::NoSuchSigner {
                index: signer_index,
                count: existing.signers.len(),
            })?;
        let alg = self.resolve(algorithm)?;
        let digest = Self::digest_for(&alg);
        let d = self
            .provider
            .digest(digest, existing.bytes(&si.signature))?;
        self.to_be_signed(
            alg,
            digest,
            &d,
            None,
            Target::CounterSign(existing, signer_index),
        )
    }

    /// Signs `content` with `key` in one go: [`Signer::prepare`], the signature, and
    /// [`ToBeSigned::assemble`].
    ///
    /// # Errors
    /// [`CmsError::KeyMismatch`] if `key` is not the certificate's; otherwise as
    /// [`Signer::prepare`] and the key's signing errors.
    pub fn sign(&self, key: &dyn SigningKey, content: Content<'_>) -> Result<SignedData, CmsError> {
        let tbs = self.prepare(Some(self.key_algorithm(key)?), content)?;
        let sig = key.sign(&tbs.algorithm(), tbs.bytes())?;
        tbs.assemble(&sig)
    }

    /// Co-signs `existing` with `key` in one go (see [`Signer::prepare_cosign`]).
    ///
    /// # Errors
    /// As [`Signer::sign`] and [`Signer::prepare_cosign`].
    pub fn cosign(
        &self,
        key: &dyn SigningKey,
        existing: &SignedData,
        detached: Option<&mut dyn Read>,
    ) -> Result<SignedData, CmsError> {
        let tbs = self.prepare_cosign(Some(self.key_algorithm(key)?), existing, detached)?;
        let sig = key.sign(&tbs.algorithm(), tbs.bytes())?;
        tbs.assemble(&sig)
    }

    /// Counter-signs signer `signer_index` of `existing` with `key` in one go (see
    /// [`Signer::prepare_countersign`]).
    ///
    /// # Errors
    /// As [`Signer::sign`] and [`Signer::prepare_countersign`].
    pub fn countersign(
        &self,
        key: &dyn SigningKey,
        existing: &SignedData,
        signer_index: usize,
    ) -> Result<SignedData, CmsError> {
        let tbs =
            self.prepare_countersign(Some(self.key_algorithm(key)?), existing, signer_index)?;
        let sig = key.sign(&tbs.algorithm(), tbs.bytes())?;
        tbs.assemble(&sig)
    }

    /// Checks that `key` is the certificate's and picks the algorithm.
    fn key_algorithm(&self, key: &dyn SigningKey) -> Result<SignatureAlgorithm, CmsError> {
        let cert_key = PublicKeyInfo::parse(self.certificate.spki_der())?;
        let own = PublicKeyInfo::parse(key.public_key_der())?;
        if cert_key.key != own.key {
            return Err(CmsError::KeyMismatch);
        }
        Ok(self
            .options
            .algorithm
            .unwrap_or_else(|| key.default_algorithm()))
    }

    fn resolve(
        &self,
        algorithm: Option<SignatureAlgorithm>,
    ) -> Result<SignatureAlgorithm, CmsError> {
        match algorithm {
            Some(a) => {
                a.check_signable()?;
                PublicKeyInfo::parse(self.certificate.spki_der())?.check_algorithm(&a)?;
                Ok(a)
            }
            None => self.algorithm(),
        }
    }

    fn to_be_signed<'c>(
        &self,
        algorithm: SignatureAlgorithm,
        digest: HashAlgorithm,
        content_digest: &Digest,
        content_type: Option<ObjectIdentifier>,
        target: Target<'c>,
    ) -> Result<ToBeSigned<'c>, CmsError> {
        let cert = self.certificate;
        let (sid, signer_info_version) = match self.options.signer_identifier {
            SignerIdentifierKind::IssuerAndSerialNumber => (
                tlv_parts(
                    SEQUENCE,
                    &[cert.issuer().as_der(), &tlv(INTEGER, cert.serial())],
                ),
                1,
            ),
            SignerIdentifierKind::SubjectKeyIdentifier => {
                let ski = cert.extensions().subject_key_id.as_deref().ok_or_else(|| {
                    CmsError::Unsupported {
                        what: "a subjectKeyIdentifier signer identifier for a certificate \
                               without one"
                            .into(),
                    }
                })?;
                (tlv(prim(0), ski), 3)
            }
        };
        let attr = |o: ObjectIdentifier, value: Vec<u8>| {
            tlv_parts(SEQUENCE, &[&encode_oid(&o), &tlv(SET, &value)])
        };
        let mut attrs = Vec::new();
        if let Some(ct) = content_type {
            attrs.push(attr(oid::CONTENT_TYPE, encode_oid(&ct)));
        }
        if let Some(t) = self.options.signing_time {
            attrs.push(attr(oid::SIGNING_TIME, encode_time(t)));
        }
        attrs.push(attr(
            oid::MESSAGE_DIGEST,
            tlv(OCTET_STRING, content_digest.as_ref()),
        ));
        if self.options.signing_certificate_v2 {
            attrs.push(attr(
                oid::SIGNING_CERTIFICATE_V2,
                self.signing_certificate_v2()?,
            ));
        }
        let certificates = if self.options.include_certificates {
            core::iter::once(cert)
                .chain(self.chain)
                .map(|c| c.der().to_vec())
                .collect()
        } else {
            Vec::new()
        };
        Ok(ToBeSigned {
            algorithm_der: cms_signature_algorithm_der(&algorithm)?,
            algorithm,
            digest,
            signed_attrs: set_of(SET, attrs),
            sid,
            signer_info_version,
            certificates,
            target,
        })
    }

    /// ```text
    /// SigningCertificateV2 ::= SEQUENCE {
    ///     certs        SEQUENCE OF ESSCertIDv2,
    ///     policies     SEQUENCE OF PolicyInformation OPTIONAL }
    /// ESSCertIDv2 ::= SEQUENCE {
    ///     hashAlgorithm  AlgorithmIdentifier DEFAULT {algorithm id-sha256},
    ///     certHash       Hash,
    ///     issuerSerial   IssuerSerial OPTIONAL }
    /// IssuerSerial ::= SEQUENCE {
    ///     issuer         GeneralNames,
    ///     serialNumber   CertificateSerialNumber }
    /// ```
    /// (RFC 5035 §4; the SHA-256 default is omitted, as DER requires.)
    fn signing_certificate_v2(&self) -> Result<Vec<u8>, CmsError> {
        let cert = self.certificate;
        let hash = self.provider.digest(HashAlgorithm::Sha256, cert.der())?;
        let general_names = tlv(SEQUENCE, &tlv(cons(4), cert.issuer().as_der()));
        let issuer_serial = tlv_parts(SEQUENCE, &[&general_names, &tlv(INTEGER, cert.serial())]);
        let id = tlv_parts(
            SEQUENCE,
            &[&tlv(OCTET_STRING, hash.as_ref()), &issuer_serial],
        );
        Ok(tlv(SEQUENCE, &tlv(SEQUENCE, &id)))
    }
}

/// The SignerInfo signatureAlgorithm. GOST R 34.10-2012 is named by the key algorithm with
/// NULL parameters, as the OpenSSL GOST engine and CryptoPro CSP write it (RFC 4490 §3.2 did
/// the same for GOST R 34.10-2001); everything else by the X.509 signature identifier.
fn cms_signature_algorithm_der(alg: &SignatureAlgorithm) -> Result<Vec<u8>, CmsError> {
    use crate::crypto::oid as crypto_oid;
    let key_oid = match alg {
        SignatureAlgorithm::Gost2012_256 => crypto_oid::GOST2012_256,
        SignatureAlgorithm::Gost2012_512 => crypto_oid::GOST2012_512,
        other => return Ok(other.algorithm_identifier_der()?),
    };
    Ok(tlv_parts(SEQUENCE, &[&encode_oid(&key_oid), &[0x05, 0x00]]))
}

fn digest_reader(
    provider: &CryptoProvider,
    h: HashAlgorithm,
    reader: &mut dyn Read,
) -> Result<Digest, CmsError> {
    let mut digests = digest_reader_all(provider, &[h], reader)?;
    Ok(digests.remove(0))
}

/// Reads `reader` once in [`CHUNK_SIZE`] chunks through a hasher for each of `hashes`.
fn digest_reader_all(
    provider: &CryptoProvider,
    hashes: &[HashAlgorithm],
    reader: &mut dyn Read,
) -> Result<Vec<Digest>, CmsError> {
    let mut hashers = hashes
        .iter()
        .map(|h| provider.digests.hasher(*h))
        .collect::<Result<Vec<_>, _>>()?;
    let mut buf = vec![0u8; CHUNK_SIZE];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hashers.iter_mut().for_each(|h| h.update(&buf[..n])),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(CmsError::Io(e)),
        }
    }
    Ok(hashers.into_iter().map(|h| h.finalize()).collect())
}

/// Co-signing's check that the content is the one the existing signers signed.
mod cosign {
    use super::super::der::OCTET_STRING;
    use super::super::signed_data::{SignedData, SignerInfo};
    use super::super::verify::{
        cms_signature_algorithm, digest_algorithm, effective_spki, sid_key, single_value,
    };
    use super::super::{CmsError, oid};
    use crate::crypto::{CryptoProvider, Digest, HashAlgorithm};
    use crate::pki::Certificate;

    /// The hash the content must be digested with to check `si`.
    pub(super) fn hash_needed(sd: &SignedData, si: &SignerInfo) -> Option<HashAlgorithm> {
        let digest = digest_algorithm(sd.bytes(&si.digest_algorithm)).ok();
        if si.signed_attrs.is_some() {
            return digest;
        }
        cms_signature_algorithm(sd.bytes(&si.signature_algorithm), digest)
            .ok()?
            .hash()
    }

    /// Compares every existing signer that can be checked with the content's `digests`.
    pub(super) fn check_content(
        provider: &CryptoProvider,
        sd: &SignedData,
        digests: &[Digest],
    ) -> Result<(), CmsError> {
        let embedded: Vec<Certificate> = sd
            .certificates_der()
            .filter_map(|der| Certificate::from_der(der).ok())
            .collect();
        let pool: Vec<&Certificate> = embedded.iter().collect();
        let mut checked = 0usize;
        for (i, si) in sd.signers.iter().enumerate() {
            let Some(h) = hash_needed(sd, si) else {
                continue;
            };
            let Some(digest) = digests.iter().find(|d| d.algorithm() == h) else {
                continue;
            };
            let matches = if si.signed_attrs.is_some() {
                let Some(attr) = si.signed_attr(oid::MESSAGE_DIGEST).next() else {
                    continue;
                };
                match single_value(sd, attr, "message-digest") {
                    Ok(v) if v.tag == OCTET_STRING => v.value == digest.as_ref(),
                    _ => continue,
                }
            } else {
                // No signed attributes: the signature covers the content's digest itself.
                let alg = cms_signature_algorithm(
                    sd.bytes(&si.signature_algorithm),
                    digest_algorithm(sd.bytes(&si.digest_algorithm)).ok(),
                );
                let sid = sid_key(sd, &si.sid);
                let (Ok(alg), Some(cert)) = (alg, pool.iter().find(|c| sid.matches(c))) else {
                    continue;
                };
                let spki = effective_spki(cert, &pool);
                provider
                    .verify_prehashed(&alg, &spki, digest.as_ref(), sd.bytes(&si.signature))
                    .is_ok()
            };
            if !matches {
                return Err(CmsError::CosignContentMismatch { signer: i + 1 });
            }
            checked += 1;
        }
        if checked == 0 {
            return Err(CmsError::CosignContentUnconfirmed);
        }
        Ok(())
    }
}
