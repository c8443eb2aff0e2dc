//! The tamper-evident journal: every event is stored with a SHA-256 hash that covers its own
//! fields, the hash of the previous event of the same stream (a document or an organisation)
//! and the hash of the previous event of the whole store. Editing, deleting, inserting or
//! reordering a stored event breaks at least one chain; [`Auditor`] recomputes both and names
//! the first broken event.
//!
//! The store also keeps the head of the store-wide chain (last global sequence number and
//! hash), so that deleting the newest events is noticed too. Whoever can rewrite the head *and*
//! every hash after an edit can rewrite history undetected (for instance cut the tail and point
//! the head back): publish [`AuditReport::head`] somewhere else (a signed receipt, another
//! system) to anchor it.
//!
//! Since schema 2 every entry also carries how its actor was authenticated (JSON of
//! [`super::model::Authentication`]); entries that carry it hash under the domain
//! `signflow-journal-v2`, with that text as a last field. Entries from before (no
//! authentication) keep their version-1 hashes, so existing journals still chain.
//!
//! Entries of format 3 ([`EntryFormat::Sequenced`], the PostgreSQL store since its schema 4)
//! hash only what their own stream knows (domain `signflow-journal-v3`: no store-wide
//! position, no previous event of the store), so an append locks its stream alone. A
//! sequencer gives each committed entry its store-wide position later and links it into the
//! store-wide chain: its `global_prev_hash` is the previous entry's [`JournalEntry::store_link`],
//! and its own link is SHA-256 over a domain tag, its position, its hash and that previous link.
//! The store-wide chain is then the chain of links: editing, deleting, inserting or reordering
//! a sequenced entry breaks it exactly as it breaks the chain of format-2 hashes. Entries of
//! the older formats keep their hashes; their link is their hash, so a migrated journal
//! continues in the new form.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::machine::Event;
use crate::pki::UnixTime;

/// The hash before the first event (of a stream, or of the store).
pub const GENESIS: [u8; 32] = [0; 32];

/// Domain separation for the hash of entries without authentication (schema 1).
const HASH_DOMAIN: &[u8] = b"signflow-journal-v1\0";
/// Domain separation for the hash of entries with authentication; bump it with any change of
/// the hashed layout.
const HASH_DOMAIN_V2: &[u8] = b"signflow-journal-v2\0";
/// Domain separation for the hash of [`EntryFormat::Sequenced`] entries (stream fields only).
const HASH_DOMAIN_V3: &[u8] = b"signflow-journal-v3\0";
/// Domain separation for the store-wide link of a sequenced entry
/// ([`JournalEntry::store_link`]).
const LINK_DOMAIN: &[u8] = b"signflow-link-v3\0";

/// How an entry's hash is laid out, and so how the entry joins the store-wide chain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EntryFormat {
    /// Formats 1 and 2 (told apart by the authentication record): the hash covers the
    /// store-wide position and the previous event of the store, so every append holds the
    /// store-wide lock (SQLite; PostgreSQL before its schema 4).
    #[default]
    Chained,
    /// Format 3: the hash covers the stream's fields only; the store-wide position and link
    /// come later from the sequencer (PostgreSQL since its schema 4). Until then its
    /// `global_seq` is 0 and its `global_prev_hash` all zero.
    Sequenced,
}

/// The store-wide link of the sequenced entry at `global_seq` with hash `hash`, whose
/// predecessor's link is `global_prev_hash`.
pub fn sequenced_link(global_seq: u64, hash: &[u8; 32], global_prev_hash: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(LINK_DOMAIN);
    h.update(global_seq.to_be_bytes());
    h.update(hash);
    h.update(global_prev_hash);
    h.finalize().into()
}

