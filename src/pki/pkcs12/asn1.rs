//! The ASN.1 structures of a PFX not in (or awkward in) the `pkcs12` crate, and the BER
//! readers over them.

use const_oid::ObjectIdentifier;
use der::asn1::{Any, OctetString, SetOfVec};
use der::{
    DecodeValue, EncodingRules, FixedTag, Header, Reader, Sequence, SliceReader, Tag, TagMode,
    TagNumber,
};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;

use super::{Pkcs12Error, malformed};

pub(super) const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
pub(super) const ID_SIGNED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
pub(super) const ID_ENVELOPED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");
pub(super) const ID_ENCRYPTED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");

pub(super) const PKCS9_FRIENDLY_NAME: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
pub(super) const PKCS9_LOCAL_KEY_ID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");

pub(super) const ID_PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
pub(super) const ID_PBKDF2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.12");
pub(super) const ID_PBMAC1: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.14");

/// The `PFX` type ([RFC 7292 Section 4]), decoded by hand: the `pkcs12` crate's `Pfx` keeps
/// the authSafe content as an `Any`, which loses the segments of a BER constructed OCTET STRING.
///
/// ```text
/// PFX ::= SEQUENCE {
///     version     INTEGER {v3(3)}(v3,...),
///     authSafe    ContentInfo,
///     macData     MacData OPTIONAL
/// }
/// ```
///
/// [RFC 7292 Section 4]: https://www.rfc-editor.org/rfc/rfc7292#section-4
pub(super) struct Pfx {
    pub(super) auth_safe: ContentInfo,
    pub(super) mac_data: Option<pkcs12::MacData>,
}

impl<'a> DecodeValue<'a> for Pfx {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, _header: Header) -> der::Result<Self> {
        let _version: pkcs12::pfx::Version = reader.decode()?;
        let pfx = Self {
            auth_safe: reader.decode()?,
            mac_data: reader.decode()?,
        };
        no_more_fields(reader)?;
        Ok(pfx)
    }
}

impl FixedTag for Pfx {
    const TAG: Tag = Tag::Sequence;
}

/// The `ContentInfo` type ([RFC 5652 Section 3]) with the content decoded by its type: data as
/// an OCTET STRING (reassembled from BER segments), encryptedData as `EncryptedData`.
///
/// ```text
/// ContentInfo ::= SEQUENCE {
///     contentType  ContentType,
///     content      [0] EXPLICIT ANY DEFINED BY contentType }
/// ```
///
/// [RFC 5652 Section 3]: https://www.rfc-editor.org/rfc/rfc5652#section-3
pub(super) struct ContentInfo {
    pub(super) content_type: ObjectIdentifier,
    pub(super) content: Content,
}

pub(super) enum Content {
    Data(OctetString),
    EncryptedData(Box<cms::encrypted_data::EncryptedData>),
    Other,
}

impl<'a> DecodeValue<'a> for ContentInfo {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, _header: Header) -> der::Result<Self> {
        fn explicit0<'a, R, T>(reader: &mut R) -> der::Result<T>
        where
            R: Reader<'a>,
            T: DecodeValue<'a, Error = der::Error> + FixedTag + 'a,
        {
            reader
                .context_specific::<T>(TagNumber(0), TagMode::Explicit)?
                .ok_or_else(|| {
                    der::Error::from(der::ErrorKind::TagUnexpected {
                        expected: Some(Tag::ContextSpecific {
                            constructed: true,
                            number: TagNumber(0),
                        }),
                        actual: T::TAG,
                    })
                })
        }
        let content_type: ObjectIdentifier = reader.decode()?;
        let content = match content_type {
            ID_DATA => Content::Data(explicit0(reader)?),
            ID_ENCRYPTED_DATA => Content::EncryptedData(Box::new(explicit0(reader)?)),
            _ => {
                let _skipped: Any = reader.decode()?;
                Content::Other
            }
        };
        no_more_fields(reader)?;
        Ok(Self {
            content_type,
            content,
        })
    }
}

/// Refuses fields after the last one a hand-decoded SEQUENCE defines.
fn no_more_fields<'a, R: Reader<'a>>(reader: &mut R) -> der::Result<()> {
    if reader.is_finished() {
        return Ok(());
    }
    let kind = der::ErrorKind::TrailingData {
        decoded: reader.position(),
        remaining: reader.remaining_len(),
    };
    Err(reader.error(kind))
}

impl FixedTag for ContentInfo {
    const TAG: Tag = Tag::Sequence;
}

