//! The document flow's pure state machine and journal, fed arbitrary sequences of commands,
//! actors, times and membership changes. What must hold:
//! - nothing panics;
//! - a membership change is accepted only from a member holding the manage right, never binds
//!   one certificate identity to two members, and applies;
//! - the notice of every accepted notice-proven command survives its canonical round trip and
//!   is checked against exactly its actor, position and step;
//! - a refused command produces nothing, and agrees with `authorize`; a failed signature check
//!   journals `signing_refused`, which changes nothing but the sequence number and the time;
//! - an accepted command came from an allowed status, from a member holding the right, and
//!   every event it produces applies; the resulting status is the command's (sign ends
//!   archived, revise/restore add exactly the next version, …);
//! - every event survives its JSON round trip, the document stream replays from its stored
//!   JSON into the same state, its chain verifies on its own, and chaining everything with
//!   `journal::chain` (with and without authentication records) gives an intact audit;
//! - flipping one byte of one stored event's JSON, or of its authentication record, breaks the
//!   audit at exactly that event, and dropping the newest event is noticed against the
//!   recorded head.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use signflow::flow::journal::{self, Auditor, JournalEntry, PendingEvents};
use signflow::flow::machine::{
    self, AcceptedSignature, Actor, Command, CommandKind, Creation, Director, DocumentState, Event,
    NewContent, OrgCommand, OrganisationState,
};
use signflow::flow::model::{
    Authentication, DocumentKind, DocumentStatus, MemberIdentity, Organisation, Right, Role,
    SignerRecord,
};
use signflow::flow::notice::{Notice, NoticeStep};
use signflow::pki::UnixTime;

const SENDER: &str = "7707083893";
const RECIPIENT: &str = "7728168971";
const USERS: [&str; 4] = ["ivanov", "petrova", "sidorov", "system"];
const ROLES: [Role; 5] = [
    Role::Administrator,
    Role::Signer,
    Role::Operator,
    Role::Accountant,
    Role::Observer,
];
const RIGHTS: [Right; 5] = [
    Right::View,
    Right::Edit,
    Right::Send,
    Right::Sign,
    Right::Manage,
];
const MAX_STEPS: usize = 96;

/// The journal as a store would hold it, with the store-wide head.
#[derive(Default)]
struct Journal {
    entries: Vec<JournalEntry>,
    head: (u64, [u8; 32]),
}

impl Journal {
    fn append(
        &mut self,
        stream: &str,
        expected_seq: u64,
        actor: &str,
        at: UnixTime,
        events: &[Event],
        auth: Option<&Authentication>,
    ) {
        let auth = auth.map(|a| serde_json::to_string(a).expect("a record serialises"));
        let json: Vec<String> = events
            .iter()
            .map(|e| {
                let text = serde_json::to_string(e).expect("an event serialises");
                let back: Event = serde_json::from_str(&text).expect("an event deserialises");
                assert_eq!(&back, e, "JSON round trip changed the event");
                text
            })
            .collect();
        let last = self
            .entries
            .iter()
            .rev()
            .find(|e| e.stream == stream)
            .map_or(journal::GENESIS, |e| e.hash);
        if let Some(e) = self.entries.iter().rev().find(|e| e.stream == stream) {
            assert_eq!(e.seq, expected_seq, "append after a stale sequence number");
        } else {
            assert_eq!(expected_seq, 0);
        }
        let pending = PendingEvents {
            stream,
            expected_seq,
            actor,
            at,
            events: &json,
            auth: auth.as_deref(),
        };
        let new = journal::chain(&pending, last, self.head);
        assert_eq!(new.len(), events.len());
        if let Some(e) = new.last() {
            self.head = (e.global_seq, e.hash);
        }
        self.entries.extend(new);
    }
}

fn audit(entries: &[JournalEntry], head: (u64, [u8; 32])) -> journal::AuditReport {
    let mut auditor = Auditor::new();
    for e in entries {
        auditor.feed(e);
    }
    auditor.finish(head)
}

