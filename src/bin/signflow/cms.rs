//! `signflow sign cms` and `signflow verify cms`: CMS (PKCS #7) signatures, attached or
//! detached, CAdES-BES, co-signing; verification with the exit statuses of the CLI conventions.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;
use signflow::cms::{
    CmsError, Content, SignOptions, SignedData, SignerIdentifierKind, ValidationTime, Verifier,
};
use signflow::crypto::{CryptoProvider, SignatureAlgorithm, SigningKey};
use signflow::limits::InputKind;
use signflow::mchd::DocumentSigner;
use signflow::pki::{Status, UnixTime};

use crate::exit::{Failure, Status as Exit};
use crate::identity::{HashArg, SignerArgs, signature_algorithm};
use crate::input;
use crate::out::{Out, warn};
use crate::policy::VerifyPolicyArgs;

#[derive(Args, Debug)]
pub struct SignCmsArgs {
    /// The document to sign.
    input: PathBuf,
    /// Where to write the signature.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: PathBuf,
    #[command(flatten)]
    signer: SignerArgs,
    /// Leave the document out of the signature (a detached .p7s/.sig).
    #[arg(long)]
    detached: bool,
    /// Write PEM (-----BEGIN CMS-----) instead of DER.
    #[arg(long)]
    pem: bool,
    /// Add this signature to an existing CMS signature over the same document (INPUT); the
    /// result is attached or detached as the existing one is.
    #[arg(long, value_name = "EXISTING")]
    cosign: Option<PathBuf>,
    /// With an RSA key: RSA-PSS instead of PKCS#1 v1.5.
    #[arg(long)]
    pss: bool,
    /// Hash for RSA and ECDSA signatures (default: SHA-256; SHA-384 for P-384 keys).
    #[arg(long, value_enum)]
    hash: Option<HashArg>,
    /// Name the signer by subjectKeyIdentifier instead of issuer and serial number.
    #[arg(long)]
    keyid: bool,
    /// Leave out signing-certificate-v2 (plain CMS rather than CAdES-BES).
    #[arg(long)]
    no_signing_certificate: bool,
    /// Embed no certificates (the verifier must have the signer's).
    #[arg(long)]
    no_certs: bool,
    /// Make CAdES-T: a signature time-stamp from the RFC 3161 TSA at URL on the new
    /// signature (needs the `network` feature; imprint Streebog-256 for GOST keys, else
    /// SHA-256).
    #[arg(long, value_name = "URL")]
    tsa: Option<String>,
}

#[derive(Args, Debug)]
pub struct VerifyCmsArgs {
    /// The CMS signature: DER, BER, PEM or bare base64 (cryptcp -base64, CryptoPro plug-in).
    signature: PathBuf,
    /// The signed document, for a detached signature.
    #[arg(long, value_name = "FILE")]
    content: Option<PathBuf>,
    #[command(flatten)]
    policy: VerifyPolicyArgs,
    /// Validate each signer's certificate at the signing time it claims (unverified; reported
    /// as such), falling back to --at.
    #[arg(long)]
    at_signing_time: bool,
    /// Write the attached content to FILE when the signature is valid.
    #[arg(long, value_name = "FILE")]
    output_content: Option<PathBuf>,
    #[command(flatten)]
    mchd: crate::authority::MchdArgs,
    #[command(flatten)]
    tsl: crate::tsl::TslArgs,
    #[command(flatten)]
    online: crate::online::OnlineArgs,
}

fn cms_status(e: &CmsError) -> Exit {
    match e {
        e if e.is_format_error() => Exit::FormatError,
        CmsError::ContentRequired
        | CmsError::ContentConflict
        | CmsError::NoSuchSigner { .. }
        // Co-signing another document than the signed one: as for attached content below.
        | CmsError::CosignContentMismatch { .. }
        | CmsError::CosignContentUnconfirmed => Exit::Usage,
        CmsError::Io(_) => Exit::Io,
        CmsError::KeyMismatch => Exit::KeyError,
        CmsError::Crypto(c) => Failure::from(c.clone()).status,
        _ => Exit::FormatError,
    }
}

