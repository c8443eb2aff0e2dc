//! Reading an EMCHD_1 document into a [`PowerOfAttorney`]: the XML tree of
//! [`crate::xmldsig`] (no DTDs, bounded), then the elements the verdict needs, each missing or
//! malformed one named in the error.

use super::{
    Date, FORMAT_VERSION, NAMESPACE, Organisation, Person, Power, PowerOfAttorney, Principal,
    Redelegation, Representative,
};
use crate::xmldsig::{Document, NodeId, ParseLimits, XmlError, XmlText};

/// Bounds on what [`PowerOfAttorney::parse_with`] accepts. An МЧД is a few kilobytes; the
/// defaults leave two orders of magnitude of room.
#[derive(Clone, Copy, Debug)]
pub struct MchdLimits {
    /// Most bytes of input (default 1 MiB).
    pub max_size: usize,
    /// Most XML nodes (default 100 000).
    pub max_nodes: usize,
    /// Most principals (default 16).
    pub max_principals: usize,
    /// Most representatives (default 256).
    pub max_representatives: usize,
    /// Most machine-readable powers (default 4096).
    pub max_powers: usize,
}

impl Default for MchdLimits {
    fn default() -> Self {
        Self {
            max_size: 1024 * 1024,
            max_nodes: 100_000,
            max_principals: 16,
            max_representatives: 256,
            max_powers: 4096,
        }
    }
}

/// Why an МЧД could not be read. Every variant names the element or attribute concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MchdError {
    /// The bytes are not well-formed XML (or exceed the XML parser's limits).
    #[error("the power of attorney is not well-formed XML: {0}")]
    Xml(#[from] XmlError),
    /// The root element is not `Доверенность` in the EMCHD_1 namespace.
    #[error("not an МЧД: the root element is {found}, expected Доверенность in {NAMESPACE}")]
    NotMchd {
        /// The root element's name and namespace.
        found: String,
    },
    /// The format version is not EMCHD_1.
    #[error("unsupported МЧД format version {found:?} (ВерсФорм): only {FORMAT_VERSION} is read")]
    Version {
        /// What `ВерсФорм` says.
        found: String,
    },
    /// A required element is missing.
    #[error("МЧД format error: element {element} is missing")]
    MissingElement {
        /// The element's path.
        element: String,
    },
    /// A required attribute is missing.
    #[error("МЧД format error: attribute {attribute} of {element} is missing")]
    MissingAttribute {
        /// The element's path.
        element: String,
        /// The attribute.
        attribute: &'static str,
    },
    /// An attribute's value is malformed.
    #[error("МЧД format error: {element}/@{attribute} = {value:?} is not {expected}")]
    BadAttribute {
        /// The element's path.
        element: String,
        /// The attribute.
        attribute: &'static str,
        /// Its value (at most 64 characters).
        value: String,
        /// What it should be.
        expected: &'static str,
    },
    /// An element occurs more often than the limits allow.
    #[error("МЧД refused: more than {limit} {element} elements")]
    Limit {
        /// The element.
        element: &'static str,
        /// The limit.
        limit: usize,
    },
    /// A part of the format this version does not read.
    #[error("МЧД not supported: {element} ({what}) is not read by this version")]
    Unsupported {
        /// The element.
        element: &'static str,
        /// What it is.
        what: &'static str,
    },
}

struct Reader<'d, 'a> {
    doc: &'d Document<'a>,
}

impl<'d, 'a> Reader<'d, 'a> {
    fn children(&self, id: NodeId, local: &'static str) -> Vec<NodeId> {
        self.doc.children_named(id, NAMESPACE, local).collect()
    }

    fn child(&self, id: NodeId, local: &'static str) -> Option<NodeId> {
        self.doc.children_named(id, NAMESPACE, local).next()
    }

    fn required(&self, id: NodeId, path: &str, local: &'static str) -> Result<NodeId, MchdError> {
        self.child(id, local)
            .ok_or_else(|| MchdError::MissingElement {
                element: format!("{path}/{local}"),
            })
    }

