//! Machine-readable powers of attorney (МЧД): the ФНС single format EMCHD_1 (version 003,
//! schema `ON_EMCHD_1_928_00_01_01_01.xsd`, namespace `urn://x-artefacts/EMCHD_1`).
//!
//! Since 1 September 2024 an employee signs for a Russian organisation with a *personal*
//! qualified certificate (ИНН ФЛ, СНИЛС) together with an МЧД the organisation's director
//! signed. This module answers "was this signature made on behalf of the organisation by
//! someone entitled to":
//!
//! 1. [`PowerOfAttorney::parse`] reads the МЧД (UTF-8 or windows-1251 and the other encodings
//!    [`XmlText`] reads), bounded by [`MchdLimits`]; a format error names the element or
//!    attribute ([`MchdError`]).
//! 2. [`check_principal_signature`] takes the verification report of the МЧД's detached CMS
//!    signature (made by [`cms::Verifier`](crate::cms::Verifier) over the МЧД's bytes) and
//!    decides whether the *principal* signed it: the director's certificate bound to the
//!    organisation by INNLE/OGRN, or the entrepreneur's or person's by INN.
//! 3. [`authorise`] checks one document signer against it: the signer certificate's ИНН ФЛ and
//!    СНИЛС equal a representative's, the signing time (a time-stamp's proven time, else the
//!    claimed signing-time, reported as which) lies within ДатаВыдДовер..СрокДейст, the power
//!    asked for is granted, and the caller's [`MchdRevocation`] does not know it as revoked.
//!    The answer is a [`LegalVerdict`] per signer. [`authorise_signer`] does the same for a
//!    signer of any format ([`DocumentSigner`]: CMS, XML signature, a PDF signature's signer).
//!
//! Revocation belongs to the caller: signflow never asks the ФНС registry by itself. A service
//! implements [`MchdRevocation`]; [`RevokedList`] is the simple one (a file of GUIDs).
//!
//! The dates of the МЧД are calendar days; they are read in Moscow time (UTC+3): the power of
//! attorney is in force from 00:00 MSK on ДатаВыдДовер to 24:00 MSK on СрокДейст.
//!
//! Not read in this version: re-delegation documents (`Передов`; refused with
//! [`MchdError::Unsupported`]), foreign principals' details beyond their name and INN, and
//! restrictions on powers (`ОгрСвПолн`, counted only).
//!
//! ```
//! let xml = include_bytes!("../../testdata/mchd/valid.xml");
//! let mchd = signflow::mchd::PowerOfAttorney::parse(xml)?;
//! assert_eq!(mchd.number, "0f1c2d3e-4b5a-4697-8a1b-2c3d4e5f6071");
//! assert!(mchd.grants("SF_DOC_SIGN"));
//! # Ok::<(), signflow::mchd::MchdError>(())
//! ```

mod authority;
mod parse;

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

use crate::pki::UnixTime;

pub use authority::{
    AuthorityRequest, DocumentSigner, LegalVerdict, MAX_REVOKED, MchdRefusal, MchdRevocation,
    PrincipalSigner, RevocationStatus, RevokedList, SigningTimeSource, authorise, authorise_signer,
    check_principal_signature,
};
pub use parse::{MchdError, MchdLimits};

#[cfg(doc)]
use crate::xmldsig::XmlText;

/// The namespace of EMCHD_1.
pub const NAMESPACE: &str = "urn://x-artefacts/EMCHD_1";

/// The format version the root's `ВерсФорм` must carry.
pub const FORMAT_VERSION: &str = "EMCHD_1";

/// A parsed МЧД.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PowerOfAttorney {
    /// `ИдФайл`: the file's identifier.
    pub file_id: String,
    /// `НомДовер`: the power of attorney's GUID (lower case).
    pub number: String,
    /// `ВнНомДовер`: the principal's internal number.
    pub internal_number: String,
    /// `ДатаВыдДовер`: the day it was issued.
    pub issued_on: Date,
    /// `СрокДейст`: the last day it is in force.
    pub valid_until: Date,
    /// `ВидДовер`: 1 revocable, 2 irrevocable (the code as written).
    pub kind_code: String,
    /// `ПрПередов`: whether the powers may be delegated further.
    pub redelegation: Redelegation,
    /// `СведСист`: where the power of attorney is published (the registry's address).
    pub registry: String,
    /// `СвДоверит`: the principals (one or more).
    pub principals: Vec<Principal>,
    /// `СвУпПред`: the representatives (one or more).
    pub representatives: Vec<Representative>,
    /// `СвПолн/МашПолн`: the powers as machine-readable codes.
    pub powers: Vec<Power>,
    /// `СвПолн/ТекстПолн`: the powers as text, when given.
    pub powers_text: Option<String>,
    /// `СвПолн/@ПрСовмПолн` = 2: the representatives may only act jointly.
    pub joint_powers: bool,
    /// `СвПолн/@ПрУтрПолн` = 1: the representative loses the powers it delegates
    /// (`None` when not stated).
    pub powers_lost_on_redelegation: Option<bool>,
    /// The encoding the file was read in (`UTF-8`, `windows-1251`, …).
    pub encoding: &'static str,
}

