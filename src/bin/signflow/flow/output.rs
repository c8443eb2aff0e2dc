//! What `signflow flow` prints and writes: documents, histories, audit reports, exports.

use std::path::{Path, PathBuf};

use signflow::flow::model::Authentication;
use signflow::flow::{AnyStore, AuditReport, DocumentState, Event, Flow, JournalEntry};

use super::{ExportArgs, flow_failure};
use crate::exit::Failure;

/// A document's journal, one line per event, with who proved it and how.
pub(super) fn history(entries: &[JournalEntry]) -> String {
    entries
        .iter()
        .map(|e| {
            let name = e.event().map(|ev| ev.name()).unwrap_or("?");
            let auth = match e.authentication() {
                Ok(Some(Authentication::Signature { signer, .. })) => match &signer.mchd {
                    Some(m) => format!("signed by {} under МЧД {}", signer.subject, m.number),
                    None => format!("signed by {}", signer.subject),
                },
                Ok(Some(Authentication::Service { by })) => {
                    format!("authenticated by service {by}, not signed")
                }
                Ok(Some(Authentication::Attempt)) => "refused attempt, unproven".into(),
                Ok(None) => "unsigned (before signed steps)".into(),
                Err(_) => "unreadable authentication".into(),
            };
            format!(
                "{:>3}  {}  {:<10} {:<16} {}",
                e.seq, e.at, e.actor, name, auth
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) fn audit_text(report: &AuditReport) -> String {
    let mut out = match &report.broken {
        None if report.listings.is_empty() => format!(
            "journal intact: {} events in {} streams, head {}",
            report.events, report.streams, report.head
        ),
        None => format!(
            "journal intact ({} events, head {}), but the listings differ from it:",
            report.events, report.head
        ),
        Some(b) => format!(
            "journal TAMPERED: event {} (stream {}, seq {}) fails the {:?} check: {}",
            b.global_seq, b.stream, b.seq, b.kind, b.reason
        )
        .replacen("Chain", "chain", 1)
        .replacen("Event", "event", 1)
        .replacen("Signature", "signature", 1)
        .replacen("Binding", "binding", 1)
        .replacen("Right", "right", 1)
        .replacen("Blob", "blob", 1),
    };
    for d in &report.listings {
        out += &format!("\n  {} {}: {}", d.listing, d.key, d.difference);
    }
    if !report.listings.is_empty() {
        out += "\n(`signflow flow rebuild` restores the listings from the journal)";
    }
    if report.broken.is_none() {
        out += &format!(
            "\n{} signed steps re-verified ({}), {} blobs checked against their keys",
            report.signed,
            if report.signatures_verified {
                "signature, certificate path and revocation at each step's time; the \
                 signer bound to the member"
            } else {
                "parsed and bound only, not cryptographically verified"
            },
            report.blobs
        );
        if report.unsigned > 0 {
            out += &format!(
                "\n{} events from before steps were signed: kept as they were, not proven",
                report.unsigned
            );
        }
        for (by, n) in &report.service {
            out += &format!("\n{n} steps authenticated by service {by}, not signed");
        }
        if report.attempts > 0 {
            out += &format!(
                "\n{} refused signing attempts (recorded under the name given, unproven)",
                report.attempts
            );
        }
    }
    out
}

pub(super) fn describe(doc: &DocumentState) -> String {
    format!(
        "{}  {}  version {}",
        doc.id,
        doc.status,
        doc.current().number
    )
}

pub(super) fn show(doc: &DocumentState) -> String {
    let mut out = format!(
        "{}\n  {} \"{}\", {} → {}\n  status {}{}\n",
        doc.id,
        doc.kind,
        doc.title,
        doc.sender,
        doc.recipient,
        doc.status,
        doc.comment
            .as_deref()
            .map(|c| format!(" (\"{c}\")"))
            .unwrap_or_default()
    );
    for v in &doc.versions {
        out += &format!(
            "  v{} {} bytes {} by {} at {}  sha256 {}{}\n",
            v.number,
            v.size,
            v.media_type,
            v.author,
            v.created_at,
            v.sha256,
            v.restored_from
                .map(|n| format!(" (restored from v{n})"))
                .unwrap_or_default()
        );
    }
    for s in &doc.signatures {
        out += &format!(
            "  {} v{} by {} ({})\n",
            s.step, s.version, s.signer.subject, s.signer.algorithm
        );
        if let Some(m) = &s.signer.mchd {
            out += &format!("    legal verdict: {}\n", m.verdict);
        }
    }
    out.trim_end().to_owned()
}

/// The version a notice-signed event concerns, and the name its files get.
fn notice_of(event: &Event) -> Option<(u32, &'static str)> {
    Some(match event {
        Event::DocumentCreated { .. } => (1, "created"),
        Event::VersionAdded { version } => (
            version.number,
            if version.restored_from.is_some() {
                "restored"
            } else {
                "revised"
            },
        ),
        Event::Returned { version, .. } => (*version, "returned"),
        Event::Rejected { version, .. } => (*version, "rejected"),
        Event::Withdrawn { version } => (*version, "withdrawn"),
        _ => return None,
    })
}

pub(super) async fn export(flow: &Flow<AnyStore>, a: &ExportArgs) -> Result<Vec<PathBuf>, Failure> {
    let doc = flow.document(&a.id).await.map_err(flow_failure)?;
    let version = a.version.unwrap_or(doc.current().number);
    // Everything is read, and checked against its key, before anything is written.
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    out.push((
        format!("v{version}.bin"),
        flow.content(&doc, version).await.map_err(flow_failure)?,
    ));
    for s in doc.signatures.iter().filter(|s| s.version == version) {
        let cms = flow.blob(&s.signature).await.map_err(flow_failure)?;
        out.push((format!("v{version}.{}.p7s", s.step), cms));
        if let Some(r) = &s.receipt {
            let receipt = flow.blob(r).await.map_err(flow_failure)?;
            out.push((format!("v{version}.receipt.txt"), receipt));
        }
    }
    for e in flow.history(&a.id).await.map_err(flow_failure)? {
        let (
            Ok(event),
            Ok(Some(Authentication::Signature {
                signature, signed, ..
            })),
        ) = (e.event(), e.authentication())
        else {
            continue;
        };
        if let Some((v, name)) = notice_of(&event)
            && v == version
        {
            let notice = flow.blob(&signed).await.map_err(flow_failure)?;
            let cms = flow.blob(&signature).await.map_err(flow_failure)?;
            out.push((format!("v{version}.{name}.notice.json"), notice));
            out.push((format!("v{version}.{name}.notice.p7s"), cms));
        }
    }
    std::fs::create_dir_all(&a.output).map_err(|e| Failure::io(&a.output, e))?;
    let mut files = Vec::new();
    for (name, bytes) in out {
        let path = Path::new(&a.output).join(name);
        std::fs::write(&path, bytes).map_err(|e| Failure::io(&path, e))?;
        files.push(path);
    }
    Ok(files)
}
