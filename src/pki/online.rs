//! Fetching what a verification lacks, when asked (feature `network`): missing issuers from
//! authorityInfoAccess caIssuers, CRLs from cRLDistributionPoints, OCSP responses from the
//! authorityInfoAccess OCSP responders (RFC 5280 §4.2.2.1, §4.2.1.13; RFC 6960).
//!
//! Everything fetched is untrusted material: certificates become candidate intermediates, CRLs
//! and OCSP responses candidate revocation sources, and the path and revocation code checks
//! their signatures as it checks any other ([`crate::pki::TrustContext::with_material`]).
//! Nothing fetched is ever a trust anchor. A fetch that fails leaves the verification without
//! that material — at worst indeterminate, never invalid or valid because of the failure.
//!
//! Every fetch is bounded: `http://` and `https://` only (rustls), a timeout, a size cap per
//! kind (the [`InputLimits`] of certificate and CRL files, [`MAX_OCSP_RESPONSE_LEN`] for OCSP),
//! at most [`OnlineOptions::max_fetches`] network fetches per [`Fetcher::gather`]. An optional
//! on-disk cache keeps each answer under a file named by the SHA-256 of what was asked:
//! certificates are kept, CRLs and OCSP responses are fetched again once past nextUpdate.

use std::collections::HashSet;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::{
    Certificate, Crl, GeneralName, MAX_OCSP_RESPONSE_LEN, OcspResponse, TrustStore, UnixTime,
    ocsp_request,
};
use crate::crypto::{CryptoProvider, HashAlgorithm};
use crate::limits::{InputKind, InputLimits};

/// Most certificates the issuer search holds (those at hand and those fetched).
const MAX_POOL: usize = 64;

/// How the fetcher behaves.
#[derive(Clone, Debug)]
pub struct OnlineOptions {
    /// How long one fetch may take, connection to last byte (default 15 s).
    pub timeout: Duration,
    /// Most network fetches in one [`Fetcher::gather`] (default 16); answers from the cache
    /// do not count.
    pub max_fetches: usize,
    /// Size caps: [`InputKind::Certificate`] for issuers, [`InputKind::Crl`] for CRLs.
    pub limits: InputLimits,
    /// The cache directory (created if missing); `None`: no cache.
    pub cache_dir: Option<PathBuf>,
    /// An HTTP proxy (`http://host:port`); `None`: the `ALL_PROXY`/`HTTPS_PROXY`/`HTTP_PROXY`
    /// environment, as ureq reads it.
    pub proxy: Option<String>,
}

impl Default for OnlineOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(15),
            max_fetches: 16,
            limits: InputLimits::default(),
            cache_dir: None,
            proxy: None,
        }
    }
}

/// What was fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchKind {
    /// An issuer certificate (authorityInfoAccess caIssuers).
    Certificate,
    /// A CRL (cRLDistributionPoints).
    Crl,
    /// An OCSP response (authorityInfoAccess ocsp).
    Ocsp,
}

/// Where a fetched answer came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchSource {
    /// The network.
    Network,
    /// The cache directory.
    Cache,
}

/// Why a fetch brought nothing usable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL is neither `http://` nor `https://`.
    #[error("only http:// and https:// URLs are fetched")]
    Scheme,
    /// The fetch budget ([`OnlineOptions::max_fetches`]) was spent.
    #[error("the limit of {max} fetches per verification was reached")]
    Budget {
        /// The limit.
        max: usize,
    },
    /// The server could not be reached, timed out or answered with an error status.
    #[error("network: {0}")]
    Network(String),
    /// The answer was larger than the cap for its kind.
    #[error("the answer exceeds the {max}-byte limit")]
    TooLarge {
        /// The cap.
        max: u64,
    },
    /// The answer is not what was asked for (not a certificate, CRL or OCSP response).
    #[error("the answer is not usable: {0}")]
    Unusable(String),
}

