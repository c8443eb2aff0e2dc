//! Issue #18, the PKI and CMS part: hostile certification paths and messages, each generated
//! here from the test PKI's keys (testdata/pki) — forged certificates that only *claim* the
//! test root's name, and real ones signed by the root key — with the verdict asserted and the
//! time bounded (each took seconds to minutes, and gigabytes, before).

mod common;

use std::time::{Duration, Instant};

use signflow::cms::{
    CmsFinding, Content, SignOptions, SignedData, Signer, ValidationTime, Verifier, VerifyOptions,
    VerifyReport,
};
use signflow::crypto::{CryptoProvider, SignatureAlgorithm, SigningKey};
use signflow::pki::{
    Certificate, Crl, Finding, RevocationMode, Status, TimeAssurance, TrustStore, UnixTime,
    ValidationOptions, ValidationReport, Validator,
};

/// Certificates and CRLs built field by field with the `der` and `x509-cert` crates, signed by
/// a real key or carrying a signature nobody made.
mod forge {
    use der::asn1::{Any, BitString, GeneralizedTime, Ia5String, OctetString, Uint, UtcTime};
    use der::{Decode, Encode, Sequence};
    use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
    use x509_cert::ext::Extension;
    use x509_cert::ext::pkix::constraints::name::{GeneralSubtree, NameConstraints};
    use x509_cert::ext::pkix::name::GeneralName;
    use x509_cert::ext::pkix::{
        BasicConstraints, CertificatePolicies, PolicyMapping, PolicyMappings, SubjectAltName,
        certpolicy::PolicyInformation,
    };
    use x509_cert::name::Name;
    use x509_cert::time::{Time, Validity};

    use signflow::crypto::{SignatureAlgorithm, SigningKey};
    use signflow::pki::UnixTime;

    #[derive(Sequence)]
    struct Tbs {
        #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
        version: u8,
        serial: Uint,
        signature: AlgorithmIdentifierOwned,
        issuer: Name,
        validity: Validity,
        subject: Name,
        spki: SubjectPublicKeyInfoOwned,
        #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
        extensions: Option<Vec<Extension>>,
    }

    #[derive(Sequence)]
    struct Signed {
        tbs: Any,
        algorithm: AlgorithmIdentifierOwned,
        signature: BitString,
    }

    #[derive(Sequence)]
    struct RevokedEntry {
        serial: Uint,
        date: Time,
        extensions: Vec<Extension>,
    }

    #[derive(Sequence)]
    struct TbsCrl {
        version: u8,
        signature: AlgorithmIdentifierOwned,
        issuer: Name,
        this_update: Time,
        next_update: Time,
        revoked: Vec<RevokedEntry>,
    }

    /// Who signs: a key with its algorithm, or nobody (a signature of zeros).
    pub enum By<'k> {
        Key(&'k dyn SigningKey, SignatureAlgorithm),
        Nobody(SignatureAlgorithm),
    }

    impl By<'_> {
        fn algorithm(&self) -> SignatureAlgorithm {
            match self {
                Self::Key(_, a) | Self::Nobody(a) => *a,
            }
        }

        fn sign(&self, tbs: impl Encode) -> Vec<u8> {
            let der = tbs.to_der().unwrap();
            let signature = match self {
                Self::Key(key, alg) => key.sign(alg, &der).unwrap(),
                Self::Nobody(_) => vec![0; 64],
            };
            Signed {
                tbs: Any::from_der(&der).unwrap(),
                algorithm: self.alg_id(),
                signature: BitString::from_bytes(&signature).unwrap(),
            }
            .to_der()
            .unwrap()
        }

