//! `signflow flow`: the document flow over a SQLite file or a PostgreSQL database.
//!
//! Every state-changing command is signed by the member it names: `--as NAME` and the
//! member's signer (`--p12 FILE --password-env VAR|--password-file FILE`, or `--key FILE
//! --cert FILE`). `org add` is signed by the organisation's director, whose certificate must
//! carry its INN and OGRN; `member add` binds the new member to the certificate given with
//! `--cert`.
//!
//! Exit statuses: 0 done (for `audit`: intact), 1 refused or found wrong (for `audit`: anything
//! tampered; for `export`: a blob missing or altered), 5 conflict (another writer got there
//! first: run it again), and the common ones (2, 4, 64 — e.g. a PostgreSQL URL without a
//! database —, 74 — e.g. a SQLite store that does not exist).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use signflow::crypto::{CryptoProvider, PublicKeyInfo};
use signflow::flow::model::{
    DocumentFilter, DocumentKind, DocumentStatus as DocStatus, Organisation, Right, Role,
};
use signflow::flow::store::StoreError;
use signflow::flow::{
    AnyStore, CommandKind, DocumentState, Flow, FlowError, FlowSigner, MchdEvidence, NewDocument,
    NewMember, Proof, SignatureCheck, SigningStep, Step,
};
use signflow::limits::InputKind;
use signflow::mchd::RevokedList;
use signflow::pki::{Certificate, UnixTime};

use crate::exit::{Failure, Status};
use crate::identity::SignerArgs;
use crate::out::Out;
use signflow::SigningIdentity;

mod output;
use crate::input;
use crate::policy::VerifyPolicyArgs;
use crate::secrets::PasswordArgs;
use output::{audit_text, describe, export, show};

#[derive(Args, Debug)]
pub struct FlowArgs {
    /// The store: a SQLite file path or a postgres:// URL naming its database. Only `init`
    /// creates one.
    #[arg(long, value_name = "DB", default_value = "signflow.db")]
    db: String,
    /// The trust material and policy signatures are checked with (every step at its own
    /// time: `--at` does not apply).
    #[command(flatten)]
    policy: VerifyPolicyArgs,
    /// The revoked powers of attorney (МЧД), one GUID a line, for steps signed under one
    /// (`send|accept|sign --mchd`). Without it every МЧД's status is unknown and such steps
    /// are refused: signflow never asks the registry itself.
    #[arg(long, value_name = "FILE")]
    mchd_revoked: Option<PathBuf>,
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
    Send(DocumentSignArgs),
    /// Confirm receipt with a signed receipt (recipient, sign right).
    Accept(DocumentSignArgs),
    /// Co-sign the accepted version; the document is archived (recipient, sign right).
    Sign(DocumentSignArgs),
    /// Return for corrections (recipient, sign right).
    Return(CommentArgs),
    /// Reject for good (recipient, sign right).
    Reject(CommentArgs),
    /// Add a version with new content (sender, edit right).
    Revise(ReviseArgs),
    /// Add a version repeating an earlier version's content (sender, edit right).
    Restore(RestoreArgs),
    /// Withdraw before acceptance (sender, send right).
    Withdraw(SignStepArgs),
    /// A document's state, versions and signatures.
    Show(IdArgs),
    /// A document's journal, with who proved each step and how.
    History(IdArgs),
    /// Documents, most recently changed first.
    List(ListArgs),
    /// Write a version's content, signatures and signed notices as files `openssl cms
    /// -verify` accepts (every blob checked against its key first).
    Export(ExportArgs),
    /// Check everything against the journal: hash chains, every signed step (signature,
    /// member binding, right at the time), every blob, the listings (exit 0 intact, 1 not).
    Audit,
    /// Restore the listings (documents, organisations, members) from the journal, after an
    /// audit of every event.
    Rebuild,
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
enum OrgCommand {
    /// Register an organisation, signed by its director (whose certificate carries its INN
    /// and OGRN): the director becomes its first administrator.
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
        /// The director's user id.
        #[arg(long, value_name = "NAME", default_value = "director")]
        user: String,
        #[command(flatten)]
        signer: SignerArgs,
    },
    /// Registered organisations.
    List,
    /// Require power codes (МашПолн/@КодПолн) of every МЧД the organisation's employees sign
    /// documents of a kind under; without --code, lift the requirement (any valid МЧД of the
    /// organisation naming the signer). Signed by an administrator (manage right).
    Powers {
        /// The organisation's INN.
        #[arg(long, value_name = "INN")]
        org: String,
        /// contract, act, invoice or other.
        #[arg(long)]
        kind: DocumentKind,
        /// A power code the МЧД must grant (repeatable; several after one --code too).
        #[arg(long = "code", value_name = "CODE", num_args = 1..)]
        codes: Vec<String>,
        /// The acting administrator.
        #[arg(long = "as", value_name = "ADMIN")]
        actor: String,
        #[command(flatten)]
        signer: SignerArgs,
    },
}

