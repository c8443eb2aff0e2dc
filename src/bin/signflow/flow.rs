//! `signflow flow`: the document flow over a SQLite file or a PostgreSQL database.
//!
//! Exit statuses: 0 done (for `audit`: intact), 1 refused (for `audit`: tampered), 5 conflict
//! (another writer got there first: run it again), and the common ones (2, 4, 64, 74).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use signflow::crypto::CryptoProvider;
use signflow::flow::model::{
    DocumentFilter, DocumentKind, Organisation, Role, Status as DocStatus,
};
use signflow::flow::{
    AnyStore, CommandKind, DocumentState, Flow, FlowError, FlowSigner, NewDocument, SYSTEM_ACTOR,
    SignatureCheck, TrustMaterial,
};
use signflow::pki::UnixTime;

use crate::exit::{Failure, Status};
use crate::identity::SignerArgs;
use crate::input::{self, TrustArgs};

#[derive(Args, Debug)]
pub struct FlowArgs {
    /// The store: a SQLite file path or a postgres:// URL.
    #[arg(long, value_name = "DB", default_value = "signflow.db")]
    db: String,
    #[command(flatten)]
    material: TrustArgs,
    #[command(subcommand)]
    command: FlowCommand,
}

#[derive(Subcommand, Debug)]
enum FlowCommand {
    /// Create (or migrate) the store.
    Init,
    /// Organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Members of organisations.
    #[command(subcommand)]
    Member(MemberCommand),
    /// Create a document (prints its id).
    Create(CreateArgs),
    /// Sign the current version and send it (sender, send right).
    Send(SignStepArgs),
    /// Confirm receipt with a signed receipt (recipient, sign right).
    Accept(SignStepArgs),
    /// Co-sign the accepted version; the document is archived (recipient, sign right).
    Sign(SignStepArgs),
    /// Return for corrections (recipient).
    Return(CommentArgs),
    /// Reject for good (recipient).
    Reject(CommentArgs),
    /// Add a version with new content (sender, edit right).
    Revise(ReviseArgs),
    /// Add a version repeating an earlier version's content.
    Restore(RestoreArgs),
    /// Withdraw before acceptance (sender, send right).
    Withdraw(ActorArgs),
    /// A document's state, versions and signatures.
    Show(IdArgs),
    /// A document's journal.
    History(IdArgs),
    /// Documents, most recently changed first.
    List(ListArgs),
    /// Write a version's content and signatures as files `openssl cms -verify` accepts.
    Export(ExportArgs),
    /// Recompute the journal's hash chains (exit 0 intact, 1 tampered).
    Audit,
}

#[derive(Subcommand, Debug)]
enum OrgCommand {
    /// Register an organisation (requisites are validated).
    Add {
        /// ИНН.
        #[arg(long)]
        inn: String,
        /// ОГРН or ОГРНИП.
        #[arg(long)]
        ogrn: String,
        /// КПП.
        #[arg(long)]
        kpp: Option<String>,
        /// Name.
        #[arg(long)]
        name: String,
    },
    /// Registered organisations.
    List,
}

#[derive(Subcommand, Debug)]
enum MemberCommand {
    /// Add a member with a role (administrator, signer, operator, accountant, observer).
    Add {
        /// The organisation's INN.
        #[arg(long, value_name = "INN")]
        org: String,
        /// The user's id.
        #[arg(long, value_name = "ID")]
        user: String,
        /// The role.
        #[arg(long, value_name = "ROLE")]
        role: Role,
        /// When the membership lapses (RFC 3339).
        #[arg(long, value_name = "RFC3339")]
        until: Option<String>,
        /// Acting member (needs the manage right); default: the system administrator.
        #[arg(long = "as", value_name = "USER")]
        actor: Option<String>,
    },
}

#[derive(Args, Debug)]
struct ActorArgs {
    /// The document id.
    id: String,
    /// The acting user.
    #[arg(long = "as", value_name = "USER")]
    actor: String,
}

#[derive(Args, Debug)]
struct IdArgs {
    /// The document id.
    id: String,
}

#[derive(Args, Debug)]
struct CreateArgs {
    /// The content of version 1.
    file: PathBuf,
    /// The acting user (edit right in the sending organisation).
    #[arg(long = "as", value_name = "USER")]
    actor: String,
    /// The sender's INN.
    #[arg(long, value_name = "INN")]
    from: String,
    /// The recipient's INN.
    #[arg(long, value_name = "INN")]
    to: String,
    /// contract, act, invoice or other.
    #[arg(long)]
    kind: DocumentKind,
    /// The title.
    #[arg(long)]
    title: String,
    /// The content's media type.
    #[arg(long, default_value = "application/octet-stream")]
    media_type: String,
}

