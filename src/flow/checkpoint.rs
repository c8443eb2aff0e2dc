//! Checkpoints (signed tree heads): the root of the Merkle tree ([`super::merkle`]) over the
//! first `tree_size` events of the journal, made by a seal ([`super::Flow::seal`]),
//! optionally signed by an organisation's key (a detached CMS over
//! [`Checkpoint::signed_bytes`], which an RFC 3161 time-stamp can later cover), and exported as
//! JSON ([`Checkpoint::to_json`]) to be anchored elsewhere.
//!
//! The audit ([`super::Flow::audit`]) recomputes the tree in one pass over the journal in
//! O(log n) memory and checks every checkpoint against it: its root must be the root of the
//! journal's first `tree_size` events, consecutive checkpoints must be consistent (an RFC 9162
//! consistency proof from the journal verifies between their roots), and a signed checkpoint's
//! signature must verify. What does not hold is named as a [`TreeBreak`].

use serde::Serialize;

use super::FlowError;
use super::merkle::{self, Frontier, Hash, ProofCollector};
use super::signature::SignatureCheck;
use super::store::{FlowStore, JOURNAL_PAGE};
use crate::pki::UnixTime;

/// Most checkpoints one [`FlowStore::checkpoints`] call returns.
pub const CHECKPOINT_PAGE: u32 = 1000;

/// A mismatching checkpoint interval the audit searches for an inserted or swapped event only
/// up to this many events (the search is quadratic in it); longer ones are named without it.
pub const SEARCH_LIMIT: u64 = 1024;

/// A signed tree head: the root of the Merkle tree over the journal's first `tree_size`
/// events, in store-wide order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// How many events the tree covers (the events with global sequence numbers
    /// `1..=tree_size`).
    pub tree_size: u64,
    /// The tree's root (RFC 9162 MTH over [`super::JournalEntry::tree_leaf`] data).
    pub root_hash: Hash,
    /// When the seal made it.
    pub timestamp: UnixTime,
    /// A detached CMS signature (DER) over [`Checkpoint::signed_bytes`], if it was signed.
    pub signature: Option<Vec<u8>>,
}

/// A checkpoint as JSON: sizes and times as numbers, the root in hex, the signature in
/// base64.
#[derive(Serialize, serde::Deserialize)]
struct CheckpointJson {
    format: String,
    tree_size: u64,
    root_hash: String,
    timestamp: i64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    signature: Option<String>,
}

/// The `format` of the JSON export.
const JSON_FORMAT: &str = "signflow-checkpoint-v1";

/// Why a text is not a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointFormatError {
    /// Larger than any checkpoint export.
    #[error("the checkpoint text is {0} bytes, more than the 1 MiB accepted")]
    TooLarge(usize),
    /// Not JSON of a checkpoint, or of another format.
    #[error("not a signflow checkpoint: {0}")]
    Malformed(String),
}

impl Checkpoint {
    /// The canonical text a signature covers: four lines, `signflow checkpoint v1`, the tree
    /// size, the root in lower-case hex and the timestamp (Unix seconds), each ending in `\n`.
    pub fn signed_bytes(&self) -> Vec<u8> {
        format!(
            "signflow checkpoint v1\n{}\n{}\n{}\n",
            self.tree_size,
            hex::encode(self.root_hash),
            self.timestamp.0
        )
        .into_bytes()
    }

    /// The checkpoint as JSON (`format`, `tree_size`, `root_hash` in hex, `timestamp`, and
    /// `signature` in base64 when signed).
    pub fn to_json(&self) -> String {
        use base64::Engine as _;
        let j = CheckpointJson {
            format: JSON_FORMAT.into(),
            tree_size: self.tree_size,
            root_hash: hex::encode(self.root_hash),
            timestamp: self.timestamp.0,
            signature: self
                .signature
                .as_ref()
                .map(|s| base64::engine::general_purpose::STANDARD.encode(s)),
        };
        // Serialising a plain structure of strings and numbers cannot fail.
        serde_json::to_string_pretty(&j).unwrap_or_default()
    }