#[derive(Subcommand, Debug)]
enum MemberCommand {
    /// Add a member with a role (administrator, signer, operator, accountant, observer), bound
    /// to the identity of their certificate; signed by an administrator (manage right).
    Add(MemberAddArgs),
    /// Grant a right beyond the member's role (view, edit, send, sign, manage).
    Grant {
        /// The organisation's INN.
        #[arg(long, value_name = "INN")]
        org: String,
        /// The member.
        #[arg(long, value_name = "NAME")]
        user: String,
        /// The right.
        #[arg(long)]
        right: Right,
        /// When it lapses (RFC 3339).
        #[arg(long, value_name = "RFC3339")]
        until: Option<String>,
        /// The acting administrator.
        #[arg(long = "as", value_name = "ADMIN")]
        actor: String,
        #[command(flatten)]
        signer: SignerArgs,
    },
    /// Remove a member.
    Remove {
        /// The organisation's INN.
        #[arg(long, value_name = "INN")]
        org: String,
        /// The member.
        #[arg(long, value_name = "NAME")]
        user: String,
        /// The acting administrator.
        #[arg(long = "as", value_name = "ADMIN")]
        actor: String,
        #[command(flatten)]
        signer: SignerArgs,
    },
    /// Members as listed.
    List {
        /// Only this organisation's (INN).
        #[arg(long, value_name = "INN")]
        org: Option<String>,
    },
}

/// `member add`: `--cert` is the new member's certificate; the administrator signs with
/// `--p12` or with `--key` and a second `--cert` (the one that matches the key).
#[derive(Args, Debug)]
struct MemberAddArgs {
    /// The organisation's INN.
    #[arg(long, value_name = "INN")]
    org: String,
    /// The new member's user id.
    #[arg(long, value_name = "NAME")]
    user: String,
    /// The role.
    #[arg(long, value_name = "ROLE")]
    role: Role,
    /// The new member's certificate, PEM or DER: a qualified one binds the person (SNILS and
    /// INN), any other the certificate itself. With --key, give the administrator's
    /// certificate as a second --cert: the one matching --key is the signer's.
    #[arg(long = "cert", value_name = "FILE", required = true)]
    certs: Vec<PathBuf>,
    /// When the membership lapses (RFC 3339).
    #[arg(long, value_name = "RFC3339")]
    until: Option<String>,
    /// The acting administrator (manage right).
    #[arg(long = "as", value_name = "ADMIN")]
    actor: String,
    /// The administrator's PKCS#12 file (password through --password-env or --password-file).
    #[arg(long, value_name = "FILE", conflicts_with = "key")]
    p12: Option<PathBuf>,
    #[command(flatten)]
    password: PasswordArgs,
    /// The administrator's private key (with their certificate as a second --cert).
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// Certificates above the administrator's to embed (repeatable).
    #[arg(long, value_name = "FILE")]
    chain: Vec<PathBuf>,
}

#[derive(Args, Debug)]
struct ActorArgs {
    /// The document id.
    id: String,
    /// The acting member.
    #[arg(long = "as", value_name = "NAME")]
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
    /// The acting member (edit right in the sending organisation).
    #[arg(long = "as", value_name = "NAME")]
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
    #[command(flatten)]
    signer: SignerArgs,
}

