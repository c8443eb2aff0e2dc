//! Russian qualified-certificate attributes (Order of the FSB of Russia No. 795, 63-FZ):
//! INN, INNLE, OGRN, OGRNIP and SNILS in the subject name, the signature tools of the owner and
//! of the CA, the class policies, and the binding of a certificate to an organisation or person.

use der::Decode;
use der::asn1::Utf8StringRef;
use serde::Serialize;

use super::certificate::Certificate;
use crate::requisites::{Inn, Ogrn, RequisiteError, Snils};

/// Object identifiers of the attributes and extensions read here.
pub mod oid {
    /// INN (of a person, or — in older certificates — an organisation's padded with "00").
    pub const INN: &str = "1.2.643.3.131.1.1";
    /// INNLE: INN of a legal entity (since 2021).
    pub const INNLE: &str = "1.2.643.100.4";
    /// OGRN.
    pub const OGRN: &str = "1.2.643.100.1";
    /// OGRNIP.
    pub const OGRNIP: &str = "1.2.643.100.5";
    /// SNILS.
    pub const SNILS: &str = "1.2.643.100.3";
    /// subjectSignTool: the owner's signature tool (extension, UTF8String).
    pub const SUBJECT_SIGN_TOOL: &str = "1.2.643.100.111";
    /// issuerSignTool: the CA's tools and their conformity certificates (extension).
    pub const ISSUER_SIGN_TOOL: &str = "1.2.643.100.112";
    /// Prefix of the signature-tool class policies KC1..KC3, KB1..KB2, KA1.
    pub const CLASS_POLICY_PREFIX: &str = "1.2.643.100.113.";
}

/// The class policies of qualified signature tools, by OID suffix.
const CLASS_POLICIES: [(&str, &str); 6] = [
    ("1", "KC1"),
    ("2", "KC2"),
    ("3", "KC3"),
    ("4", "KB1"),
    ("5", "KB2"),
    ("6", "KA1"),
];

/// The CA's tools (issuerSignTool).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IssuerSignTool {
    /// The CA's signature tool.
    pub sign_tool: String,
    /// The CA's certification tool.
    pub ca_tool: String,
    /// Conformity certificate of the signature tool.
    pub sign_tool_cert: String,
    /// Conformity certificate of the CA tool.
    pub ca_tool_cert: String,
}

#[derive(der::Sequence)]
struct IssuerSignToolAsn1<'a> {
    sign_tool: Utf8StringRef<'a>,
    ca_tool: Utf8StringRef<'a>,
    sign_tool_cert: Utf8StringRef<'a>,
    ca_tool_cert: Utf8StringRef<'a>,
}

/// What a certificate says about its Russian owner.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RussianAttributes {
    /// INN from the subject (12 digits).
    pub inn: Option<String>,
    /// INNLE from the subject (10 digits).
    pub inn_le: Option<String>,
    /// OGRN from the subject.
    pub ogrn: Option<String>,
    /// OGRNIP from the subject.
    pub ogrnip: Option<String>,
    /// SNILS from the subject.
    pub snils: Option<String>,
    /// subjectSignTool.
    pub subject_sign_tool: Option<String>,
    /// issuerSignTool.
    pub issuer_sign_tool: Option<IssuerSignTool>,
    /// Class policies (KC1...) found in certificatePolicies.
    pub class_policies: Vec<String>,
}

/// A mismatch between a certificate and the requisites it should carry ("data mismatch").
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[non_exhaustive]
pub enum BindingMismatch {
    /// The certificate carries no such attribute.
    #[error("the certificate carries no {attribute}")]
    Missing {
        /// The attribute.
        attribute: &'static str,
    },
    /// The attribute differs.
    #[error(
        "data mismatch: the certificate's {attribute} is {in_certificate}, expected {expected}"
    )]
    Differs {
        /// The attribute.
        attribute: &'static str,
        /// What the certificate says.
        in_certificate: String,
        /// What was expected.
        expected: String,
    },
}