/// One stored event, as the store holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntry {
    /// Position in the store-wide chain, from 1 (0: a [`EntryFormat::Sequenced`] entry the
    /// sequencer has not reached yet).
    pub global_seq: u64,
    /// The stream: `doc:<id>` or `org:<INN>`.
    pub stream: String,
    /// Position in the stream, from 1.
    pub seq: u64,
    /// When it happened.
    pub at: UnixTime,
    /// Who did it.
    pub actor: String,
    /// The event as stored (JSON); the hash covers these exact bytes.
    pub event_json: String,
    /// How the actor was authenticated, as stored (JSON of
    /// [`super::model::Authentication`]); `None` for events from before steps were signed.
    pub auth_json: Option<String>,
    /// Hash of the previous event of the stream ([`GENESIS`] for the first).
    pub prev_hash: [u8; 32],
    /// The store-wide link of the previous event of the store ([`GENESIS`] for the first; for
    /// a chained predecessor its hash, see [`JournalEntry::store_link`]).
    pub global_prev_hash: [u8; 32],
    /// This entry's hash ([`JournalEntry::computed_hash`]).
    pub hash: [u8; 32],
    /// The layout of the hash.
    pub format: EntryFormat,
}

impl JournalEntry {
    /// The event, parsed from the stored JSON.
    ///
    /// # Errors
    /// If the stored text is not an event.
    pub fn event(&self) -> Result<Event, serde_json::Error> {
        serde_json::from_str(&self.event_json)
    }

    /// How the actor was authenticated, parsed from the stored JSON (`None` for an entry from
    /// before steps were signed).
    ///
    /// # Errors
    /// If the stored text is not an authentication record.
    pub fn authentication(
        &self,
    ) -> Result<Option<super::model::Authentication>, serde_json::Error> {
        self.auth_json
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
    }

    /// The hash this entry should carry, recomputed from its fields: SHA-256 over a domain tag
    /// and every field but `hash`, each variable-length field prefixed with its length, so no
    /// two different entries hash the same input. An entry with an authentication record
    /// hashes under the version-2 domain with the record last; one without, exactly as schema 1
    /// did.
    ///
    /// A [`EntryFormat::Sequenced`] entry hashes under the version-3 domain without its
    /// store-wide position and `global_prev_hash` (its link covers those).
    pub fn computed_hash(&self) -> [u8; 32] {
        if self.format == EntryFormat::Sequenced {
            return self.stream_hash();
        }
        let Self {
            global_seq,
            stream,
            seq,
            at,
            actor,
            event_json,
            auth_json,
            prev_hash,
            global_prev_hash,
            hash: _,
            format: _,
        } = self;
        let auth_json = auth_json.as_deref();
        let (global_seq, seq) = (*global_seq, *seq);
        fn field(h: &mut Sha256, bytes: &[u8]) {
            h.update((bytes.len() as u64).to_be_bytes());
            h.update(bytes);
        }
        let mut h = Sha256::new();
        h.update(if auth_json.is_some() {
            HASH_DOMAIN_V2
        } else {
            HASH_DOMAIN
        });
        h.update(global_seq.to_be_bytes());
        field(&mut h, stream.as_bytes());
        h.update(seq.to_be_bytes());
        h.update(at.0.to_be_bytes());
        field(&mut h, actor.as_bytes());
        field(&mut h, event_json.as_bytes());
        h.update(prev_hash);
        h.update(global_prev_hash);
        if let Some(auth) = auth_json {
            field(&mut h, auth.as_bytes());
        }
        h.finalize().into()
    }
}

impl JournalEntry {
    /// The version-3 hash: [`HASH_DOMAIN_V3`], the stream (length-prefixed), the stream
    /// sequence number, the time, the actor, the event, the previous hash of the stream and
    /// the authentication record (a 0 or 1 byte for its absence or presence, then
    /// length-prefixed).
    fn stream_hash(&self) -> [u8; 32] {
        fn field(h: &mut Sha256, bytes: &[u8]) {
            h.update((bytes.len() as u64).to_be_bytes());
            h.update(bytes);
        }
        let mut h = Sha256::new();
        h.update(HASH_DOMAIN_V3);
        field(&mut h, self.stream.as_bytes());
        h.update(self.seq.to_be_bytes());
        h.update(self.at.0.to_be_bytes());
        field(&mut h, self.actor.as_bytes());
        field(&mut h, self.event_json.as_bytes());
        h.update(self.prev_hash);
        match &self.auth_json {
            None => h.update([0]),
            Some(auth) => {
                h.update([1]);
                field(&mut h, auth.as_bytes());
            }
        }
        h.finalize().into()
    }