impl PowerOfAttorney {
    /// Parses an МЧД with the default [`MchdLimits`].
    ///
    /// # Errors
    /// [`MchdError`], naming the element or attribute that is missing or malformed.
    pub fn parse(input: &[u8]) -> Result<Self, MchdError> {
        Self::parse_with(input, &MchdLimits::default())
    }

    /// Parses an МЧД within `limits`.
    ///
    /// # Errors
    /// [`MchdError`], naming the element or attribute that is missing or malformed;
    /// [`MchdError::Limit`] when a limit is exceeded.
    pub fn parse_with(input: &[u8], limits: &MchdLimits) -> Result<Self, MchdError> {
        parse::parse(input, limits)
    }

    /// Whether the machine-readable power `code` is granted.
    pub fn grants(&self, code: &str) -> bool {
        self.powers.iter().any(|p| p.code == code)
    }

    /// The first instant it is in force: 00:00 Moscow time (UTC+3) on the day of issue.
    pub fn valid_from_time(&self) -> UnixTime {
        UnixTime(self.issued_on.midnight_utc().0 - MSK_OFFSET)
    }

    /// The first instant it is no longer in force: 24:00 Moscow time on `valid_until`.
    pub fn valid_to_time(&self) -> UnixTime {
        UnixTime(self.valid_until.midnight_utc().0 + 86_400 - MSK_OFFSET)
    }

    /// The distinct machine-readable power codes, in document order.
    pub fn power_codes(&self) -> Vec<&str> {
        let mut seen = HashSet::new();
        self.powers
            .iter()
            .map(|p| p.code.as_str())
            .filter(|c| seen.insert(*c))
            .collect()
    }
}

/// Moscow time's offset from UTC, in seconds.
const MSK_OFFSET: i64 = 3 * 3600;

/// A calendar date (`xs:date` without a time zone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// The year.
    pub year: i32,
    /// The month, 1–12.
    pub month: u8,
    /// The day, 1–31 (valid for its month).
    pub day: u8,
}

impl Date {
    /// Midnight UTC at the start of the day.
    pub fn midnight_utc(self) -> UnixTime {
        UnixTime::from_utc(
            i64::from(self.year),
            u32::from(self.month),
            u32::from(self.day),
            0,
            0,
            0,
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `ПрПередов`: may the representative delegate the powers further.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Redelegation {
    /// 1: no re-delegation.
    Forbidden,
    /// 2: one re-delegation.
    Once,
    /// 3: re-delegation, with further re-delegation allowed.
    Onward,
}

impl fmt::Display for Redelegation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Forbidden => "no re-delegation",
            Self::Once => "one re-delegation allowed",
            Self::Onward => "re-delegation with further re-delegation allowed",
        })
    }
}

/// A natural person as the МЧД names them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Person {
    /// Фамилия.
    pub surname: String,
    /// Имя.
    pub given_name: String,
    /// Отчество, when given.
    pub patronymic: Option<String>,
    /// ИНН ФЛ (12 digits), when given.
    pub inn: Option<String>,
    /// СНИЛС as 11 digits (the МЧД writes `NNN-NNN-NNN NN`), when given.
    pub snils: Option<String>,
    /// Должность, when given.
    pub position: Option<String>,
}

impl Person {
    /// "Фамилия Имя Отчество".
    pub fn full_name(&self) -> String {
        let mut name = format!("{} {}", self.surname, self.given_name);
        if let Some(p) = &self.patronymic {
            name.push(' ');
            name.push_str(p);
        }
        name
    }
}

/// A Russian organisation (`СвРосОрг`, `СведОрг`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Organisation {
    /// НаимОрг.
    pub name: String,
    /// ИННЮЛ (10 digits), when given.
    pub inn: Option<String>,
    /// КПП.
    pub kpp: String,
    /// ОГРН (13 digits), when given.
    pub ogrn: Option<String>,
}

/// Who issued the power of attorney (`СвДоверит/Доверит`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Principal {
    /// A Russian organisation (`РосОргДовер`), with the persons acting for it without a power
    /// of attorney (its director, `ЛицоБезДов`).
    Organisation {
        /// The organisation.
        organisation: Organisation,
        /// The persons acting without a power of attorney (natural persons only; a managing
        /// company acting as director is listed in `managing_organisations`).
        directors: Vec<Person>,
        /// Managing organisations acting as the sole executive body (`СВЮЛ/СвЮЛЕИО`).
        managing_organisations: Vec<Organisation>,
    },
    /// A foreign organisation (`ИнОргДовер`): read for its name and INN only.
    ForeignOrganisation {
        /// НаимИО.
        name: String,
        /// ИННЮЛ, when given.
        inn: Option<String>,
    },
    /// An individual entrepreneur (`ИПДовер`).
    Entrepreneur {
        /// The entrepreneur (ИНН ФЛ, СНИЛС).
        person: Person,
        /// ОГРНИП.
        ogrnip: String,
        /// НаимИП, when given.
        name: Option<String>,
    },
    /// A natural person (`ФЛДовер`).
    Person {
        /// The person.
        person: Person,
    },
}