impl RussianAttributes {
    /// Reads the attributes of `cert`. Values are returned as found (see
    /// [`RussianAttributes::validate`]); NumericString and UTF8String encodings are both read.
    pub fn from_certificate(cert: &Certificate) -> Self {
        let subject = cert.subject();
        let text = |oid: &str| subject.attribute_texts(oid).next().map(str::to_owned);
        let subject_sign_tool = cert
            .extension_value(oid::SUBJECT_SIGN_TOOL)
            .and_then(|v| Utf8StringRef::from_der(v).ok())
            .map(|s| s.as_str().to_owned());
        let issuer_sign_tool = cert
            .extension_value(oid::ISSUER_SIGN_TOOL)
            .and_then(|v| IssuerSignToolAsn1::from_der(v).ok())
            .map(|t| IssuerSignTool {
                sign_tool: t.sign_tool.as_str().to_owned(),
                ca_tool: t.ca_tool.as_str().to_owned(),
                sign_tool_cert: t.sign_tool_cert.as_str().to_owned(),
                ca_tool_cert: t.ca_tool_cert.as_str().to_owned(),
            });
        let class_policies = cert
            .extensions()
            .policies
            .iter()
            .flatten()
            .filter_map(|p| p.strip_prefix(oid::CLASS_POLICY_PREFIX))
            .filter_map(|suffix| {
                CLASS_POLICIES
                    .iter()
                    .find(|(s, _)| *s == suffix)
                    .map(|(_, n)| (*n).to_owned())
            })
            .collect();
        Self {
            inn: text(oid::INN),
            inn_le: text(oid::INNLE),
            ogrn: text(oid::OGRN),
            ogrnip: text(oid::OGRNIP),
            snils: text(oid::SNILS),
            subject_sign_tool,
            issuer_sign_tool,
            class_policies,
        }
    }

    /// Whether the certificate has the marks of a qualified certificate: both signature-tool
    /// extensions and a class policy.
    pub fn is_qualified(&self) -> bool {
        self.subject_sign_tool.is_some()
            && self.issuer_sign_tool.is_some()
            && !self.class_policies.is_empty()
    }

    /// Checks every requisite present with the [`crate::requisites`] rules.
    ///
    /// # Errors
    /// The first requisite that is not valid, with the rule it breaks.
    pub fn validate(&self) -> Result<(), RequisiteError> {
        if let Some(inn) = &self.inn {
            // Older certificates pad an organisation's 10-digit INN with "00".
            Inn::parse(
                inn.strip_prefix("00")
                    .filter(|s| s.len() == 10)
                    .unwrap_or(inn),
            )?;
        }
        if let Some(v) = &self.inn_le {
            Inn::parse(v)?;
        }
        for v in [&self.ogrn, &self.ogrnip].into_iter().flatten() {
            Ogrn::parse(v)?;
        }
        if let Some(v) = &self.snils {
            Snils::parse(v)?;
        }
        Ok(())
    }

    /// The organisation's INN as the certificate states it: INNLE, or a legacy "00"-padded INN.
    pub fn organisation_inn(&self) -> Option<&str> {
        self.inn_le.as_deref().or_else(|| {
            self.inn
                .as_deref()
                .and_then(|i| i.strip_prefix("00"))
                .filter(|s| s.len() == 10)
        })
    }

    /// Checks that the certificate belongs to the organisation with these requisites.
    ///
    /// # Errors
    /// [`BindingMismatch`] naming the attribute that is missing or differs.
    pub fn check_organisation(&self, inn: &Inn, ogrn: &Ogrn) -> Result<(), BindingMismatch> {
        let cert_inn = self
            .organisation_inn()
            .ok_or(BindingMismatch::Missing { attribute: "INNLE" })?;
        if cert_inn != inn.as_str() {
            return Err(BindingMismatch::Differs {
                attribute: "INN",
                in_certificate: cert_inn.into(),
                expected: inn.as_str().into(),
            });
        }
        let cert_ogrn = self
            .ogrn
            .as_deref()
            .or(self.ogrnip.as_deref())
            .ok_or(BindingMismatch::Missing { attribute: "OGRN" })?;
        if cert_ogrn != ogrn.as_str() {
            return Err(BindingMismatch::Differs {
                attribute: "OGRN",
                in_certificate: cert_ogrn.into(),
                expected: ogrn.as_str().into(),
            });
        }
        Ok(())
    }

    /// Checks that the certificate belongs to the person with this SNILS.
    ///
    /// # Errors
    /// [`BindingMismatch`] if the SNILS is missing or differs.
    pub fn check_person(&self, snils: &Snils) -> Result<(), BindingMismatch> {
        let cert = self
            .snils
            .as_deref()
            .ok_or(BindingMismatch::Missing { attribute: "SNILS" })?;
        if cert != snils.as_str() {
            return Err(BindingMismatch::Differs {
                attribute: "SNILS",
                in_certificate: cert.into(),
                expected: snils.as_str().into(),
            });
        }
        Ok(())
    }
}