        fn alg_id(&self) -> AlgorithmIdentifierOwned {
            AlgorithmIdentifierOwned::from_der(
                &self.algorithm().algorithm_identifier_der().unwrap(),
            )
            .unwrap()
        }
    }

    pub fn name(dn: &str) -> Name {
        dn.parse().unwrap()
    }

    pub fn name_der(der: &[u8]) -> Name {
        Name::from_der(der).unwrap()
    }

    fn time(t: UnixTime) -> Time {
        let d = core::time::Duration::from_secs(t.0 as u64);
        Time::UtcTime(UtcTime::from_unix_duration(d).unwrap())
    }

    fn ext<T: Encode + const_oid::AssociatedOid>(critical: bool, value: &T) -> Extension {
        Extension {
            extn_id: T::OID,
            critical,
            extn_value: OctetString::new(value.to_der().unwrap()).unwrap(),
        }
    }

    /// A certificate valid 2025-2035.
    pub struct Cert {
        pub issuer: Name,
        pub subject: Name,
        pub serial: u32,
        pub spki: Vec<u8>,
        pub extensions: Vec<Extension>,
    }

    impl Cert {
        pub fn new(issuer: Name, subject: Name, serial: u32, spki: &[u8]) -> Self {
            Self {
                issuer,
                subject,
                serial,
                spki: spki.to_vec(),
                extensions: Vec::new(),
            }
        }

        pub fn ca(mut self) -> Self {
            let bc = BasicConstraints {
                ca: true,
                path_len_constraint: None,
            };
            self.extensions.push(ext(true, &bc));
            self
        }

        pub fn policies(mut self, oids: &[String]) -> Self {
            let policies = CertificatePolicies(
                oids.iter()
                    .map(|o| PolicyInformation {
                        policy_identifier: o.parse().unwrap(),
                        policy_qualifiers: None,
                    })
                    .collect(),
            );
            self.extensions.push(ext(false, &policies));
            self
        }

        /// Every policy of `oids` mapped to every one.
        pub fn map_all_to_all(mut self, oids: &[String]) -> Self {
            let mut mappings = Vec::new();
            for a in oids {
                for b in oids {
                    mappings.push(PolicyMapping {
                        issuer_domain_policy: a.parse().unwrap(),
                        subject_domain_policy: b.parse().unwrap(),
                    });
                }
            }
            self.extensions.push(ext(true, &PolicyMappings(mappings)));
            self
        }

        pub fn excluded_dns(mut self, names: &[String]) -> Self {
            let subtrees = names
                .iter()
                .map(|n| GeneralSubtree {
                    base: GeneralName::DnsName(Ia5String::new(n).unwrap()),
                    minimum: 0,
                    maximum: None,
                })
                .collect();
            let nc = NameConstraints {
                permitted_subtrees: None,
                excluded_subtrees: Some(subtrees),
            };
            self.extensions.push(ext(true, &nc));
            self
        }

        pub fn dns_names(mut self, names: &[String]) -> Self {
            let san = SubjectAltName(
                names
                    .iter()
                    .map(|n| GeneralName::DnsName(Ia5String::new(n).unwrap()))
                    .collect(),
            );
            self.extensions.push(ext(false, &san));
            self
        }

        pub fn sign(self, by: &By<'_>) -> Vec<u8> {
            let tbs = Tbs {
                version: 2,
                serial: Uint::new(&self.serial.to_be_bytes()).unwrap(),
                signature: by.alg_id(),
                issuer: self.issuer,
                validity: Validity::new(
                    time(UnixTime::from_utc(2025, 1, 1, 0, 0, 0)),
                    time(UnixTime::from_utc(2035, 1, 1, 0, 0, 0)),
                ),
                subject: self.subject,
                spki: SubjectPublicKeyInfoOwned::from_der(&self.spki).unwrap(),
                extensions: (!self.extensions.is_empty()).then_some(self.extensions),
            };
            by.sign(tbs)
        }
    }

    /// A CRL from `issuer` (thisUpdate 2026-01-01, nextUpdate 2036-01-01) revoking `serial`
    /// at `date` for `reason`, with an invalidityDate if given.
    pub fn crl(
        issuer: Name,
        serial: &[u8],
        date: UnixTime,
        reason: x509_cert::ext::pkix::crl::CrlReason,
        invalidity: Option<UnixTime>,
        by: &By<'_>,
    ) -> Vec<u8> {
        let mut extensions = vec![ext(false, &reason)];
        if let Some(t) = invalidity {
            let d = core::time::Duration::from_secs(t.0 as u64);
            let gt = GeneralizedTime::from_unix_duration(d).unwrap();
            extensions.push(Extension {
                extn_id: "2.5.29.24".parse().unwrap(),
                critical: false,
                extn_value: OctetString::new(gt.to_der().unwrap()).unwrap(),
            });
        }
        let tbs = TbsCrl {
            version: 1,
            signature: by.alg_id(),
            issuer,
            this_update: time(UnixTime::from_utc(2026, 1, 1, 0, 0, 0)),
            next_update: time(UnixTime::from_utc(2036, 1, 1, 0, 0, 0)),
            revoked: vec![RevokedEntry {
                serial: Uint::new(serial).unwrap(),
                date: time(date),
                extensions,
            }],
        };
        by.sign(tbs)
    }
}

