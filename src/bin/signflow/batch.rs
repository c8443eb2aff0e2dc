//! `signflow verify-batch`: many signature files verified in parallel, with a progress bar on
//! a terminal, a summary table, and JSON lines with `--json`.
//!
//! Exit status: 0 when every file is valid; otherwise 1 if any is invalid, else 2 if any is
//! not a signature (or over its `--max-input` cap), else 3 (indeterminate), else 74 if an
//! entry of a directory could not be read. A named path that does not exist is 74 before
//! anything is verified.
//!
//! The walk takes regular files only: symbolic links inside directories are not followed
//! unless `--follow-symlinks` (then each directory is walked once, by device and inode), FIFOs,
//! sockets and devices are skipped, and directories deeper than `--max-depth` are not entered;
//! every entry left out is reported (a `skipped` line, and its count in the summary).

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Mutex;

use clap::Args;
use serde_json::json;
use signflow::batch::{
    BatchResult, BatchVerifier, DEFAULT_MAX_DEPTH, Outcome, SkipReason, Skipped, WalkOptions,
    discover_with,
};
use signflow::crypto::CryptoProvider;

use crate::exit::{Failure, Status};
use crate::input;
use crate::out::Out;
use crate::policy::VerifyPolicyArgs;

#[derive(Args, Debug)]
pub struct VerifyBatchArgs {
    /// Files and directories (walked recursively): *.p7s/*.p7m/*.sig/*.cms (detached content
    /// next to them without that extension) and *.xml.
    #[arg(required = true, value_name = "DIR|FILE")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    policy: VerifyPolicyArgs,
    /// Worker threads, 1 to four per core (default: one per core).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Follow symbolic links inside directories (links named on the command line are always
    /// followed). Each directory is still walked once, so loops end.
    #[arg(long)]
    follow_symlinks: bool,
    /// Directory levels entered below a named directory (0: only the files directly in it).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_DEPTH)]
    max_depth: usize,
}

/// How many files are verified between two checks that standard output still takes results.
const CHUNK_PER_JOB: usize = 16;

/// The largest `--jobs`: four threads per core (more only waits on the same cores, and each
/// thread may hold a file of up to its cap in memory).
fn max_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get) * 4
}

pub fn run(
    provider: &'static CryptoProvider,
    args: &VerifyBatchArgs,
    json: bool,
) -> Result<Status, Failure> {
    let max = max_jobs();
    let jobs = match args.jobs {
        Some(n) if n == 0 || n > max => {
            return Err(Failure::new(
                Status::Usage,
                format!("--jobs {n}: expected 1 to {max} (four per core)"),
            ));
        }
        Some(n) => n,
        None => max / 4,
    };
    let validation = args.policy.validation()?;
    let context = args.policy.context(provider)?;
    let walk = WalkOptions {
        follow_symlinks: args.follow_symlinks,
        max_depth: args.max_depth,
    };
    let found = discover_with(&args.paths, &walk)
        .map_err(|e| Failure::io_doing(&e.path, "cannot walk it", e.source))?;
    report_skipped(&found.skipped, json)?;
    let inputs = found.inputs;
    if inputs.is_empty() {
        return Err(Failure::new(
            Status::Usage,
            "no signature files found (*.p7s, *.p7m, *.sig, *.cms, *.xml)",
        ));
    }
    let verifier =
        BatchVerifier::from_context(context, validation.time).with_limits(input::limits());
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
        .num_threads(jobs)
        .build()
        .map_err(|e| Failure::new(Status::Io, format!("cannot start {jobs} threads: {e}")))?;
    let started = std::time::Instant::now();
    // JSON lines go out as results come in, from the pool's threads; the first output error
    // stops the batch at the end of the current chunk and is the command's failure (74).
    let output_failure: Mutex<Option<Failure>> = Mutex::new(None);
    let failed = || output_failure.lock().map_or(true, |f| f.is_some());
    let mut results = Vec::with_capacity(inputs.len());
    for chunk in inputs.chunks(jobs * CHUNK_PER_JOB) {
        results.extend(pool.install(|| {
            verifier.verify_all(chunk, |r| {
                if json && !failed() {
                    let line = serde_json::to_value(r).unwrap_or_default();
                    if let Err(f) = Out::stdout().json(&line)
                        && let Ok(mut slot) = output_failure.lock()
                    {
                        slot.get_or_insert(f);
                    }
                }
                if let Some(b) = &bar {
                    b.inc(1);
                }
            })
        }));
        if failed() {
            break;
        }
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(f) = output_failure.into_inner().ok().flatten() {
        return Err(f);
    }
    let elapsed = started.elapsed();
    let mut out = Out::stdout();
    let count = |o: Outcome| results.iter().filter(|r| r.outcome == o).count();
    if json {
        let summary: serde_json::Map<String, serde_json::Value> = Outcome::ALL
            .iter()
            .map(|o| (o.as_str().replace(' ', "_"), count(*o).into()))
            .collect();
        out.json(&json!({
            "summary": summary,
            "files": results.len(),
            "skipped": found.skipped.len(),
            "seconds": elapsed.as_secs_f64(),
        }))?;
    } else {
        print_table(&mut out, &results, found.skipped.len(), elapsed)?;
    }
    let unreadable = found
        .skipped
        .iter()
        .any(|s| matches!(s.reason, SkipReason::Unreadable { .. }));
    Ok(if count(Outcome::Invalid) > 0 {
        Status::Invalid
    } else if count(Outcome::FormatError) > 0 {
        Status::FormatError
    } else if count(Outcome::Indeterminate) > 0 {
        Status::Indeterminate
    } else if unreadable {
        Status::Io
    } else {
        Status::Valid
    })
}

/// One line per entry the walk left out, before any result. (Standard output is locked only
/// for these lines: the pool's threads print results through their own locks.)
fn report_skipped(skipped: &[Skipped], json: bool) -> Result<(), Failure> {
    let mut out = Out::stdout();
    for s in skipped {
        if json {
            // {"skipped": PATH, "reason": "symlink" | "not_regular" | ..., "message": ...}
            let mut v = serde_json::to_value(&s.reason).unwrap_or_else(|_| json!({}));
            v["skipped"] = s.path.display().to_string().into();
            v["message"] = s.reason.to_string().into();
            out.json(&v)?;
        } else {
            out.line(format_args!(
                "{:<14} {}: {}",
                "skipped",
                s.path.display(),
                s.reason
            ))?;
        }
    }
    Ok(())
}

fn print_table(
    out: &mut Out,
    results: &[BatchResult],
    skipped: usize,
    elapsed: std::time::Duration,
) -> Result<(), Failure> {
    for r in results.iter().filter(|r| r.outcome != Outcome::Valid) {
        out.line(format_args!(
            "{:<14} {}: {}",
            r.outcome.as_str(),
            r.path.display(),
            r.reasons.join("; ")
        ))?;
    }
    out.line("")?;
    out.line(format_args!("{:<14} {:>7}", "outcome", "files"))?;
    for o in Outcome::ALL {
        let n = results.iter().filter(|r| r.outcome == o).count();
        out.line(format_args!("{:<14} {:>7}", o.as_str(), n))?;
    }
    if skipped > 0 {
        out.line(format_args!("{:<14} {:>7}", "skipped", skipped))?;
    }
    out.line(format_args!(
        "{:<14} {:>7}  in {:.2} s",
        "total",
        results.len(),
        elapsed.as_secs_f64()
    ))
}