    fn attr(&self, id: NodeId, name: &'static str) -> Option<String> {
        self.doc
            .element(id)
            .and_then(|e| e.attribute(name))
            .map(str::to_owned)
    }

    fn required_attr(
        &self,
        id: NodeId,
        path: &str,
        name: &'static str,
    ) -> Result<String, MchdError> {
        self.attr(id, name)
            .ok_or_else(|| MchdError::MissingAttribute {
                element: path.to_owned(),
                attribute: name,
            })
    }
}

fn bad(element: &str, attribute: &'static str, value: &str, expected: &'static str) -> MchdError {
    MchdError::BadAttribute {
        element: element.to_owned(),
        attribute,
        value: value.chars().take(64).collect(),
        expected,
    }
}

fn digits(
    value: Option<String>,
    element: &str,
    attribute: &'static str,
    len: usize,
    expected: &'static str,
) -> Result<Option<String>, MchdError> {
    match value {
        Some(v) if v.len() == len && v.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(v)),
        Some(v) => Err(bad(element, attribute, &v, expected)),
        None => Ok(None),
    }
}

/// СНИЛС as the schema writes it (`NNN-NNN-NNN NN` or `NNN-NNN-NNN-NN`), as 11 digits.
fn snils(value: Option<String>, element: &str) -> Result<Option<String>, MchdError> {
    let Some(v) = value else { return Ok(None) };
    let b = v.as_bytes();
    let shaped = b.len() == 14
        && b[3] == b'-'
        && b[7] == b'-'
        && (b[11] == b' ' || b[11] == b'-')
        && [0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13]
            .iter()
            .all(|&i| b[i].is_ascii_digit());
    if !shaped {
        return Err(bad(element, "СНИЛС", &v, "a SNILS written NNN-NNN-NNN NN"));
    }
    Ok(Some(
        v.bytes()
            .filter(u8::is_ascii_digit)
            .map(char::from)
            .collect(),
    ))
}

fn date(value: &str, element: &str, attribute: &'static str) -> Result<Date, MchdError> {
    let err = || bad(element, attribute, value, "a date YYYY-MM-DD");
    let b = value.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(err());
    }
    let num = |r: std::ops::Range<usize>| -> Result<u32, MchdError> {
        let s = &value[r];
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().map_err(|_| err())
        } else {
            Err(err())
        }
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(err()),
    };
    if year == 0 || day == 0 || day > days_in_month {
        return Err(err());
    }
    Ok(Date {
        year: year as i32,
        month: month as u8,
        day: day as u8,
    })
}

fn guid(value: &str, element: &str) -> Result<String, MchdError> {
    let b = value.as_bytes();
    let ok = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
    if ok {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(bad(element, "НомДовер", value, "a GUID"))
    }
}