#[derive(Args, Debug)]
struct SignStepArgs {
    #[command(flatten)]
    who: ActorArgs,
    #[command(flatten)]
    signer: SignerArgs,
}

/// `send`, `accept`, `sign`: the member's signer, and the МЧД they sign under when their
/// certificate is personal.
#[derive(Args, Debug)]
struct DocumentSignArgs {
    #[command(flatten)]
    step: SignStepArgs,
    /// The organisation's machine-readable power of attorney (МЧД, EMCHD_1) the member signs
    /// under with a personal certificate; stored with the step.
    #[arg(long, value_name = "FILE")]
    mchd: Option<PathBuf>,
    /// The МЧД's detached CMS signature by the organisation's director (default: the МЧД's
    /// path with .sig appended).
    #[arg(long, value_name = "FILE", requires = "mchd")]
    mchd_sig: Option<PathBuf>,
}

impl DocumentSignArgs {
    /// The МЧД and its signature, when `--mchd` is given.
    fn evidence(&self) -> Result<Option<MchdEvidence>, Failure> {
        let Some(path) = &self.mchd else {
            return Ok(None);
        };
        let document = input::read_as(path, InputKind::Xml)?;
        let sig_path = self.mchd_sig.clone().unwrap_or_else(|| {
            let mut p = path.as_os_str().to_owned();
            p.push(".sig");
            PathBuf::from(p)
        });
        let signature = crate::cms::read_signed_data(&sig_path)?.into_der();
        Ok(Some(MchdEvidence {
            document,
            signature,
        }))
    }
}

#[derive(Args, Debug)]
struct CommentArgs {
    #[command(flatten)]
    who: ActorArgs,
    /// Why (required).
    #[arg(long)]
    comment: String,
    #[command(flatten)]
    signer: SignerArgs,
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
    #[command(flatten)]
    signer: SignerArgs,
}