#[derive(Args, Debug)]
struct SignStepArgs {
    #[command(flatten)]
    who: ActorArgs,
    #[command(flatten)]
    signer: SignerArgs,
}

#[derive(Args, Debug)]
struct CommentArgs {
    #[command(flatten)]
    who: ActorArgs,
    /// Why (required).
    #[arg(long)]
    comment: String,
}

#[derive(Args, Debug)]
struct ReviseArgs {
    #[command(flatten)]
    who: ActorArgs,
    /// The new content.
    file: PathBuf,
    /// Its media type.
    #[arg(long, default_value = "application/octet-stream")]
    media_type: String,
}

#[derive(Args, Debug)]
struct RestoreArgs {
    #[command(flatten)]
    who: ActorArgs,
    /// The version to restore.
    #[arg(long)]
    version: u32,
}

#[derive(Args, Debug)]
struct ListArgs {
    /// Documents this organisation (INN) sends or receives.
    #[arg(long, value_name = "INN")]
    org: Option<String>,
    /// Only this status.
    #[arg(long)]
    status: Option<DocStatus>,
    /// Only this kind.
    #[arg(long)]
    kind: Option<DocumentKind>,
    /// Only documents changed at or after this time (RFC 3339).
    #[arg(long, value_name = "RFC3339")]
    since: Option<String>,
    /// Only documents changed before this time (RFC 3339).
    #[arg(long, value_name = "RFC3339")]
    before: Option<String>,
}

#[derive(Args, Debug)]
struct ExportArgs {
    /// The document id.
    id: String,
    /// The version (default: the current one).
    #[arg(long)]
    version: Option<u32>,
    /// The folder to write into (created if missing).
    #[arg(short = 'o', long, value_name = "DIR")]
    output: PathBuf,
}

fn flow_failure(e: FlowError) -> Failure {
    let status = match &e {
        FlowError::Refused(_) => Status::Invalid,
        FlowError::Conflict(_) => Status::Conflict,
        FlowError::NotFound { .. } => Status::Usage,
        FlowError::ContentTooLarge { .. } => Status::Usage,
        _ => Status::Io,
    };
    Failure::new(status, e.to_string())
}

fn trust_material(
    provider: &'static CryptoProvider,
    args: &FlowArgs,
) -> Result<SignatureCheck, Failure> {
    let (trust, certificates, crls) = args.material.load()?;
    Ok(SignatureCheck::Verify(Box::new(TrustMaterial {
        provider,
        trust,
        certificates,
        crls,
    })))
}

/// Runs `signflow flow …`.
pub fn run(
    provider: &'static CryptoProvider,
    args: &FlowArgs,
    json: bool,
) -> Result<Status, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::new(Status::Io, format!("tokio runtime: {e}")))?;
    runtime.block_on(run_async(provider, args, json))
}