use forge::{By, Cert};

fn cert(stem: &str) -> Certificate {
    Certificate::all_from_pem_or_der(&common::read(&format!("pki/{stem}.pem")))
        .unwrap()
        .remove(0)
}

fn key(provider: &CryptoProvider, stem: &str) -> Box<dyn SigningKey> {
    let pem = String::from_utf8(common::read(&format!("pki/{stem}.key.pem"))).unwrap();
    provider.load_private_key_pem(&pem).unwrap()
}

fn trust() -> TrustStore {
    let mut t = TrustStore::new();
    t.add_pem_or_der(&common::read("pki/root-ca.pem")).unwrap();
    t
}

fn crls() -> Vec<Crl> {
    let mut c = Crl::all_from_pem_or_der(&common::read("pki/root-ca.crl.pem")).unwrap();
    c.extend(Crl::all_from_pem_or_der(&common::read("pki/intermediate-ca.crl.pem")).unwrap());
    c
}

fn at_2027() -> ValidationOptions {
    ValidationOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0))
}

fn parse(der: &[u8]) -> Certificate {
    Certificate::from_der(der).unwrap()
}

/// Fails the test if `f` takes longer than `limit` (each of these took seconds to minutes
/// before the fix; well under a second after, on a loaded machine too).
fn timed<T>(what: &str, limit: Duration, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    let elapsed = started.elapsed();
    eprintln!("{what}: {elapsed:?}");
    assert!(elapsed < limit, "{what} took {elapsed:?}");
    out
}

fn has_cert_finding(report: &VerifyReport, pred: impl Fn(&Finding) -> bool) -> bool {
    report
        .signers
        .iter()
        .any(|s| s.certificate.as_ref().is_some_and(|c| c.has(|f| pred(f))))
}

const POLICIES: usize = 16;
const LEVELS: usize = 8;

fn policy_oids() -> Vec<String> {
    (0..POLICIES)
        .map(|i| format!("1.3.6.1.4.1.55555.18.{i}"))
        .collect()
}

/// The policy bomb of issue #18: `LEVELS` CA certificates under the test root's name, each
/// asserting `POLICIES` policies and mapping all of them to all of them, and a leaf with the
/// P-256 test key. With `root_key`, the first is really signed by the root (and the others by
/// the P-256 key, whose certificates they are); without, it only claims the root as issuer.
/// Returns the leaf and the CA certificates, leaf-side first.
fn policy_bomb(
    provider: &CryptoProvider,
    root_key: Option<&dyn SigningKey>,
) -> (Certificate, Vec<Certificate>) {
    let k = key(provider, "leaf-ecdsa-p256");
    let spki = k.public_key_der().to_vec();
    let by_k = By::Key(&*k, SignatureAlgorithm::ECDSA_SHA256);
    let oids = policy_oids();
    let mut issuer = forge::name_der(cert("root-ca").subject().as_der());
    let mut cas = Vec::new();
    for level in 1..=LEVELS {
        let subject = forge::name(&format!("CN=Policy Bomb CA {level},O=Signflow Hostile"));
        let c = Cert::new(issuer, subject.clone(), level as u32, &spki)
            .ca()
            .policies(&oids)
            .map_all_to_all(&oids);
        let der = match (level, root_key) {
            (1, Some(rk)) => c.sign(&By::Key(rk, SignatureAlgorithm::RSA_PKCS1_SHA256)),
            (1, None) => c.sign(&By::Nobody(SignatureAlgorithm::RSA_PKCS1_SHA256)),
            _ => c.sign(&by_k),
        };
        cas.push(parse(&der));
        issuer = subject;
    }
    let leaf = Cert::new(issuer, forge::name("CN=Policy Bomb Signer"), 100, &spki)
        .policies(&oids)
        .sign(&by_k);
    cas.reverse();
    (parse(&leaf), cas)
}