/// One fetch: its URL and kind, where the answer came from, or why there was none.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FetchRecord {
    /// The URL.
    pub url: String,
    /// What was asked for.
    pub kind: FetchKind,
    /// The cache or the network, when an answer was used.
    pub source: Option<FetchSource>,
    /// Why nothing was used.
    #[serde(serialize_with = "error_text")]
    pub error: Option<FetchError>,
}

fn error_text<S: serde::Serializer>(e: &Option<FetchError>, s: S) -> Result<S::Ok, S::Error> {
    match e {
        Some(e) => s.serialize_some(&e.to_string()),
        None => s.serialize_none(),
    }
}

/// What [`Fetcher::gather`] found: untrusted material, and the record of every fetch.
#[derive(Clone, Debug, Default)]
pub struct OnlineMaterial {
    /// Fetched certificates (candidate intermediates).
    pub certificates: Vec<Certificate>,
    /// Fetched CRLs.
    pub crls: Vec<Crl>,
    /// Fetched OCSP responses.
    pub ocsp: Vec<OcspResponse>,
    /// Every fetch, in order.
    pub fetches: Vec<FetchRecord>,
}

/// Why a [`Fetcher`] could not be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OnlineError {
    /// The proxy URL is not one ureq accepts.
    #[error("proxy {url}: {reason}")]
    Proxy {
        /// The proxy URL.
        url: String,
        /// ureq's reason.
        reason: String,
    },
}

/// Fetches missing issuers, CRLs and OCSP responses over HTTP(S) ([module docs](self)).
#[derive(Debug)]
pub struct Fetcher {
    options: OnlineOptions,
    agent: ureq::Agent,
}

impl Fetcher {
    /// A fetcher with `options`.
    ///
    /// # Errors
    /// [`OnlineError::Proxy`] if `options.proxy` is not a proxy URL.
    pub fn new(options: OnlineOptions) -> Result<Self, OnlineError> {
        let mut config = ureq::Agent::config_builder()
            .timeout_global(Some(options.timeout))
            .http_status_as_error(false)
            .max_redirects(3);
        if let Some(url) = &options.proxy {
            let proxy = ureq::Proxy::new(url).map_err(|e| OnlineError::Proxy {
                url: url.clone(),
                reason: e.to_string(),
            })?;
            config = config.proxy(Some(proxy));
        }
        Ok(Self {
            options,
            agent: config.build().into(),
        })
    }

    /// Fetches, for the certificates at hand (a signer's, a CMS certificate set, the untrusted
    /// ones given), the issuers that are neither at hand nor anchors (caIssuers, repeatedly up
    /// the chain), then for each certificate below an anchor an OCSP response from its
    /// responder (a SHA-1 CertID, no nonce, so that answers can be cached) or, failing that, a
    /// CRL from its distribution points. `now` decides what in the cache is still fresh.
    pub fn gather(
        &self,
        provider: &CryptoProvider,
        at_hand: &[Certificate],
        anchors: &TrustStore,
        now: UnixTime,
    ) -> OnlineMaterial {
        let mut run = Run {
            fetcher: self,
            now,
            spent: 0,
            seen: HashSet::new(),
            crls_held: HashSet::new(),
            out: OnlineMaterial::default(),
        };
        let anchors = anchors.anchors();
        let mut pool: Vec<Certificate> = at_hand.iter().take(MAX_POOL).cloned().collect();
        let mut i = 0;
        while i < pool.len() {
            let cert = pool[i].clone();
            i += 1;
            if cert.is_self_issued() || issuer_of(&cert, &pool, anchors).is_some() {
                continue;
            }
            for url in &cert.extensions().ca_issuers {
                let Some(found) = run.certificates(url) else {
                    continue;
                };
                let issuers: Vec<_> = found
                    .into_iter()
                    .filter(|c| c.subject() == cert.issuer())
                    .collect();
                if issuers.is_empty() {
                    continue;
                }
                for issuer in issuers {
                    if pool.len() < MAX_POOL && !pool.iter().any(|p| p.der() == issuer.der()) {
                        run.out.certificates.push(issuer.clone());
                        pool.push(issuer);
                    }
                }
                break;
            }
        }
        for cert in &pool {
            if anchors.iter().any(|a| a.der() == cert.der()) {
                continue;
            }
            let mut covered = false;
            if let Some(issuer) = issuer_of(cert, &pool, anchors) {
                for url in &cert.extensions().ocsp_responders {
                    let Ok(request) =
                        ocsp_request(provider, cert, issuer, HashAlgorithm::Sha1, None)
                    else {
                        break;
                    };
                    if run.ocsp(url, &request) {
                        covered = true;
                        break;
                    }
                }
            }
            if covered {
                continue;
            }
            let urls = cert
                .extensions()
                .crl_distribution_points
                .iter()
                .flat_map(|dp| &dp.full_name)
                .filter_map(|g| match g {
                    GeneralName::Uri(u) => Some(u),
                    _ => None,
                });
            for url in urls {
                if run.crl(url) {
                    break;
                }
            }
        }
        run.out
    }
}

