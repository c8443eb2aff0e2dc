//! Russian requisites: INN, OGRN, OGRNIP, KPP and SNILS, validated by their published rules.
//!
//! Each validator takes the text exactly as given: whitespace, separators or a wrong length are
//! reported, never silently stripped, because a requisite that is "almost right" names somebody
//! else. (SNILS is the exception callers expect: its usual printed form `112-233-445 95` is
//! accepted by [`Snils::parse_formatted`], and only that form.)
//!
//! | requisite | length | rule                                                                  |
//! |-----------|--------|-----------------------------------------------------------------------|
//! | INN (organisation) | 10 | check digit: Σ dᵢ·`[2,4,10,3,5,9,4,6,8]` mod 11 mod 10          |
//! | INN (person)       | 12 | two check digits with weights `[7,2,4,10,3,5,9,4,6,8]` and `[3,7,2,4,10,3,5,9,4,6,8]` |
//! | OGRN               | 13 | (first 12 digits as a number) mod 11 mod 10                  |
//! | OGRNIP             | 15 | (first 14 digits as a number) mod 13 mod 10                  |
//! | KPP                | 9  | 4 digits (tax office), 2 digits or capital Latin letters (reason), 3 digits |
//! | SNILS              | 11 | Σ dᵢ·(9−i) over 9 digits; <100 itself, 100/101 → 00, else mod 101 (100 → 00); checked above 001-001-998 |

use core::fmt;

/// Which requisite a value or an error concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum RequisiteKind {
    /// Taxpayer number of an organisation (10 digits).
    InnOrganisation,
    /// Taxpayer number of a person or sole proprietor (12 digits).
    InnPerson,
    /// Main state registration number of an organisation (13 digits).
    Ogrn,
    /// Main state registration number of a sole proprietor (15 digits).
    Ogrnip,
    /// Tax registration reason code (9 characters).
    Kpp,
    /// Individual insurance account number (11 digits).
    Snils,
}

impl fmt::Display for RequisiteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InnOrganisation => "INN of an organisation",
            Self::InnPerson => "INN of a person",
            Self::Ogrn => "OGRN",
            Self::Ogrnip => "OGRNIP",
            Self::Kpp => "KPP",
            Self::Snils => "SNILS",
        })
    }
}

/// Why a requisite is not valid: the rule that failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequisiteError {
    /// Nothing was given.
    #[error("{kind}: the value is empty")]
    Empty {
        /// What was expected.
        kind: &'static str,
    },
    /// A character other than those the format allows.
    #[error(
        "{kind}: character {found:?} at position {position} is not allowed (only digits{extra})"
    )]
    BadCharacter {
        /// What was expected.
        kind: &'static str,
        /// The character found.
        found: char,
        /// One-based position.
        position: usize,
        /// Further allowed characters, for the message.
        extra: &'static str,
    },
    /// The length does not fit.
    #[error("{kind}: {actual} characters, {expected} expected")]
    Length {
        /// What was expected.
        kind: &'static str,
        /// The length the rule wants.
        expected: &'static str,
        /// The length given.
        actual: usize,
    },
    /// The value has the length of another requisite: probably given in the wrong field.
    #[error("{expected}: {actual} digits is the length of {looks_like}; were the fields swapped?")]
    LooksLike {
        /// What was expected.
        expected: &'static str,
        /// The digits' count.
        actual: usize,
        /// The requisite of that length.
        looks_like: RequisiteKind,
    },
    /// A check digit does not match.
    #[error("{kind}: check digit {position} should be {expected}, found {found}")]
    CheckDigit {
        /// The requisite.
        kind: RequisiteKind,
        /// One-based position of the check digit.
        position: usize,
        /// The digit the rule computes.
        expected: u8,
        /// The digit given.
        found: u8,
    },
}

fn digits(value: &str, kind: &'static str) -> Result<Vec<u8>, RequisiteError> {
    if value.is_empty() {
        return Err(RequisiteError::Empty { kind });
    }
    value
        .chars()
        .enumerate()
        .map(|(i, c)| {
            c.to_digit(10)
                .filter(|_| c.is_ascii_digit())
                .map(|d| d as u8)
                .ok_or(RequisiteError::BadCharacter {
                    kind,
                    found: c,
                    position: i + 1,
                    extra: "",
                })
        })
        .collect()
}