/// The name-constraint bomb of issue #18: a CA under the root's name excluding `constraints`
/// dNSNames, and a leaf (P-256 test key) with `names` dNSNames, none excluded (with `hit`, the
/// last constraint excludes the leaf's first name).
fn name_constraint_bomb(
    provider: &CryptoProvider,
    root_key: Option<&dyn SigningKey>,
    constraints: usize,
    names: usize,
    hit: bool,
) -> (Certificate, Certificate) {
    let k = key(provider, "leaf-ecdsa-p256");
    let spki = k.public_key_der().to_vec();
    let mut excluded: Vec<String> = (0..constraints)
        .map(|i| format!("x{i}.excluded.example"))
        .collect();
    if hit {
        excluded.push("h0.allowed.example".into());
    }
    let dns: Vec<String> = (0..names)
        .map(|i| format!("h{i}.allowed.example"))
        .collect();
    let ca_name = forge::name("CN=Constraint Bomb CA,O=Signflow Hostile");
    let ca = Cert::new(
        forge::name_der(cert("root-ca").subject().as_der()),
        ca_name.clone(),
        7,
        &spki,
    )
    .ca()
    .excluded_dns(&excluded);
    let ca = match root_key {
        Some(rk) => ca.sign(&By::Key(rk, SignatureAlgorithm::RSA_PKCS1_SHA256)),
        None => ca.sign(&By::Nobody(SignatureAlgorithm::RSA_PKCS1_SHA256)),
    };
    let leaf = Cert::new(ca_name, forge::name("CN=Constraint Bomb Signer"), 8, &spki)
        .dns_names(&dns)
        .sign(&By::Key(&*k, SignatureAlgorithm::ECDSA_SHA256));
    (parse(&leaf), parse(&ca))
}

fn validate(
    provider: &'static CryptoProvider,
    leaf: &Certificate,
    intermediates: Vec<Certificate>,
    opts: &ValidationOptions,
) -> ValidationReport {
    let trust = trust();
    Validator::new(provider, &trust, intermediates, crls()).validate(leaf, opts)
}

/// A CMS signature by the P-256 test key as `leaf`, embedding `chain`, with `signers`
/// SignerInfos (co-signatures by the same key and certificate).
fn sign_cms(
    provider: &CryptoProvider,
    leaf: &Certificate,
    chain: &[Certificate],
    signers: usize,
) -> SignedData {
    let k = key(provider, "leaf-ecdsa-p256");
    let signer = Signer::new(
        provider,
        leaf,
        chain,
        SignOptions::at(UnixTime::from_utc(2026, 12, 1, 0, 0, 0)),
    );
    let mut sd = signer.sign(&*k, Content::Attached(b"act no. 18")).unwrap();
    for _ in 1..signers {
        sd = signer.cosign(&*k, &sd, None).unwrap();
    }
    sd
}

