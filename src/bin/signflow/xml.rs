//! `signflow sign xml` and `signflow verify xml`: XML signatures (XMLDSig), enveloped by
//! default, enveloping or over one element; verification with the exit statuses of the CLI
//! conventions and, on request, the canonical bytes of what was signed.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde_json::json;
use signflow::crypto::{CryptoProvider, EcdsaEncoding, SignatureAlgorithm, SigningKey};
use signflow::limits::InputKind;
use signflow::mchd::DocumentSigner;
use signflow::pki::{Status, UnixTime};
use signflow::xmldsig::{
    C14nMethod, Layout, Placement, SignError, SignOptions, Verifier, XadesOptions, XmlError,
    add_xades_timestamp,
};

use crate::exit::{Failure, Status as Exit};
use crate::identity::{HashArg, SignerArgs, signature_algorithm};
use crate::input;
use crate::out::{Out, warn};
use crate::policy::VerifyPolicyArgs;

#[derive(Args, Debug)]
pub struct SignXmlArgs {
    /// The XML document to sign (no DTD): UTF-8, or UTF-16, windows-1251, KOI8-R,
    /// ISO-8859-x… as its declaration says; the signed document keeps its encoding.
    input: PathBuf,
    /// Where to write the signed document.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: PathBuf,
    #[command(flatten)]
    signer: SignerArgs,
    /// Enveloping: the output is the Signature, the document inside its ds:Object.
    #[arg(long, conflicts_with = "reference_id")]
    enveloping: bool,
    /// Sign the element with this Id (Id, ID, id or xml:id) instead of the whole document;
    /// the Signature still goes last in the root element.
    #[arg(long, value_name = "ID")]
    reference_id: Option<String>,
    /// Canonicalization: exclusive (default), inclusive Canonical XML 1.0 or 1.1.
    #[arg(long, value_enum, default_value_t = C14nArg::Exc)]
    c14n: C14nArg,
    /// With an RSA key: RSA-PSS instead of PKCS#1 v1.5.
    #[arg(long)]
    pss: bool,
    /// Hash for RSA and ECDSA signatures and the digest (default: SHA-256; SHA-384 for P-384).
    #[arg(long, value_enum)]
    hash: Option<HashArg>,
    /// SMEV 3: add the transform urn://smev-gov-ru/xmldsig/transform after the
    /// canonicalization (with --reference-id for the signed element, exclusive C14N).
    #[arg(long, conflicts_with = "enveloping")]
    smev: bool,
    /// XAdES-BES (ETSI EN 319 132-1): signed properties claiming the signing time (now) and
    /// naming the signer's certificate by digest.
    #[arg(long)]
    xades: bool,
    /// XAdES-T: and a signature time-stamp from the RFC 3161 TSA at URL (implies --xades;
    /// needs the `network` feature; imprint Streebog-256 for GOST keys, else SHA-256).
    #[arg(long, value_name = "URL")]
    tsa: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum C14nArg {
    /// Exclusive XML Canonicalization 1.0.
    Exc,
    /// Canonical XML 1.0 (inclusive).
    Inc,
    /// Canonical XML 1.1 (inclusive).
    Inc11,
}

#[derive(Args, Debug)]
pub struct VerifyXmlArgs {
    /// The signed XML document.
    file: PathBuf,
    /// --trust (at least one), --untrusted (intermediates, or the signer's certificate when
    /// KeyInfo leaves it out or only names it), --crl, and the policy flags.
    #[command(flatten)]
    policy: VerifyPolicyArgs,
    /// Content of a detached reference: URI=FILE (repeatable). Nothing is ever fetched.
    #[arg(long, value_name = "URI=FILE")]
    detached: Vec<String>,
    /// OOXML Relationships transform in xmlsec's legacy mode (xmlsec's
    /// `--relationship-legacy`: signatures made by xmlsec before it followed ECMA-376 closely).
    #[arg(long)]
    relationship_legacy: bool,
    /// When the signature is valid, write the canonical bytes the first Reference covers —
    /// the signed data to use, rather than the document as received. Without it the canonical
    /// bytes are streamed into the digest, never held whole.
    #[arg(long, value_name = "FILE")]
    output_signed: Option<PathBuf>,
    #[command(flatten)]
    tsl: crate::tsl::TslArgs,
    #[command(flatten)]
    mchd: crate::authority::MchdArgs,
}

/// The signature algorithm from the key and --pss/--hash.
fn algorithm(key: &dyn SigningKey, args: &SignXmlArgs) -> Result<SignatureAlgorithm, Failure> {
    signature_algorithm(
        key,
        args.pss,
        args.hash,
        EcdsaEncoding::Fixed,
        "Ed25519 signs with SHA-256 digests, GOST with Streebog",
    )
}

fn sign_status(e: &SignError) -> Exit {
    match e {
        SignError::KeyMismatch => Exit::KeyError,
        SignError::Crypto(c) => Failure::from(c.clone()).status,
        SignError::NoSuchId(_) | SignError::UnsupportedAlgorithm(_) => Exit::Usage,
        SignError::Xml(XmlError::Io(_)) => Exit::Io,
        _ => Exit::FormatError,
    }
}

pub fn sign(
    provider: &'static CryptoProvider,
    args: &SignXmlArgs,
    json: bool,
) -> Result<Exit, Failure> {
    let id = args.signer.load(provider)?;
    let alg = algorithm(id.key(), args)?;
    let options = SignOptions {
        algorithm: Some(alg),
        digest: args.hash.map(HashArg::hash),
        c14n: match args.c14n {
            C14nArg::Exc => C14nMethod::Exclusive {
                comments: false,
                inclusive_prefixes: Vec::new(),
            },
            C14nArg::Inc => C14nMethod::Inclusive { comments: false },
            C14nArg::Inc11 => C14nMethod::Inclusive11 { comments: false },
        },
        layout: if args.enveloping {
            Layout::Enveloping
        } else {
            Layout::Enveloped {
                reference_id: args.reference_id.clone(),
                placement: Placement::LastChildOfRoot,
            }
        },
        smev_transform: args.smev,
        xades: (args.xades || args.tsa.is_some()).then(|| XadesOptions::at(UnixTime::now())),
        ..SignOptions::default()
    };
    let document = input::read_as(&args.input, InputKind::Xml)?;
    let signed = id
        .sign_xml(&document, &options)
        .map_err(|e| match sign_status(&e) {
            Exit::FormatError => {
                input::format_error(&args.input, "an XML document it can sign", &document, e)
            }
            status => Failure::new(status, format!("{}: {e}", args.input.display())),
        })?;
    let signed = match &args.tsa {
        None => signed,
        Some(url) => {
            let stamper = crate::cades::stamper(url)?;
            let hash = crate::cades::imprint_hash(id.key());
            add_xades_timestamp(provider, &signed, stamper.as_ref(), hash, &options.limits)
                .map_err(|e| match e {
                    SignError::Timestamp(e) => crate::cades::tsp_failure(url, *e),
                    e => Failure::new(sign_status(&e), format!("{}: {e}", args.input.display())),
                })?
        }
    };
    let level = match (&args.tsa, args.xades) {
        (Some(_), _) => Some("XAdES-T"),
        (None, true) => Some("XAdES-BES"),
        (None, false) => None,
    };
    std::fs::write(&args.output, &signed)
        .map_err(|e| Failure::io_doing(&args.output, "cannot write the signed document", e))?;
    let layout = if args.enveloping {
        "enveloping"
    } else {
        "enveloped"
    };
    let reference = args
        .reference_id
        .as_ref()
        .map_or(String::new(), |id| format!("#{id}"));
    // The document is written; a report that cannot be is still exit 74.
    let mut out = Out::stdout();
    if json {
        out.json(&json!({
            "command": "sign xml",
            "status": "signed",
            "output": args.output.display().to_string(),
            "layout": layout,
            "reference": if args.enveloping { "#signflow-object".to_owned() } else { reference },
            "c14n": options.c14n.uri(),
            "algorithm": alg.to_string(),
            "signer": id.certificate().subject().to_string(),
            "chain_in_key_info": id.chain().len(),
            "level": level,
        }))?;
    } else {
        out.line(format_args!(
            "signed: {} ({layout}{}, {}, {}) by {}",
            args.output.display(),
            if reference.is_empty() {
                String::new()
            } else {
                format!(" {reference}")
            },
            alg,
            options.c14n.uri(),
            id.certificate().subject()
        ))?;
        if let Some(level) = level {
            out.line(format_args!("level: {level}"))?;
        }
    }
    Ok(Exit::Valid)
}

fn xml_failure(e: XmlError, what: &Path) -> Failure {
    let status = if e.is_format_error() {
        Exit::FormatError
    } else {
        Exit::Io
    };
    Failure::new(status, format!("{}: {e}", what.display()))
}

pub fn verify(
    provider: &'static CryptoProvider,
    args: &VerifyXmlArgs,
    json: bool,
) -> Result<Exit, Failure> {
    let loaded = args.tsl.load(provider, &args.policy)?;
    let list = loaded.as_ref().map(|l| &l.list);
    if list.is_none() {
        args.policy.require_trust()?;
    }
    let mut options = args
        .policy
        .xml()?
        .with_relationship_legacy(args.relationship_legacy)
        // The canonical bytes are held only to be written out: otherwise they are streamed
        // into the digest (a 20 MiB document's canonical form is 20 MiB more to hold).
        .with_keep_signed_data(args.output_signed.is_some());
    for d in &args.detached {
        let Some((uri, file)) = d.split_once('=') else {
            return Err(Failure::new(
                Exit::Usage,
                format!("--detached {d:?}: expected URI=FILE"),
            ));
        };
        options = options.with_detached(uri, input::read(Path::new(file))?);
    }
    let validation_time = options.validation.time;
    let context = args.policy.context_for(provider, list)?;
    let xml = input::read_as(&args.file, InputKind::Xml)?;
    let mut result = Verifier::from_context(&context)
        .with_options(options)
        .verify(&xml)
        .map_err(|e| match e {
            XmlError::Io(_) => xml_failure(e, &args.file),
            e => input::format_error(&args.file, "an XML signature", &xml, e),
        })?;
    if let Some(list) = list {
        signflow::tsl::assess_xml(&mut result, list, &args.tsl.options()?, validation_time);
    }
    // The МЧД's own (CMS) signature is verified with the same trust material and policy.
    let cms_options = args.policy.cms()?;
    let signers = [DocumentSigner::from_xml(&result)];
    let legal = args.mchd.verdicts(
        &signflow::cms::Verifier::from_context(&context),
        &cms_options,
        &signers,
    )?;
    let standing =
        crate::authority::standings(&signers, &[result.qualified.as_ref()], legal.as_ref());
    crate::authority::report(
        json,
        "verify xml",
        &result,
        loaded.as_ref(),
        legal.as_ref(),
        &standing,
        None,
    )?;
    let qualified = [result.qualified.as_ref().is_some_and(|q| q.qualified)];
    let status = crate::authority::fold(
        result.status,
        legal.as_ref(),
        args.tsl.require_qualified,
        &qualified,
    );
    if let Some(path) = &args.output_signed {
        match (status, result.references.first()) {
            (Status::Valid, Some(r)) => {
                std::fs::write(path, &r.canonical)
                    .map_err(|e| Failure::io_doing(path, "cannot write the signed bytes", e))?;
            }
            _ => warn(format_args!(
                "{} not written: the signature is not valid",
                path.display()
            )),
        }
    }
    Ok(status.into())
}

#[derive(Args, Debug)]
pub struct CanonicalizeArgs {
    /// The XML document (any encoding its declaration names).
    file: PathBuf,
    /// A canonicalization method or transform URI, applied in the order given (repeatable):
    /// the C14N family (Canonical XML 1.0/1.1, exclusive, with or without comments),
    /// http://www.w3.org/2000/09/xmldsig#enveloped-signature (drops every ds:Signature) and
    /// urn://smev-gov-ru/xmldsig/transform. Without a canonicalization before the SMEV
    /// transform, the node-set becomes octets by Canonical XML 1.0, as in XMLDSig.
    #[arg(long = "method", value_name = "URI", required = true)]
    methods: Vec<String>,
    /// The element with this Id (Id, ID, id or xml:id) instead of the whole document.
    #[arg(long, value_name = "ID")]
    id: Option<String>,
}

/// `signflow xml canonicalize`: 0 with the output on stdout, 2 for input that does not parse
/// (or an Id that no element has, or a transform the document does not fit), 64 for an unknown
/// method.
pub fn canonicalize(args: &CanonicalizeArgs, json: bool) -> Result<Exit, Failure> {
    use signflow::xmldsig::{
        DSIG_NS, Document, ENVELOPED_SIGNATURE, NodeSet, ParseLimits, SMEV_TRANSFORM, XmlText,
    };
    enum Step {
        C14n(C14nMethod),
        Enveloped,
        Smev,
    }
    let mut steps = Vec::new();
    for uri in &args.methods {
        steps.push(if let Some(m) = C14nMethod::from_uri(uri) {
            Step::C14n(m)
        } else if uri == ENVELOPED_SIGNATURE {
            Step::Enveloped
        } else if uri == SMEV_TRANSFORM {
            Step::Smev
        } else {
            return Err(Failure::new(
                Exit::Usage,
                format!("--method {uri:?}: not a canonicalization or transform signflow knows"),
            ));
        });
    }
    let bad = |e: &dyn std::fmt::Display| {
        Failure::new(Exit::FormatError, format!("{}: {e}", args.file.display()))
    };
    let bytes = input::read_as(&args.file, InputKind::Xml)?;
    let limits = ParseLimits::default();
    let text = XmlText::decode(&bytes, &limits)
        .map_err(|e| input::format_error(&args.file, "an XML document", &bytes, e))?;
    let doc = Document::parse_text(&text, &limits)
        .map_err(|e| input::format_error(&args.file, "an XML document", &bytes, e))?;
    let apex = match &args.id {
        None => None,
        Some(id) => {
            let found: Vec<_> = doc.id_attributes().filter(|(v, _)| v == id).collect();
            match found[..] {
                [(_, node)] => Some(node),
                [] => return Err(bad(&format!("no element has the Id {id:?}"))),
                _ => return Err(bad(&format!("the Id {id:?} occurs more than once"))),
            }
        }
    };
    let signatures: Vec<_> = doc
        .nodes()
        .map(|(id, _)| id)
        .filter(|&id| doc.is_named(id, DSIG_NS, "Signature"))
        .collect();
    // The node-set (the document or the Id's element, less the excluded signatures) as
    // octets, by `method`.
    let octets = |method: &C14nMethod, exclude: &[signflow::xmldsig::NodeId]| {
        let mut out = Vec::new();
        let set = NodeSet {
            apex,
            exclude,
            members: None,
        };
        signflow::xmldsig::canonicalize(&doc, method, set, &mut out).map_err(|e| bad(&e))?;
        Ok::<_, Failure>(out)
    };
    // A node-set still unconverted becomes octets by Canonical XML 1.0 (XMLDSig §4.3.3.2).
    let c14n10 = C14nMethod::Inclusive { comments: false };
    let mut exclude: &[signflow::xmldsig::NodeId] = &[];
    let mut output: Option<Vec<u8>> = None;
    for step in &steps {
        match (step, &output) {
            (Step::Enveloped, None) => exclude = &signatures,
            (Step::C14n(m), None) => output = Some(octets(m, exclude)?),
            (Step::Smev, _) => {
                let octets = match output.take() {
                    Some(o) => o,
                    None => octets(&c14n10, exclude)?,
                };
                let parsed = Document::parse_with(&octets, &limits).map_err(|e| bad(&e))?;
                let mut out = Vec::new();
                signflow::xmldsig::smev_transform(&parsed, parsed.root(), &mut out)
                    .map_err(|e| bad(&e))?;
                output = Some(out);
            }
            (_, Some(_)) => {
                return Err(Failure::new(
                    Exit::Usage,
                    "after a canonicalization only the SMEV transform can follow",
                ));
            }
        }
    }
    let output = match output {
        Some(o) => o,
        // Only the enveloped-signature transform.
        None => octets(&c14n10, exclude)?,
    };
    let output = String::from_utf8(output).map_err(|e| bad(&e))?;
    let mut out = Out::stdout();
    if json {
        out.json(&json!({
            "command": "xml canonicalize",
            "methods": args.methods,
            "id": args.id,
            "encoding": text.encoding(),
            "output": output,
        }))?;
    } else {
        out.text(output)?;
    }
    Ok(Exit::Valid)
}