fn text(u: &mut Unstructured<'_>, max: usize) -> Result<String> {
    let len = u.int_in_range(0..=max)?;
    let bytes = u.bytes(len.min(u.len()))?;
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

fn hexish(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(hex_encode(u.bytes(4.min(u.len()))?))
}

fn hex_encode(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn identity(u: &mut Unstructured<'_>) -> Result<Option<MemberIdentity>> {
    // Few distinct identities, so that the same one is offered for two members.
    Ok(match u.int_in_range(0..=4u8)? {
        0 => None,
        1 | 2 => Some(MemberIdentity::Certificate {
            sha256: format!("{:064x}", u.int_in_range(0..=3u8)?),
        }),
        _ => Some(MemberIdentity::Person {
            snils: format!("{:011}", u.int_in_range(0..=3u8)?),
            inn: "770312345678".into(),
        }),
    })
}

/// How the fuzzed journal says an append was authenticated: a service's word, or a signature.
fn authentication(u: &mut Unstructured<'_>) -> Result<Option<Authentication>> {
    Ok(match u.int_in_range(0..=2u8)? {
        0 => None,
        1 => Some(Authentication::Service { by: text(u, 8)? }),
        _ => Some(Authentication::Signature {
            signature: hexish(u)?,
            signed: hexish(u)?,
            signer: signature(u)?.signer,
        }),
    })
}

fn until(u: &mut Unstructured<'_>, now: i64) -> Result<Option<UnixTime>> {
    Ok(if u.arbitrary()? {
        Some(UnixTime(now + u.int_in_range(-100..=1000i64)?))
    } else {
        None
    })
}

fn signature(u: &mut Unstructured<'_>) -> Result<AcceptedSignature> {
    Ok(AcceptedSignature {
        blob: hexish(u)?,
        signer: SignerRecord {
            subject: text(u, 12)?,
            certificate_sha256: hexish(u)?,
            algorithm: "rsa-sha256".into(),
            verified: u.arbitrary()?,
            mchd: None,
        },
    })
}

fn comment(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=7u8)? {
        0 => String::new(),
        1 => " \t\n".into(),
        2 => "x".repeat(machine::MAX_COMMENT_LEN + 1),
        3 => "я".repeat(machine::MAX_COMMENT_LEN / 2),
        _ => text(u, 24)?,
    })
}

fn command(u: &mut Unstructured<'_>) -> Result<Command> {
    Ok(match u.int_in_range(0..=7u8)? {
        0 => Command::Revise {
            content: NewContent {
                sha256: hexish(u)?,
                streebog256: hexish(u)?,
                size: u.arbitrary()?,
                media_type: text(u, 16)?,
            },
        },
        1 => Command::Restore {
            version: if u.arbitrary()? {
                u.arbitrary()?
            } else {
                u.int_in_range(0..=6)?
            },
        },
        2 => Command::Send {
            signature: signature(u)?,
        },
        3 => Command::Accept {
            receipt: hexish(u)?,
            signature: signature(u)?,
        },
        4 => Command::Sign {
            signature: signature(u)?,
        },
        5 => Command::Return {
            comment: comment(u)?,
        },
        6 => Command::Reject {
            comment: comment(u)?,
        },
        _ => Command::Withdraw,
    })
}

fn organisation(inn: &str) -> Organisation {
    Organisation {
        inn: inn.into(),
        ogrn: "1027700132195".into(),
        kpp: None,
        name: format!("Org {inn}"),
    }
}