per_provider! {
    #[test]
    fn forged_policy_bomb_is_refused_on_its_signature() {
        let (leaf, cas) = policy_bomb(provider(), None);
        let report = timed("verify-chain, forged policy bomb", Duration::from_secs(5), || {
            validate(provider(), &leaf, cas.clone(), &at_2027())
        });
        assert_eq!(report.status, Status::Invalid, "{report}");
        assert!(report.has(|f| matches!(f, Finding::BadSignature)), "{report}");
        // Nothing after the signatures ran: no policy or revocation finding.
        assert!(!report.has(|f| matches!(
            f,
            Finding::PolicyNotAcceptable
                | Finding::RevocationUnknown { .. }
                | Finding::WorkLimitExceeded { .. }
        )), "{report}");

        // The same chain in a CMS signature whose own signature verifies (59 KB in the issue).
        let sd = sign_cms(provider(), &leaf, &cas, 1);
        assert!(sd.der().len() > 40_000, "{}", sd.der().len());
        let trust = trust();
        let verifier = Verifier::new(provider(), &trust, Vec::new(), crls());
        let options = VerifyOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
        let r = timed("verify cms, forged policy bomb", Duration::from_secs(5), || {
            verifier.verify(&sd, None, &options).unwrap()
        });
        assert_eq!(r.status, Status::Invalid, "{r}");
        assert!(!r.signers[0].has(|f| matches!(f, CmsFinding::BadSignature)), "{r}");
        assert!(has_cert_finding(&r, |f| matches!(f, Finding::BadSignature)), "{r}");
    }

    #[test]
    fn really_signed_policy_bomb_is_processed_in_linear_time() {
        // A CA key holder can build the same bomb with valid signatures: RFC 9618's policy
        // graph keeps 16 nodes per level where RFC 5280's tree had 16^8 at the leaf.
        let root_key = key(provider(), "root-ca");
        let (leaf, cas) = policy_bomb(provider(), Some(&*root_key));
        let mut opts = at_2027();
        opts.revocation = RevocationMode::Off;
        let report = timed("verify-chain, signed policy bomb", Duration::from_secs(5), || {
            validate(provider(), &leaf, cas.clone(), &opts)
        });
        assert_eq!(report.status, Status::Valid, "{report}");
        assert_eq!(report.path.len(), LEVELS + 2);
        let mut expected = policy_oids();
        expected.sort();
        assert_eq!(report.policies, expected);
        // One of the policies, explicitly required: still valid, and only that one.
        opts.require_explicit_policy = true;
        opts.initial_policy_set = [policy_oids()[3].clone()].into();
        let report = validate(provider(), &leaf, cas.clone(), &opts);
        assert_eq!(report.status, Status::Valid, "{report}");
        assert_eq!(report.policies, vec![policy_oids()[3].clone()]);
        // A policy none of them asserts: no acceptable policy.
        opts.initial_policy_set = ["1.3.6.1.4.1.55555.99".to_owned()].into();
        let report = validate(provider(), &leaf, cas.clone(), &opts);
        assert!(report.has(|f| matches!(f, Finding::PolicyNotAcceptable)), "{report}");
        // With a budget too small for the graph: indeterminate, never valid.
        let mut small = at_2027();
        small.revocation = RevocationMode::Off;
        small.max_work = 500;
        let report = validate(provider(), &leaf, cas, &small);
        assert_eq!(report.status, Status::Indeterminate, "{report}");
        assert!(report.has(|f| matches!(f, Finding::WorkLimitExceeded { work, .. } if work == "certificate policies")), "{report}");
    }

    #[test]
    fn forged_name_constraint_bomb_is_refused_on_its_signature() {
        let (leaf, ca) = name_constraint_bomb(provider(), None, 6_000, 6_500, false);
        let report = timed("verify-chain, forged name-constraint bomb", Duration::from_secs(5), || {
            validate(provider(), &leaf, vec![ca.clone()], &at_2027())
        });
        assert_eq!(report.status, Status::Invalid, "{report}");
        assert!(report.has(|f| matches!(f, Finding::BadSignature)), "{report}");
        assert!(!report.has(|f| matches!(f, Finding::NameConstraintViolation { .. } | Finding::WorkLimitExceeded { .. })), "{report}");
    }

    #[test]
    fn really_signed_name_constraint_bomb_exhausts_the_work_budget() {
        let root_key = key(provider(), "root-ca");
        let (leaf, ca) = name_constraint_bomb(provider(), Some(&*root_key), 6_000, 6_500, false);
        let mut opts = at_2027();
        opts.revocation = RevocationMode::Off;
        let report = timed("verify-chain, signed name-constraint bomb", Duration::from_secs(5), || {
            validate(provider(), &leaf, vec![ca.clone()], &opts)
        });
        assert_eq!(report.status, Status::Indeterminate, "{report}");
        assert!(report.has(|f| matches!(f, Finding::WorkLimitExceeded { work, limit } if work == "name constraints" && *limit == opts.max_work)), "{report}");
        assert!(report.to_string().contains("work limit exceeded"), "{report}");

        // The same shape at a reasonable size is checked in full, and a violation found.
        let (leaf, ca) = name_constraint_bomb(provider(), Some(&*root_key), 100, 100, false);
        let report = validate(provider(), &leaf, vec![ca], &opts);
        assert_eq!(report.status, Status::Valid, "{report}");
        let (leaf, ca) = name_constraint_bomb(provider(), Some(&*root_key), 100, 100, true);
        let report = validate(provider(), &leaf, vec![ca], &opts);
        assert_eq!(report.status, Status::Invalid, "{report}");
        assert!(report.has(|f| matches!(f, Finding::NameConstraintViolation { name } if name == "dNSName h0.allowed.example")), "{report}");
    }

    #[test]
    fn duplicate_signer_infos_validate_their_path_once() {
        // 64 SignerInfos by one certificate whose path exhausts the work budget: one
        // validation, not 64 (120 s in the issue, with the 4.2 s chain).
        let root_key = key(provider(), "root-ca");
        let (leaf, ca) = name_constraint_bomb(provider(), Some(&*root_key), 6_000, 6_500, false);
        let sd = sign_cms(provider(), &leaf, &[ca], 64);
        assert_eq!(sd.signer_count(), 64);
        let trust = trust();
        let verifier = Verifier::new(provider(), &trust, Vec::new(), crls());
        let mut options = VerifyOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
        options.validation.revocation = RevocationMode::Off;
        options.max_signers = 64;
        let r = timed("verify cms, 64 duplicate signers", Duration::from_millis(1500), || {
            verifier.verify(&sd, None, &options).unwrap()
        });
        assert_eq!(r.status, Status::Indeterminate, "{r}");
        for s in &r.signers {
            assert_eq!(s.status, Status::Indeterminate);
            assert!(s.certificate.as_ref().unwrap().has(|f| matches!(f, Finding::WorkLimitExceeded { .. })));
        }
        // By default only the first 16 signers are checked; the rest say so.
        let options = VerifyOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
        let r = verifier.verify(&sd, None, &options).unwrap();
        assert_eq!(r.status, Status::Indeterminate, "{r}");
        assert!(r.signers[..16].iter().all(|s| s.certificate.is_some()));
        for s in &r.signers[16..] {
            assert!(s.has(|f| matches!(f, CmsFinding::TooManySigners { limit: 16 })), "{s:?}");
            assert!(s.certificate.is_none());
        }
    }

    #[test]
    fn a_claimed_signing_time_never_outweighs_a_revocation() {
        // leaf-revoked: valid 2026-2036, revoked for keyCompromise on 2026-11-23. A signature
        // that claims June 2026 proves nothing about when it was made.
        let claimed = UnixTime::from_utc(2026, 6, 1, 0, 0, 0);
        let revoked = cert("leaf-revoked");
        let k = key(provider(), "leaf-revoked");
        let chain = vec![cert("intermediate-ca")];
        let signer = Signer::new(provider(), &revoked, &chain, SignOptions::at(claimed));
        let sd = signer.sign(&*k, Content::Attached(b"backdated act")).unwrap();
        let trust = trust();
        let verifier = Verifier::new(provider(), &trust, Vec::new(), crls());
        let mut options = VerifyOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
        let r = verifier.verify(&sd, None, &options).unwrap();
        assert_eq!(r.status, Status::Invalid, "{r}");
        options.time = ValidationTime::ClaimedSigningTime;
        let r = verifier.verify(&sd, None, &options).unwrap();
        assert_eq!(r.status, Status::Indeterminate, "{r}");
        assert_eq!(r.signers[0].validation_time, claimed);
        assert!(has_cert_finding(&r, |f| matches!(
            f,
            Finding::RevokedAfterClaimedTime { claimed_time, .. } if *claimed_time == claimed
        )), "{r}");
        assert!(r.to_string().contains("nothing proves it"), "{r}");
        // A claimed time later than the verification cannot be: the given time is used.
        // (leaf-not-yet-valid is valid only in 2040: a signature claiming 2040-06-01, verified
        // in 2027, was made before its certificate was valid.)
        let future = cert("leaf-not-yet-valid");
        let fk = key(provider(), "leaf-not-yet-valid");
        let sd = Signer::new(provider(), &future, &chain, SignOptions::at(UnixTime::from_utc(2040, 6, 1, 0, 0, 0)))
            .sign(&*fk, Content::Attached(b"antedated act"))
            .unwrap();
        let r = verifier.verify(&sd, None, &options).unwrap();
        assert_eq!(r.status, Status::Invalid, "{r}");
        assert_eq!(r.signers[0].validation_time, UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
        assert!(has_cert_finding(&r, |f| matches!(f, Finding::NotYetValid { .. })), "{r}");
        // The caller's own time (its clock, or a time it has proof of) is trusted: valid then.
        let mut at_claimed = ValidationOptions::at(claimed);
        assert_eq!(validate(provider(), &revoked, chain.clone(), &at_claimed).status, Status::Valid);
        at_claimed.time_assurance = TimeAssurance::Claimed;
        assert_eq!(validate(provider(), &revoked, chain, &at_claimed).status, Status::Indeterminate);
    }

    #[test]
    fn invalidity_dates_and_other_reasons_under_claimed_and_trusted_times() {
        use x509_cert::ext::pkix::crl::CrlReason;
        let ik = key(provider(), "intermediate-ca");
        let by = By::Key(&*ik, SignatureAlgorithm::ECDSA_SHA384);
        let leaf = cert("leaf-ecdsa-p256");
        let issuer = forge::name_der(leaf.issuer().as_der());
        let revoked_at = UnixTime::from_utc(2026, 12, 1, 0, 0, 0);
        let compromised = UnixTime::from_utc(2026, 3, 1, 0, 0, 0);
        let with_crl = |der: Vec<u8>| {
            let mut c = Crl::all_from_pem_or_der(&common::read("pki/root-ca.crl.pem")).unwrap();
            c.push(Crl::from_der(&der).unwrap());
            c
        };
        let key_compromise = with_crl(forge::crl(issuer.clone(), leaf.serial(), revoked_at, CrlReason::KeyCompromise, Some(compromised), &by));
        let superseded = with_crl(forge::crl(issuer, leaf.serial(), revoked_at, CrlReason::Superseded, None, &by));
        let trust = trust();
        let check = |crls: &[Crl], time: UnixTime, assurance: TimeAssurance| {
            let mut opts = ValidationOptions::at(time);
            opts.time_assurance = assurance;
            Validator::new(provider(), &trust, vec![cert("intermediate-ca")], crls.to_vec())
                .validate(&leaf, &opts)
        };
        let (before, between) = (UnixTime::from_utc(2026, 2, 1, 0, 0, 0), UnixTime::from_utc(2026, 6, 1, 0, 0, 0));
        // Trusted times: revoked from the invalidity date on, good before it.
        let r = check(&key_compromise, between, TimeAssurance::Trusted);
        assert_eq!(r.status, Status::Invalid, "{r}");
        assert!(r.has(|f| matches!(f, Finding::Revoked { invalidity_date: Some(d), .. } if *d == compromised)), "{r}");
        assert!(r.to_string().contains("invalid since"), "{r}");
        assert_eq!(check(&key_compromise, before, TimeAssurance::Trusted).status, Status::Valid);
        // A claimed time after the invalidity date admits the compromise: invalid; before it,
        // nothing proves the claim: indeterminate.
        assert_eq!(check(&key_compromise, between, TimeAssurance::Claimed).status, Status::Invalid);
        let r = check(&key_compromise, before, TimeAssurance::Claimed);
        assert_eq!(r.status, Status::Indeterminate, "{r}");
        assert!(r.has(|f| matches!(f, Finding::RevokedAfterClaimedTime { invalidity_date: Some(_), .. })));
        // Superseded (no compromise said): before the revocation a trusted time is good, a
        // claimed one still cannot be shown to precede the revocation.
        assert_eq!(check(&superseded, between, TimeAssurance::Trusted).status, Status::Valid);
        assert_eq!(check(&superseded, between, TimeAssurance::Claimed).status, Status::Indeterminate);
        assert_eq!(check(&superseded, UnixTime::from_utc(2027, 1, 1, 0, 0, 0), TimeAssurance::Trusted).status, Status::Invalid);
    }
}

/// Writes the attacking inputs of issue #18 (PKI part) as files, for measuring the release CLI
/// before and after (`benches/README.md`, "Hostile input"):
/// `SIGNFLOW_HARDENING_OUT=DIR cargo test --test hardening_pki -- --ignored write_attack_inputs`.
#[test]
#[ignore = "writes files for the CLI measurements; run on request"]
fn write_attack_inputs() {
    let Ok(dir) = std::env::var("SIGNFLOW_HARDENING_OUT") else {
        eprintln!("SKIPPED: set SIGNFLOW_HARDENING_OUT");
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    let pem = |certs: &[Certificate]| -> Vec<u8> {
        certs
            .iter()
            .map(|c| {
                der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, c.der()).unwrap()
            })
            .collect::<String>()
            .into_bytes()
    };
    let provider = CryptoProvider::all_compiled()[0];

    // 1. The policy bomb, forged: verify-chain and CMS.
    let (leaf, cas) = policy_bomb(provider, None);
    write("policy-leaf.pem", &pem(std::slice::from_ref(&leaf)));
    write("policy-cas.pem", &pem(&cas));
    write("policy.p7s", sign_cms(provider, &leaf, &cas, 1).der());

    // 2. The name-constraint bomb, forged: verify-chain, CMS, and 64 SignerInfos.
    let (leaf, ca) = name_constraint_bomb(provider, None, 6_000, 6_500, false);
    write("nc-leaf.pem", &pem(std::slice::from_ref(&leaf)));
    write("nc-ca.pem", &pem(std::slice::from_ref(&ca)));
    write(
        "nc.p7s",
        sign_cms(provider, &leaf, std::slice::from_ref(&ca), 1).der(),
    );
    write("nc-64.p7s", sign_cms(provider, &leaf, &[ca], 64).der());

    // 3. PKCS#12: 20 shrouded key bags of 10,000,000 PBKDF2 iterations that decrypt with the
    // password "pw" (one derivation made here, the bag repeated), no MAC.
    write("p12-20x10M.p12", &p12_bomb(20, 10_000_000, "pw"));

    // 4. A signature by the keyCompromise-revoked leaf claiming June 2026 (revoked November).
    let revoked = cert("leaf-revoked");
    let k = key(provider, "leaf-revoked");
    let chain = vec![cert("intermediate-ca")];
    let claimed = UnixTime::from_utc(2026, 6, 1, 0, 0, 0);
    let sd = Signer::new(provider, &revoked, &chain, SignOptions::at(claimed))
        .sign(&*k, Content::Attached(b"backdated act"))
        .unwrap();
    write("revoked-backdated.p7s", sd.der());

    // 5. Co-signing: a detached signature over doc.txt, and another document.
    write("doc.txt", b"Act of acceptance no. 18");
    write("other.txt", b"Act of acceptance no. 19");
    let rsa = cert("leaf-rsa");
    let rk = key(provider, "leaf-rsa");
    let sd = Signer::new(provider, &rsa, &chain, SignOptions::at(claimed))
        .sign(
            &*rk,
            Content::Detached(&mut &b"Act of acceptance no. 18"[..]),
        )
        .unwrap();
    write("doc.p7s", sd.der());
}

/// A PKCS#12 file without MAC: one plain part with `bags` copies of a pkcs8ShroudedKeyBag
/// (PBES2, PBKDF2-HMAC-SHA256 with `iterations`, AES-256-CBC) holding the P-256 test key
/// encrypted under `password`.
fn p12_bomb(bags: usize, iterations: u32, password: &str) -> Vec<u8> {
    use cbc::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
    use der::Encode;
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .into_iter()
                .skip_while(|&b| b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend(bytes);
        }
        out.extend_from_slice(content);
        out
    }
    let seq = |parts: &[Vec<u8>]| tlv(0x30, &parts.concat());
    let oid = |d: &str| {
        const_oid::ObjectIdentifier::new(d)
            .unwrap()
            .to_der()
            .unwrap()
    };
    let int = |n: u32| {
        let mut v: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        if v.first().is_none_or(|b| b & 0x80 != 0) {
            v.insert(0, 0);
        }
        tlv(0x02, &v)
    };
    let (_, pkcs8) = der::pem::decode_vec(&common::read("pki/leaf-ecdsa-p256.key.pem")).unwrap();
    let salt = [1u8; 16];
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), &salt, iterations, &mut key);
    let ciphertext = cbc::Encryptor::<aes::Aes256>::new_from_slices(&key, &[0; 16])
        .unwrap()
        .encrypt_padded_vec::<Pkcs7>(&pkcs8);
    let hmac_sha256 = seq(&[oid("1.2.840.113549.2.9"), tlv(0x05, &[])]);
    let kdf = seq(&[
        oid("1.2.840.113549.1.5.12"),
        seq(&[tlv(0x04, &salt), int(iterations), hmac_sha256]),
    ]);
    let aes = seq(&[oid("2.16.840.1.101.3.4.1.42"), tlv(0x04, &[0; 16])]);
    let alg = seq(&[oid("1.2.840.113549.1.5.13"), seq(&[kdf, aes])]);
    let bag = seq(&[
        oid("1.2.840.113549.1.12.10.1.2"),
        tlv(0xA0, &seq(&[alg, tlv(0x04, &ciphertext)])),
    ]);
    let data = |content: &[u8]| seq(&[oid("1.2.840.113549.1.7.1"), tlv(0xA0, &tlv(0x04, content))]);
    seq(&[tlv(0x02, &[3]), data(&seq(&[data(&seq(&vec![bag; bags]))]))])
}
