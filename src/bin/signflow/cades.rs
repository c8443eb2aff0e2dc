//! `signflow cades extend` (CAdES-BES/EPES → CAdES-T, → CAdES-X Long Type 1 from the
//! validation the trust flags allow, and → CAdES-A with an archive-time-stamp-v3, with a TSA
//! over HTTP) and
//! `signflow tsa serve` (signflow's own RFC 3161 authority on a loopback address).

use std::io::Read;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;
use signflow::cms::{CadesLevel, CmsError, SignedData, Verifier, VerifyReport};
use signflow::crypto::{CryptoProvider, HashAlgorithm};
use signflow::pki::Status;
use signflow::tsp::{Authority, TspError};

use crate::exit::{Failure, Status as Exit};
use crate::identity::SignerArgs;
use crate::out::Out;
use crate::policy::VerifyPolicyArgs;

/// The level `cades extend` makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Level {
    /// CAdES-T: a signature time-stamp on every signer.
    T,
    /// CAdES-X Long Type 1: CAdES-T (stamped first when no signer is), then the complete
    /// references, the certificate and revocation values of the validation the trust flags
    /// allow, and a CAdES-C time-stamp.
    Xl1,
    /// CAdES-A: CAdES-X Long Type 1 (made first as `xl1` does when a signer is not CAdES-X
    /// Long), then an archive-time-stamp-v3 (ETSI EN 319 122-1) over all of it.
    A,
}

/// The imprint hash of the time-stamp requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StampHash {
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
    /// GOST R 34.11-2012 (Streebog) 256.
    Streebog256,
    /// GOST R 34.11-2012 (Streebog) 512.
    Streebog512,
}

impl StampHash {
    fn hash(self) -> HashAlgorithm {
        match self {
            Self::Sha256 => HashAlgorithm::Sha256,
            Self::Sha512 => HashAlgorithm::Sha512,
            Self::Streebog256 => HashAlgorithm::Streebog256,
            Self::Streebog512 => HashAlgorithm::Streebog512,
        }
    }
}

#[derive(Args, Debug)]
pub struct ExtendArgs {
    /// The CMS signature to extend: DER, BER, PEM or bare base64.
    signature: PathBuf,
    /// The level to reach.
    #[arg(long, value_enum, default_value_t = Level::T)]
    to: Level,
    /// The signed content of a detached signature (for --to xl1 and a, which verify first).
    #[arg(long, value_name = "FILE")]
    content: Option<PathBuf>,
    /// --to xl1 and a: the trust anchors, certificates, CRLs and OCSP responses the signers are
    /// validated with — what the extended signature then carries.
    #[command(flatten)]
    policy: VerifyPolicyArgs,
    /// The RFC 3161 TSA's URL (http:// or https://; needs the `network` feature).
    #[arg(long, value_name = "URL")]
    tsa: String,
    /// The imprint hash of the requests.
    #[arg(long, value_enum, default_value_t = StampHash::Sha256)]
    tsa_hash: StampHash,
    /// Where to write the extended signature (DER).
    #[arg(short = 'o', long, value_name = "FILE")]
    output: PathBuf,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    signer: SignerArgs,
    /// The TSA policy OID written into every token.
    #[arg(long, value_name = "OID")]
    policy: String,
    /// Address to listen on (loopback unless you say otherwise).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:3161")]
    listen: SocketAddr,
    /// Stop after this many connections (default: serve until killed).
    #[arg(long, value_name = "N")]
    max_requests: Option<usize>,
}

/// `cades extend`: 0 extended, 1 the TSA refused, 2 the signature or the TSA's answer is not
/// what it should be, 64 without the `network` feature, 74 reading, writing or reaching the
/// TSA failed.
pub fn extend(
    provider: &'static CryptoProvider,
    args: &ExtendArgs,
    json: bool,
) -> Result<Exit, Failure> {
    let signed = crate::cms::read_signed_data(&args.signature)?;
    if args.to != Level::T {
        args.policy.require_trust()?;
    }
    let stamper = stamper(&args.tsa)?;
    let (extended, level) = match args.to {
        Level::T => (
            signflow::cms::cades::timestamp_signers(
                &signed,
                stamper.as_ref(),
                args.tsa_hash.hash(),
                provider,
            )
            .map_err(|e| tsp_failure(&args.tsa, e))?,
            CadesLevel::T,
        ),
        Level::Xl1 => (
            extend_to_xl1(provider, args, &signed, stamper.as_ref())?,
            CadesLevel::XLongType1,
        ),
        Level::A => (
            extend_to_a(provider, args, &signed, stamper.as_ref())?,
            CadesLevel::A,
        ),
    };
    std::fs::write(&args.output, extended.der())
        .map_err(|e| Failure::io_doing(&args.output, "cannot write the signature", e))?;
    let mut out = Out::stdout();
    if json {
        out.json(&json!({
            "command": "cades extend",
            "status": "extended",
            "level": level,
            "signers": extended.signer_count(),
            "output": args.output.display().to_string(),
        }))?;
    } else {
        out.line(format_args!(
            "extended {} signer(s) to {level}: {}",
            extended.signer_count(),
            args.output.display()
        ))?;
    }
    Ok(Exit::Valid)
}