    /// A checkpoint from its JSON export ([`Checkpoint::to_json`]).
    ///
    /// # Errors
    /// [`CheckpointFormatError::TooLarge`] above 1 MiB; [`CheckpointFormatError::Malformed`]
    /// for anything that is not such an export.
    pub fn from_json(text: &str) -> Result<Self, CheckpointFormatError> {
        use base64::Engine as _;
        if text.len() > 1 << 20 {
            return Err(CheckpointFormatError::TooLarge(text.len()));
        }
        let bad = CheckpointFormatError::Malformed;
        let j: CheckpointJson = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        if j.format != JSON_FORMAT {
            return Err(bad(format!("format {:?}", j.format)));
        }
        let root = hex::decode(&j.root_hash).map_err(|e| bad(format!("root_hash: {e}")))?;
        let root_hash = root
            .try_into()
            .map_err(|_| bad("root_hash is not 32 bytes".into()))?;
        let signature = j
            .signature
            .map(|s| base64::engine::general_purpose::STANDARD.decode(s))
            .transpose()
            .map_err(|e| bad(format!("signature: {e}")))?;
        Ok(Self {
            tree_size: j.tree_size,
            root_hash,
            timestamp: UnixTime(j.timestamp),
            signature,
        })
    }
}

/// What the audit found wrong with the Merkle tree and its checkpoints. Checkpoints are
/// numbered in seal order from 1. Which events changed is told by the first checkpoint that no
/// longer matches the journal, after the last one that still does: the change lies between
/// them. An inserted event and two swapped neighbours are searched for there and named exactly
/// (in intervals up to [`SEARCH_LIMIT`] events); a changed event cannot be told from a deleted
/// one by the roots alone, so the journal's length decides: fewer events than the largest
/// checkpoint covers is a deletion, otherwise an edit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TreeBreak {
    /// An event among `first..=last` was changed (or replaced) after `checkpoint` covered it.
    EventEdited {
        /// The first checkpoint that no longer matches.
        checkpoint: u64,
        /// The first global sequence number the change may be at.
        first: u64,
        /// The last.
        last: u64,
    },
    /// The event now at `global_seq` was inserted after `checkpoint` covered the events
    /// around it: without it, the journal matches the checkpoint.
    EventInserted {
        /// The first checkpoint that no longer matches.
        checkpoint: u64,
        /// Where the inserted event is now.
        global_seq: u64,
    },
    /// An event among `first..=last` was deleted after `checkpoint` covered it (the journal
    /// holds fewer events than the checkpoints cover, and differs inside the range).
    EventDeleted {
        /// The first checkpoint that no longer matches.
        checkpoint: u64,
        /// The first global sequence number the deleted event may have had.
        first: u64,
        /// The last.
        last: u64,
    },
    /// The events now at `global_seq` and `global_seq + 1` were swapped after `checkpoint`
    /// covered them: swapped back, the journal matches the checkpoint.
    EventsReordered {
        /// The first checkpoint that no longer matches.
        checkpoint: u64,
        /// The first of the two.
        global_seq: u64,
    },
    /// The journal ends before the events `checkpoint` covers: its tail was cut (the journal's
    /// own head may have been rewritten to match).
    TailTruncated {
        /// The checkpoint.
        checkpoint: u64,
        /// How many events it covers.
        tree_size: u64,
        /// How many the journal holds.
        events: u64,
    },
    /// The checkpoint was not made by a seal of this journal: its signature does not verify,
    /// it goes back in size or time, or its root is not the journal's while a later
    /// checkpoint's is.
    CheckpointForged {
        /// The checkpoint.
        checkpoint: u64,
        /// Why it is not genuine.
        reason: String,
    },
    /// The consistency proof between two checkpoints, built from the journal, does not verify.
    Inconsistent {
        /// The earlier checkpoint.
        first: u64,
        /// The later.
        second: u64,
        /// What the verification said.
        reason: String,
    },
}

/// The Merkle part of an audit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TreeAudit {
    /// Checkpoints checked.
    pub checkpoints: u64,
    /// Of them, signed ones whose signature was checked.
    pub signed: u64,
    /// Consecutive checkpoint pairs whose consistency proof verified.
    pub consistent_pairs: u64,
    /// The root of the tree over the whole journal as it is, hex.
    pub root: String,
    /// What is wrong (nothing if the journal matches every checkpoint).
    pub breaks: Vec<TreeBreak>,
}

/// How a checkpoint compares with the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Status {
    Match,
    Mismatch,
    /// The journal ends before its tree size.
    Beyond,
    Forged(String),
}

struct Seen {
    number: u64,
    size: u64,
    root: Hash,
    status: Status,
}

/// Streams the journal's tree leaves in global order, page by page.
struct Leaves<'s, S> {
    store: &'s S,
    page: std::vec::IntoIter<Hash>,
    after: u64,
    done: bool,
}