/// The `SafeBag` type ([RFC 7292 Section 4.2]). The `pkcs12` crate's `SafeBag` keeps the
/// `[0]` wrapper in `bag_value` and always sorts the attributes; this one is plain derive.
///
/// ```text
/// SafeBag ::= SEQUENCE {
///     bagId          BAG-TYPE.&id ({PKCS12BagSet}),
///     bagValue       [0] EXPLICIT BAG-TYPE.&Type({PKCS12BagSet}{@bagId}),
///     bagAttributes  SET OF PKCS12Attribute OPTIONAL
/// }
/// ```
///
/// [RFC 7292 Section 4.2]: https://www.rfc-editor.org/rfc/rfc7292#section-4.2
#[derive(Sequence)]
pub(super) struct SafeBag {
    pub(super) bag_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub(super) bag_value: Any,
    pub(super) bag_attributes: Option<SetOfVec<Attribute>>,
}

/// `PBKDF2-params` ([RFC 8018 Appendix A.2]). The `pkcs12` crate's version requires the `prf`
/// field, which DER omits when it is the default (HMAC-SHA1).
///
/// ```text
/// PBKDF2-params ::= SEQUENCE {
///     salt CHOICE {
///         specified OCTET STRING,
///         otherSource AlgorithmIdentifier {{PBKDF2-SaltSources}}
///     },
///     iterationCount INTEGER (1..MAX),
///     keyLength INTEGER (1..MAX) OPTIONAL,
///     prf AlgorithmIdentifier {{PBKDF2-PRFs}} DEFAULT algid-hmacWithSHA1
/// }
/// ```
///
/// [RFC 8018 Appendix A.2]: https://www.rfc-editor.org/rfc/rfc8018#appendix-A.2
#[derive(Sequence)]
pub(super) struct Pbkdf2Params {
    pub(super) salt: Any,
    pub(super) iteration_count: u64,
    pub(super) key_length: Option<u64>,
    pub(super) prf: Option<AlgorithmIdentifierOwned>,
}

/// `pkcs-12PbeParams` ([RFC 7292 Appendix C]), with a wider iteration type than the `pkcs12`
/// crate's `i32` so that huge counts are reported as such.
///
/// ```text
/// pkcs-12PbeParams ::= SEQUENCE {
///     salt        OCTET STRING,
///     iterations  INTEGER
/// }
/// ```
///
/// [RFC 7292 Appendix C]: https://www.rfc-editor.org/rfc/rfc7292#appendix-C
#[derive(Sequence)]
pub(super) struct Pkcs12PbeParams {
    pub(super) salt: OctetString,
    pub(super) iterations: u64,
}

/// Decodes `T` from an `Any` (the value of an explicitly tagged or open-type field).
pub(super) fn decode_any<'a, T>(any: &'a Any, what: &str) -> Result<T, Pkcs12Error>
where
    T: der::Choice<'a> + DecodeValue<'a, Error = der::Error>,
{
    any.decode_as_encoding::<T>(EncodingRules::Ber)
        .map_err(|e| malformed(format!("{what} cannot be decoded: {e}")))
}

/// Walks the `SEQUENCE OF` in `bytes` (DER or BER), calling `f` with the reader at each
/// element in turn; `f` must consume exactly one element. Nothing is copied.
pub(super) fn for_each_element<'a>(
    bytes: &'a [u8],
    what: &str,
    mut f: impl FnMut(&mut SliceReader<'a>) -> Result<(), Pkcs12Error>,
) -> Result<(), Pkcs12Error> {
    enum Stop {
        Der(der::Error),
        Element(Pkcs12Error),
    }
    impl From<der::Error> for Stop {
        fn from(e: der::Error) -> Self {
            Self::Der(e)
        }
    }
    let mut r = SliceReader::new_with_encoding_rules(bytes, EncodingRules::Ber)
        .map_err(|e| malformed(format!("{what} cannot be read: {e}")))?;
    let walked = r.sequence(|r| {
        while !r.is_finished() {
            f(r).map_err(Stop::Element)?;
        }
        Ok::<(), Stop>(())
    });
    match walked {
        Ok(()) => r
            .finish()
            .map_err(|e| malformed(format!("{what} is followed by other data: {e}"))),
        Err(Stop::Der(e)) => Err(malformed(format!("{what} cannot be decoded: {e}"))),
        Err(Stop::Element(e)) => Err(e),
    }
}