    /// This entry's link in the store-wide chain, what the next entry's `global_prev_hash`
    /// and the recorded head hold: its hash for a [`EntryFormat::Chained`] entry (which
    /// covers its position and predecessor), [`sequenced_link`] of its position, hash and
    /// `global_prev_hash` for a [`EntryFormat::Sequenced`] one.
    pub fn store_link(&self) -> [u8; 32] {
        match self.format {
            EntryFormat::Chained => self.hash,
            EntryFormat::Sequenced => {
                sequenced_link(self.global_seq, &self.hash, &self.global_prev_hash)
            }
        }
    }

    /// This entry's leaf data in the store's Merkle tree ([`super::merkle`]):
    /// [`LEAF_DOMAIN`], then the stream (length-prefixed), the stream sequence number, the
    /// time, the actor, the event and the authentication record (a 0 or 1 byte for its
    /// absence or presence, then length-prefixed); numbers big-endian, lengths as 8-byte
    /// big-endian. Everything the entry says, and nothing derived from other entries: not its
    /// store-wide position, nor the chain hashes (which cover the store-wide chain). The tree
    /// orders the events itself, so an event moved, inserted or removed leaves the other
    /// events' leaves as they were, and the audit can name what happened.
    pub fn tree_leaf_data(&self) -> Vec<u8> {
        fn field(out: &mut Vec<u8>, bytes: &[u8]) {
            out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
            out.extend_from_slice(bytes);
        }
        let mut out = Vec::with_capacity(LEAF_DOMAIN.len() + 128 + self.event_json.len());
        out.extend_from_slice(LEAF_DOMAIN);
        field(&mut out, self.stream.as_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.at.0.to_be_bytes());
        field(&mut out, self.actor.as_bytes());
        field(&mut out, self.event_json.as_bytes());
        match &self.auth_json {
            None => out.push(0),
            Some(auth) => {
                out.push(1);
                field(&mut out, auth.as_bytes());
            }
        }
        out
    }

    /// This entry's leaf hash: the RFC 9162 leaf hash of [`JournalEntry::tree_leaf_data`].
    pub fn tree_leaf(&self) -> super::merkle::Hash {
        super::merkle::leaf_hash(&self.tree_leaf_data())
    }
}

/// Domain separation for the data of an entry's Merkle leaf ([`JournalEntry::tree_leaf`]).
pub const LEAF_DOMAIN: &[u8] = b"signflow-leaf-v1\0";

/// What an append adds: events of one stream, made by one actor at one time.
#[derive(Clone, Debug)]
pub struct PendingEvents<'a> {
    /// The stream.
    pub stream: &'a str,
    /// The stream's last sequence number the caller saw (0 for a new stream).
    pub expected_seq: u64,
    /// Who.
    pub actor: &'a str,
    /// When.
    pub at: UnixTime,
    /// The events, serialised.
    pub events: &'a [String],
    /// How the actor was authenticated (JSON), recorded on every event of the append.
    pub auth: Option<&'a str>,
}

