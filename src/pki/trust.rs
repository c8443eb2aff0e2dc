//! Trust anchors.

use std::path::Path;

use super::certificate::Certificate;
use super::error::PkiError;

/// The certificates a validation trusts without question (RFC 5280 §6.1.1 (d): their name and
/// key start the path; their own constraints are not applied).
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    anchors: Vec<Certificate>,
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one anchor (duplicates are ignored).
    pub fn add(&mut self, cert: Certificate) {
        if !self.anchors.iter().any(|a| a.der() == cert.der()) {
            self.anchors.push(cert);
        }
    }

    /// Adds every certificate of a PEM bundle or DER file's bytes.
    ///
    /// # Errors
    /// [`PkiError`] if the input is not certificates.
    pub fn add_pem_or_der(&mut self, input: &[u8]) -> Result<usize, PkiError> {
        let certs = Certificate::all_from_pem_or_der(input)?;
        let n = certs.len();
        certs.into_iter().for_each(|c| self.add(c));
        Ok(n)
    }

    /// Adds the certificates of a file, or the certificates found in the `.pem`, `.crt`, `.cer`
    /// and `.der` files of a directory (not recursive; keys and CRLs there are skipped). Each
    /// file is read within the default cap for certificate files
    /// ([`InputKind::Certificate`](crate::limits::InputKind::Certificate)).
    ///
    /// # Errors
    /// [`PkiError::Io`] for unreadable paths or files over the cap, or the file's parse error
    /// naming it.
    pub fn add_path(&mut self, path: &Path) -> Result<usize, PkiError> {
        let read = |p: &Path| {
            crate::limits::InputLimits::default()
                .read_file(p, crate::limits::InputKind::Certificate)
                .map_err(|e| PkiError::Io {
                    path: p.display().to_string(),
                    reason: e.reason(),
                })
        };
        let io = |e: std::io::Error| PkiError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        if path.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(path)
                .map_err(io)?
                .collect::<Result<_, _>>()
                .map_err(io)?;
            entries.sort_by_key(|e| e.path());
            let mut n = 0;
            for entry in entries {
                let p = entry.path();
                let ext = p
                    .extension()
                    .and_then(|e| e.to_str())
                    .unwrap_or("")
                    .to_ascii_lowercase();
                if !(p.is_file() && matches!(ext.as_str(), "pem" | "crt" | "cer" | "der")) {
                    continue;
                }
                // A directory may also hold keys and CRLs: take the certificates only.
                let bytes = read(&p)?;
                let Ok(objects) = crate::pem::decode_objects(&bytes) else {
                    continue;
                };
                for obj in objects {
                    let is_cert_label = matches!(
                        obj.label.as_deref(),
                        Some("CERTIFICATE" | "TRUSTED CERTIFICATE")
                    );
                    if obj.label.is_none() || is_cert_label {
                        match Certificate::from_der(&obj.der) {
                            Ok(c) => {
                                self.add(c);
                                n += 1;
                            }
                            Err(e) if is_cert_label => {
                                return Err(PkiError::Io {
                                    path: p.display().to_string(),
                                    reason: e.to_string(),
                                });
                            }
                            Err(_) => {} // a DER file that is not a certificate (a CRL, say)
                        }
                    }
                }
            }
            Ok(n)
        } else {
            let bytes = read(path)?;
            self.add_pem_or_der(&bytes).map_err(|e| PkiError::Io {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
        }
    }

    /// The anchors.
    pub fn anchors(&self) -> &[Certificate] {
        &self.anchors
    }

    /// Number of anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// The anchors, taken out of the store.
    pub fn into_anchors(self) -> Vec<Certificate> {
        self.anchors
    }
}
