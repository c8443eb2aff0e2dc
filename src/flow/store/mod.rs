//! Where the flow keeps its journal, content and listings: one async trait, [`FlowStore`],
//! with an embedded SQLite implementation ([`SqliteStore`], feature `sqlite`, the default) and
//! a PostgreSQL one ([`PgStore`], feature `postgres`) for services that share a store.
//!
//! A store is deliberately dumb: it appends events to a stream at an expected sequence number
//! (optimistic concurrency — of two appends at the same sequence exactly one wins, the other
//! gets [`StoreError::Conflict`]), chains their hashes ([`super::journal`]), and keeps content
//! blobs and listing rows in the same transaction, so a failed or interrupted append leaves
//! nothing behind. SQLite chains every append store-wide under its one write lock (and
//! group-commits one process's appends: one transaction, a savepoint per append); PostgreSQL
//! locks only the append's streams and leaves the store-wide positions to a sequencer that
//! runs before every read of the whole journal and every seal ([`super::journal`], format 3).
//! The rules live in [`super::machine`].
//!
//! The listings (documents, organisations, members) are projections of the journal, kept for
//! searching: nothing the flow decides reads them, the audit recomputes and compares them, and
//! [`FlowStore::replace_listings`] restores them (`flow rebuild`). Blobs are returned as
//! stored; [`super::Flow`] checks each against its key on every read.

use core::future::Future;

use super::checkpoint::Checkpoint;
use super::journal::JournalEntry;
use super::model::{DocumentFilter, DocumentSummary, Member, MemberRow, Organisation};
use crate::pki::UnixTime;

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql_impl;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "postgres")]
pub use postgres::PgStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// Most entries one [`FlowStore::journal_page`] call returns.
pub const JOURNAL_PAGE: u32 = 1000;

/// A failed store operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another append took this sequence number first: reload and retry.
    #[error("conflict: stream {stream} moved past sequence {expected} (now at {actual})")]
    Conflict {
        /// The stream.
        stream: String,
        /// The sequence number the append expected to follow.
        expected: u64,
        /// The stream's actual last sequence number.
        actual: u64,
    },
    /// The database said no; the driver's error is kept as the source (for `sqlx::Error`,
    /// `downcast_ref` it to tell a refused connection from a failed statement).
    #[error("database: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// The database holds something no append of ours writes.
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// The location names no supported store.
    #[error("unsupported store location {0:?} (expected a SQLite path, sqlite:…, or postgres://…)")]
    UnsupportedLocation(String),
    /// The location is malformed or incomplete (e.g. a PostgreSQL URL without a database).
    #[error("store location {location:?}: {reason}")]
    InvalidLocation {
        /// The location given.
        location: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The checkpoint a seal made could not be signed (nothing was stored).
    #[error("the checkpoint could not be signed: {0}")]
    Signing(String),
    /// No store exists at the location (opening an existing store, not creating one).
    #[error("no store at {0:?} (create one with `signflow flow init`)")]
    Missing(String),
}

impl StoreError {
    /// Whether this is an optimistic-concurrency conflict (retry after reloading).
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(Box::new(e))
    }
}

/// One atomic append: events of one stream plus everything they refer to.
#[derive(Clone, Debug)]
pub struct AppendRequest {
    /// The stream: `doc:<id>` or `org:<INN>`.
    pub stream: String,
    /// The stream's last sequence number the caller saw (0 for a new stream).
    pub expected_seq: u64,
    /// Who.
    pub actor: String,
    /// When.
    pub at: UnixTime,
    /// The events, serialised as JSON.
    pub events: Vec<String>,
    /// Content blobs the events refer to, keyed by their SHA-256 (computed by the store).
    pub blobs: Vec<Vec<u8>>,
    /// The document's listing row after these events, for document streams.
    pub document: Option<DocumentSummary>,
    /// The organisation's row, for its registration.
    pub organisation: Option<Organisation>,
    /// Member listing rows these events change (an organisation stream's append).
    pub members: Vec<MemberChange>,
    /// How the actor was authenticated (JSON of [`super::model::Authentication`]), recorded
    /// on every event of the append.
    pub auth: Option<String>,
    /// Other streams that must still be at these sequence numbers, checked under the same
    /// lock (the acting organisation, whose membership authorised the step): otherwise
    /// [`StoreError::Conflict`].
    pub expect_also: Vec<(String, u64)>,
}

/// A change of one member listing row.
#[derive(Clone, Debug)]
pub struct MemberChange {
    /// The organisation's INN.
    pub organisation: String,
    /// The user.
    pub user: String,
    /// The row after the change, `None` to delete it.
    pub member: Option<Member>,
}