/// Chains `pending` after the stream's last hash and the store's head: what a store inserts
/// once it holds the store-wide lock and has checked `expected_seq`.
pub fn chain(
    pending: &PendingEvents<'_>,
    stream_last_hash: [u8; 32],
    head: (u64, [u8; 32]),
) -> Vec<JournalEntry> {
    let (mut global_seq, mut global_prev) = head;
    let mut prev = stream_last_hash;
    let mut seq = pending.expected_seq;
    pending
        .events
        .iter()
        .map(|json| {
            global_seq += 1;
            seq += 1;
            let mut e = JournalEntry {
                global_seq,
                stream: pending.stream.into(),
                seq,
                at: pending.at,
                actor: pending.actor.into(),
                event_json: json.clone(),
                auth_json: pending.auth.map(str::to_owned),
                prev_hash: prev,
                global_prev_hash: global_prev,
                hash: [0; 32],
                format: EntryFormat::Chained,
            };
            let hash = e.computed_hash();
            e.hash = hash;
            prev = hash;
            global_prev = hash;
            e
        })
        .collect()
}

/// Chains `pending` after the stream's last hash alone, as [`EntryFormat::Sequenced`] entries
/// (no store-wide position yet): what a store inserts once it holds the stream's lock and has
/// checked `expected_seq`.
pub fn chain_stream(pending: &PendingEvents<'_>, stream_last_hash: [u8; 32]) -> Vec<JournalEntry> {
    let mut prev = stream_last_hash;
    let mut seq = pending.expected_seq;
    pending
        .events
        .iter()
        .map(|json| {
            seq += 1;
            let mut e = JournalEntry {
                global_seq: 0,
                stream: pending.stream.into(),
                seq,
                at: pending.at,
                actor: pending.actor.into(),
                event_json: json.clone(),
                auth_json: pending.auth.map(str::to_owned),
                prev_hash: prev,
                global_prev_hash: GENESIS,
                hash: [0; 32],
                format: EntryFormat::Sequenced,
            };
            e.hash = e.computed_hash();
            prev = e.hash;
            e
        })
        .collect()
}

/// What kind of check an event failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BreakKind {
    /// The hash chains: an edited, deleted, inserted or reordered entry, or a rewritten head.
    Chain,
    /// The event does not replay, or is not what the step it records produces.
    Event,
    /// Its signature does not verify, or is not over what the step signs.
    Signature,
    /// Its signer's certificate is not the acting member's (or, for a registration, not the
    /// organisation's), or the event carries no authentication where one is required.
    Binding,
    /// The actor did not hold the right at the time (or the step was not allowed then).
    Right,
    /// A blob it references is missing or does not match its key.
    Blob,
}

/// The first broken link found by an audit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    /// What kind of check failed.
    pub kind: BreakKind,
    /// The global sequence number of the first event found broken (for a missing tail: the
    /// head's, which no stored event reaches).
    pub global_seq: u64,
    /// Its stream.
    pub stream: String,
    /// Its position in the stream.
    pub seq: u64,
    /// What does not hold.
    pub reason: String,
}

/// A listing row that is not what the journal makes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListingDifference {
    /// The listing: `documents`, `organisations` or `members`.
    pub listing: &'static str,
    /// The row's key (document id, INN, or INN/user).
    pub key: String,
    /// What differs, in a sentence.
    pub difference: String,
}

/// The outcome of an audit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Events checked.
    pub events: u64,
    /// Streams seen.
    pub streams: u64,
    /// The store-wide link of the last event ([`JournalEntry::store_link`]: its hash for
    /// entries of formats 1 and 2), hex: publish it to anchor the journal.
    pub head: String,
    /// The first event that fails a check (chain, replay, signature, binding, right or blob),
    /// if any.
    pub broken: Option<BrokenLink>,
    /// Every listing row that differs from the journal's projection (compared only when no
    /// event is broken).
    pub listings: Vec<ListingDifference>,
    /// Whether the listings were compared with the journal.
    pub listings_compared: bool,
    /// Events whose actor's signature was checked.
    pub signed: u64,
    /// Whether those signatures were verified cryptographically (with certificate paths and
    /// revocation), rather than only parsed and bound ([`super::SignatureCheck::TrustCaller`]).
    pub signatures_verified: bool,
    /// Events from before steps were signed (schema 1), kept as they were and not proven.
    pub unsigned: u64,
    /// Events whose actor a service authenticated, by the service's name.
    pub service: BTreeMap<String, u64>,
    /// Refused signing attempts (recorded under the name their caller gave, not proven).
    pub attempts: u64,
    /// Distinct blobs checked against their keys.
    pub blobs: u64,
    /// The Merkle tree over the journal and its checkpoints (see [`super::checkpoint`]).
    pub tree: super::checkpoint::TreeAudit,
}