/// An issuer of `cert` by name among `pool` and `anchors`.
fn issuer_of<'a>(
    cert: &Certificate,
    pool: &'a [Certificate],
    anchors: &'a [Certificate],
) -> Option<&'a Certificate> {
    anchors
        .iter()
        .chain(pool)
        .find(|c| c.subject() == cert.issuer() && c.der() != cert.der())
}

/// One [`Fetcher::gather`]: its budget, what it fetched, and its record.
struct Run<'f> {
    fetcher: &'f Fetcher,
    now: UnixTime,
    spent: usize,
    seen: HashSet<(FetchKind, String)>,
    /// CRL URLs whose CRL is in the material.
    crls_held: HashSet<String>,
    out: OnlineMaterial,
}

impl Run<'_> {
    /// The certificates at `url`, recorded.
    fn certificates(&mut self, url: &str) -> Option<Vec<Certificate>> {
        self.fetch(url, FetchKind::Certificate, None, |bytes, _| {
            parse_certificates(bytes)
        })
    }

    /// Fetches the CRL at `url` into the material; whether it was (or already is) there.
    fn crl(&mut self, url: &str) -> bool {
        if self.seen.contains(&(FetchKind::Crl, url.to_owned())) {
            return self.crls_held.contains(url);
        }
        let Some(crls) = self.fetch(url, FetchKind::Crl, None, |bytes, now| {
            let crls = Crl::all_from_pem_or_der(bytes).map_err(|e| e.to_string())?;
            if now.is_some_and(|now| {
                crls.iter()
                    .any(|c| c.next_update().is_none_or(|n| n <= now))
            }) {
                return Err("past its nextUpdate".into());
            }
            Ok(crls)
        }) else {
            return false;
        };
        self.out.crls.extend(crls);
        self.crls_held.insert(url.to_owned());
        true
    }

    /// Posts `request` to the responder at `url`; whether a response was added.
    fn ocsp(&mut self, url: &str, request: &[u8]) -> bool {
        let Some(response) = self.fetch(url, FetchKind::Ocsp, Some(request), |bytes, now| {
            let response = OcspResponse::from_der(bytes).map_err(|e| e.to_string())?;
            if now.is_some_and(|now| {
                response
                    .responses()
                    .iter()
                    .any(|r| r.next_update.is_none_or(|n| n <= now))
            }) {
                return Err("past its nextUpdate".into());
            }
            Ok(response)
        }) else {
            return false;
        };
        self.out.ocsp.push(response);
        true
    }

    /// One fetch through the cache: `parse` reads the answer (with the time, for a cached
    /// answer's freshness); the record says what happened.
    fn fetch<T>(
        &mut self,
        url: &str,
        kind: FetchKind,
        body: Option<&[u8]>,
        parse: impl Fn(&[u8], Option<UnixTime>) -> Result<T, String>,
    ) -> Option<T> {
        if !self.seen.insert((kind, url.to_owned())) {
            return None;
        }
        let mut record = FetchRecord {
            url: url.to_owned(),
            kind,
            source: None,
            error: None,
        };
        let result = self.fetch_inner(url, kind, body, &parse, &mut record);
        record.error = result.as_ref().err().cloned();
        self.out.fetches.push(record);
        result.ok()
    }

    fn fetch_inner<T>(
        &mut self,
        url: &str,
        kind: FetchKind,
        body: Option<&[u8]>,
        parse: &impl Fn(&[u8], Option<UnixTime>) -> Result<T, String>,
        record: &mut FetchRecord,
    ) -> Result<T, FetchError> {
        let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
        if !lower.starts_with("http://") && !lower.starts_with("https://") {
            return Err(FetchError::Scheme);
        }
        let cache_file = self.fetcher.options.cache_dir.as_ref().map(|dir| {
            let mut h = Sha256::new();
            h.update([kind as u8]);
            h.update(url.as_bytes());
            h.update([0]);
            h.update(body.unwrap_or_default());
            dir.join(hex::encode(h.finalize()))
        });
        // Certificates are kept; a cached CRL or OCSP response only while fresh.
        let freshness = (kind != FetchKind::Certificate).then_some(self.now);
        if let Some(file) = &cache_file
            && let Ok(bytes) = std::fs::read(file)
            && let Ok(value) = parse(&bytes, freshness)
        {
            record.source = Some(FetchSource::Cache);
            return Ok(value);
        }
        let max = self.fetcher.options.max_fetches;
        if self.spent >= max {
            return Err(FetchError::Budget { max });
        }
        self.spent += 1;
        let cap = match kind {
            FetchKind::Certificate => self.fetcher.options.limits.get(InputKind::Certificate),
            FetchKind::Crl => self.fetcher.options.limits.get(InputKind::Crl),
            FetchKind::Ocsp => MAX_OCSP_RESPONSE_LEN as u64,
        };
        let bytes = self.download(url, body, cap)?;
        let value = parse(&bytes, None).map_err(FetchError::Unusable)?;
        record.source = Some(FetchSource::Network);
        if let Some(file) = &cache_file {
            // A cache that cannot be written only costs a fetch next time.
            let _ = store(file, &bytes);
        }
        Ok(value)
    }

    fn download(&self, url: &str, body: Option<&[u8]>, cap: u64) -> Result<Vec<u8>, FetchError> {
        let network = |e: ureq::Error| FetchError::Network(e.to_string());
        let agent = &self.fetcher.agent;
        let response = match body {
            Some(body) => agent
                .post(url)
                .header("Content-Type", "application/ocsp-request")
                .send(body)
                .map_err(network)?,
            None => agent.get(url).call().map_err(network)?,
        };
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Network(format!("HTTP status {status}")));
        }
        let mut bytes = Vec::new();
        response
            .into_body()
            .into_reader()
            .take(cap.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| FetchError::Network(e.to_string()))?;
        if bytes.len() as u64 > cap {
            return Err(FetchError::TooLarge { max: cap });
        }
        Ok(bytes)
    }
}

/// Writes a cache entry through a temporary file, so a reader never sees half of one.
fn store(file: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = file.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, file)
}

/// The certificates of a caIssuers answer: DER or PEM certificates, or a certs-only PKCS #7
/// SignedData (`.p7c`, RFC 5280 §4.2.2.1).
fn parse_certificates(bytes: &[u8]) -> Result<Vec<Certificate>, String> {
    if let Ok(certs) = Certificate::all_from_pem_or_der(bytes) {
        return Ok(certs);
    }
    Certificate::all_from_certs_only_pkcs7(bytes, MAX_POOL).map_err(|e| e.to_string())
}