/// The imprint hash for time-stamping a new signature by `key`: Streebog-256 for GOST keys,
/// else SHA-256.
pub fn imprint_hash(key: &dyn signflow::crypto::SigningKey) -> signflow::crypto::HashAlgorithm {
    use signflow::crypto::{HashAlgorithm, SignatureAlgorithm};
    if matches!(
        key.default_algorithm(),
        SignatureAlgorithm::Gost2012_256 | SignatureAlgorithm::Gost2012_512
    ) {
        HashAlgorithm::Streebog256
    } else {
        HashAlgorithm::Sha256
    }
}

/// `--to xl1`: stamps the signers first when none is CAdES-T, verifies with the trust flags,
/// and extends from that verification (1 when a signer is invalid or cannot be extended, 3
/// when it is indeterminate).
fn extend_to_xl1(
    provider: &'static CryptoProvider,
    args: &ExtendArgs,
    signed: &SignedData,
    stamper: &dyn signflow::tsp::TimeStamper,
) -> Result<SignedData, Failure> {
    let context = args.policy.context(provider)?;
    let options = args.policy.cms()?;
    let verifier = Verifier::from_context(&context);
    let verify = |sd: &SignedData| verify_for_extension(args, &verifier, &options, sd);
    let mut report = verify(signed)?;
    refuse(&report)?;
    let mut stamped = signed.clone();
    if report
        .signers
        .iter()
        .all(|s| s.level.is_none_or(|l| l < CadesLevel::T))
    {
        stamped = signflow::cms::cades::timestamp_signers(
            signed,
            stamper,
            args.tsa_hash.hash(),
            provider,
        )
        .map_err(|e| tsp_failure(&args.tsa, e))?;
        report = verify(&stamped)?;
        refuse(&report)?;
    }
    signflow::cms::cades::extend_to_x_long_type1(
        &stamped,
        &verifier,
        &report,
        stamper,
        args.tsa_hash.hash(),
    )
    .map_err(|e| match e {
        TspError::Cms(c @ CmsError::NotExtendable { .. }) => {
            Failure::new(Exit::Invalid, c.to_string())
        }
        other => tsp_failure(&args.tsa, other),
    })
}

/// `sd` verified as `cades extend` does before extending: with the trust flags and the
/// content file of a detached signature.
fn verify_for_extension(
    args: &ExtendArgs,
    verifier: &Verifier<'_>,
    options: &signflow::cms::VerifyOptions,
    sd: &SignedData,
) -> Result<VerifyReport, Failure> {
    let mut file = match &args.content {
        Some(path) => Some(crate::cms::open(path)?),
        None => None,
    };
    let content = file.as_mut().map(|f| f as &mut dyn Read);
    verifier
        .verify(sd, content, options)
        .map_err(|e| crate::cms::cms_failure(e, args.content.as_deref().unwrap_or(&args.signature)))
}

/// Refuses to extend a signature whose verification is not valid (1 invalid, 3
/// indeterminate).
fn refuse(report: &VerifyReport) -> Result<(), Failure> {
    match report.status {
        Status::Valid => Ok(()),
        Status::Invalid => Err(Failure::new(
            Exit::Invalid,
            format!("the signature is not valid, so it is not extended:\n{report}"),
        )),
        Status::Indeterminate => Err(Failure::new(
            Exit::Indeterminate,
            format!(
                "the signature's validity cannot be established with the material given, so \
                 it is not extended:\n{report}"
            ),
        )),
    }
}

