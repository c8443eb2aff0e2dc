//! The Минцифры list of accredited certification authorities (the Russian "TSL",
//! `https://e-trust.gosuslugi.ru/CA/DownloadTSL?schemaVersion=0`) and the qualified decision
//! built on it.
//!
//! The list is one XML document, tens of megabytes: root `АккредитованныеУдостоверяющиеЦентры`
//! (`Версия`, `Дата`), one `УдостоверяющийЦентр` per CA (`Название`, `ИНН`, `ОГРН`,
//! `РеестровыйНомер`, `СтатусАккредитации`, `ИсторияСтатусовАккредитации`), and under
//! `ПрограммноАппаратныеКомплексы/ПрограммноАппаратныйКомплекс/КлючиУполномоченныхЛиц/Ключ`
//! the CA's keys: `ИдентификаторКлюча`, `АдресаСписковОтзыва/Адрес` and
//! `Сертификаты/ДанныеСертификата` (`Отпечаток`, `КемВыдан`, `КомуВыдан`, `СерийныйНомер`,
//! `ПериодДействияС`, `ПериодДействияДо`, `Данные`: the certificate, base64 DER).
//!
//! [`AccreditedCaList::from_reader`] reads it as a stream (quick-xml events, one buffer the size
//! of the largest token), keeping only the fields above; every count, text and certificate is
//! bounded by [`TslLimits`], and a malformed list is a [`TslError`] naming the element.
//! Elements the reader does not know are skipped (the published schema has more: addresses,
//! e-mail, the CA tools' classes).
//!
//! What the list supplies: [`AccreditedCaList::qualified_roots`] (the self-signed certificates
//! of the list: the head CA's), [`AccreditedCaList::ca_certificates`] (every other listed
//! certificate: untrusted intermediates), [`AccreditedCaList::crl_addresses`], and per CA its
//! accreditation status history ([`AccreditedCa::accredited_at`]).
//!
//! The list's own signature (the operator's XMLDSig over the whole list) is checked by
//! [`AccreditedCaList::from_signed_xml`] against the anchors the caller trusts for it (see
//! [`signature`]); a list read with [`AccreditedCaList::from_reader`] is not checked, and a
//! report that used one should say so ([`ListSignature::NotChecked`]).
//!
//! The decision whether a signature is qualified is [`assess`] (see [`qualified`]).
//!
//! ```
//! use signflow::tsl::{AccreditedCaList, TslLimits};
//!
//! let xml = "<АккредитованныеУдостоверяющиеЦентры><Версия>7</Версия>\
//!     <Дата>2026-01-01T00:00:00Z</Дата></АккредитованныеУдостоверяющиеЦентры>";
//! let list = AccreditedCaList::from_reader(xml.as_bytes(), &TslLimits::default())?;
//! assert_eq!(list.version, "7");
//! assert!(list.authorities.is_empty());
//! # Ok::<(), signflow::tsl::TslError>(())
//! ```

pub mod qualified;
pub mod signature;

use std::io::BufRead;
use std::path::Path;

use base64::Engine as _;
use quick_xml::Reader;
use quick_xml::events::Event;
use serde::Serialize;

use crate::pki::{Certificate, UnixTime};

pub use qualified::{
    QualifiedFinding, QualifiedOptions, QualifiedStatus, QualifiedTimeSource, assess, assess_cms,
    assess_pdf, assess_xml,
};
pub use signature::{ListSignature, TslSignatureError, VerifiedList};

/// The root element's name.
pub const ROOT_ELEMENT: &str = "АккредитованныеУдостоверяющиеЦентры";

/// Bounds on what a list may hold. The defaults sit well above the real list (about 600 CAs,
/// a few thousand certificates, 60–80 MB in 2025).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TslLimits {
    /// Bytes read from the input, in total.
    pub max_bytes: u64,
    /// Certification authorities.
    pub max_authorities: usize,
    /// Certificates, over all CAs.
    pub max_certificates: usize,
    /// Status-history entries of one CA.
    pub max_history: usize,
    /// CRL addresses, over all CAs.
    pub max_crl_addresses: usize,
    /// Characters of one text value other than a certificate.
    pub max_text: usize,
    /// Characters of one certificate's base64.
    pub max_certificate_base64: usize,
    /// Element depth.
    pub max_depth: usize,
}