async fn run_async(
    provider: &'static CryptoProvider,
    args: &FlowArgs,
    json: bool,
) -> Result<Status, Failure> {
    let store = AnyStore::open(&args.db)
        .await
        .map_err(|e| Failure::new(Status::Io, format!("{}: {e}", args.db)))?;
    let signing = matches!(
        args.command,
        FlowCommand::Send(_) | FlowCommand::Accept(_) | FlowCommand::Sign(_)
    );
    if signing && args.material.trust.is_empty() {
        return Err(Failure::new(
            Status::Usage,
            "send, accept and sign check the signature: give the trust anchors with --trust \
             (and --crl for revocation)",
        ));
    }
    let check = if signing {
        trust_material(provider, args)?
    } else {
        SignatureCheck::TrustCaller
    };
    let flow = Flow::new(store, check);
    let print = |v: Value, text: String| {
        if json {
            println!("{v}");
        } else {
            println!("{text}");
        }
    };
    match &args.command {
        FlowCommand::Init => {
            print(
                json!({"db": args.db, "ok": true}),
                format!("store ready: {}", args.db),
            );
        }
        FlowCommand::Org(OrgCommand::Add {
            inn,
            ogrn,
            kpp,
            name,
        }) => {
            let org = Organisation {
                inn: inn.clone(),
                ogrn: ogrn.clone(),
                kpp: kpp.clone(),
                name: name.clone(),
            };
            let state = flow
                .register_organisation(SYSTEM_ACTOR, org)
                .await
                .map_err(flow_failure)?;
            print(
                json!(state),
                format!(
                    "registered {} (INN {})",
                    state.organisation.name, state.organisation.inn
                ),
            );
        }
        FlowCommand::Org(OrgCommand::List) => {
            let orgs = flow.organisations().await.map_err(flow_failure)?;
            let text = orgs
                .iter()
                .map(|o| format!("{}  {}  {}", o.inn, o.ogrn, o.name))
                .collect::<Vec<_>>()
                .join("\n");
            print(json!(orgs), text);
        }
        FlowCommand::Member(MemberCommand::Add {
            org,
            user,
            role,
            until,
            actor,
        }) => {
            let until = until.as_deref().map(|t| input::time(Some(t))).transpose()?;
            let state = flow
                .add_member(
                    actor.as_deref().unwrap_or(SYSTEM_ACTOR),
                    org,
                    user,
                    *role,
                    until,
                )
                .await
                .map_err(flow_failure)?;
            print(
                json!(state.members.get(user)),
                format!("{user} is {role} of {}", state.organisation.name),
            );
        }
        FlowCommand::Create(a) => {
            let content = input::read(&a.file)?;
            let doc = flow
                .create(
                    &a.actor,
                    NewDocument {
                        sender: a.from.clone(),
                        recipient: a.to.clone(),
                        kind: a.kind,
                        title: a.title.clone(),
                        content,
                        media_type: a.media_type.clone(),
                    },
                )
                .await
                .map_err(flow_failure)?;
            print(json!(doc), doc.id.clone());
        }
        FlowCommand::Send(a) | FlowCommand::Accept(a) | FlowCommand::Sign(a) => {
            let kind = match &args.command {
                FlowCommand::Send(_) => CommandKind::Send,
                FlowCommand::Accept(_) => CommandKind::Accept,
                _ => CommandKind::Sign,
            };
            let doc = signing_step(provider, &flow, a, kind).await?;
            print(json!(doc), describe(&doc));
        }
        FlowCommand::Return(a) | FlowCommand::Reject(a) => {
            let doc = if matches!(args.command, FlowCommand::Return(_)) {
                flow.return_for_correction(&a.who.id, &a.who.actor, &a.comment)
                    .await
            } else {
                flow.reject(&a.who.id, &a.who.actor, &a.comment).await
            }
            .map_err(flow_failure)?;
            print(json!(doc), describe(&doc));
        }
        FlowCommand::Revise(a) => {
            let content = input::read(&a.file)?;
            let doc = flow
                .revise(&a.who.id, &a.who.actor, content, &a.media_type)
                .await
                .map_err(flow_failure)?;
            print(json!(doc), describe(&doc));
        }
        FlowCommand::Restore(a) => {
            let doc = flow
                .restore(&a.who.id, &a.who.actor, a.version)
                .await
                .map_err(flow_failure)?;
            print(json!(doc), describe(&doc));
        }
        FlowCommand::Withdraw(a) => {
            let doc = flow.withdraw(&a.id, &a.actor).await.map_err(flow_failure)?;
            print(json!(doc), describe(&doc));
        }
        FlowCommand::Show(a) => {
            let doc = flow.document(&a.id).await.map_err(flow_failure)?;
            print(json!(doc), show(&doc));
        }
        FlowCommand::History(a) => {
            let entries = flow.history(&a.id).await.map_err(flow_failure)?;
            if entries.is_empty() {
                return Err(Failure::new(Status::Usage, format!("no document {}", a.id)));
            }
            let rows: Vec<Value> = entries
                .iter()
                .map(|e| {
                    json!({
                        "seq": e.seq,
                        "global_seq": e.global_seq,
                        "at": e.at,
                        "actor": e.actor,
                        "event": serde_json::from_str::<Value>(&e.event_json).unwrap_or(Value::Null),
                        "hash": hex::encode(e.hash),
                    })
                })
                .collect();
            let text = entries
                .iter()
                .map(|e| {
                    let name = e.event().map(|ev| ev.name()).unwrap_or("?");
                    format!("{:>3}  {}  {:<10} {}", e.seq, e.at, e.actor, name)
                })
                .collect::<Vec<_>>()
                .join("\n");
            print(json!(rows), text);
        }
        FlowCommand::List(a) => {
            let filter = DocumentFilter {
                organisation: a.org.clone(),
                status: a.status,
                kind: a.kind,
                updated_from: a
                    .since
                    .as_deref()
                    .map(|t| input::time(Some(t)))
                    .transpose()?,
                updated_to: a
                    .before
                    .as_deref()
                    .map(|t| input::time(Some(t)))
                    .transpose()?,
            };
            let docs = flow.list(&filter).await.map_err(flow_failure)?;
            let text = docs
                .iter()
                .map(|d| {
                    format!(
                        "{}  {:<9} v{:<3} {:<8} {} → {}  {}",
                        d.id, d.status, d.version, d.kind, d.sender, d.recipient, d.title
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            print(json!(docs), text);
        }
        FlowCommand::Export(a) => {
            let files = export(&flow, a).await?;
            let text = files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join("\n");
            print(json!({"files": files}), text);
        }
        FlowCommand::Audit => {
            let report = flow.audit().await.map_err(flow_failure)?;
            let text = match &report.broken {
                None => format!(
                    "journal intact: {} events in {} streams, head {}",
                    report.events, report.streams, report.head
                ),
                Some(b) => format!(
                    "journal TAMPERED: first broken event {} (stream {}, seq {}): {}",
                    b.global_seq, b.stream, b.seq, b.reason
                ),
            };
            print(json!(report), text);
            return Ok(if report.is_intact() {
                Status::Valid
            } else {
                Status::Invalid
            });
        }
    }
    Ok(Status::Valid)
}

async fn signing_step(
    provider: &'static CryptoProvider,
    flow: &Flow<AnyStore>,
    a: &SignStepArgs,
    kind: CommandKind,
) -> Result<DocumentState, Failure> {
    let id = a.signer.load(provider)?;
    let doc = flow.document(&a.who.id).await.map_err(flow_failure)?;
    let signer = FlowSigner {
        provider,
        key: &*id.key,
        certificate: &id.certificate,
        chain: &id.chain,
        at: UnixTime::now(),
    };
    let content = flow.to_be_signed(&doc, kind).await.map_err(flow_failure)?;
    let cms_failure = |e: signflow::cms::CmsError| Failure::new(Status::KeyError, e.to_string());
    let signature = match kind {
        CommandKind::Sign => {
            let version = doc.current().number;
            let sent = doc.step("sent", version).ok_or_else(|| {
                Failure::new(
                    Status::Invalid,
                    format!("refused: cannot sign a document that is {}", doc.status),
                )
            })?;
            let existing = flow.blob(&sent.signature).await.map_err(flow_failure)?;
            signer.cosign(&existing, &content).map_err(cms_failure)?
        }
        _ => signer.sign(&content).map_err(cms_failure)?,
    };
    let r = match kind {
        CommandKind::Send => flow.send(&a.who.id, &a.who.actor, &signature).await,
        CommandKind::Accept => flow.accept(&a.who.id, &a.who.actor, &signature).await,
        _ => flow.sign(&a.who.id, &a.who.actor, &signature).await,
    };
    r.map_err(flow_failure)
}

fn describe(doc: &DocumentState) -> String {
    format!(
        "{}  {}  version {}",
        doc.id,
        doc.status,
        doc.current().number
    )
}

fn show(doc: &DocumentState) -> String {
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
    }
    out.trim_end().to_owned()
}

async fn export(flow: &Flow<AnyStore>, a: &ExportArgs) -> Result<Vec<PathBuf>, Failure> {
    let doc = flow.document(&a.id).await.map_err(flow_failure)?;
    let version = a.version.unwrap_or(doc.current().number);
    let content = flow.content(&doc, version).await.map_err(flow_failure)?;
    std::fs::create_dir_all(&a.output).map_err(|e| Failure::io(&a.output, e))?;
    let mut files = Vec::new();
    let mut write = |name: String, bytes: &[u8]| -> Result<(), Failure> {
        let path = Path::new(&a.output).join(name);
        std::fs::write(&path, bytes).map_err(|e| Failure::io(&path, e))?;
        files.push(path);
        Ok(())
    };
    write(format!("v{version}.bin"), &content)?;
    for s in doc.signatures.iter().filter(|s| s.version == version) {
        let cms = flow.blob(&s.signature).await.map_err(flow_failure)?;
        write(format!("v{version}.{}.p7s", s.step), &cms)?;
        if let Some(r) = &s.receipt {
            let receipt = flow.blob(r).await.map_err(flow_failure)?;
            write(format!("v{version}.receipt.txt"), &receipt)?;
        }
    }
    Ok(files)
}
