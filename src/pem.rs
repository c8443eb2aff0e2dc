//! PEM and DER input.
//!
//! Certificates, CRLs and keys arrive as DER or as PEM text that may hold several objects
//! (a chain, a bundle of trust anchors). [`decode_objects`] accepts both and returns each object's
//! label and DER, so callers never have to guess the format.

/// One object read from PEM (or DER, labelled `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PemObject {
    /// The PEM label (`CERTIFICATE`, `X509 CRL`, `PRIVATE KEY`, ...), `None` for raw DER input.
    pub label: Option<String>,
    /// The DER bytes.
    pub der: Vec<u8>,
}

/// Why PEM/DER input could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PemError {
    /// The input is empty.
    #[error("input is empty")]
    Empty,
    /// The input looks like PEM but a block is malformed.
    #[error("PEM block {index} is malformed: {reason}")]
    Malformed {
        /// Zero-based index of the block.
        index: usize,
        /// What was wrong.
        reason: String,
    },
    /// The input is neither PEM nor DER (it does not start with a SEQUENCE).
    #[error("input is neither PEM text nor DER (first byte 0x{0:02x})")]
    NotPemOrDer(u8),
    /// A block has a label other than the ones the caller accepts.
    #[error("expected {expected}, found a \"{found}\" PEM block")]
    UnexpectedLabel {
        /// What the caller accepts.
        expected: &'static str,
        /// The label found.
        found: String,
    },
}

const BEGIN: &[u8] = b"-----BEGIN ";
const END: &[u8] = b"-----END ";

/// Maximum number of PEM blocks read from one input (bounds hostile bundles).
pub const MAX_PEM_OBJECTS: usize = 10_000;

/// Decodes every object in `input`: all PEM blocks (text between blocks is ignored, as OpenSSL
/// does), or, if the input is not PEM, the whole input as one DER object.
///
/// # Errors
/// [`PemError::Empty`], [`PemError::Malformed`] for a bad block, [`PemError::NotPemOrDer`] if the
/// input is neither.
///
/// # Example
/// ```
/// let chain = include_bytes!("../testdata/pki/chain.pem");
/// let objects = signflow::pem::decode_objects(chain)?;
/// assert_eq!(objects.len(), 2);
/// assert!(objects.iter().all(|o| o.label.as_deref() == Some("CERTIFICATE")));
/// # Ok::<(), signflow::pem::PemError>(())
/// ```
pub fn decode_objects(input: &[u8]) -> Result<Vec<PemObject>, PemError> {
    let trimmed = input.trim_ascii_start();
    if trimmed.is_empty() {
        return Err(PemError::Empty);
    }
    if find(input, BEGIN).is_none() {
        return match trimmed[0] {
            0x30 => Ok(vec![PemObject {
                label: None,
                der: input.to_vec(),
            }]),
            b => Err(PemError::NotPemOrDer(b)),
        };
    }
    let mut out = Vec::new();
    let mut rest = input;
    while let Some(start) = find(rest, BEGIN) {
        let index = out.len();
        if index >= MAX_PEM_OBJECTS {
            return Err(PemError::Malformed {
                index,
                reason: "too many PEM blocks".into(),
            });
        }
        let block = &rest[start..];
        let end_marker = find(block, END).ok_or_else(|| PemError::Malformed {
            index,
            reason: "no -----END line".into(),
        })?;
        let after_end = &block[end_marker..];
        let line_end = after_end
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(after_end.len());
        let block_len = end_marker + line_end;
        let (label, der) =
            der::pem::decode_vec(block[..block_len].trim_ascii_end()).map_err(|e| {
                PemError::Malformed {
                    index,
                    reason: e.to_string(),
                }
            })?;
        out.push(PemObject {
            label: Some(label.to_owned()),
            der,
        });
        rest = &block[block_len..];
    }
    Ok(out)
}

/// Decodes `input` and keeps only objects with one of `labels` (raw DER is kept as is).
///
/// # Errors
/// As [`decode_objects`], plus [`PemError::UnexpectedLabel`] if a block has another label.
pub fn decode_labelled(
    input: &[u8],
    labels: &[&str],
    expected: &'static str,
) -> Result<Vec<Vec<u8>>, PemError> {
    decode_objects(input)?
        .into_iter()
        .map(|o| match o.label {
            Some(l) if !labels.contains(&l.as_str()) => {
                Err(PemError::UnexpectedLabel { expected, found: l })
            }
            _ => Ok(o.der),
        })
        .collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_input_is_one_object_and_garbage_is_refused() {
        assert_eq!(decode_objects(&[0x30, 0x00]).unwrap()[0].label, None);
        assert_eq!(decode_objects(b"hello"), Err(PemError::NotPemOrDer(b'h')));
        assert_eq!(decode_objects(b"  \n"), Err(PemError::Empty));
    }

    #[test]
    fn truncated_block_is_malformed() {
        let err = decode_objects(b"-----BEGIN CERTIFICATE-----\nMIIB\n").unwrap_err();
        assert!(matches!(err, PemError::Malformed { index: 0, .. }), "{err}");
        let err = decode_objects(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
            .unwrap_err();
        assert!(matches!(err, PemError::Malformed { index: 0, .. }), "{err}");
    }
}