impl Default for TslLimits {
    fn default() -> Self {
        Self {
            max_bytes: 512 * 1024 * 1024,
            max_authorities: 10_000,
            max_certificates: 100_000,
            max_history: 1_000,
            max_crl_addresses: 200_000,
            max_text: 64 * 1024,
            // 256 KiB of DER, the certificate parser's own limit, in base64 with line breaks.
            max_certificate_base64: 360 * 1024,
            max_depth: 32,
        }
    }
}

/// Why a list could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TslError {
    /// Reading the input failed.
    #[error("cannot read the accredited-CA list: {0}")]
    Io(#[from] std::io::Error),
    /// The XML is not well-formed.
    #[error("the accredited-CA list is not well-formed XML: {detail} (at byte {position})")]
    Malformed {
        /// What the XML reader said.
        detail: String,
        /// Byte offset.
        position: u64,
    },
    /// The root element is not `АккредитованныеУдостоверяющиеЦентры`.
    #[error("not an accredited-CA list: the root element is <{found}>, not <{ROOT_ELEMENT}>")]
    WrongRoot {
        /// The root element found.
        found: String,
    },
    /// A required element is missing.
    #[error("the accredited-CA list is malformed: <{parent}> has no <{element}>")]
    Missing {
        /// The element that encloses it.
        parent: &'static str,
        /// The missing element.
        element: &'static str,
    },
    /// An element's value is not what its schema says.
    #[error("the accredited-CA list is malformed: <{element}> {problem}")]
    BadValue {
        /// The element.
        element: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// A bound of [`TslLimits`] was exceeded.
    #[error("the accredited-CA list exceeds a limit: {what} (more than {limit})")]
    Limit {
        /// What.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
}

/// An accreditation status: `Действует`, `Прекращена`, `Аннулирована`, `Приостановлена`, or
/// another word, kept as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "text")]
#[non_exhaustive]
pub enum AccreditationState {
    /// `Действует`: accredited.
    Active,
    /// `Прекращена`: accreditation ended.
    Terminated,
    /// `Аннулирована`: accreditation annulled.
    Annulled,
    /// `Приостановлена`: suspended.
    Suspended,
    /// Any other status word, as written (never counted as accredited).
    Other(String),
}

impl AccreditationState {
    /// The state a status word names.
    pub fn from_word(word: &str) -> Self {
        match word.trim() {
            "Действует" => Self::Active,
            "Прекращена" | "Прекращено" | "Прекращен" => {
                Self::Terminated
            }
            "Аннулирована" | "Аннулировано" => Self::Annulled,
            "Приостановлена" | "Приостановлено" => Self::Suspended,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The status word, as the list writes it.
    pub fn word(&self) -> &str {
        match self {
            Self::Active => "Действует",
            Self::Terminated => "Прекращена",
            Self::Annulled => "Аннулирована",
            Self::Suspended => "Приостановлена",
            Self::Other(s) => s,
        }
    }
}

/// One entry of a CA's status history: a status and when it took effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccreditationStatus {
    /// The status.
    pub state: AccreditationState,
    /// `ДействуетС`: when it took effect (`None`: not given).
    pub since: Option<UnixTime>,
}

/// A certificate the list gives for one of a CA's keys (`ДанныеСертификата`).
#[derive(Clone, Debug, Serialize)]
pub struct ListedCertificate {
    /// `Отпечаток`: the SHA-1 thumbprint the list states, hex, upper case as written.
    pub thumbprint: String,
    /// `КемВыдан`.
    pub issuer: String,
    /// `КомуВыдан`.
    pub subject: String,
    /// `СерийныйНомер`, as written.
    pub serial: String,
    /// `ПериодДействияС`.
    pub valid_from: Option<UnixTime>,
    /// `ПериодДействияДо`.
    pub valid_to: Option<UnixTime>,
    /// The certificate itself (`Данные`).
    #[serde(skip)]
    pub certificate: Certificate,
}

/// One key of a CA's authorised persons (`Ключ`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct AuthorityKey {
    /// `ИдентификаторКлюча`: the key identifier, hex as written.
    pub key_id: String,
    /// `АдресаСписковОтзыва/Адрес`: where the CRLs of this key are published.
    pub crl_addresses: Vec<String>,
    /// `Сертификаты/ДанныеСертификата`.
    pub certificates: Vec<ListedCertificate>,
}

/// One accredited (or formerly accredited) CA (`УдостоверяющийЦентр`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct AccreditedCa {
    /// `Название`.
    pub name: String,
    /// `ИНН`.
    pub inn: String,
    /// `ОГРН`.
    pub ogrn: String,
    /// `РеестровыйНомер`.
    pub registry_number: String,
    /// `СтатусАккредитации`: the current status.
    pub status: Option<AccreditationStatus>,
    /// `ИсторияСтатусовАккредитации/СтатусАккредитации`, as listed.
    pub history: Vec<AccreditationStatus>,
    /// The keys of all its hardware-software complexes.
    pub keys: Vec<AuthorityKey>,
}

impl AccreditedCa {
    /// The status in force at `time`: the latest entry of the history and the current status
    /// whose `ДействуетС` is not after `time` (entries without a date are not used).
    pub fn status_at(&self, time: UnixTime) -> Option<&AccreditationStatus> {
        self.history
            .iter()
            .chain(self.status.iter())
            .filter(|s| s.since.is_some_and(|t| t <= time))
            .max_by_key(|s| s.since)
    }

    /// Whether the CA was accredited (`Действует`) at `time`.
    pub fn accredited_at(&self, time: UnixTime) -> bool {
        self.status_at(time)
            .is_some_and(|s| s.state == AccreditationState::Active)
    }

    /// Every certificate listed for the CA.
    pub fn certificates(&self) -> impl Iterator<Item = &ListedCertificate> {
        self.keys.iter().flat_map(|k| k.certificates.iter())
    }
}

/// The accredited-CA list.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AccreditedCaList {
    /// `Версия`.
    pub version: String,
    /// `Дата`.
    pub date: Option<UnixTime>,
    /// The CAs, in the list's order.
    pub authorities: Vec<AccreditedCa>,
    /// Whether the list carries an XMLDSig `Signature` element. Reading a list does not
    /// check it: [`AccreditedCaList::from_signed_xml`] does, and reads the list from what the
    /// signature covers.
    pub signed: bool,
}