impl AuditReport {
    /// Whether nothing failed: both chains hold from the first event to the head, every event
    /// checks out, (when compared) every listing row matches the journal, and the journal
    /// matches every checkpoint ([`AuditReport::tree`]).
    pub fn is_intact(&self) -> bool {
        self.broken.is_none() && self.listings.is_empty() && self.tree.breaks.is_empty()
    }
}

/// Recomputes the chains over entries fed in store-wide order (e.g. page by page).
#[derive(Debug, Default)]
pub struct Auditor {
    streams: std::collections::HashMap<String, (u64, [u8; 32])>,
    global: (u64, [u8; 32]),
    events: u64,
    broken: Option<BrokenLink>,
}

impl Auditor {
    /// A fresh audit.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a broken link has been found (later entries need not be fed).
    pub fn is_broken(&self) -> bool {
        self.broken.is_some()
    }

    /// Checks the next entry in global order.
    pub fn feed(&mut self, e: &JournalEntry) {
        if self.broken.is_some() {
            return;
        }
        self.events += 1;
        let mut fail = |reason: String| {
            self.broken = Some(BrokenLink {
                kind: BreakKind::Chain,
                global_seq: e.global_seq,
                stream: e.stream.clone(),
                seq: e.seq,
                reason,
            });
        };
        let (gseq, ghash) = self.global;
        if e.global_seq != gseq + 1 {
            return fail(format!(
                "store-wide sequence jumps from {gseq} to {} (events missing or reordered)",
                e.global_seq
            ));
        }
        if e.global_prev_hash != ghash {
            return fail("does not chain to the previous event of the store".into());
        }
        if e.format == EntryFormat::Sequenced && e.global_seq == 0 {
            return fail("a sequenced entry without a store-wide position".into());
        }
        let (sseq, shash) = self.streams.get(&e.stream).copied().unwrap_or((0, GENESIS));
        if e.seq != sseq + 1 {
            return fail(format!(
                "stream sequence jumps from {sseq} to {} (events missing or reordered)",
                e.seq
            ));
        }
        if e.prev_hash != shash {
            return fail("does not chain to the previous event of its stream".into());
        }
        if e.computed_hash() != e.hash {
            return fail("its content does not match its hash (edited)".into());
        }
        if let Err(err) = e.event() {
            return fail(format!("its event is unreadable: {err}"));
        }
        if let Err(err) = e.authentication() {
            return fail(format!("its authentication record is unreadable: {err}"));
        }
        self.global = (e.global_seq, e.store_link());
        self.streams.insert(e.stream.clone(), (e.seq, e.hash));
    }

    /// Ends the audit against the head the store recorded.
    pub fn finish(mut self, head: (u64, [u8; 32])) -> AuditReport {
        if self.broken.is_none() && head != self.global {
            self.broken = Some(BrokenLink {
                kind: BreakKind::Chain,
                global_seq: head.0,
                stream: String::new(),
                seq: 0,
                reason: format!(
                    "the recorded head is event {} but the journal ends at event {} \
                     (events deleted or head rewritten)",
                    head.0, self.global.0
                ),
            });
        }
        AuditReport {
            events: self.events,
            streams: self.streams.len() as u64,
            head: hex::encode(self.global.1),
            broken: self.broken,
            ..AuditReport::default()
        }
    }
}