impl<'s, S: FlowStore> Leaves<'s, S> {
    fn new(store: &'s S) -> Self {
        Self {
            store,
            page: Vec::new().into_iter(),
            after: 0,
            done: false,
        }
    }

    async fn next(&mut self) -> Result<Option<Hash>, FlowError> {
        loop {
            if let Some(l) = self.page.next() {
                return Ok(Some(l));
            }
            if self.done {
                return Ok(None);
            }
            let page = self.store.journal_page(self.after, JOURNAL_PAGE).await?;
            match page.last() {
                Some(last) => self.after = last.global_seq,
                None => self.done = true,
            }
            self.page = page
                .iter()
                .map(super::JournalEntry::tree_leaf)
                .collect::<Vec<_>>()
                .into_iter();
        }
    }
}

/// The audit of the tree and the checkpoints (see the module).
pub(super) async fn audit<S: FlowStore>(
    store: &S,
    check: &SignatureCheck,
) -> Result<TreeAudit, FlowError> {
    let mut report = TreeAudit::default();
    // The checkpoints, in seal order, with their signatures checked (then dropped).
    let mut seen: Vec<Seen> = Vec::new();
    let mut after = 0;
    let mut last_good: Option<(u64, UnixTime)> = None;
    loop {
        let page = store.checkpoints(after, CHECKPOINT_PAGE).await?;
        let Some((last, _)) = page.last() else { break };
        after = *last;
        for (number, cp) in page {
            report.checkpoints += 1;
            let mut status = Status::Match;
            if let Some(sig) = &cp.signature {
                report.signed += 1;
                let checked = check
                    .signers_off_executor(sig, cp.signed_bytes(), cp.timestamp)
                    .await;
                if let Err(e) = checked.result {
                    status = Status::Forged(format!("its signature does not verify: {e}"));
                }
            }
            if status == Status::Match
                && let Some((size, at)) = last_good
            {
                if cp.tree_size < size {
                    status = Status::Forged(format!(
                        "it covers {} events, fewer than the checkpoint before it ({size})",
                        cp.tree_size
                    ));
                } else if cp.timestamp < at {
                    status = Status::Forged(format!(
                        "it was made at {}, before the checkpoint before it ({})",
                        cp.timestamp.0, at.0
                    ));
                }
            }
            if status == Status::Match {
                last_good = Some((cp.tree_size, cp.timestamp));
            }
            seen.push(Seen {
                number,
                size: cp.tree_size,
                root: cp.root_hash,
                status,
            });
        }
    }

    // One pass over the journal: each checkpoint's root compared when the pass reaches its
    // size, the consistency proof from the last matching one collected on the way.
    let mut leaves = Leaves::new(store);
    let mut frontier = Frontier::new();
    let mut exhausted = false;
    // (its index in `seen`, the proof being collected from it to the next).
    let mut from: Option<(usize, Option<(u64, ProofCollector)>)> = None;
    let order: Vec<usize> = (0..seen.len())
        .filter(|&i| !matches!(seen[i].status, Status::Forged(_)))
        .collect();
    for &i in &order {
        let size = seen[i].size;
        if let Some((_, pending)) = &mut from
            && pending.is_none()
        {
            *pending = Some((
                size,
                ProofCollector::new(merkle::consistency_ranges(frontier.size(), size), &frontier),
            ));
        }
        while frontier.size() < size && !exhausted {
            match leaves.next().await? {
                Some(l) => {
                    let index = frontier.size();
                    frontier.push(l);
                    if let Some((_, Some((_, c)))) = &mut from {
                        c.push(index, l, &frontier);
                    }
                }
                None => exhausted = true,
            }
        }
        if frontier.size() < size {
            seen[i].status = Status::Beyond;
            from = None;
            continue;
        }
        if frontier.root() != seen[i].root {
            seen[i].status = Status::Mismatch;
            from = None;
            continue;
        }
        if let Some((j, pending)) = from.take() {
            let (first, second) = (&seen[j], &seen[i]);
            let proof = pending
                .filter(|(to, _)| *to == second.size)
                .and_then(|(_, c)| c.finish());
            match proof.map(|p| {
                merkle::verify_consistency(first.size, second.size, &first.root, &second.root, &p)
            }) {
                Some(Ok(())) => report.consistent_pairs += 1,
                outcome => report.breaks.push(TreeBreak::Inconsistent {
                    first: first.number,
                    second: second.number,
                    reason: match outcome {
                        Some(Err(e)) => e.to_string(),
                        _ => "no proof could be collected between them".into(),
                    },
                }),
            }
        }
        from = Some((i, None));
    }
    while let Some(l) = leaves.next().await? {
        frontier.push(l);
    }
    let events = frontier.size();
    report.root = hex::encode(frontier.root());

    // Name what the comparisons show.
    for s in &seen {
        if let Status::Forged(reason) = &s.status {
            report.breaks.push(TreeBreak::CheckpointForged {
                checkpoint: s.number,
                reason: reason.clone(),
            });
        }
    }
    let last_match = order.iter().rposition(|&i| seen[i].status == Status::Match);
    for (pos, &i) in order.iter().enumerate() {
        if let Some(m) = last_match
            && seen[i].status == Status::Mismatch
            && m > pos
        {
            let confirmed = seen[order[m]].number;
            report.breaks.push(TreeBreak::CheckpointForged {
                checkpoint: seen[i].number,
                reason: format!(
                    "its root is not the root of the journal's first {} events, which the \
                     later checkpoint {confirmed} confirms",
                    seen[i].size
                ),
            });
        }
    }
    let first_bad = order
        .iter()
        .enumerate()
        .skip(last_match.map_or(0, |m| m + 1))
        .find(|&(_, &i)| seen[i].status != Status::Match);
    if let Some((pos, &i)) = first_bad {
        let bad = &seen[i];
        let below = order[..pos]
            .iter()
            .rev()
            .find(|&&j| seen[j].status == Status::Match)
            .map_or(0, |&j| seen[j].size);
        let covered = order.iter().map(|&j| seen[j].size).max().unwrap_or(0);
        let finding = if bad.status == Status::Beyond {
            TreeBreak::TailTruncated {
                checkpoint: bad.number,
                tree_size: bad.size,
                events,
            }
        } else {
            match search(store, below, bad.size, events, &bad.root).await? {
                Some(Found::Inserted(at)) => TreeBreak::EventInserted {
                    checkpoint: bad.number,
                    global_seq: at + 1,
                },
                Some(Found::Swapped(at)) => TreeBreak::EventsReordered {
                    checkpoint: bad.number,
                    global_seq: at + 1,
                },
                None if events < covered => TreeBreak::EventDeleted {
                    checkpoint: bad.number,
                    first: below + 1,
                    last: bad.size,
                },
                None => TreeBreak::EventEdited {
                    checkpoint: bad.number,
                    first: below + 1,
                    last: bad.size,
                },
            }
        };
        report.breaks.push(finding);
    }
    Ok(report)
}