impl AccreditedCaList {
    /// Reads a list from a file, streamed.
    ///
    /// # Errors
    /// [`TslError`]: I/O, malformed XML, a missing or bad element (named), a limit.
    pub fn from_file(path: &Path, limits: &TslLimits) -> Result<Self, TslError> {
        let file = std::fs::File::open(path)?;
        Self::from_reader(std::io::BufReader::with_capacity(64 * 1024, file), limits)
    }

    /// Reads a list from `input`, streamed: memory is the list's content plus one token.
    ///
    /// # Errors
    /// [`TslError`]: I/O, malformed XML, a missing or bad element (named), a limit.
    pub fn from_reader(input: impl BufRead, limits: &TslLimits) -> Result<Self, TslError> {
        Parser::new(input, limits).run()
    }

    /// The certificates of the list that are self-signed: the roots of qualified paths, each
    /// once (a certificate the list repeats under several keys or CAs is given once).
    pub fn qualified_roots(&self) -> Vec<&Certificate> {
        self.unique_certificates(true)
    }

    /// Every other listed certificate, each once: the accredited CAs' own, untrusted material
    /// for path building.
    pub fn ca_certificates(&self) -> Vec<&Certificate> {
        self.unique_certificates(false)
    }

    fn unique_certificates(&self, self_issued: bool) -> Vec<&Certificate> {
        let mut seen = std::collections::HashSet::new();
        self.listed()
            .map(|(_, c)| &c.certificate)
            .filter(|c| c.is_self_issued() == self_issued && seen.insert(c.der()))
            .collect()
    }

    /// Every CRL address of the list, in order, without repetitions.
    pub fn crl_addresses(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.authorities
            .iter()
            .flat_map(|a| a.keys.iter())
            .flat_map(|k| k.crl_addresses.iter())
            .map(String::as_str)
            .filter(|a| seen.insert(*a))
            .collect()
    }