pub fn cms_failure(e: CmsError, what: &Path) -> Failure {
    let hint = match e {
        CmsError::ContentRequired => " (give the document with --content FILE)",
        CmsError::ContentConflict => " (leave out --content)",
        _ => "",
    };
    Failure::new(cms_status(&e), format!("{}: {e}{hint}", what.display()))
}

/// Opens a document that is streamed (detached content: any size).
pub fn open(path: &Path) -> Result<File, Failure> {
    File::open(path).map_err(|e| Failure::io_doing(path, "cannot open the document", e))
}

/// Reads and parses a CMS signature file, naming the file and what it holds when it is not one.
/// Reads a CMS signature by value: a DER signature is verified where it was read, not copied
/// (issue #18). On a format error the file is read again to say what it holds instead.
pub fn read_signed_data(path: &Path) -> Result<SignedData, Failure> {
    let bytes = input::read_as(path, InputKind::Cms)?;
    SignedData::from_pem_or_ber_vec(bytes).map_err(|e| match cms_status(&e) {
        Exit::FormatError => match input::read_as(path, InputKind::Cms) {
            Ok(bytes) => input::format_error(path, "a CMS signature", &bytes, e),
            Err(failure) => failure,
        },
        _ => cms_failure(e, path),
    })
}

/// The signature algorithm from the key and --pss/--hash.
fn algorithm(key: &dyn SigningKey, args: &SignCmsArgs) -> Result<SignatureAlgorithm, Failure> {
    signature_algorithm(
        key,
        args.pss,
        args.hash,
        signflow::crypto::EcdsaEncoding::Der,
        "Ed25519 uses SHA-512, GOST Streebog",
    )
}

pub fn sign(
    provider: &'static CryptoProvider,
    args: &SignCmsArgs,
    json: bool,
) -> Result<Exit, Failure> {
    let id = args.signer.load(provider)?;
    let mut options = SignOptions::at(UnixTime::now());
    options.algorithm = Some(algorithm(id.key(), args)?);
    options.signing_certificate_v2 = !args.no_signing_certificate;
    options.include_certificates = !args.no_certs;
    if args.keyid {
        options.signer_identifier = SignerIdentifierKind::SubjectKeyIdentifier;
    }
    let signer = id.cms_signer(options);
    let signed = match &args.cosign {
        Some(existing_path) => {
            let existing = read_signed_data(existing_path)?;
            if args.detached && !existing.is_detached() {
                return Err(Failure::new(
                    Exit::Usage,
                    format!(
                        "--detached: {} contains its content; the co-signature will too",
                        existing_path.display()
                    ),
                ));
            }
            if existing.is_detached() {
                let mut file = open(&args.input)?;
                signer.cosign(id.key(), &existing, Some(&mut file))
            } else {
                // The document must be the one already signed.
                let doc = input::read(&args.input)?;
                if existing.content() != Some(&doc[..]) {
                    return Err(Failure::new(
                        Exit::Usage,
                        format!(
                            "{} is not the document {} contains",
                            args.input.display(),
                            existing_path.display()
                        ),
                    ));
                }
                signer.cosign(id.key(), &existing, None)
            }
            .map_err(|e| cms_failure(e, existing_path))?
        }
        None if args.detached => {
            let mut file = open(&args.input)?;
            signer
                .sign(id.key(), Content::Detached(&mut file))
                .map_err(|e| cms_failure(e, &args.input))?
        }
        None => {
            let doc = input::read(&args.input)?;
            signer
                .sign(id.key(), Content::Attached(&doc))
                .map_err(|e| cms_failure(e, &args.input))?
        }
    };
    let signed = match &args.tsa {
        None => signed,
        Some(url) => {
            let hash = crate::cades::imprint_hash(id.key());
            let stamper = crate::cades::stamper(url)?;
            signflow::cms::cades::timestamp_signers(&signed, stamper.as_ref(), hash, provider)
                .map_err(|e| crate::cades::tsp_failure(url, e))?
        }
    };
    let bytes = if args.pem {
        signed.to_pem().into_bytes()
    } else {
        signed.der().to_vec()
    };
    std::fs::write(&args.output, &bytes)
        .map_err(|e| Failure::io_doing(&args.output, "cannot write the signature", e))?;
    let alg = signer
        .algorithm()
        .map(|a| a.to_string())
        .unwrap_or_default();
    // The signature is written; a report that cannot be is still exit 74.
    let mut out = Out::stdout();
    if json {
        out.json(&json!({
            "command": "sign cms",
            "status": "signed",
            "output": args.output.display().to_string(),
            "format": if args.pem { "PEM" } else { "DER" },
            "detached": signed.is_detached(),
            "signers": signed.signer_count(),
            "signer": id.certificate().subject().to_string(),
            "algorithm": alg,
            "cades_bes": !args.no_signing_certificate,
            "time_stamped": args.tsa.is_some(),
        }))?;
    } else {
        out.line(format_args!(
            "signed: {} ({}, {} signer(s), {}{}) by {}",
            args.output.display(),
            if signed.is_detached() {
                "detached"
            } else {
                "attached"
            },
            signed.signer_count(),
            alg,
            if args.no_signing_certificate {
                ""
            } else {
                ", CAdES-BES"
            },
            id.certificate().subject()
        ))?;
    }
    Ok(Exit::Valid)
}