pub(super) fn parse(input: &[u8], limits: &MchdLimits) -> Result<PowerOfAttorney, MchdError> {
    let xml_limits = ParseLimits {
        max_size: limits.max_size,
        max_depth: 64,
        max_attributes: 64,
        max_nodes: limits.max_nodes,
        ..ParseLimits::default()
    };
    let text = XmlText::decode(input, &xml_limits)?;
    let doc = Document::parse_text(&text, &xml_limits)?;
    let r = Reader { doc: &doc };
    let root = doc.root();
    if !doc.is_named(root, NAMESPACE, "Доверенность") {
        let (ns, local) = doc.expanded_name(root).unwrap_or((None, ""));
        return Err(MchdError::NotMchd {
            found: format!("{local} ({})", ns.unwrap_or("no namespace")),
        });
    }
    let path = "Доверенность";
    let version = r.required_attr(root, path, "ВерсФорм")?;
    if version != FORMAT_VERSION {
        return Err(MchdError::Version { found: version });
    }
    let file_id = r.required_attr(root, path, "ИдФайл")?;
    let document = r.required(root, path, "Документ")?;
    if r.child(document, "Передов").is_some() {
        return Err(MchdError::Unsupported {
            element: "Передов",
            what: "a power of attorney issued by re-delegation",
        });
    }
    let path = "Доверенность/Документ/Довер";
    let dover = r.required(document, "Доверенность/Документ", "Довер")?;

    let sv_path = format!("{path}/СвДов");
    let sv = r.required(dover, path, "СвДов")?;
    let number = guid(&r.required_attr(sv, &sv_path, "НомДовер")?, &sv_path)?;
    let issued_on = date(
        &r.required_attr(sv, &sv_path, "ДатаВыдДовер")?,
        &sv_path,
        "ДатаВыдДовер",
    )?;
    let valid_until = date(
        &r.required_attr(sv, &sv_path, "СрокДейст")?,
        &sv_path,
        "СрокДейст",
    )?;
    let kind_code = r.required_attr(sv, &sv_path, "ВидДовер")?;
    if !matches!(kind_code.as_str(), "1" | "2") {
        return Err(bad(&sv_path, "ВидДовер", &kind_code, "1 or 2"));
    }
    let redelegation = match r.required_attr(sv, &sv_path, "ПрПередов")?.as_str() {
        "1" => Redelegation::Forbidden,
        "2" => Redelegation::Once,
        "3" => Redelegation::Onward,
        other => return Err(bad(&sv_path, "ПрПередов", other, "1, 2 or 3")),
    };
    let internal_number = r.required_attr(sv, &sv_path, "ВнНомДовер")?;
    let registry = doc.text(r.required(sv, &sv_path, "СведСист")?);

    let principal_ids = r.children(dover, "СвДоверит");
    if principal_ids.is_empty() {
        return Err(MchdError::MissingElement {
            element: format!("{path}/СвДоверит"),
        });
    }
    if principal_ids.len() > limits.max_principals {
        return Err(MchdError::Limit {
            element: "СвДоверит",
            limit: limits.max_principals,
        });
    }
    let principals = principal_ids
        .into_iter()
        .map(|id| principal(&r, id, &format!("{path}/СвДоверит")))
        .collect::<Result<Vec<_>, _>>()?;

    let rep_ids = r.children(dover, "СвУпПред");
    if rep_ids.is_empty() {
        return Err(MchdError::MissingElement {
            element: format!("{path}/СвУпПред"),
        });
    }
    if rep_ids.len() > limits.max_representatives {
        return Err(MchdError::Limit {
            element: "СвУпПред",
            limit: limits.max_representatives,
        });
    }
    let representatives = rep_ids
        .into_iter()
        .map(|id| representative(&r, id, &format!("{path}/СвУпПред")))
        .collect::<Result<Vec<_>, _>>()?;

    let pol_path = format!("{path}/СвПолн");
    let pol = r.required(dover, path, "СвПолн")?;
    let joint_powers = match r.required_attr(pol, &pol_path, "ПрСовмПолн")?.as_str() {
        "1" => false,
        "2" => true,
        other => return Err(bad(&pol_path, "ПрСовмПолн", other, "1 or 2")),
    };
    let powers_lost_on_redelegation = match r.attr(pol, "ПрУтрПолн").as_deref() {
        None => None,
        Some("1") => Some(true),
        Some("2") => Some(false),
        Some(other) => return Err(bad(&pol_path, "ПрУтрПолн", other, "1 or 2")),
    };
    let powers_text = r.child(pol, "ТекстПолн").map(|id| doc.text(id));
    let power_ids = r.children(pol, "МашПолн");
    if power_ids.len() > limits.max_powers {
        return Err(MchdError::Limit {
            element: "МашПолн",
            limit: limits.max_powers,
        });
    }
    let mp_path = format!("{pol_path}/МашПолн");
    let powers = power_ids
        .into_iter()
        .map(|id| {
            Ok(Power {
                code: r.required_attr(id, &mp_path, "КодПолн")?,
                name: r.required_attr(id, &mp_path, "НаимПолн")?,
                mnemonic: r.attr(id, "МнПолн"),
                restrictions: r.children(id, "ОгрСвПолн").len(),
            })
        })
        .collect::<Result<Vec<_>, MchdError>>()?;
    if powers.is_empty() && powers_text.is_none() {
        return Err(MchdError::MissingElement {
            element: format!("{pol_path}/МашПолн or {pol_path}/ТекстПолн"),
        });
    }

    Ok(PowerOfAttorney {
        file_id,
        number,
        internal_number,
        issued_on,
        valid_until,
        kind_code,
        redelegation,
        registry,
        principals,
        representatives,
        powers,
        powers_text,
        joint_powers,
        powers_lost_on_redelegation,
        encoding: text.encoding(),
    })
}