impl Principal {
    /// A one-line description: "ООО "Ромашка" (INN 7707083893, OGRN 1027700132195)".
    pub fn describe(&self) -> String {
        match self {
            Self::Organisation { organisation, .. } => {
                let mut s = organisation.name.clone();
                let mut ids = Vec::new();
                if let Some(inn) = &organisation.inn {
                    ids.push(format!("INN {inn}"));
                }
                if let Some(ogrn) = &organisation.ogrn {
                    ids.push(format!("OGRN {ogrn}"));
                }
                if !ids.is_empty() {
                    s.push_str(&format!(" ({})", ids.join(", ")));
                }
                s
            }
            Self::ForeignOrganisation { name, inn } => match inn {
                Some(inn) => format!("{name} (INN {inn})"),
                None => name.clone(),
            },
            Self::Entrepreneur {
                person,
                ogrnip,
                name,
            } => format!(
                "{} (INN {}, OGRNIP {ogrnip})",
                name.clone()
                    .unwrap_or_else(|| format!("ИП {}", person.full_name())),
                person.inn.as_deref().unwrap_or("-")
            ),
            Self::Person { person } => match &person.inn {
                Some(inn) => format!("{} (INN {inn})", person.full_name()),
                None => person.full_name(),
            },
        }
    }
}

/// A representative (`СвУпПред/Пред`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Representative {
    /// A natural person (`СведФизЛ`): the case a personal certificate signs under.
    Person {
        /// The person.
        person: Person,
    },
    /// An organisation or a branch (`СведОрг`, `СведФилиал`).
    Organisation {
        /// The organisation.
        organisation: Organisation,
    },
    /// An individual entrepreneur (`СведИП`).
    Entrepreneur {
        /// The entrepreneur.
        person: Person,
        /// ОГРНИП.
        ogrnip: String,
    },
    /// Another kind (`СведИО`, a foreign organisation's branch): named only.
    Other {
        /// The element's name.
        element: String,
    },
}

/// A machine-readable power (`МашПолн`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Power {
    /// КодПолн: the power's code in the ФНС classifier.
    pub code: String,
    /// НаимПолн: its name.
    pub name: String,
    /// МнПолн: the mnemonic, when given.
    pub mnemonic: Option<String>,
    /// How many restrictions (`ОгрСвПолн`) it carries; they are not interpreted.
    pub restrictions: usize,
}

impl fmt::Display for PowerOfAttorney {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "power of attorney (МЧД, EMCHD_1) {}", self.number)?;
        writeln!(f, "  encoding: {}", self.encoding)?;
        writeln!(f, "  internal number: {}", self.internal_number)?;
        writeln!(f, "  valid: {} – {}", self.issued_on, self.valid_until)?;
        writeln!(f, "  re-delegation: {}", self.redelegation)?;
        writeln!(f, "  registry: {}", self.registry)?;
        for p in &self.principals {
            writeln!(f, "  principal: {}", p.describe())?;
            if let Principal::Organisation { directors, .. } = p {
                for d in directors {
                    writeln!(
                        f,
                        "    acting without a power of attorney: {}{}{}{}",
                        d.full_name(),
                        d.position
                            .as_deref()
                            .map(|s| format!(", {s}"))
                            .unwrap_or_default(),
                        d.inn
                            .as_deref()
                            .map(|s| format!(", INN {s}"))
                            .unwrap_or_default(),
                        d.snils
                            .as_deref()
                            .map(|s| format!(", SNILS {s}"))
                            .unwrap_or_default(),
                    )?;
                }
            }
        }
        for r in &self.representatives {
            match r {
                Representative::Person { person } => writeln!(
                    f,
                    "  representative: {} (INN {}, SNILS {})",
                    person.full_name(),
                    person.inn.as_deref().unwrap_or("-"),
                    person.snils.as_deref().unwrap_or("-")
                )?,
                Representative::Organisation { organisation } => writeln!(
                    f,
                    "  representative: {} (INN {})",
                    organisation.name,
                    organisation.inn.as_deref().unwrap_or("-")
                )?,
                Representative::Entrepreneur { person, ogrnip } => writeln!(
                    f,
                    "  representative: ИП {} (OGRNIP {ogrnip})",
                    person.full_name()
                )?,
                Representative::Other { element } => {
                    writeln!(f, "  representative: ({element})")?;
                }
            }
        }
        for p in &self.powers {
            writeln!(f, "  power {}: {}", p.code, p.name)?;
        }
        if let Some(text) = &self.powers_text {
            writeln!(f, "  powers (text): {text}")?;
        }
        if self.joint_powers {
            writeln!(f, "  the representatives act jointly")?;
        }
        Ok(())
    }
}