fn weighted(d: &[u8], weights: &[u32]) -> u8 {
    let sum: u32 = d.iter().zip(weights).map(|(&x, &w)| u32::from(x) * w).sum();
    ((sum % 11) % 10) as u8
}

fn check(
    kind: RequisiteKind,
    d: &[u8],
    position: usize,
    expected: u8,
) -> Result<(), RequisiteError> {
    let found = d[position - 1];
    if found == expected {
        Ok(())
    } else {
        Err(RequisiteError::CheckDigit {
            kind,
            position,
            expected,
            found,
        })
    }
}

/// Remainder of a decimal number given as digits.
fn modulo(d: &[u8], m: u64) -> u64 {
    d.iter().fold(0u64, |acc, &x| (acc * 10 + u64::from(x)) % m)
}

/// A taxpayer identification number (ИНН), of an organisation or of a person.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Inn(String);

impl Inn {
    /// Validates a 10-digit (organisation) or 12-digit (person) INN.
    ///
    /// # Errors
    /// The rule that failed: characters, length (13 or 15 digits are reported as a probable
    /// OGRN/OGRNIP), or which check digit is wrong.
    ///
    /// # Example
    /// ```
    /// use signflow::requisites::{Inn, RequisiteError};
    /// assert!(Inn::parse("7707083893").is_ok()); // Sberbank
    /// assert!(matches!(Inn::parse("7707083894"), Err(RequisiteError::CheckDigit { position: 10, .. })));
    /// assert!(matches!(Inn::parse("1027700132195"), Err(RequisiteError::LooksLike { .. })));
    /// ```
    pub fn parse(value: &str) -> Result<Self, RequisiteError> {
        let d = digits(value, "INN")?;
        match d.len() {
            10 => check(
                RequisiteKind::InnOrganisation,
                &d,
                10,
                weighted(&d, &[2, 4, 10, 3, 5, 9, 4, 6, 8]),
            )?,
            12 => {
                check(
                    RequisiteKind::InnPerson,
                    &d,
                    11,
                    weighted(&d, &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]),
                )?;
                check(
                    RequisiteKind::InnPerson,
                    &d,
                    12,
                    weighted(&d, &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]),
                )?;
            }
            13 => {
                return Err(RequisiteError::LooksLike {
                    expected: "INN",
                    actual: 13,
                    looks_like: RequisiteKind::Ogrn,
                });
            }
            15 => {
                return Err(RequisiteError::LooksLike {
                    expected: "INN",
                    actual: 15,
                    looks_like: RequisiteKind::Ogrnip,
                });
            }
            11 => {
                return Err(RequisiteError::LooksLike {
                    expected: "INN",
                    actual: 11,
                    looks_like: RequisiteKind::Snils,
                });
            }
            n => {
                return Err(RequisiteError::Length {
                    kind: "INN",
                    expected: "10 or 12",
                    actual: n,
                });
            }
        }
        Ok(Self(value.to_owned()))
    }

    /// Whose INN this is.
    pub fn kind(&self) -> RequisiteKind {
        if self.0.len() == 10 {
            RequisiteKind::InnOrganisation
        } else {
            RequisiteKind::InnPerson
        }
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A main state registration number: OGRN (organisation, 13 digits) or OGRNIP (15 digits).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Ogrn(String);

impl Ogrn {
    /// Validates an OGRN (13 digits) or OGRNIP (15 digits).
    ///
    /// # Errors
    /// The rule that failed; 10 or 12 digits are reported as a probable INN.
    ///
    /// # Example
    /// ```
    /// use signflow::requisites::Ogrn;
    /// assert!(Ogrn::parse("1027700132195").is_ok());
    /// assert!(Ogrn::parse("1027700132196").is_err());
    /// ```
    pub fn parse(value: &str) -> Result<Self, RequisiteError> {
        let d = digits(value, "OGRN")?;
        match d.len() {
            13 => check(
                RequisiteKind::Ogrn,
                &d,
                13,
                (modulo(&d[..12], 11) % 10) as u8,
            )?,
            15 => check(
                RequisiteKind::Ogrnip,
                &d,
                15,
                (modulo(&d[..14], 13) % 10) as u8,
            )?,
            n @ (10 | 12) => {
                let looks_like = if n == 10 {
                    RequisiteKind::InnOrganisation
                } else {
                    RequisiteKind::InnPerson
                };
                return Err(RequisiteError::LooksLike {
                    expected: "OGRN",
                    actual: n,
                    looks_like,
                });
            }
            n => {
                return Err(RequisiteError::Length {
                    kind: "OGRN",
                    expected: "13 (OGRN) or 15 (OGRNIP)",
                    actual: n,
                });
            }
        }
        Ok(Self(value.to_owned()))
    }

    /// OGRN or OGRNIP.
    pub fn kind(&self) -> RequisiteKind {
        if self.0.len() == 13 {
            RequisiteKind::Ogrn
        } else {
            RequisiteKind::Ogrnip
        }
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A tax registration reason code (КПП).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Kpp(String);

impl Kpp {
    /// Validates a KPP: `NNNN` tax office, `PP` reason (digits or A–Z), `NNN` number.
    ///
    /// # Errors
    /// Length or the first character out of place.
    ///
    /// # Example
    /// ```
    /// use signflow::requisites::Kpp;
    /// assert!(Kpp::parse("773601001").is_ok());
    /// assert!(Kpp::parse("7736AB001").is_ok());
    /// assert!(Kpp::parse("7736ab001").is_err());
    /// ```
    pub fn parse(value: &str) -> Result<Self, RequisiteError> {
        if value.is_empty() {
            return Err(RequisiteError::Empty { kind: "KPP" });
        }
        let chars: Vec<char> = value.chars().collect();
        if chars.len() != 9 {
            return Err(RequisiteError::Length {
                kind: "KPP",
                expected: "9",
                actual: chars.len(),
            });
        }
        for (i, c) in chars.iter().enumerate() {
            let ok = match i {
                4 | 5 => c.is_ascii_digit() || c.is_ascii_uppercase(),
                _ => c.is_ascii_digit(),
            };
            if !ok {
                let extra = if matches!(i, 4 | 5) {
                    " or capital Latin letters"
                } else {
                    ""
                };
                return Err(RequisiteError::BadCharacter {
                    kind: "KPP",
                    found: *c,
                    position: i + 1,
                    extra,
                });
            }
        }
        Ok(Self(value.to_owned()))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An individual insurance account number (СНИЛС), kept as its 11 digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Snils(String);

impl Snils {
    /// Validates 11 digits.
    ///
    /// # Errors
    /// Characters, length, or the checksum (positions 10–11).
    ///
    /// # Example
    /// ```
    /// use signflow::requisites::Snils;
    /// assert!(Snils::parse("11223344595").is_ok());
    /// assert!(Snils::parse("11223344596").is_err());
    /// assert!(Snils::parse_formatted("112-233-445 95").is_ok());
    /// ```
    pub fn parse(value: &str) -> Result<Self, RequisiteError> {
        let d = digits(value, "SNILS")?;
        if d.len() != 11 {
            if matches!(d.len(), 10 | 12) {
                let looks_like = if d.len() == 10 {
                    RequisiteKind::InnOrganisation
                } else {
                    RequisiteKind::InnPerson
                };
                return Err(RequisiteError::LooksLike {
                    expected: "SNILS",
                    actual: d.len(),
                    looks_like,
                });
            }
            return Err(RequisiteError::Length {
                kind: "SNILS",
                expected: "11",
                actual: d.len(),
            });
        }
        // The checksum applies to numbers above 001-001-998.
        if modulo(&d[..9], 1_000_000_000) > 1_001_998 {
            let sum: u32 = d[..9]
                .iter()
                .enumerate()
                .map(|(i, &x)| u32::from(x) * (9 - i as u32))
                .sum();
            let expected = match sum {
                s if s < 100 => s,
                100 | 101 => 0,
                s => match s % 101 {
                    100 => 0,
                    r => r,
                },
            };
            let found = u32::from(d[9]) * 10 + u32::from(d[10]);
            if expected != found {
                return Err(RequisiteError::CheckDigit {
                    kind: RequisiteKind::Snils,
                    position: 10,
                    expected: expected as u8,
                    found: found as u8,
                });
            }
        }
        Ok(Self(value.to_owned()))
    }

    /// Validates the printed form `NNN-NNN-NNN NN` (and only that form).
    ///
    /// # Errors
    /// As [`Snils::parse`], or the separators out of place.
    pub fn parse_formatted(value: &str) -> Result<Self, RequisiteError> {
        let chars: Vec<char> = value.chars().collect();
        if chars.len() != 14 {
            return Err(RequisiteError::Length {
                kind: "SNILS (NNN-NNN-NNN NN)",
                expected: "14",
                actual: chars.len(),
            });
        }
        for (pos, sep) in [(3, '-'), (7, '-'), (11, ' ')] {
            if chars[pos] != sep {
                return Err(RequisiteError::BadCharacter {
                    kind: "SNILS (NNN-NNN-NNN NN)",
                    found: chars[pos],
                    position: pos + 1,
                    extra: ", '-' and ' ' in their places",
                });
            }
        }
        let plain: String = chars
            .iter()
            .enumerate()
            .filter(|(i, _)| ![3, 7, 11].contains(i))
            .map(|(_, c)| c)
            .collect();
        Self::parse(&plain)
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published requisites of real organisations (their own websites and the state register).
    #[test]
    fn real_requisites_validate() {
        for inn in ["7707083893", "7736050003", "7702070139", "7728168971"] {
            Inn::parse(inn).unwrap_or_else(|e| panic!("{inn}: {e}"));
        }
        for ogrn in [
            "1027700132195",
            "1027700070518",
            "1027739609391",
            "1027700067328",
        ] {
            Ogrn::parse(ogrn).unwrap_or_else(|e| panic!("{ogrn}: {e}"));
        }
        Kpp::parse("773601001").unwrap();
        Snils::parse("11223344595").unwrap();
    }

    #[test]
    fn each_kind_of_mistake_is_named() {
        assert!(matches!(Inn::parse(""), Err(RequisiteError::Empty { .. })));
        assert!(matches!(
            Inn::parse(" 7707083893"),
            Err(RequisiteError::BadCharacter { position: 1, .. })
        ));
        assert!(matches!(
            Inn::parse("7707083893 "),
            Err(RequisiteError::BadCharacter { position: 11, .. })
        ));
        assert!(matches!(
            Inn::parse("77070838９3"),
            Err(RequisiteError::BadCharacter { .. })
        ));
        assert!(matches!(
            Inn::parse("770708389"),
            Err(RequisiteError::Length { actual: 9, .. })
        ));
        assert!(matches!(
            Inn::parse("1027700132195"),
            Err(RequisiteError::LooksLike {
                looks_like: RequisiteKind::Ogrn,
                ..
            })
        ));
        assert!(matches!(
            Ogrn::parse("7707083893"),
            Err(RequisiteError::LooksLike {
                looks_like: RequisiteKind::InnOrganisation,
                ..
            })
        ));
        let err = Inn::parse("7707083890").unwrap_err();
        assert_eq!(
            err,
            RequisiteError::CheckDigit {
                kind: RequisiteKind::InnOrganisation,
                position: 10,
                expected: 3,
                found: 0
            }
        );
        assert!(err.to_string().contains("check digit 10 should be 3"));
        assert!(matches!(
            Ogrn::parse("1027700132190"),
            Err(RequisiteError::CheckDigit { position: 13, .. })
        ));
        assert!(matches!(
            Kpp::parse("77360100"),
            Err(RequisiteError::Length { .. })
        ));
        assert!(matches!(
            Kpp::parse("7736-1001"),
            Err(RequisiteError::BadCharacter { position: 5, .. })
        ));
        assert!(matches!(
            Snils::parse("11223344590"),
            Err(RequisiteError::CheckDigit {
                expected: 95,
                found: 90,
                ..
            })
        ));
        assert!(matches!(
            Snils::parse_formatted("112 233 445-95"),
            Err(RequisiteError::BadCharacter { position: 4, .. })
        ));
    }

    #[test]
    fn twelve_digit_inn_checks_both_digits() {
        // 500100732259 is the classic published example of a person's INN.
        Inn::parse("500100732259").unwrap();
        assert!(matches!(
            Inn::parse("500100732269"),
            Err(RequisiteError::CheckDigit { position: 11, .. })
        ));
        assert!(matches!(
            Inn::parse("500100732258"),
            Err(RequisiteError::CheckDigit { position: 12, .. })
        ));
        assert_eq!(
            Inn::parse("771234567859").unwrap().kind(),
            RequisiteKind::InnPerson
        );
    }

    #[test]
    fn ogrnip_uses_modulus_13() {
        // 304500116000157: a published sole-proprietor OGRNIP.
        let o = Ogrn::parse("304500116000157").unwrap();
        assert_eq!(o.kind(), RequisiteKind::Ogrnip);
        assert!(Ogrn::parse("304500116000158").is_err());
    }

    #[test]
    fn small_snils_numbers_have_no_checksum_rule() {
        Snils::parse("00100199800").unwrap();
    }
}