    /// Every listed certificate with the CA that lists it.
    pub fn listed(&self) -> impl Iterator<Item = (&AccreditedCa, &ListedCertificate)> {
        self.authorities
            .iter()
            .flat_map(|a| a.certificates().map(move |c| (a, c)))
    }

    /// The CA that lists a certificate with these DER bytes, and the listing.
    pub fn find(&self, certificate: &Certificate) -> Option<(&AccreditedCa, &ListedCertificate)> {
        self.listed()
            .find(|(_, c)| c.certificate.der() == certificate.der())
    }
}

// ---------------------------------------------------------------------------------------------
// The streaming reader.

/// The elements the reader keeps, by where they sit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Version,
    Date,
    Name,
    Inn,
    Ogrn,
    RegistryNumber,
    Status,
    Since,
    KeyId,
    CrlAddress,
    Thumbprint,
    Issuer,
    Subject,
    Serial,
    ValidFrom,
    ValidTo,
    Data,
}

struct Parser<R> {
    reader: Reader<R>,
    limits: TslLimits,
    /// The open elements' names.
    stack: Vec<String>,
    list: AccreditedCaList,
    certificates: usize,
    crl_addresses: usize,
    /// The text of the field being read.
    text: Option<(Field, String)>,
    ca: Option<AccreditedCa>,
    key: Option<AuthorityKey>,
    status: Option<(bool, Option<String>, Option<UnixTime>)>,
    cert: Option<CertFields>,
}

#[derive(Default)]
struct CertFields {
    thumbprint: String,
    issuer: String,
    subject: String,
    serial: String,
    valid_from: Option<UnixTime>,
    valid_to: Option<UnixTime>,
    data: Option<String>,
}

const CA: &str = "УдостоверяющийЦентр";
const KEY: &str = "Ключ";
const CERT: &str = "ДанныеСертификата";
const STATUS: &str = "СтатусАккредитации";
const HISTORY: &str = "ИсторияСтатусовАккредитации";

fn malformed(e: &dyn std::fmt::Display, position: u64) -> TslError {
    TslError::Malformed {
        detail: e.to_string(),
        position,
    }
}

fn time(element: &'static str, text: &str) -> Result<UnixTime, TslError> {
    UnixTime::parse_rfc3339(text.trim()).map_err(|e| TslError::BadValue {
        element,
        problem: format!("is not a date and time: {e}"),
    })
}

impl<R: BufRead> Parser<R> {
    fn new(input: R, limits: &TslLimits) -> Self {
        let mut reader = Reader::from_reader(input);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = true;
        config.trim_text(false);
        Self {
            reader,
            limits: limits.clone(),
            stack: Vec::new(),
            list: AccreditedCaList::default(),
            certificates: 0,
            crl_addresses: 0,
            text: None,
            ca: None,
            key: None,
            status: None,
            cert: None,
        }
    }

    fn path_is(&self, tail: &[&str]) -> bool {
        self.stack.len() >= tail.len()
            && self.stack[self.stack.len() - tail.len()..]
                .iter()
                .zip(tail)
                .all(|(a, b)| a == b)
    }

    /// Which field the element just opened is, if it is kept.
    fn field(&self) -> Option<Field> {
        let depth = self.stack.len();
        let name = self.stack.last()?.as_str();
        let parent = self.stack.get(depth.wrapping_sub(2)).map(String::as_str);
        Some(match (parent?, name) {
            (ROOT_ELEMENT, "Версия") if depth == 2 => Field::Version,
            (ROOT_ELEMENT, "Дата") if depth == 2 => Field::Date,
            (CA, "Название") => Field::Name,
            (CA, "ИНН") => Field::Inn,
            (CA, "ОГРН") => Field::Ogrn,
            (CA, "РеестровыйНомер") => Field::RegistryNumber,
            (STATUS, "Статус") => Field::Status,
            (STATUS, "ДействуетС") => Field::Since,
            (KEY, "ИдентификаторКлюча") => Field::KeyId,
            ("АдресаСписковОтзыва", "Адрес") if self.key.is_some() => {
                Field::CrlAddress
            }
            (CERT, "Отпечаток") => Field::Thumbprint,
            (CERT, "КемВыдан") => Field::Issuer,
            (CERT, "КомуВыдан") => Field::Subject,
            (CERT, "СерийныйНомер") => Field::Serial,
            (CERT, "ПериодДействияС") => Field::ValidFrom,
            (CERT, "ПериодДействияДо") => Field::ValidTo,
            (CERT, "Данные") => Field::Data,
            _ => return None,
        })
    }