/// Checks the chain of one stream's entries as loaded (every read of a document or an
/// organisation does): numbered from 1 without gaps, each hash recomputed from its fields and
/// each linked to the previous entry of the stream. The store-wide links need the whole
/// journal ([`Auditor`]).
///
/// # Errors
/// The first entry that breaks the stream's chain.
pub fn verify_stream(entries: &[JournalEntry]) -> Result<(), BrokenLink> {
    let mut prev = GENESIS;
    for (i, e) in entries.iter().enumerate() {
        let fail = |reason: &str| BrokenLink {
            kind: BreakKind::Chain,
            global_seq: e.global_seq,
            stream: e.stream.clone(),
            seq: e.seq,
            reason: reason.into(),
        };
        if e.seq != i as u64 + 1 {
            return Err(fail("the stream's sequence has a gap (events missing)"));
        }
        if e.prev_hash != prev {
            return Err(fail("does not chain to the previous event of its stream"));
        }
        if e.computed_hash() != e.hash {
            return Err(fail("its content does not match its hash (edited)"));
        }
        prev = e.hash;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending<'a>(events: &'a [String], auth: Option<&'a str>) -> PendingEvents<'a> {
        PendingEvents {
            stream: "doc:d",
            expected_seq: 0,
            actor: "clerk",
            at: UnixTime(1_800_000_000),
            events,
            auth,
        }
    }

    /// Schema-1 journals must keep chaining: an entry without authentication hashes exactly as
    /// schema 1 laid it out, which this test spells out on its own.
    #[test]
    fn unauthenticated_entries_keep_the_schema_1_hash() {
        let events = ["{\"type\":\"withdrawn\",\"version\":1}".to_owned()];
        let e = &chain(&pending(&events, None), GENESIS, (7, [9; 32]))[0];
        let mut h = Sha256::new();
        h.update(b"signflow-journal-v1\0");
        h.update(8u64.to_be_bytes());
        h.update(5u64.to_be_bytes());
        h.update(b"doc:d");
        h.update(1u64.to_be_bytes());
        h.update(1_800_000_000i64.to_be_bytes());
        h.update(5u64.to_be_bytes());
        h.update(b"clerk");
        h.update((events[0].len() as u64).to_be_bytes());
        h.update(events[0].as_bytes());
        h.update(GENESIS);
        h.update([9; 32]);
        let v1: [u8; 32] = h.finalize().into();
        assert_eq!(e.hash, v1);
        assert_eq!(e.computed_hash(), v1);
        // With an authentication record the domain and the layout change, and the record is
        // covered: changing or dropping it changes the hash.
        let auth = "{\"mode\":\"attempt\"}";
        let signed = &chain(&pending(&events, Some(auth)), GENESIS, (7, [9; 32]))[0];
        assert_ne!(signed.hash, v1);
        let mut stripped = signed.clone();
        stripped.auth_json = None;
        assert_ne!(stripped.computed_hash(), signed.hash);
        let mut edited = signed.clone();
        edited.auth_json = Some("{\"mode\":\"service\",\"by\":\"x\"}".into());
        assert_ne!(edited.computed_hash(), signed.hash);
    }

    #[test]
    fn verify_stream_names_the_broken_entry() {
        let events: Vec<String> = (1..=4)
            .map(|v| format!("{{\"type\":\"withdrawn\",\"version\":{v}}}"))
            .collect();
        let entries = chain(&pending(&events, Some("{}")), GENESIS, (0, GENESIS));
        assert!(verify_stream(&entries).is_ok());
        let mut edited = entries.clone();
        edited[2].actor = "mallory".into();
        let b = verify_stream(&edited).unwrap_err();
        assert_eq!((b.seq, b.kind), (3, BreakKind::Chain));
        assert!(b.reason.contains("edited"), "{b:?}");
        let mut gap = entries.clone();
        gap.remove(1);
        assert_eq!(verify_stream(&gap).unwrap_err().seq, 3);
        let mut rehashed = entries.clone();
        rehashed[1].event_json = "{\"type\":\"withdrawn\",\"version\":9}".into();
        rehashed[1].hash = rehashed[1].computed_hash();
        let b = verify_stream(&rehashed).unwrap_err();
        assert_eq!(b.seq, 3, "the next entry no longer links: {b:?}");
    }
}