/// `СведФЛТип` (name) plus the ИНН ФЛ, СНИЛС and Должность of the element carrying it.
fn person(r: &Reader<'_, '_>, carrier: NodeId, path: &str) -> Result<Person, MchdError> {
    let sved_path = format!("{path}/СведФЛ");
    let sved = r.required(carrier, path, "СведФЛ")?;
    let fio_path = format!("{sved_path}/ФИО");
    let fio = r.required(sved, &sved_path, "ФИО")?;
    Ok(Person {
        surname: r.required_attr(fio, &fio_path, "Фамилия")?,
        given_name: r.required_attr(fio, &fio_path, "Имя")?,
        patronymic: r.attr(fio, "Отчество"),
        inn: digits(
            r.attr(carrier, "ИННФЛ"),
            path,
            "ИННФЛ",
            12,
            "a 12-digit INN",
        )?,
        snils: snils(r.attr(carrier, "СНИЛС"), path)?,
        position: r.attr(carrier, "Должность"),
    })
}

fn read_organisation(
    r: &Reader<'_, '_>,
    id: NodeId,
    path: &str,
) -> Result<Organisation, MchdError> {
    Ok(Organisation {
        name: r.required_attr(id, path, "НаимОрг")?,
        inn: digits(r.attr(id, "ИННЮЛ"), path, "ИННЮЛ", 10, "a 10-digit INN")?,
        kpp: r.required_attr(id, path, "КПП")?,
        ogrn: digits(r.attr(id, "ОГРН"), path, "ОГРН", 13, "a 13-digit OGRN")?,
    })
}

fn entrepreneur(r: &Reader<'_, '_>, id: NodeId, path: &str) -> Result<(Person, String), MchdError> {
    let person = person(r, id, path)?;
    let ogrnip = digits(
        Some(r.required_attr(id, path, "ОГРНИП")?),
        path,
        "ОГРНИП",
        15,
        "a 15-digit OGRNIP",
    )?
    .unwrap_or_default();
    Ok((person, ogrnip))
}

