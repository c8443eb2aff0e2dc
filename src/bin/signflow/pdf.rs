//! `signflow verify pdf`: every signature and document time-stamp of a PDF, its /ByteRange
//! coverage and what incremental updates after it changed, with the exit statuses of the CLI
//! conventions (2 for a file that is not a readable PDF).

use std::path::PathBuf;

use clap::Args;
use signflow::cms::ValidationTime;
use signflow::crypto::CryptoProvider;
use signflow::pdf::SignedPdf;

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
}

pub fn verify(
    provider: &'static CryptoProvider,
    args: &VerifyPdfArgs,
    json: bool,
) -> Result<Exit, Failure> {
    args.policy.require_trust()?;
    let mut options = args.policy.cms()?;
    if args.at_signing_time {
        options.time = ValidationTime::ClaimedSigningTime;
    }
    let context = args.policy.context(provider)?;
    let bytes = input::read(&args.file)?;
    let format = |e: signflow::pdf::PdfError| {
        Failure::new(Exit::FormatError, format!("{}: {e}", args.file.display()))
    };
    let pdf = SignedPdf::parse(&bytes).map_err(format)?;
    let report = pdf.verify(&context, &options).map_err(format)?;
    crate::out::report(json, "verify pdf", &report)?;
    Ok(report.status.into())
}