/// What the state must look like after an accepted command.
fn check_outcome(
    before: &DocumentState,
    after: &DocumentState,
    command: &Command,
    events: &[Event],
) {
    let kind = command.kind();
    assert!(kind.allowed_from().contains(&before.status));
    assert!(!before.status.is_terminal(), "a terminal document moved");
    assert_eq!(after.seq, before.seq + events.len() as u64);
    let expected = match kind {
        CommandKind::Revise | CommandKind::Restore => DocumentStatus::Draft,
        CommandKind::Send => DocumentStatus::Sent,
        CommandKind::Accept => DocumentStatus::Accepted,
        CommandKind::Sign => DocumentStatus::Archived,
        CommandKind::Return => DocumentStatus::Returned,
        CommandKind::Reject => DocumentStatus::Rejected,
        CommandKind::Withdraw => DocumentStatus::Withdrawn,
    };
    assert_eq!(
        after.status, expected,
        "{kind} from {} ended {}",
        before.status, after.status
    );
    let added_version = matches!(kind, CommandKind::Revise | CommandKind::Restore);
    assert_eq!(
        after.versions.len(),
        before.versions.len() + added_version as usize
    );
    assert_eq!(after.versions[..before.versions.len()], before.versions[..]);
    if let Command::Restore { version } = command {
        let v = after.current();
        let from = before.version(*version).expect("restored version exists");
        assert_eq!(v.restored_from, Some(*version));
        assert_eq!((&v.sha256, v.size), (&from.sha256, from.size));
    }
    let steps = match kind {
        CommandKind::Send | CommandKind::Accept | CommandKind::Sign => 1,
        _ => 0,
    };
    assert_eq!(after.signatures.len(), before.signatures.len() + steps);
    if kind == CommandKind::Sign {
        let step = after
            .step(machine::SigningStep::Signed, after.current().number)
            .expect("signed step");
        assert_eq!(step.version, before.current().number);
    }
    if matches!(kind, CommandKind::Return | CommandKind::Reject) {
        assert!(after.comment.as_ref().is_some_and(|c| !c.trim().is_empty()));
    }
    assert_eq!(
        (&after.id, &after.sender, &after.recipient, after.created_at),
        (
            &before.id,
            &before.sender,
            &before.recipient,
            before.created_at
        )
    );
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let mut journal = Journal::default();
    let mut now: i64 = 1_800_000_000;

    // The two organisations, each registered with its director (ivanov, petrova).
    let mut orgs: Vec<OrganisationState> = Vec::new();
    for (inn, director) in [(SENDER, USERS[0]), (RECIPIENT, USERS[1])] {
        let director = Director {
            user: director.into(),
            identity: identity(u)?,
        };
        let events = machine::register(&organisation(inn), &director).expect("registration");
        let mut org = None;
        for (i, e) in events.iter().enumerate() {
            org = Some(machine::apply_organisation(org, e, i as u64 + 1).expect("applies"));
        }
        let org = org.expect("registered");
        assert_eq!(
            org.members[director.user.as_str()].role,
            Role::Administrator
        );
        assert!(
            machine::register(
                &organisation(inn),
                &Director {
                    user: "\u{7}".into(),
                    identity: None,
                }
            )
            .is_err()
        );
        let auth = authentication(u)?;
        journal.append(
            &format!("org:{inn}"),
            0,
            &director.user,
            UnixTime(now),
            &events,
            auth.as_ref(),
        );
        orgs.push(org);
    }

    // The document, created by the sender's director.
    let id = "doc-1".to_string();
    let creation = Creation {
        id: id.clone(),
        kind: *u.choose(&[
            DocumentKind::Contract,
            DocumentKind::Act,
            DocumentKind::Invoice,
            DocumentKind::Other,
        ])?,
        title: text(u, 32)?,
        sender: SENDER.into(),
        recipient: RECIPIENT.into(),
        content: NewContent {
            sha256: hexish(u)?,
            streebog256: hexish(u)?,
            size: u.arbitrary()?,
            media_type: "text/plain".into(),
        },
    };
    let creator = Actor {
        user: USERS[0],
        member: orgs[0].members.get(USERS[0]),
    };
    let made = machine::create(&orgs[0], &orgs[1], creator, &creation, UnixTime(now))
        .expect("the director may create");
    let created = made[0].clone();
    let notice = Notice::new(
        USERS[0],
        0,
        UnixTime(now),
        NoticeStep::for_creation(&creation),
    );
    assert_eq!(
        Notice::parse(&notice.to_bytes()).expect("canonical"),
        notice
    );
    let mut state = machine::apply(None, &created, 1, UnixTime(now)).expect("creation applies");
    let stream = format!("doc:{id}");
    let auth = authentication(u)?;
    journal.append(
        &stream,
        0,
        USERS[0],
        UnixTime(now),
        std::slice::from_ref(&created),
        auth.as_ref(),
    );
    assert_eq!(state.status, DocumentStatus::Draft);
    assert!(machine::apply(Some(state.clone()), &created, 2, UnixTime(now)).is_err());
    let registered = Event::OrganisationRegistered {
        organisation: organisation(SENDER),
    };
    assert!(machine::apply(Some(state.clone()), &registered, 2, UnixTime(now)).is_err());

    for _ in 0..MAX_STEPS {
        if u.is_empty() {
            break;
        }
        now += u.int_in_range(0..=300i64)?;
        let at = UnixTime(now);
        let user = *u.choose(&USERS)?;
        match u.int_in_range(0..=9u8)? {
            // Membership changes by a user of one of the two organisations.
            0..=2 => {
                let side = u.choose_index(2)?;
                let subject = *u.choose(&USERS)?;
                let command = match u.int_in_range(0..=2u8)? {
                    0 => OrgCommand::AddMember {
                        user: subject.into(),
                        role: *u.choose(&ROLES)?,
                        until: until(u, now)?,
                        identity: identity(u)?,
                    },
                    1 => OrgCommand::Grant {
                        user: subject.into(),
                        right: *u.choose(&RIGHTS)?,
                        until: until(u, now)?,
                    },
                    _ => OrgCommand::RemoveMember {
                        user: subject.into(),
                    },
                };
                let org = orgs[side].clone();
                let member = org.members.get(user);
                let actor = Actor { user, member };
                match machine::handle_organisation(&org, actor, &command, at) {
                    Err(_) => {}
                    Ok(events) => {
                        assert!(member.is_some_and(|m| m.has_right(Right::Manage, at)));
                        let mut next = org.clone();
                        for (i, e) in events.iter().enumerate() {
                            next =
                                machine::apply_organisation(Some(next), e, org.seq + 1 + i as u64)
                                    .expect("an accepted membership change applies");
                        }
                        let mut bound: Vec<&MemberIdentity> = next
                            .members
                            .values()
                            .filter_map(|m| m.identity.as_ref())
                            .collect();
                        let n = bound.len();
                        bound.sort_by_key(|i| format!("{i:?}"));
                        bound.dedup();
                        assert_eq!(bound.len(), n, "one identity bound to two members");
                        let inn = org.organisation.inn.clone();
                        let step = NoticeStep::for_org_command(&inn, &command);
                        let notice = Notice::new(user, org.seq, at, step.clone());
                        assert!(notice.check(user, org.seq, &step, at).is_ok());
                        assert!(notice.check(user, org.seq + 1, &step, at).is_err());
                        let auth = authentication(u)?;
                        journal.append(
                            &format!("org:{inn}"),
                            org.seq,
                            user,
                            at,
                            &events,
                            auth.as_ref(),
                        );
                        orgs[side] = next;
                    }
                }
            }
            // A document command, by a user looked up in the organisation that must act.
            _ => {
                let command = command(u)?;
                let kind = command.kind();
                let (side, right) = kind.actor();
                let org = &orgs[match side {
                    machine::Side::Sender => 0,
                    machine::Side::Recipient => 1,
                }];
                assert_eq!(org.organisation.inn, state.organisation(side));
                let member = org.members.get(user);
                let actor = Actor { user, member };
                let before = state.clone();
                let authorized = machine::authorize(&state, actor, kind, at);
                let signing = matches!(
                    kind,
                    CommandKind::Send | CommandKind::Accept | CommandKind::Sign
                );
                if authorized.is_ok() && signing && u.ratio(1, 4)? {
                    // The signature failed its checks: journaled, and nothing else changes.
                    let event = machine::signing_refused(&state, kind, "bad signature");
                    let next = machine::apply(Some(state.clone()), &event, state.seq + 1, at)
                        .expect("signing_refused applies");
                    let mut same = next.clone();
                    same.seq = before.seq;
                    same.updated_at = before.updated_at;
                    assert_eq!(same, before, "a refused signature changed the document");
                    journal.append(
                        &stream,
                        state.seq,
                        user,
                        at,
                        &[event],
                        Some(&Authentication::Attempt),
                    );
                    state = next;
                    continue;
                }
                match machine::handle(&state, actor, &command, at) {
                    Err(refusal) => {
                        if let Err(a) = authorized {
                            assert_eq!(a, refusal, "handle and authorize disagree");
                        }
                        assert_eq!(state, before);
                    }
                    Ok(events) => {
                        authorized.expect("handle accepted what authorize refused");
                        let member = member.expect("a non-member acted");
                        assert!(member.has_right(right, at));
                        assert!(!events.is_empty());
                        let mut next = state.clone();
                        for (i, e) in events.iter().enumerate() {
                            next = machine::apply(Some(next), e, state.seq + 1 + i as u64, at)
                                .unwrap_or_else(|err| {
                                    panic!("produced event does not apply: {err}")
                                });
                        }
                        check_outcome(&state, &next, &command, &events);
                        match NoticeStep::for_command(&state, &command) {
                            Some(step) => {
                                assert!(!signing, "{kind} takes no notice");
                                let notice = Notice::new(user, state.seq, at, step.clone());
                                let parsed = Notice::parse(&notice.to_bytes()).expect("canonical");
                                assert_eq!(parsed, notice);
                                assert!(parsed.check(user, state.seq, &step, at).is_ok());
                                assert!(parsed.check("mallory", state.seq, &step, at).is_err());
                            }
                            None => assert!(signing, "{kind} needs a notice"),
                        }
                        let auth = authentication(u)?;
                        journal.append(&stream, state.seq, user, at, &events, auth.as_ref());
                        state = next;
                    }
                }
            }
        }
    }

    // The document replays from its stored JSON.
    let doc_entries: Vec<JournalEntry> = journal
        .entries
        .iter()
        .filter(|e| e.stream == stream)
        .cloned()
        .collect();
    let replayed = signflow::flow::replay(&doc_entries)
        .expect("the journal replays")
        .expect("a document");
    assert_eq!(replayed, state);
    journal::verify_stream(&doc_entries).expect("the stream's chain verifies");

    // The whole journal audits intact.
    let report = audit(&journal.entries, journal.head);
    assert!(
        report.is_intact(),
        "intact journal audited broken: {:?}",
        report.broken
    );
    assert_eq!(report.events, journal.entries.len() as u64);
    assert_eq!(report.streams, 3);
    assert_eq!(report.head, hex_encode(&journal.head.1));

    // Tampering: one byte of one event's JSON, or of its authentication record.
    let i = u.choose_index(journal.entries.len()).unwrap_or(0);
    let mut tampered = journal.entries.clone();
    let in_auth = tampered[i].auth_json.is_some() && u.arbitrary().unwrap_or(false);
    let json = if in_auth {
        tampered[i]
            .auth_json
            .clone()
            .unwrap_or_default()
            .into_bytes()
    } else {
        tampered[i].event_json.clone().into_bytes()
    };
    let start = u.choose_index(json.len()).unwrap_or(0);
    let pos = (start..json.len())
        .chain(0..start)
        .find(|&p| json[p].is_ascii())
        .expect("JSON has ASCII punctuation");
    let mask = u.int_in_range(1..=0x7fu8).unwrap_or(1);
    let mut bytes = json;
    bytes[pos] ^= mask;
    let bytes = String::from_utf8(bytes).expect("ASCII stays UTF-8");
    if in_auth {
        tampered[i].auth_json = Some(bytes);
    } else {
        tampered[i].event_json = bytes;
    }
    let report = audit(&tampered, journal.head);
    let broken = report.broken.expect("a flipped byte went unnoticed");
    assert_eq!(
        broken.global_seq, tampered[i].global_seq,
        "broken at the wrong event"
    );
    assert_eq!(
        (broken.stream.as_str(), broken.seq),
        (tampered[i].stream.as_str(), tampered[i].seq)
    );

    // Dropping the newest event.
    let shorter = &journal.entries[..journal.entries.len() - 1];
    assert!(
        !audit(shorter, journal.head).is_intact(),
        "a dropped event went unnoticed"
    );
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