/// Every listing row, as [`FlowStore::replace_listings`] writes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listings {
    /// Document rows.
    pub documents: Vec<DocumentSummary>,
    /// Organisation rows.
    pub organisations: Vec<Organisation>,
    /// Member rows.
    pub members: Vec<MemberRow>,
}

/// Signs a checkpoint as a seal makes it: a detached CMS (DER) over
/// [`Checkpoint::signed_bytes`], or why not.
pub type CheckpointSigner<'a> = &'a (dyn Fn(&Checkpoint) -> Result<Vec<u8>, String> + Send + Sync);

/// The storage behind a [`super::Flow`]. Every method is one transaction.
pub trait FlowStore: Send + Sync {
    /// Appends `request` atomically, or returns [`StoreError::Conflict`] if the stream's last
    /// sequence number is not `request.expected_seq`. Returns the stored entries.
    fn append(
        &self,
        request: AppendRequest,
    ) -> impl Future<Output = Result<Vec<JournalEntry>, StoreError>> + Send;

    /// Every entry of `stream`, in order (on PostgreSQL, the newest may not have their
    /// store-wide position yet: `global_seq` 0).
    fn load_stream(
        &self,
        stream: &str,
    ) -> impl Future<Output = Result<Vec<JournalEntry>, StoreError>> + Send;

