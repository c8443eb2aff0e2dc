//! `signflow verify pdf`: every signature and document time-stamp of a PDF, its /ByteRange
//! coverage and what incremental updates after it changed, with the exit statuses of the CLI
//! conventions (2 for a file that is not a readable PDF).

use std::path::PathBuf;

use clap::Args;
use signflow::cms::ValidationTime;
use signflow::crypto::CryptoProvider;
use signflow::mchd::DocumentSigner;
use signflow::pdf::{SignatureKind, SignedPdf};

use crate::exit::{Failure, Status as Exit};
use crate::input;
use crate::policy::VerifyPolicyArgs;

#[derive(Args, Debug)]
pub struct VerifyPdfArgs {
    /// The signed PDF.
    file: PathBuf,
    #[command(flatten)]
    policy: VerifyPolicyArgs,
    /// Validate each signer's certificate at the signing time it claims (unverified; reported
    /// as such), falling back to --at, when no signature time-stamp proves a time.
    #[arg(long)]
    at_signing_time: bool,
    #[command(flatten)]
    tsl: crate::tsl::TslArgs,
    #[command(flatten)]
    mchd: crate::authority::MchdArgs,
}

pub fn verify(
    provider: &'static CryptoProvider,
    args: &VerifyPdfArgs,
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
    let bytes = input::read(&args.file)?;
    let format = |e: signflow::pdf::PdfError| {
        Failure::new(Exit::FormatError, format!("{}: {e}", args.file.display()))
    };
    let pdf = SignedPdf::parse(&bytes).map_err(format)?;
    let mut report = pdf.verify(&context, &options).map_err(format)?;
    if let Some(list) = list {
        signflow::tsl::assess_pdf(&mut report, list, &args.tsl.options()?);
    }
    // The signers of the signatures (not of document time-stamps), each with the worse of its
    // own status and its PDF signature's (coverage, changes after signing).
    let signers: Vec<(DocumentSigner<'_>, Option<&signflow::tsl::QualifiedStatus>)> = report
        .signatures
        .iter()
        .filter(|s| s.kind == SignatureKind::Signature)
        .flat_map(|s| {
            s.cms.iter().flat_map(move |cms| {
                cms.signers.iter().map(move |signer| {
                    let mut d = DocumentSigner::from_cms(signer);
                    d.status = d.status.max(s.status);
                    (d, signer.qualified.as_ref())
                })
            })
        })
        .collect();
    let (signers, qualified_status): (Vec<_>, Vec<_>) = signers.into_iter().unzip();
    let qualified: Vec<bool> = qualified_status
        .iter()
        .map(|q| q.is_some_and(|q| q.qualified))
        .collect();
    let legal = args.mchd.verdicts(
        &signflow::cms::Verifier::from_context(&context),
        &options,
        &signers,
    )?;
    let standing = crate::authority::standings(&signers, &qualified_status, legal.as_ref());
    crate::authority::report(
        json,
        "verify pdf",
        &report,
        loaded.as_ref(),
        legal.as_ref(),
        &standing,
        None,
    )?;
    // With --require-qualified a PDF without any signature (only document time-stamps) has no
    // qualified signer: refused.
    let qualified = if qualified.is_empty() {
        vec![false]
    } else {
        qualified
    };
    Ok(crate::authority::fold(
        report.status,
        legal.as_ref(),
        args.tsl.require_qualified,
        &qualified,
    )
    .into())
}