enum Found {
    /// The leaf at this index is not in the checkpointed tree.
    Inserted(u64),
    /// The leaves at this index and the next are swapped.
    Swapped(u64),
}

/// Searches the leaves after the first `below` (which match a checkpoint) for one inserted
/// leaf or two swapped neighbours that explain why the first `size` do not have `root`.
async fn search<S: FlowStore>(
    store: &S,
    below: u64,
    size: u64,
    events: u64,
    root: &Hash,
) -> Result<Option<Found>, FlowError> {
    if size - below > SEARCH_LIMIT {
        return Ok(None);
    }
    let mut leaves = Leaves::new(store);
    let mut prefix = Frontier::new();
    while prefix.size() < below {
        match leaves.next().await? {
            Some(l) => prefix.push(l),
            None => return Ok(None),
        }
    }
    let mut window = Vec::new();
    while (window.len() as u64) < (size + 1 - below).min(events - below) {
        match leaves.next().await? {
            Some(l) => window.push(l),
            None => break,
        }
    }
    let tree = |base: &Frontier, rest: &mut dyn Iterator<Item = Hash>| {
        let mut f = base.clone();
        for l in rest {
            f.push(l);
        }
        f.root()
    };
    let len = (size - below) as usize;
    // One inserted leaf: the checkpoint's tree is the window without it.
    if window.len() > len {
        let mut base = prefix.clone();
        for p in 0..=len {
            if tree(&base, &mut window[p + 1..=len].iter().copied()) == *root {
                return Ok(Some(Found::Inserted(below + p as u64)));
            }
            base.push(window[p]);
        }
    }
    // Two neighbours swapped.
    if window.len() >= len {
        let mut base = prefix;
        for p in 0..len.saturating_sub(1) {
            let swapped = [window[p + 1], window[p]];
            let mut rest = swapped
                .into_iter()
                .chain(window[p + 2..len].iter().copied());
            if tree(&base, &mut rest) == *root {
                return Ok(Some(Found::Swapped(below + p as u64)));
            }
            base.push(window[p]);
        }
    }
    Ok(None)
}

