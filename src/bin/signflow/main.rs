//! `signflow`: sign and verify documents from the command line.
//!
//! Conventions shared by every command (README, "CLI conventions"): exit statuses 0 valid,
//! 1 invalid (or refused), 2 format error, 3 indeterminate, 4 wrong password or unusable key,
//! 5 conflict (flow: another writer was first), 64 usage,
//! 74 I/O (standard output included: a closed pipe or a full disk is 74, never a panic);
//! `--json` prints a machine-readable report on stdout; passwords only through
//! `--password-env` or `--password-file`; PEM or DER inputs, each read within its
//! `--max-input` cap (2 when over it); the verifying commands share one set of trust and
//! policy flags (`--trust --untrusted --crl --ocsp --at --no-revocation --accept-stale-crls
//! --allow-sha1 --allow-md5 --strict`, policy.rs).

mod authority;
mod batch;
mod cades;
mod chain;
mod cms;
mod demo;
mod exit;
mod flow;
mod identity;
mod input;
mod inspect;
mod online;
mod out;
mod p12;
mod pdf;
mod policy;
mod secrets;
mod tsl;
mod xml;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use signflow::crypto::CryptoProvider;

use exit::{Failure, Status};

#[derive(Parser, Debug)]
#[command(
    name = "signflow",
    version,
    about = "Electronic signatures and document exchange"
)]
struct Cli {
    /// Crypto backend to use (each must be compiled in).
    #[arg(long, global = true, value_enum, default_value_t = Backend::default())]
    backend: Backend,
    /// Print a machine-readable JSON report on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// Cap on the size of each file read whole: SIZE for every kind, or KIND=SIZE for one
    /// (certificate, crl, key, password, pkcs12, cms, xml, document, any); SIZE in bytes or
    /// with K, M, G (powers of 1024). Repeatable. A file over its cap is exit 2.
    #[arg(long, global = true, value_name = "[KIND=]SIZE")]
    max_input: Vec<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the end-to-end demonstration on the embedded test PKI, in a temporary folder.
    Demo(demo::DemoArgs),
    /// Validate a certificate's path to a trust anchor at a time (RFC 5280), with CRLs.
    VerifyChain(chain::VerifyChainArgs),
    /// Document flow: organisations, members, documents, signing steps, journal audit.
    Flow(flow::FlowArgs),
    /// Verify many CMS and XML signature files in parallel: summary table or JSON lines.
    VerifyBatch(batch::VerifyBatchArgs),
    /// Tell what a file is and holds: certificate, CRL, PKCS#12, CMS signature, key, XML.
    Inspect(inspect::InspectArgs),
    /// Sign a document.
    #[command(subcommand)]
    Sign(SignCommand),
    /// Verify a signature.
    #[command(subcommand)]
    Verify(VerifyCommand),
    /// XML tools: what a canonicalization or transform yields (when digests differ).
    #[command(subcommand)]
    Xml(XmlCommand),
    /// CAdES: extend a CMS signature to a higher level.
    #[command(subcommand)]
    Cades(CadesCommand),
    /// Time-stamping authority (RFC 3161).
    #[command(subcommand)]
    Tsa(TsaCommand),
}

#[derive(Subcommand, Debug)]
enum CadesCommand {
    /// Add what a level needs: `--to t` a signature time-stamp on every signer (from --tsa),
    /// `--to xl1` the validation data and a CAdES-C time-stamp, `--to a` an archive time-stamp.
    Extend(cades::ExtendArgs),
}

#[derive(Subcommand, Debug)]
enum TsaCommand {
    /// Answer RFC 3161 requests over HTTP with tokens signed by the given key (127.0.0.1 by
    /// default).
    Serve(cades::ServeArgs),
}

#[derive(Subcommand, Debug)]
enum XmlCommand {
    /// Print what canonicalization methods and transforms (in the order given) yield for the
    /// document, or for the element with --id.
    Canonicalize(xml::CanonicalizeArgs),
}

#[derive(Subcommand, Debug)]
enum SignCommand {
    /// CMS (PKCS #7) signature, attached or detached, CAdES-BES; --cosign adds a signer.
    Cms(cms::SignCmsArgs),
    /// XML signature (XMLDSig): enveloped (default), enveloping, or over one element by Id.
    Xml(xml::SignXmlArgs),
}

#[derive(Subcommand, Debug)]
enum VerifyCommand {
    /// CMS (PKCS #7) signature: every signer, its certificate path and revocation.
    Cms(cms::VerifyCmsArgs),
    /// XML signature: references, signature value, the signer's path and revocation.
    Xml(xml::VerifyXmlArgs),
    /// Signed PDF: every signature and document time-stamp, its byte range, what was changed
    /// after it, its CMS (or token) verified, the DSS as validation material.
    Pdf(pdf::VerifyPdfArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Backend {
    /// AWS-LC through aws-lc-rs.
    AwsLcRs,
    /// Pure Rust (RustCrypto).
    Rustcrypto,
}

impl Default for Backend {
    fn default() -> Self {
        if cfg!(feature = "aws-lc-rs") {
            Self::AwsLcRs
        } else {
            Self::Rustcrypto
        }
    }
}

impl Backend {
    fn provider(self) -> Result<&'static CryptoProvider, Failure> {
        let name = match self {
            Self::AwsLcRs => "aws-lc-rs",
            Self::Rustcrypto => "rustcrypto",
        };
        CryptoProvider::all_compiled()
            .into_iter()
            .find(|p| p.name == name)
            .ok_or_else(|| {
                Failure::new(
                    Status::Usage,
                    format!("backend {name} is not compiled into this binary"),
                )
            })
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => Status::Usage.into(),
            };
        }
    };
    let result = input::configure(&cli.max_input)
        .and_then(|()| cli.backend.provider())
        .and_then(|provider| match &cli.command {
            Command::Demo(args) => demo::run(provider, args, cli.json),
            Command::VerifyChain(args) => chain::run(provider, args, cli.json),
            Command::Inspect(args) => inspect::run(provider, args, cli.json),
            Command::Flow(args) => flow::run(provider, args, cli.json),
            Command::VerifyBatch(args) => batch::run(provider, args, cli.json),
            Command::Sign(SignCommand::Cms(args)) => cms::sign(provider, args, cli.json),
            Command::Verify(VerifyCommand::Cms(args)) => cms::verify(provider, args, cli.json),
            Command::Verify(VerifyCommand::Pdf(args)) => pdf::verify(provider, args, cli.json),
            Command::Sign(SignCommand::Xml(args)) => xml::sign(provider, args, cli.json),
            Command::Verify(VerifyCommand::Xml(args)) => xml::verify(provider, args, cli.json),
            Command::Cades(CadesCommand::Extend(args)) => cades::extend(provider, args, cli.json),
            Command::Tsa(TsaCommand::Serve(args)) => cades::serve(provider, args, cli.json),
            Command::Xml(XmlCommand::Canonicalize(args)) => xml::canonicalize(args, cli.json),
        });
    match result {
        Ok(status) => status.into(),
        Err(f) => {
            if !f.quiet {
                out::warn(&f.message);
            }
            f.status.into()
        }
    }
}