/// `--to a`: extends to X-L1 first (as `--to xl1`) unless every signer is already CAdES-X
/// Long, verifies that, and adds an archive-time-stamp-v3 to every signer (1 when a signer is
/// invalid or cannot be extended, 3 when it is indeterminate).
fn extend_to_a(
    provider: &'static CryptoProvider,
    args: &ExtendArgs,
    signed: &SignedData,
    stamper: &dyn signflow::tsp::TimeStamper,
) -> Result<SignedData, Failure> {
    let context = args.policy.context(provider)?;
    let options = args.policy.cms()?;
    let verifier = Verifier::from_context(&context);
    let report = verify_for_extension(args, &verifier, &options, signed)?;
    refuse(&report)?;
    let long = |r: &VerifyReport| {
        r.signers
            .iter()
            .all(|s| s.level >= Some(CadesLevel::XLongType1))
    };
    let (base, report) = if long(&report) {
        (signed.clone(), report)
    } else {
        let x = extend_to_xl1(provider, args, signed, stamper)?;
        let report = verify_for_extension(args, &verifier, &options, &x)?;
        refuse(&report)?;
        (x, report)
    };
    let mut file = match (&args.content, base.is_detached()) {
        (Some(path), true) => Some(crate::cms::open(path)?),
        _ => None,
    };
    let content = file.as_mut().map(|f| f as &mut dyn Read);
    signflow::cms::cades::extend_to_archive_v3(
        &base,
        &report,
        content,
        stamper,
        args.tsa_hash.hash(),
        provider,
    )
    .map_err(|e| match e {
        TspError::Cms(c @ CmsError::NotExtendable { .. }) => {
            Failure::new(Exit::Invalid, c.to_string())
        }
        other => tsp_failure(&args.tsa, other),
    })
}

/// The TSA client for `--tsa URL` (64 without the `network` feature).
#[cfg(feature = "network")]
pub fn stamper(url: &str) -> Result<Box<dyn signflow::tsp::TimeStamper>, Failure> {
    Ok(Box::new(signflow::tsp::HttpTimeStamper::new(url)))
}

/// The TSA client for `--tsa URL` (64 without the `network` feature).
#[cfg(not(feature = "network"))]
pub fn stamper(url: &str) -> Result<Box<dyn signflow::tsp::TimeStamper>, Failure> {
    Err(Failure::new(
        Exit::Usage,
        format!("--tsa {url}: this signflow was built without the network feature"),
    ))
}

/// A time-stamping failure's exit: 74 unreachable, 1 refused, 2 not a token.
pub fn tsp_failure(url: &str, e: TspError) -> Failure {
    let status = match &e {
        TspError::Network { .. } => Exit::Io,
        TspError::Refused(_) | TspError::NotGranted { .. } => Exit::Invalid,
        TspError::Cms(c) if !c.is_format_error() => Exit::Io,
        _ => Exit::FormatError,
    };
    Failure::new(status, format!("time-stamping at {url}: {e}"))
}

/// `tsa serve`: answers RFC 3161 requests over HTTP until `--max-requests` (then 0); 74 when
/// the address cannot be bound; the signer errors of the signing commands.
pub fn serve(
    provider: &'static CryptoProvider,
    args: &ServeArgs,
    json: bool,
) -> Result<Exit, Failure> {
    let identity = args.signer.load(provider)?;
    let policy = args.policy.parse().map_err(|_| {
        Failure::new(
            Exit::Usage,
            format!("--policy {}: not an object identifier", args.policy),
        )
    })?;
    let authority = Authority::new(identity, policy)
        .map_err(|e| Failure::new(Exit::KeyError, e.to_string()))?;
    let listener = TcpListener::bind(args.listen)
        .map_err(|e| Failure::new(Exit::Io, format!("cannot listen on {}: {e}", args.listen)))?;
    let address = listener
        .local_addr()
        .map_err(|e| Failure::new(Exit::Io, e.to_string()))?;
    let mut out = Out::stdout();
    if json {
        out.json(&json!({
            "command": "tsa serve",
            "status": "listening",
            "url": format!("http://{address}/"),
        }))?;
    } else {
        out.line(format_args!("listening on http://{address}/"))?;
    }
    signflow::tsp::http::serve(&listener, &authority, args.max_requests)
        .map_err(|e| Failure::new(Exit::Io, format!("{address}: {e}")))?;
    Ok(Exit::Valid)
}