    fn run(mut self) -> Result<AccreditedCaList, TslError> {
        let mut buf = Vec::new();
        let mut seen_root = false;
        loop {
            let position = self.reader.buffer_position();
            if position > self.limits.max_bytes {
                return Err(TslError::Limit {
                    what: "bytes",
                    limit: self.limits.max_bytes,
                });
            }
            buf.clear();
            let event = self
                .reader
                .read_event_into(&mut buf)
                .map_err(|e| malformed(&e, position))?;
            match event {
                Event::Start(start) => {
                    let name = start.name().as_ref().to_owned();
                    // Namespace prefixes (ds:Signature) are compared by local name.
                    let local = name.rsplit(':').next().unwrap_or(&name).to_owned();
                    if self.stack.is_empty() {
                        if seen_root {
                            return Err(malformed(&"a second root element", position));
                        }
                        seen_root = true;
                        if local != ROOT_ELEMENT {
                            return Err(TslError::WrongRoot { found: name });
                        }
                    }
                    if self.stack.len() >= self.limits.max_depth {
                        return Err(TslError::Limit {
                            what: "element depth",
                            limit: self.limits.max_depth as u64,
                        });
                    }
                    if self.stack.len() == 1 && local == "Signature" {
                        self.list.signed = true;
                    }
                    self.stack.push(local);
                    self.open()?;
                }
                Event::End(_) => {
                    self.close()?;
                    self.stack.pop();
                }
                Event::Text(t) => self.push_text(&t)?,
                Event::CData(t) => self.push_text(&t)?,
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => match &*r {
                            "amp" => "&".into(),
                            "lt" => "<".into(),
                            "gt" => ">".into(),
                            "quot" => "\"".into(),
                            "apos" => "'".into(),
                            other => {
                                return Err(malformed(
                                    &format!("undeclared entity &{other};"),
                                    position,
                                ));
                            }
                        },
                        Err(e) => return Err(malformed(&e, position)),
                    };
                    self.push_text(&resolved)?;
                }
                Event::Decl(d) => {
                    if let Some(Ok(enc)) = d.encoding()
                        && !enc.eq_ignore_ascii_case("utf-8")
                    {
                        return Err(malformed(
                            &format!("encoding {:?} is not supported (the list is UTF-8)", &*enc),
                            position,
                        ));
                    }
                }
                Event::DocType(_) => {
                    return Err(malformed(&"a DOCTYPE is not allowed", position));
                }
                Event::Empty(_) | Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => break,
            }
        }
        if !seen_root {
            return Err(malformed(&"no root element", self.reader.buffer_position()));
        }
        if !self.stack.is_empty() {
            return Err(malformed(
                &"unclosed element at end of input",
                self.reader.buffer_position(),
            ));
        }
        Ok(self.list)
    }

    fn push_text(&mut self, text: &str) -> Result<(), TslError> {
        if let Some((field, value)) = &mut self.text {
            let limit = if *field == Field::Data {
                self.limits.max_certificate_base64
            } else {
                self.limits.max_text
            };
            if value.len() + text.len() > limit {
                return Err(TslError::Limit {
                    what: if *field == Field::Data {
                        "characters of a certificate's base64 (<Данные>)"
                    } else {
                        "characters of a text value"
                    },
                    limit: limit as u64,
                });
            }
            value.push_str(text);
        }
        Ok(())
    }

    fn open(&mut self) -> Result<(), TslError> {
        let depth = self.stack.len();
        let name = self.stack[depth - 1].as_str();
        match name {
            CA if depth == 2 => {
                if self.list.authorities.len() >= self.limits.max_authorities {
                    return Err(TslError::Limit {
                        what: "certification authorities",
                        limit: self.limits.max_authorities as u64,
                    });
                }
                self.ca = Some(AccreditedCa::default());
            }
            KEY if self.ca.is_some() && self.path_is(&["КлючиУполномоченныхЛиц", KEY]) =>
            {
                self.key = Some(AuthorityKey::default());
            }
            CERT if self.key.is_some() => {
                if self.certificates >= self.limits.max_certificates {
                    return Err(TslError::Limit {
                        what: "certificates",
                        limit: self.limits.max_certificates as u64,
                    });
                }
                self.certificates += 1;
                self.cert = Some(CertFields::default());
            }
            STATUS if self.ca.is_some() => {
                let in_history = self.path_is(&[HISTORY, STATUS]);
                if in_history
                    && self
                        .ca
                        .as_ref()
                        .is_some_and(|c| c.history.len() >= self.limits.max_history)
                {
                    return Err(TslError::Limit {
                        what: "status-history entries of one CA",
                        limit: self.limits.max_history as u64,
                    });
                }
                self.status = Some((in_history, None, None));
            }
            _ => {}
        }
        if self.field().is_some() {
            self.text = self.field().map(|f| (f, String::new()));
        }
        Ok(())
    }

    fn close(&mut self) -> Result<(), TslError> {
        let depth = self.stack.len();
        if let Some((field, value)) = self.text.take() {
            self.store(field, value)?;
        }
        match self.stack[depth - 1].as_str() {
            CA if depth == 2 => {
                let ca = self.ca.take().unwrap_or_default();
                if ca.name.is_empty() {
                    return Err(TslError::Missing {
                        parent: CA,
                        element: "Название",
                    });
                }
                self.list.authorities.push(ca);
            }
            KEY if self.key.is_some() && self.path_is(&["КлючиУполномоченныхЛиц", KEY]) => {
                if let (Some(key), Some(ca)) = (self.key.take(), self.ca.as_mut()) {
                    ca.keys.push(key);
                }
            }
            CERT if self.cert.is_some() => {
                let fields = self.cert.take().unwrap_or_default();
                let data = fields.data.ok_or(TslError::Missing {
                    parent: CERT,
                    element: "Данные",
                })?;
                let compact: String = data.chars().filter(|c| !c.is_whitespace()).collect();
                let der = base64::engine::general_purpose::STANDARD
                    .decode(compact.as_bytes())
                    .map_err(|e| TslError::BadValue {
                        element: "Данные",
                        problem: format!("is not base64: {e}"),
                    })?;
                let certificate = Certificate::from_der(&der).map_err(|e| TslError::BadValue {
                    element: "Данные",
                    problem: format!("is not a certificate: {e}"),
                })?;
                if let Some(key) = self.key.as_mut() {
                    key.certificates.push(ListedCertificate {
                        thumbprint: fields.thumbprint,
                        issuer: fields.issuer,
                        subject: fields.subject,
                        serial: fields.serial,
                        valid_from: fields.valid_from,
                        valid_to: fields.valid_to,
                        certificate,
                    });
                }
            }
            STATUS if self.status.is_some() => {
                let (in_history, word, since) = self.status.take().unwrap_or_default();
                let word = word.ok_or(TslError::Missing {
                    parent: STATUS,
                    element: "Статус",
                })?;
                let status = AccreditationStatus {
                    state: AccreditationState::from_word(&word),
                    since,
                };
                if let Some(ca) = self.ca.as_mut() {
                    if in_history {
                        ca.history.push(status);
                    } else {
                        ca.status = Some(status);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn store(&mut self, field: Field, value: String) -> Result<(), TslError> {
        let trimmed = || value.trim().to_owned();
        match field {
            Field::Version => self.list.version = trimmed(),
            Field::Date => self.list.date = Some(time("Дата", &value)?),
            Field::Name | Field::Inn | Field::Ogrn | Field::RegistryNumber => {
                if let Some(ca) = self.ca.as_mut() {
                    let slot = match field {
                        Field::Name => &mut ca.name,
                        Field::Inn => &mut ca.inn,
                        Field::Ogrn => &mut ca.ogrn,
                        _ => &mut ca.registry_number,
                    };
                    *slot = trimmed();
                }
            }
            Field::Status => {
                if let Some(s) = self.status.as_mut() {
                    s.1 = Some(trimmed());
                }
            }
            Field::Since => {
                let t = time("ДействуетС", &value)?;
                if let Some(s) = self.status.as_mut() {
                    s.2 = Some(t);
                }
            }
            Field::KeyId => {
                if let Some(k) = self.key.as_mut() {
                    k.key_id = trimmed();
                }
            }
            Field::CrlAddress => {
                if self.crl_addresses >= self.limits.max_crl_addresses {
                    return Err(TslError::Limit {
                        what: "CRL addresses",
                        limit: self.limits.max_crl_addresses as u64,
                    });
                }
                self.crl_addresses += 1;
                if let Some(k) = self.key.as_mut() {
                    k.crl_addresses.push(trimmed());
                }
            }
            Field::Thumbprint
            | Field::Issuer
            | Field::Subject
            | Field::Serial
            | Field::ValidFrom
            | Field::ValidTo
            | Field::Data => {
                let Some(c) = self.cert.as_mut() else {
                    return Ok(());
                };
                match field {
                    Field::Thumbprint => c.thumbprint = trimmed(),
                    Field::Issuer => c.issuer = trimmed(),
                    Field::Subject => c.subject = trimmed(),
                    Field::Serial => c.serial = trimmed(),
                    Field::ValidFrom => c.valid_from = Some(time("ПериодДействияС", &value)?),
                    Field::ValidTo => c.valid_to = Some(time("ПериодДействияДо", &value)?),
                    _ => c.data = Some(value),
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Result<AccreditedCaList, TslError> {
        AccreditedCaList::from_reader(xml.as_bytes(), &TslLimits::default())
    }

    #[test]
    fn wrong_root_is_named() {
        let err = parse("<Список/>").unwrap_err();
        assert!(matches!(err, TslError::WrongRoot { .. }), "{err}");
    }

    #[test]
    fn history_decides_status_at_time() {
        let xml = format!(
            "<{ROOT_ELEMENT}><Версия>1</Версия><УдостоверяющийЦентр><Название>УЦ</Название>\
             <СтатусАккредитации><Статус>Прекращена</Статус><ДействуетС>2025-01-01T00:00:00Z</ДействуетС></СтатусАккредитации>\
             <ИсторияСтатусовАккредитации>\
             <СтатусАккредитации><Статус>Действует</Статус><ДействуетС>2020-01-01T00:00:00+03:00</ДействуетС></СтатусАккредитации>\
             <СтатусАккредитации><Статус>Прекращена</Статус><ДействуетС>2025-01-01T00:00:00Z</ДействуетС></СтатусАккредитации>\
             </ИсторияСтатусовАккредитации></УдостоверяющийЦентр></{ROOT_ELEMENT}>"
        );
        let list = parse(&xml).unwrap();
        let ca = &list.authorities[0];
        assert_eq!(ca.history.len(), 2);
        assert!(!ca.accredited_at(UnixTime::from_utc(2019, 1, 1, 0, 0, 0)));
        assert!(ca.accredited_at(UnixTime::from_utc(2024, 1, 1, 0, 0, 0)));
        assert!(!ca.accredited_at(UnixTime::from_utc(2025, 6, 1, 0, 0, 0)));
    }

    #[test]
    fn bad_date_names_the_element() {
        let xml = format!(
            "<{ROOT_ELEMENT}><УдостоверяющийЦентр><Название>УЦ</Название>\
             <СтатусАккредитации><Статус>Действует</Статус><ДействуетС>вчера</ДействуетС>\
             </СтатусАккредитации></УдостоверяющийЦентр></{ROOT_ELEMENT}>"
        );
        let err = parse(&xml).unwrap_err();
        assert!(err.to_string().contains("ДействуетС"), "{err}");
    }

    #[test]
    fn limits_hold() {
        let limits = TslLimits {
            max_authorities: 1,
            ..TslLimits::default()
        };
        let ca = "<УдостоверяющийЦентр><Название>УЦ</Название></УдостоверяющийЦентр>";
        let xml = format!("<{ROOT_ELEMENT}>{ca}{ca}</{ROOT_ELEMENT}>");
        let err = AccreditedCaList::from_reader(xml.as_bytes(), &limits).unwrap_err();
        assert!(matches!(err, TslError::Limit { .. }), "{err}");
        let deep = format!("<{ROOT_ELEMENT}>{}", "<a>".repeat(100));
        assert!(matches!(parse(&deep), Err(TslError::Limit { .. })));
    }
}
