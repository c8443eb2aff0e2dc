//! Russian qualified-certificate attributes read from the test PKI's leaf-russian (made by
//! OpenSSL, which encodes INN, OGRN and SNILS as NumericString and INNLE as UTF8String).

mod common;

use signflow::pki::Certificate;
use signflow::pki::russian::{BindingMismatch, RussianAttributes};
use signflow::requisites::{Inn, Ogrn, Snils};

fn leaf(name: &str) -> Certificate {
    Certificate::all_from_pem_or_der(&common::read(&format!("pki/{name}.pem")))
        .unwrap()
        .remove(0)
}

#[test]
fn attributes_of_both_string_encodings_are_read_and_valid() {
    let attrs = RussianAttributes::from_certificate(&leaf("leaf-russian"));
    // The values testdata/pki/generate.sh put in the subject (see testdata/README.md).
    assert_eq!(attrs.inn.as_deref(), Some("771234567859"));
    assert_eq!(attrs.inn_le.as_deref(), Some("7707083893"));
    assert_eq!(attrs.ogrn.as_deref(), Some("1027700132195"));
    assert_eq!(attrs.snils.as_deref(), Some("11223344595"));
    assert_eq!(attrs.class_policies, vec!["KC1".to_owned()]);
    attrs.validate().unwrap();
    // No subjectSignTool/issuerSignTool extensions in the test leaf: not marked qualified.
    assert!(!attrs.is_qualified());
}

#[test]
fn organisation_and_person_binding() {
    let attrs = RussianAttributes::from_certificate(&leaf("leaf-russian"));
    let sber_inn = Inn::parse("7707083893").unwrap();
    let sber_ogrn = Ogrn::parse("1027700132195").unwrap();
    attrs.check_organisation(&sber_inn, &sber_ogrn).unwrap();
    let other_inn = Inn::parse("7736050003").unwrap();
    assert!(matches!(
        attrs.check_organisation(&other_inn, &sber_ogrn),
        Err(BindingMismatch::Differs {
            attribute: "INN",
            ..
        })
    ));
    let other_ogrn = Ogrn::parse("1027700070518").unwrap();
    let err = attrs
        .check_organisation(&sber_inn, &other_ogrn)
        .unwrap_err();
    assert!(err.to_string().contains("data mismatch"), "{err}");
    attrs
        .check_person(&Snils::parse("11223344595").unwrap())
        .unwrap();
    // A certificate without the attributes says what is missing.
    let plain = RussianAttributes::from_certificate(&leaf("leaf-rsa"));
    assert_eq!(
        plain.check_person(&Snils::parse("11223344595").unwrap()),
        Err(BindingMismatch::Missing { attribute: "SNILS" })
    );
    assert!(matches!(
        plain.check_organisation(&sber_inn, &sber_ogrn),
        Err(BindingMismatch::Missing { .. })
    ));
}