/// The leaf hashes' proof ranges, collected in one pass over the journal.
pub(super) async fn collect<S: FlowStore>(
    store: &S,
    ranges: Vec<(u64, u64)>,
    until: u64,
) -> Result<Option<Vec<Hash>>, FlowError> {
    let mut leaves = Leaves::new(store);
    let mut frontier = Frontier::new();
    let mut c = ProofCollector::new(ranges, &frontier);
    while frontier.size() < until {
        let Some(l) = leaves.next().await? else {
            return Ok(None);
        };
        let index = frontier.size();
        frontier.push(l);
        c.push(index, l, &frontier);
    }
    Ok(c.finish())
}

impl<S: FlowStore> super::Flow<S> {
    /// Seals the journal ([`FlowStore::seal`]): a checkpoint of the Merkle tree over every
    /// event so far, made now, signed by `identity` if given (a detached CMS with the
    /// checkpoint's time as its signing time, over [`Checkpoint::signed_bytes`]). If nothing
    /// happened since the last checkpoint, returns that one.
    ///
    /// # Errors
    /// [`FlowError::Store`] if the store fails, the journal does not chain from the last
    /// checkpoint on (audit it), or the signature cannot be made.
    pub async fn seal(
        &self,
        identity: Option<&crate::SigningIdentity>,
    ) -> Result<Checkpoint, FlowError> {
        let sign = |c: &Checkpoint| -> Result<Vec<u8>, String> {
            let Some(identity) = identity else {
                return Err("no identity".into());
            };
            identity
                .sign_cms_detached(&c.signed_bytes(), &crate::cms::SignOptions::at(c.timestamp))
                .map(crate::cms::SignedData::into_der)
                .map_err(|e| e.to_string())
        };
        let signer: Option<super::store::CheckpointSigner<'_>> = if identity.is_some() {
            Some(&sign)
        } else {
            None
        };
        Ok(self.store.seal(self.now(), signer).await?)
    }

    /// Every checkpoint, in seal order (the first is number 1).
    ///
    /// # Errors
    /// Store errors.
    pub async fn checkpoints(&self) -> Result<Vec<Checkpoint>, FlowError> {
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let page = self.store.checkpoints(after, CHECKPOINT_PAGE).await?;
            let Some((last, _)) = page.last() else {
                return Ok(all);
            };
            after = *last;
            all.extend(page.into_iter().map(|(_, c)| c));
        }
    }

    /// The inclusion proof (RFC 9162 audit path) of the event at `global_seq` in the tree of
    /// the first `tree_size` events, to check with [`merkle::verify_inclusion`] (leaf index
    /// `global_seq - 1`, leaf [`super::JournalEntry::tree_leaf`]) against a checkpoint's root.
    /// One pass over the journal up to `tree_size`, in O(log n) memory.
    ///
    /// # Errors
    /// [`FlowError::NotFound`] if `global_seq` is not in `1..=tree_size` or the journal holds
    /// fewer than `tree_size` events; store errors.
    pub async fn inclusion_proof(
        &self,
        global_seq: u64,
        tree_size: u64,
    ) -> Result<Vec<Hash>, FlowError> {
        let not_found = || FlowError::NotFound {
            what: "event in a tree of that size",
            id: format!("{global_seq} of {tree_size}"),
        };
        if global_seq == 0 || global_seq > tree_size {
            return Err(not_found());
        }
        let ranges = merkle::inclusion_ranges(global_seq - 1, tree_size);
        collect(&self.store, ranges, tree_size)
            .await?
            .ok_or_else(not_found)
    }

    /// The consistency proof (RFC 9162) between the trees of the first `first` and the first
    /// `second` events, to check with [`merkle::verify_consistency`] against two checkpoints'
    /// roots. One pass over the journal up to `second`, in O(log n) memory.
    ///
    /// # Errors
    /// [`FlowError::NotFound`] if `first > second` or the journal holds fewer than `second`
    /// events; store errors.
    pub async fn consistency_proof(&self, first: u64, second: u64) -> Result<Vec<Hash>, FlowError> {
        let not_found = || FlowError::NotFound {
            what: "pair of tree sizes",
            id: format!("{first}..{second}"),
        };
        if first > second {
            return Err(not_found());
        }
        let ranges = merkle::consistency_ranges(first, second);
        collect(&self.store, ranges, second)
            .await?
            .ok_or_else(not_found)
    }
}