#[derive(Args, Debug)]
struct RestoreArgs {
    #[command(flatten)]
    who: ActorArgs,
    /// The version to restore.
    #[arg(long)]
    version: u32,
    #[command(flatten)]
    signer: SignerArgs,
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

fn store_status(e: &StoreError) -> Status {
    match e {
        StoreError::Conflict { .. } => Status::Conflict,
        StoreError::Corrupt(_) => Status::Invalid,
        StoreError::InvalidLocation { .. } | StoreError::UnsupportedLocation(_) => Status::Usage,
        _ => Status::Io,
    }
}

/// A `postgres://` (or `postgresql://`) store on a binary built without the `postgres`
/// feature: a usage error (64) that says how to get one, rather than "unsupported location".
fn missing_store_feature(location: &str) -> Result<(), Failure> {
    // The same test as `AnyStore::open`.
    let postgres = location.starts_with("postgres://") || location.starts_with("postgresql://");
    if postgres && !cfg!(feature = "postgres") {
        return Err(Failure::new(
            Status::Usage,
            format!(
                "{location}: a PostgreSQL store, but this signflow was built without the \
                 `postgres` feature (rebuild with `cargo build --features cli,postgres`)"
            ),
        ));
    }
    Ok(())
}

fn flow_failure(e: FlowError) -> Failure {
    let status = match &e {
        FlowError::Refused(_) | FlowError::Integrity(_) | FlowError::Corrupt(_) => Status::Invalid,
        FlowError::Conflict(_) => Status::Conflict,
        FlowError::NotFound { .. } => Status::Usage,
        FlowError::ContentTooLarge { .. } => Status::Usage,
        FlowError::Store(s) => store_status(s),
        _ => Status::Io,
    };
    Failure::new(status, e.to_string())
}

fn trust_material(
    provider: &'static CryptoProvider,
    args: &FlowArgs,
) -> Result<SignatureCheck, Failure> {
    if args.policy.at.is_some() {
        return Err(Failure::new(
            Status::Usage,
            "flow steps are checked at their own times: --at does not apply to `flow`",
        ));
    }
    Ok(SignatureCheck::verify(args.policy.context(provider)?))
}

/// The `--mchd-revoked` list, when given.
fn revoked_list(args: &FlowArgs) -> Result<Option<RevokedList>, Failure> {
    let Some(path) = &args.mchd_revoked else {
        return Ok(None);
    };
    let text = input::read_as(path, InputKind::Document)?;
    let text = String::from_utf8(text).map_err(|_| {
        Failure::new(
            Status::FormatError,
            format!("{}: not UTF-8 text (one GUID a line)", path.display()),
        )
    })?;
    RevokedList::parse(&text)
        .map(Some)
        .map_err(|e| Failure::new(Status::FormatError, format!("{}: {e}", path.display())))
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

/// The signer of a step: key, certificate and chain, signing at the current time.
fn flow_signer(id: &SigningIdentity) -> FlowSigner<'_> {
    FlowSigner::new(id, UnixTime::now())
}

fn cms_failure(e: signflow::cms::CmsError) -> Failure {
    Failure::new(Status::KeyError, e.to_string())
}

/// Asks the flow for the notice of `step` by `actor`, and signs it with `signer`.
async fn prove(
    provider: &'static CryptoProvider,
    flow: &Flow<AnyStore>,
    actor: &str,
    step: &Step<'_>,
    signer: &SignerArgs,
) -> Result<Proof, Failure> {
    let id = signer.load(provider)?;
    let notice = flow.notice(actor, step).await.map_err(flow_failure)?;
    flow_signer(&id).prove(&notice).map_err(cms_failure)
}

fn time_arg(t: Option<&String>) -> Result<Option<UnixTime>, Failure> {
    t.map(|t| input::time(Some(t))).transpose()
}

async fn run_async(
    provider: &'static CryptoProvider,
    args: &FlowArgs,
    json: bool,
) -> Result<Status, Failure> {
    missing_store_feature(&args.db)?;
    let open = if matches!(args.command, FlowCommand::Init) {
        AnyStore::open(&args.db).await
    } else {
        AnyStore::open_existing(&args.db).await
    };
    let store = open.map_err(|e| Failure::new(store_status(&e), format!("{}: {e}", args.db)))?;
    // Every step is checked against its signer's certificate path, and so is the audit.
    let verifying = !matches!(
        args.command,
        FlowCommand::Init
            | FlowCommand::Show(_)
            | FlowCommand::History(_)
            | FlowCommand::List(_)
            | FlowCommand::Export(_)
            | FlowCommand::Org(OrgCommand::List)
            | FlowCommand::Member(MemberCommand::List { .. })
    );
    if verifying && args.policy.material.trust.is_empty() {
        return Err(Failure::new(
            Status::Usage,
            "this command checks signatures: give the trust anchors with --trust (and --crl \
             for revocation)",
        ));
    }
    let check = if verifying {
        trust_material(provider, args)?
    } else {
        SignatureCheck::TrustCaller
    };
    let mut flow = Flow::new(store, check);
    if let Some(list) = revoked_list(args)? {
        flow = flow.with_mchd_revocation(list);
    }
    let mut out = Out::stdout();
    let mut print = |v: Value, text: String| -> Result<(), Failure> {
        if json { out.json(&v) } else { out.line(text) }
    };
    match &args.command {
        FlowCommand::Init => {
            print(
                json!({"db": args.db, "ok": true}),
                format!("store ready: {}", args.db),
            )?;
        }
        FlowCommand::Org(OrgCommand::Add {
            inn,
            ogrn,
            kpp,
            name,
            user,
            signer,
        }) => {
            let org = Organisation {
                inn: inn.clone(),
                ogrn: ogrn.clone(),
                kpp: kpp.clone(),
                name: name.clone(),
            };
            let proof = prove(
                provider,
                &flow,
                user,
                &Step::RegisterOrganisation(&org),
                signer,
            )
            .await?;
            let state = flow
                .register_organisation(user, org, &proof)
                .await
                .map_err(flow_failure)?;
            print(
                json!(state),
                format!(
                    "registered {} (INN {}), director {user}",
                    state.organisation.name, state.organisation.inn
                ),
            )?;
        }
        FlowCommand::Org(OrgCommand::Powers {
            org,
            kind,
            codes,
            actor,
            signer,
        }) => {
            let step = Step::RequirePowers {
                organisation: org,
                kind: *kind,
                codes,
            };
            let proof = prove(provider, &flow, actor, &step, signer).await?;
            let state = flow
                .require_powers(actor, org, *kind, codes, &proof)
                .await
                .map_err(flow_failure)?;
            let required = state.required_powers(*kind);
            print(
                json!({"organisation": state.organisation.inn, "kind": kind, "codes": required}),
                if required.is_empty() {
                    format!(
                        "{} requires no power for {kind} documents: any valid МЧД of it naming \
                         the signer",
                        state.organisation.name
                    )
                } else {
                    format!(
                        "{} requires for {kind} documents: {}",
                        state.organisation.name,
                        required.join(", ")
                    )
                },
            )?;
        }
        FlowCommand::Org(OrgCommand::List) => {
            let orgs = flow.organisations().await.map_err(flow_failure)?;
            let text = orgs
                .iter()
                .map(|o| format!("{}  {}  {}", o.inn, o.ogrn, o.name))
                .collect::<Vec<_>>()
                .join("\n");
            print(json!(orgs), text)?;
        }
        FlowCommand::Member(MemberCommand::Add(a)) => {
            let (certificate, id) = member_add_signer(provider, a)?;
            let member = NewMember {
                user: a.user.clone(),
                role: a.role,
                until: time_arg(a.until.as_ref())?,
                certificate: Some(certificate),
            };
            let step = Step::AddMember {
                organisation: &a.org,
                member: &member,
            };
            let notice = flow.notice(&a.actor, &step).await.map_err(flow_failure)?;
            let proof = flow_signer(&id).prove(&notice).map_err(cms_failure)?;
            let state = flow
                .add_member(&a.actor, &a.org, &member, &proof)
                .await
                .map_err(flow_failure)?;
            let added = state.members.get(&a.user);
            print(
                json!(added),
                format!(
                    "{} is {} of {}, proven by {}",
                    a.user,
                    a.role,
                    state.organisation.name,
                    added
                        .and_then(|m| m.identity.as_ref())
                        .map(ToString::to_string)
                        .unwrap_or_default()
                ),
            )?;
        }
        FlowCommand::Member(MemberCommand::Grant {
            org,
            user,
            right,
            until,
            actor,
            signer,
        }) => {
            let step = Step::Grant {
                organisation: org,
                user,
                right: *right,
                until: time_arg(until.as_ref())?,
            };
            let proof = prove(provider, &flow, actor, &step, signer).await?;
            let Step::Grant { until, .. } = step else {
                unreachable!()
            };
            let state = flow
                .grant(actor, org, user, *right, until, &proof)
                .await
                .map_err(flow_failure)?;
            print(
                json!(state.members.get(user)),
                format!("{user} holds {right} in {}", state.organisation.name),
            )?;
        }
        FlowCommand::Member(MemberCommand::Remove {
            org,
            user,
            actor,
            signer,
        }) => {
            let step = Step::RemoveMember {
                organisation: org,
                user,
            };
            let proof = prove(provider, &flow, actor, &step, signer).await?;
            let state = flow
                .remove_member(actor, org, user, &proof)
                .await
                .map_err(flow_failure)?;
            print(
                json!({"removed": user, "organisation": state.organisation.inn}),
                format!(
                    "{user} is no member of {} any more",
                    state.organisation.name
                ),
            )?;
        }
        FlowCommand::Member(MemberCommand::List { org }) => {
            let rows = flow.members(org.as_deref()).await.map_err(flow_failure)?;
            let text = rows
                .iter()
                .map(|r| {
                    format!(
                        "{}  {:<12} {:<13} {}",
                        r.organisation,
                        r.member.user,
                        r.member.role,
                        r.member
                            .identity
                            .as_ref()
                            .map_or_else(|| "(no certificate bound)".into(), ToString::to_string)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            print(json!(rows), text)?;
        }
        FlowCommand::Create(a) => {
            let doc = NewDocument {
                id: NewDocument::new_id(),
                sender: a.from.clone(),
                recipient: a.to.clone(),
                kind: a.kind,
                title: a.title.clone(),
                content: input::read(&a.file)?,
                media_type: a.media_type.clone(),
            };
            let proof = prove(provider, &flow, &a.actor, &Step::Create(&doc), &a.signer).await?;
            let doc = flow
                .create(&a.actor, doc, &proof)
                .await
                .map_err(flow_failure)?;
            print(json!(doc), doc.id.clone())?;
        }
        FlowCommand::Send(a) | FlowCommand::Accept(a) | FlowCommand::Sign(a) => {
            let kind = match &args.command {
                FlowCommand::Send(_) => CommandKind::Send,
                FlowCommand::Accept(_) => CommandKind::Accept,
                _ => CommandKind::Sign,
            };
            let doc = signing_step(provider, &flow, a, kind).await?;
            print(json!(doc), describe(&doc))?;
        }
        FlowCommand::Return(a) | FlowCommand::Reject(a) => {
            let (id, actor) = (&a.who.id, &a.who.actor);
            let returning = matches!(args.command, FlowCommand::Return(_));
            let step = if returning {
                Step::Return {
                    document: id,
                    comment: &a.comment,
                }
            } else {
                Step::Reject {
                    document: id,
                    comment: &a.comment,
                }
            };
            let proof = prove(provider, &flow, actor, &step, &a.signer).await?;
            let doc = if returning {
                flow.return_for_correction(id, actor, &a.comment, &proof)
                    .await
            } else {
                flow.reject(id, actor, &a.comment, &proof).await
            }
            .map_err(flow_failure)?;
            print(json!(doc), describe(&doc))?;
        }
        FlowCommand::Revise(a) => {
            let content = input::read(&a.file)?;
            let step = Step::Revise {
                document: &a.who.id,
                content: &content,
                media_type: &a.media_type,
            };
            let proof = prove(provider, &flow, &a.who.actor, &step, &a.signer).await?;
            let doc = flow
                .revise(&a.who.id, &a.who.actor, content, &a.media_type, &proof)
                .await
                .map_err(flow_failure)?;
            print(json!(doc), describe(&doc))?;
        }
        FlowCommand::Restore(a) => {
            let step = Step::Restore {
                document: &a.who.id,
                version: a.version,
            };
            let proof = prove(provider, &flow, &a.who.actor, &step, &a.signer).await?;
            let doc = flow
                .restore(&a.who.id, &a.who.actor, a.version, &proof)
                .await
                .map_err(flow_failure)?;
            print(json!(doc), describe(&doc))?;
        }
        FlowCommand::Withdraw(a) => {
            let step = Step::Withdraw {
                document: &a.who.id,
            };
            let proof = prove(provider, &flow, &a.who.actor, &step, &a.signer).await?;
            let doc = flow
                .withdraw(&a.who.id, &a.who.actor, &proof)
                .await
                .map_err(flow_failure)?;
            print(json!(doc), describe(&doc))?;
        }
        FlowCommand::Show(a) => {
            let doc = flow.document(&a.id).await.map_err(flow_failure)?;
            print(json!(doc), show(&doc))?;
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
                        // 0 until PostgreSQL's sequencer reaches the event: none yet.
                        "global_seq": (e.global_seq > 0).then_some(e.global_seq),
                        "at": e.at,
                        "actor": e.actor,
                        "event": serde_json::from_str::<Value>(&e.event_json).unwrap_or(Value::Null),
                        "auth": e.auth_json.as_deref().and_then(|a| serde_json::from_str::<Value>(a).ok()),
                        "hash": hex::encode(e.hash),
                    })
                })
                .collect();
            print(json!(rows), output::history(&entries))?;
        }
        FlowCommand::List(a) => {
            let filter = DocumentFilter {
                organisation: a.org.clone(),
                status: a.status,
                kind: a.kind,
                updated_from: time_arg(a.since.as_ref())?,
                updated_to: time_arg(a.before.as_ref())?,
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
            print(json!(docs), text)?;
        }
        FlowCommand::Export(a) => {
            let files = export(&flow, a).await?;
            let text = files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join("\n");
            print(json!({"files": files}), text)?;
        }
        FlowCommand::Audit => {
            let report = flow.audit().await.map_err(flow_failure)?;
            print(json!(report), audit_text(&report))?;
            return Ok(if report.is_intact() {
                Status::Valid
            } else {
                Status::Invalid
            });
        }
        FlowCommand::Rebuild => {
            let report = flow.rebuild_listings().await.map_err(flow_failure)?;
            let text = if report.listings.is_empty() {
                "listings already match the journal; rewritten from it".to_owned()
            } else {
                let mut t = format!(
                    "listings restored from the journal ({} differences repaired):",
                    report.listings.len()
                );
                for d in &report.listings {
                    t += &format!("\n  {} {}: {}", d.listing, d.key, d.difference);
                }
                t
            };
            print(
                json!({"repaired": report.listings, "events": report.events}),
                text,
            )?;
        }
    }
    Ok(Status::Valid)
}

/// `member add`'s certificates: the new member's, and the administrator's identity (from
/// `--p12`, or `--key` with the `--cert` whose public key matches it).
fn member_add_signer(
    provider: &'static CryptoProvider,
    a: &MemberAddArgs,
) -> Result<(Certificate, SigningIdentity), Failure> {
    let usage = |m: &str| Failure::new(Status::Usage, m.to_owned());
    let signer = |cert: Option<PathBuf>| SignerArgs {
        p12: a.p12.clone(),
        password: a.password.clone(),
        key: a.key.clone(),
        cert,
        chain: a.chain.clone(),
    };
    let first =
        |p: &Path| -> Result<Certificate, Failure> { Ok(input::certificates(p)?.remove(0)) };
    match (&a.p12, &a.key, a.certs.as_slice()) {
        (Some(_), _, [member]) => Ok((first(member)?, signer(None).load(provider)?)),
        (Some(_), _, _) => Err(usage(
            "member add with --p12 takes one --cert: the new member's certificate",
        )),
        (None, Some(key), [one, two]) => {
            let own = |p: &Path| -> Result<bool, Failure> {
                let cert = first(p)?;
                let key = crate::identity::load_key(provider, key)?;
                let cert_key = PublicKeyInfo::parse(cert.spki_der())?;
                let key_key = PublicKeyInfo::parse(key.public_key_der())?;
                Ok(cert_key.key == key_key.key)
            };
            match (own(one)?, own(two)?) {
                (true, false) => Ok((first(two)?, signer(Some(one.clone())).load(provider)?)),
                (false, true) => Ok((first(one)?, signer(Some(two.clone())).load(provider)?)),
                _ => Err(Failure::new(
                    Status::Usage,
                    format!(
                        "{}: exactly one of the two --cert files must match it (the \
                         administrator's); the other is the new member's",
                        key.display()
                    ),
                )),
            }
        }
        (None, Some(_), _) => Err(usage(
            "member add with --key takes two --cert: the new member's and the administrator's \
             (the one matching --key)",
        )),
        (None, None, _) => Err(usage(
            "give the administrator's signer: --p12 FILE (with --password-env/--password-file) \
             or --key FILE with their certificate as a second --cert",
        )),
    }
}

async fn signing_step(
    provider: &'static CryptoProvider,
    flow: &Flow<AnyStore>,
    args: &DocumentSignArgs,
    kind: CommandKind,
) -> Result<DocumentState, Failure> {
    let mchd = args.evidence()?;
    let a = &args.step;
    let id = a.signer.load(provider)?;
    let doc = flow.document(&a.who.id).await.map_err(flow_failure)?;
    let signer = flow_signer(&id);
    let content = flow.to_be_signed(&doc, kind).await.map_err(flow_failure)?;
    let signature = match kind {
        CommandKind::Sign => {
            let version = doc.current().number;
            let sent = doc.step(SigningStep::Sent, version).ok_or_else(|| {
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
    flow.signing_step_with(&a.who.id, &a.who.actor, kind, &signature, mchd.as_ref())
        .await
        .map_err(flow_failure)
}