pub fn verify(
    provider: &'static CryptoProvider,
    args: &VerifyCmsArgs,
    json: bool,
) -> Result<Exit, Failure> {
    let loaded = args.tsl.load(provider, &args.policy)?;
    let list = loaded.as_ref().map(|l| &l.list);
    if list.is_none() {
        args.policy.require_trust()?;
    }
    let mut options = args.policy.cms()?;
    if args.at_signing_time {
        options.time = ValidationTime::ClaimedSigningTime;
    }

    let context = args.policy.context_for(provider, list)?;

    let signed = read_signed_data(&args.signature)?;
    // --online: the CMS certificate set (the signers' among them) is what is at hand.
    let at_hand = signed
        .certificates_der()
        .filter_map(|der| signflow::pki::Certificate::from_der(der).ok())
        .collect();
    let (context, fetched) = args.online.extend(provider, context, at_hand)?;
    if args.output_content.is_some() && signed.is_detached() {
        return Err(Failure::new(
            Exit::Usage,
            "--output-content: the signature is detached and holds no content",
        ));
    }
    let verifier = Verifier::from_context(&context);
    let mut file = match &args.content {
        Some(path) => Some(open(path)?),
        None => None,
    };
    let content = file.as_mut().map(|f| f as &mut dyn Read);
    let mut report = verifier
        .verify(&signed, content, &options)
        .map_err(|e| cms_failure(e, args.content.as_deref().unwrap_or(&args.signature)))?;
    if let Some(list) = list {
        signflow::tsl::assess_cms(&mut report, list, &args.tsl.options()?);
    }

    let signers: Vec<DocumentSigner<'_>> = report
        .signers
        .iter()
        .map(DocumentSigner::from_cms)
        .collect();
    let legal = args.mchd.verdicts(&verifier, &options, &signers)?;
    let qualified_status: Vec<_> = report
        .signers
        .iter()
        .map(|s| s.qualified.as_ref())
        .collect();
    let standing = crate::authority::standings(&signers, &qualified_status, legal.as_ref());
    crate::authority::report(
        json,
        "verify cms",
        &report,
        loaded.as_ref(),
        legal.as_ref(),
        &standing,
        fetched,
    )?;
    // Authority under the МЧД and --require-qualified can only make the result worse.
    let qualified: Vec<bool> = report
        .signers
        .iter()
        .map(|s| s.qualified.as_ref().is_some_and(|q| q.qualified))
        .collect();
    let status = crate::authority::fold(
        report.status,
        legal.as_ref(),
        args.tsl.require_qualified,
        &qualified,
    );
    if let Some(out) = &args.output_content {
        match (status, signed.content()) {
            (Status::Valid, Some(content)) => {
                std::fs::write(out, content)
                    .map_err(|e| Failure::io_doing(out, "cannot write the content", e))?;
            }
            _ => warn(format_args!(
                "{} not written: the signature is not valid",
                out.display()
            )),
        }
    }
    Ok(status.into())
}
