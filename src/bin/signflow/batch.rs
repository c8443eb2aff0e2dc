//! `signflow verify-batch`: many signature files verified in parallel, with a progress bar on
//! a terminal, a summary table, and JSON lines with `--json`.
//!
//! Exit status: 0 when every file is valid; otherwise 1 if any is invalid, else 2 if any is
//! not a signature, else 3 (indeterminate).

use std::io::IsTerminal as _;
use std::path::PathBuf;

use clap::Args;
use signflow::batch::{BatchResult, BatchVerifier, Outcome, discover};
use signflow::crypto::CryptoProvider;

use crate::exit::{Failure, Status};
use crate::input::{self, TrustArgs};

#[derive(Args, Debug)]
pub struct VerifyBatchArgs {
    /// Files and directories (walked recursively): *.p7s/*.p7m/*.sig/*.cms (detached content
    /// next to them without that extension) and *.xml.
    #[arg(required = true, value_name = "DIR|FILE")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    material: TrustArgs,
    /// Validation time, RFC 3339 (default: now).
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
}

pub fn run(
    provider: &'static CryptoProvider,
    args: &VerifyBatchArgs,
    json: bool,
) -> Result<Status, Failure> {
    let (trust, certificates, crls) = args.material.load()?;
    let time = input::time(args.at.as_deref())?;
    let inputs = discover(&args.paths);
    if inputs.is_empty() {
        return Err(Failure::new(
            Status::Usage,
            "no signature files found (*.p7s, *.p7m, *.sig, *.cms, *.xml)",
        ));
    }
    let verifier = BatchVerifier::new(provider, trust, certificates, crls, time);
    let bar = (!json && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(inputs.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} files, {per_sec}, eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .map_err(|e| Failure::new(Status::Usage, format!("--jobs: {e}")))?;
    let started = std::time::Instant::now();
    let results = pool.install(|| {
        verifier.verify_all(&inputs, |r| {
            if json {
                // JSON lines as results come in.
                if let Ok(line) = serde_json::to_string(r) {
                    println!("{line}");
                }
            }
            if let Some(b) = &bar {
                b.inc(1);
            }
        })
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let elapsed = started.elapsed();
    let count = |o: Outcome| results.iter().filter(|r| r.outcome == o).count();
    if json {
        let summary: serde_json::Map<String, serde_json::Value> = Outcome::ALL
            .iter()
            .map(|o| (o.as_str().replace(' ', "_"), count(*o).into()))
            .collect();
        println!(
            "{}",
            serde_json::json!({"summary": summary, "files": results.len(), "seconds": elapsed.as_secs_f64()})
        );
    } else {
        print_table(&results, elapsed);
    }
    Ok(if count(Outcome::Invalid) > 0 {
        Status::Invalid
    } else if count(Outcome::FormatError) > 0 {
        Status::FormatError
    } else if count(Outcome::Indeterminate) > 0 {
        Status::Indeterminate
    } else {
        Status::Valid
    })
}

fn print_table(results: &[BatchResult], elapsed: std::time::Duration) {
    for r in results.iter().filter(|r| r.outcome != Outcome::Valid) {
        println!(
            "{:<14} {}: {}",
            r.outcome.as_str(),
            r.path.display(),
            r.reasons.join("; ")
        );
    }
    println!();
    println!("{:<14} {:>7}", "outcome", "files");
    for o in Outcome::ALL {
        let n = results.iter().filter(|r| r.outcome == o).count();
        println!("{:<14} {:>7}", o.as_str(), n);
    }
    println!(
        "{:<14} {:>7}  in {:.2} s",
        "total",
        results.len(),
        elapsed.as_secs_f64()
    );
}