    /// Up to `limit` entries after global sequence number `after`, in global order (from the
    /// start, `after == 0`, every committed event: a sequencing store runs its sequencer
    /// first).
    fn journal_page(
        &self,
        after: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<JournalEntry>, StoreError>> + Send;

    /// The store-wide chain's head: last global sequence number and store-wide link
    /// ([`JournalEntry::store_link`]). A store whose appends leave the store-wide positions to
    /// a sequencer (PostgreSQL) runs it first, so every committed event is counted.
    fn head(&self) -> impl Future<Output = Result<(u64, [u8; 32]), StoreError>> + Send;

    /// A content blob by its SHA-256 (hex).
    fn blob(
        &self,
        sha256: &str,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;

    /// Documents matching `filter`, most recently changed first.
    fn list(
        &self,
        filter: &DocumentFilter,
    ) -> impl Future<Output = Result<Vec<DocumentSummary>, StoreError>> + Send;

    /// Every registered organisation, by INN.
    fn organisations(&self) -> impl Future<Output = Result<Vec<Organisation>, StoreError>> + Send;

    /// Members as listed, of one organisation (INN) or of all, by organisation and user.
    fn members(
        &self,
        organisation: Option<&str>,
    ) -> impl Future<Output = Result<Vec<MemberRow>, StoreError>> + Send;

    /// The last global sequence number of the events written before steps were signed (0 for
    /// a store created since): later events must all carry an authentication record.
    fn unsigned_until(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Replaces every listing row with `listings`, in one transaction (rebuilding the
    /// projections from the journal).
    fn replace_listings(
        &self,
        listings: Listings,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Seals the journal: under the store-wide lock, extends the Merkle tree of the last
    /// checkpoint with every event after it (checking that the store-wide chain holds across
    /// them), and stores the checkpoint of the whole journal, made at `at` (or at the last
    /// checkpoint's time if the clock went back), signed by `sign` if given. If no event
    /// came since the last checkpoint, returns that one and stores nothing.
    ///
    /// Errors: [`StoreError::Corrupt`] if the last checkpoint's frontier does not give its
    /// root or the events after it do not chain; [`StoreError::Signing`] if `sign` fails.
    fn seal(
        &self,
        at: UnixTime,
        sign: Option<CheckpointSigner<'_>>,
    ) -> impl Future<Output = Result<Checkpoint, StoreError>> + Send;

    /// Up to `limit` checkpoints after number `after`, in seal order, with their numbers
    /// (from 1).
    fn checkpoints(
        &self,
        after: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<(u64, Checkpoint)>, StoreError>> + Send;
}

/// A store chosen at run time from a location: a SQLite path (or `sqlite:` URL, or
/// `:memory:`) or a `postgres://` URL.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum AnyStore {
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(SqliteStore),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(PgStore),
}

impl AnyStore {
    /// Opens (creating and migrating if needed) the store at `location`.
    ///
    /// # Errors
    /// [`StoreError::UnsupportedLocation`] for a location whose store is not compiled in;
    /// [`StoreError::InvalidLocation`] for a PostgreSQL URL without a database name;
    /// [`StoreError::Database`] if it cannot be opened; [`StoreError::Corrupt`] if what is
    /// there is not a whole signflow store.
    pub async fn open(location: &str) -> Result<Self, StoreError> {
        Self::open_as(location, true).await
    }

    /// Opens the store that exists at `location` (migrating it to the current schema), never
    /// creating one: what every command but `init` uses, so a mistyped path is an error, not
    /// an empty store.
    ///
    /// # Errors
    /// [`StoreError::Missing`] if no SQLite file is there (or the PostgreSQL database holds no
    /// store); otherwise as [`AnyStore::open`].
    pub async fn open_existing(location: &str) -> Result<Self, StoreError> {
        Self::open_as(location, false).await
    }

    async fn open_as(location: &str, create: bool) -> Result<Self, StoreError> {
        let postgres = location.starts_with("postgres://") || location.starts_with("postgresql://");
        #[cfg(feature = "postgres")]
        if postgres {
            return Ok(Self::Postgres(if create {
                PgStore::connect(location).await?
            } else {
                PgStore::connect_existing(location).await?
            }));
        }
        #[cfg(feature = "sqlite")]
        if !postgres {
            return Ok(Self::Sqlite(if create {
                SqliteStore::open(location).await?
            } else {
                SqliteStore::open_existing(location).await?
            }));
        }
        let _ = (postgres, create);
        Err(StoreError::UnsupportedLocation(location.into()))
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
macro_rules! dispatch {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            #[cfg(feature = "sqlite")]
            AnyStore::Sqlite($s) => $e,
            #[cfg(feature = "postgres")]
            AnyStore::Postgres($s) => $e,
        }
    };
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl FlowStore for AnyStore {
    async fn append(&self, request: AppendRequest) -> Result<Vec<JournalEntry>, StoreError> {
        dispatch!(self, s => s.append(request).await)
    }
    async fn load_stream(&self, stream: &str) -> Result<Vec<JournalEntry>, StoreError> {
        dispatch!(self, s => s.load_stream(stream).await)
    }
    async fn journal_page(&self, after: u64, limit: u32) -> Result<Vec<JournalEntry>, StoreError> {
        dispatch!(self, s => s.journal_page(after, limit).await)
    }
    async fn head(&self) -> Result<(u64, [u8; 32]), StoreError> {
        dispatch!(self, s => s.head().await)
    }
    async fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        dispatch!(self, s => s.blob(sha256).await)
    }
    async fn list(&self, filter: &DocumentFilter) -> Result<Vec<DocumentSummary>, StoreError> {
        dispatch!(self, s => s.list(filter).await)
    }
    async fn organisations(&self) -> Result<Vec<Organisation>, StoreError> {
        dispatch!(self, s => s.organisations().await)
    }
    async fn members(&self, organisation: Option<&str>) -> Result<Vec<MemberRow>, StoreError> {
        dispatch!(self, s => s.members(organisation).await)
    }
    async fn unsigned_until(&self) -> Result<u64, StoreError> {
        dispatch!(self, s => s.unsigned_until().await)
    }
    async fn replace_listings(&self, listings: Listings) -> Result<(), StoreError> {
        dispatch!(self, s => s.replace_listings(listings).await)
    }
    async fn seal(
        &self,
        at: UnixTime,
        sign: Option<CheckpointSigner<'_>>,
    ) -> Result<Checkpoint, StoreError> {
        dispatch!(self, s => s.seal(at, sign).await)
    }
    async fn checkpoints(
        &self,
        after: u64,
        limit: u32,
    ) -> Result<Vec<(u64, Checkpoint)>, StoreError> {
        dispatch!(self, s => s.checkpoints(after, limit).await)
    }
}

/// Helpers both SQL stores share: row decoding and the checks done under the lock.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql {
    use super::*;

    pub(super) fn hash32(bytes: &[u8], what: &str) -> Result<[u8; 32], StoreError> {
        bytes
            .try_into()
            .map_err(|_| StoreError::Corrupt(format!("{what} is {} bytes, not 32", bytes.len())))
    }

    pub(super) fn seq(v: i64, what: &str) -> Result<u64, StoreError> {
        u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("negative {what} {v}")))
    }

    pub(super) use crate::flow::sha256_hex;

    /// What an append holds while it checks and chains its events.
    #[derive(Clone, Copy, Debug)]
    pub(super) enum AppendLock {
        /// The store-wide lock, and the head read under it (last global sequence number and
        /// store-wide link): the events chain store-wide at once (format 2).
        Head((u64, [u8; 32])),
        /// Only the append's streams; the append's id from the store's sequence: the events
        /// chain in their stream and wait for the sequencer (format 3).
        #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
        Stream {
            /// Orders the append among the others for the sequencer.
            append_id: i64,
        },
    }

    /// The check made under the append's lock before inserting.
    pub(super) fn expect(stream: &str, expected: u64, actual: u64) -> Result<(), StoreError> {
        if expected == actual {
            Ok(())
        } else {
            Err(StoreError::Conflict {
                stream: stream.into(),
                expected,
                actual,
            })
        }
    }

    /// A member listing row from its columns.
    pub(super) fn member_row(
        organisation: String,
        user: String,
        role: String,
        until: Option<i64>,
        identity: Option<String>,
        grants: String,
    ) -> Result<MemberRow, StoreError> {
        let corrupt = |what: &str, e: String| {
            StoreError::Corrupt(format!("member {user} of {organisation}: {what}: {e}"))
        };
        let role = role
            .parse::<crate::flow::model::Role>()
            .map_err(|e| corrupt("role", e.to_string()))?;
        let identity = identity
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| corrupt("identity", e.to_string()))?;
        let grants = serde_json::from_str(&grants).map_err(|e| corrupt("grants", e.to_string()))?;
        Ok(MemberRow {
            member: Member {
                user: user.clone(),
                role,
                until: until.map(UnixTime),
                grants,
                identity,
            },
            organisation,
        })
    }

    /// The member listing rows of the organisation streams among `events` (stream, event
    /// JSON), in journal order: how a store migrated to schema 2 fills its new listing.
    pub(super) fn members_of(events: &[(String, String)]) -> Vec<MemberRow> {
        let mut orgs: std::collections::BTreeMap<&str, Option<crate::flow::OrganisationState>> =
            Default::default();
        for (seq, (stream, json)) in events.iter().enumerate() {
            let Some(inn) = stream.strip_prefix("org:") else {
                continue;
            };
            let slot = orgs.entry(inn).or_insert(None);
            // A journal that does not replay leaves that organisation unlisted; the audit
            // reports the event.
            let next = serde_json::from_str(json).ok().and_then(|event| {
                crate::flow::machine::apply_organisation(slot.take(), &event, seq as u64 + 1).ok()
            });
            *slot = next;
        }
        orgs.into_iter()
            .flat_map(|(inn, state)| {
                state.into_iter().flat_map(move |s| {
                    s.members.into_values().map(move |member| MemberRow {
                        organisation: inn.to_owned(),
                        member,
                    })
                })
            })
            .collect()
    }

    /// The database name a PostgreSQL URL names (its path, or a `dbname` parameter).
    #[cfg(feature = "postgres")]
    pub(super) fn postgres_database(url: &str) -> Option<String> {
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))?;
        let rest = rest.split('#').next().unwrap_or_default();
        let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
        let path = before_query
            .split_once('/')
            .map(|(_, p)| p.trim_matches('/'))
            .unwrap_or_default();
        if !path.is_empty() {
            return Some(path.to_owned());
        }
        query
            .split('&')
            .filter_map(|kv| kv.strip_prefix("dbname="))
            .find(|v| !v.is_empty())
            .map(str::to_owned)
    }

    pub(super) fn i64_of(v: u64) -> Result<i64, StoreError> {
        i64::try_from(v).map_err(|_| StoreError::Corrupt(format!("sequence {v} out of range")))
    }

    /// A store whose schema is newer than the migrations this build embeds.
    pub(super) fn newer_schema(version: i64, known: i64) -> StoreError {
        StoreError::Corrupt(format!(
            "schema version {version} is newer than this signflow knows ({known})"
        ))
    }

    /// What sqlx's migrator refused, as the store error that says why: a schema newer than
    /// this build, a shipped migration that differs from the one applied, or one left half
    /// applied are corrupt stores; the rest are database failures (source kept).
    pub(super) fn migrate_error(e: sqlx::migrate::MigrateError) -> StoreError {
        use sqlx::migrate::MigrateError as M;
        match e {
            M::VersionMissing(v) => StoreError::Corrupt(format!(
                "schema version {v} is newer than this signflow knows"
            )),
            M::VersionMismatch(v) => StoreError::Corrupt(format!(
                "migration {v} applied to this store differs from this signflow's (edited?)"
            )),
            M::Dirty(v) => StoreError::Corrupt(format!("migration {v} was left half applied")),
            M::Execute(e) | M::ExecuteMigration(e, _) => e.into(),
            e => StoreError::Database(Box::new(e)),
        }
    }
}

#[cfg(all(test, feature = "postgres"))]
mod tests {
    #[test]
    fn postgres_urls_name_their_database() {
        use super::sql::postgres_database as db;
        assert_eq!(db("postgres://u@h:5432/flow").as_deref(), Some("flow"));
        assert_eq!(
            db("postgresql://h/flow?sslmode=disable").as_deref(),
            Some("flow")
        );
        assert_eq!(db("postgres://h/?dbname=flow").as_deref(), Some("flow"));
        for url in [
            "postgres://",
            "postgres://u@h:5432",
            "postgres://u@h:5432/",
            "postgres://h/?dbname=",
            "postgres://h?sslmode=disable",
            "sqlite:flow.db",
        ] {
            assert_eq!(db(url), None, "{url}");
        }
    }
}