fn principal(r: &Reader<'_, '_>, id: NodeId, path: &str) -> Result<Principal, MchdError> {
    let dov_path = format!("{path}/Доверит");
    let dov = r.required(id, path, "Доверит")?;
    if let Some(org) = r.child(dov, "РосОргДовер") {
        let org_path = format!("{dov_path}/РосОргДовер");
        let organisation = read_organisation(
            r,
            r.required(org, &org_path, "СвРосОрг")?,
            &format!("{org_path}/СвРосОрг"),
        )?;
        let lbd_path = format!("{org_path}/ЛицоБезДов");
        let lbd_ids = r.children(org, "ЛицоБезДов");
        if lbd_ids.is_empty() {
            return Err(MchdError::MissingElement { element: lbd_path });
        }
        if lbd_ids.len() > 64 {
            return Err(MchdError::Limit {
                element: "ЛицоБезДов",
                limit: 64,
            });
        }
        let mut directors = Vec::new();
        let mut managing_organisations = Vec::new();
        for lbd in lbd_ids {
            if let Some(fl) = r.child(lbd, "СвФЛ") {
                directors.push(person(r, fl, &format!("{lbd_path}/СвФЛ"))?);
            }
            if let Some(ul) = r.child(lbd, "СВЮЛ") {
                let ul_path = format!("{lbd_path}/СВЮЛ");
                managing_organisations.push(read_organisation(
                    r,
                    r.required(ul, &ul_path, "СвЮЛЕИО")?,
                    &format!("{ul_path}/СвЮЛЕИО"),
                )?);
                for (n, fl) in r.children(ul, "СвФЛ").into_iter().enumerate() {
                    if n >= 64 {
                        return Err(MchdError::Limit {
                            element: "СВЮЛ/СвФЛ",
                            limit: 64,
                        });
                    }
                    directors.push(person(r, fl, &format!("{ul_path}/СвФЛ"))?);
                }
            }
            if let Some(ip) = r.child(lbd, "СвИП") {
                directors.push(entrepreneur(r, ip, &format!("{lbd_path}/СвИП"))?.0);
            }
        }
        return Ok(Principal::Organisation {
            organisation,
            directors,
            managing_organisations,
        });
    }
    if let Some(io) = r.child(dov, "ИнОргДовер") {
        let io_path = format!("{dov_path}/ИнОргДовер/СвИнОрг");
        let sv = r.required(io, &format!("{dov_path}/ИнОргДовер"), "СвИнОрг")?;
        return Ok(Principal::ForeignOrganisation {
            name: r.required_attr(sv, &io_path, "НаимИО")?,
            inn: r.attr(sv, "ИННЮЛ"),
        });
    }
    if let Some(ip) = r.child(dov, "ИПДовер") {
        let (person, ogrnip) = entrepreneur(r, ip, &format!("{dov_path}/ИПДовер"))?;
        return Ok(Principal::Entrepreneur {
            person,
            ogrnip,
            name: r.attr(ip, "НаимИП"),
        });
    }
    if let Some(fl) = r.child(dov, "ФЛДовер") {
        return Ok(Principal::Person {
            person: person(r, fl, &format!("{dov_path}/ФЛДовер"))?,
        });
    }
    Err(MchdError::MissingElement {
        element: format!("{dov_path}/РосОргДовер|ИнОргДовер|ИПДовер|ФЛДовер"),
    })
}

fn representative(r: &Reader<'_, '_>, id: NodeId, path: &str) -> Result<Representative, MchdError> {
    let pred_path = format!("{path}/Пред");
    let pred = r.required(id, path, "Пред")?;
    if let Some(fl) = r.child(pred, "СведФизЛ") {
        return Ok(Representative::Person {
            person: person(r, fl, &format!("{pred_path}/СведФизЛ"))?,
        });
    }
    for local in ["СведОрг", "СведФилиал"] {
        if let Some(org) = r.child(pred, local) {
            return Ok(Representative::Organisation {
                organisation: read_organisation(r, org, &format!("{pred_path}/{local}"))?,
            });
        }
    }
    if let Some(ip) = r.child(pred, "СведИП") {
        let (person, ogrnip) = entrepreneur(r, ip, &format!("{pred_path}/СведИП"))?;
        return Ok(Representative::Entrepreneur { person, ogrnip });
    }
    if r.child(pred, "СведИО").is_some() {
        return Ok(Representative::Other {
            element: "СведИО".into(),
        });
    }
    Err(MchdError::MissingElement {
        element: format!("{pred_path}/СведФизЛ|СведОрг|СведИП|СведФилиал|СведИО"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked() {
        assert!(date("2024-02-29", "x", "СрокДейст").is_ok());
        assert!(date("2023-02-29", "x", "СрокДейст").is_err());
        assert!(date("2023-13-01", "x", "СрокДейст").is_err());
        assert!(date("2023-1-01", "x", "СрокДейст").is_err());
        assert!(date("+023-01-01", "x", "СрокДейст").is_err());
    }

    #[test]
    fn snils_is_read_in_both_schema_shapes() {
        assert_eq!(
            snils(Some("112-233-445 95".into()), "x")
                .unwrap()
                .as_deref(),
            Some("11223344595")
        );
        assert_eq!(
            snils(Some("112-233-445-95".into()), "x")
                .unwrap()
                .as_deref(),
            Some("11223344595")
        );
        assert!(snils(Some("11223344595".into()), "x").is_err());
    }

    #[test]
    fn a_non_mchd_names_its_root() {
        let err = parse(b"<a/>", &MchdLimits::default()).unwrap_err();
        assert!(err.to_string().contains("root element is a"), "{err}");
    }
}
