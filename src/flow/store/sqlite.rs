//! The embedded store: one SQLite file (WAL journal, `synchronous = FULL`) or an in-memory
//! database. Appends run in `BEGIN IMMEDIATE` transactions, which take SQLite's single write
//! lock up front: that lock is the store-wide lock the hash chain needs, and a process killed
//! mid-append leaves the file as it was before the transaction.
//!
//! Appends of one process to one file are group-committed: each is queued, and whichever
//! caller finds the writer lock free writes everything queued (up to `GROUP_LIMIT` appends at
//! a time) in one transaction — one commit, one fsync — each append in a savepoint of its own,
//! so that one refused (a conflict, say) leaves the others in. Every caller gets its own
//! answer after the commit; nothing is answered before it is durable.

use core::future::Future;
use core::str::FromStr;
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, Weak};
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};

/// The schema's migrations (`src/flow/store/sqlite/NNNN_*.sql`, embedded by `sqlx::migrate!`),
/// run by sqlx's migrator inside this store's `BEGIN IMMEDIATE` transaction
/// ([`SqliteStore::begin_migration`]). Never edit one that has shipped: add the next.
fn migrator() -> Migrator {
    sqlx::migrate!("src/flow/store/sqlite")
}

/// The schema version that added the members listing (filled from the journal on migration).
const MEMBERS_LISTING: i64 = 2;

/// The SQLite store. Cloning shares the connection pool.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// This process's writers to the same file.
    writers: Arc<Writers>,
}

/// Most appends one group commit writes in one transaction.
const GROUP_LIMIT: usize = 256;

/// One append's outcome: the stored entries, or why not.
type Outcome = Result<Vec<JournalEntry>, StoreError>;

/// Where a queued append's outcome goes.
type Reply = tokio::sync::oneshot::Sender<Outcome>;

/// A group commit's outcomes, one per append, in order.
type GroupFuture<'a> = core::pin::Pin<Box<dyn Future<Output = Vec<Outcome>> + Send + 'a>>;

/// This process's writers to one database file: the lock that serialises them before they
/// reach SQLite's (whose busy handler would otherwise make them poll and sleep), and the
/// appends queued for the next group commit. The queue holds at most one append per waiting
/// caller.
#[derive(Debug, Default)]
struct Writers {
    lock: Arc<tokio::sync::Mutex<()>>,
    queue: Mutex<VecDeque<(AppendRequest, Reply)>>,
    /// Group commits made (each one transaction).
    groups: std::sync::atomic::AtomicU64,
}

impl Writers {
    fn queue(&self) -> std::sync::MutexGuard<'_, VecDeque<(AppendRequest, Reply)>> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One set of writers per database file in this process (weakly held: dropped with the
/// stores).
static WRITERS: LazyLock<Mutex<HashMap<PathBuf, Weak<Writers>>>> = LazyLock::new(Default::default);

fn writers_of(file: Option<PathBuf>) -> Arc<Writers> {
    let Some(file) = file else {
        return Arc::default();
    };
    let mut all = WRITERS.lock().unwrap_or_else(|p| p.into_inner());
    all.retain(|_, w| w.strong_count() > 0);
    if let Some(writers) = all.get(&file).and_then(Weak::upgrade) {
        return writers;
    }
    let writers = Arc::default();
    all.insert(file, Arc::downgrade(&writers));
    writers
}

/// The error an append gets when the group commit that took it could not answer (its task
/// panicked, or the runtime shut down): whether it was written is unknown until reloaded.
fn abandoned() -> StoreError {
    StoreError::Database(Box::new(std::io::Error::other(
        "the group commit writing this append stopped before answering (reload to see whether \
         it was written)",
    )))
}

/// The outcomes of `n` appends whose group's transaction failed as a whole for `e`.
fn all_failed(n: usize, e: StoreError) -> Vec<Outcome> {
    let mut out: Vec<_> = (1..n).map(|_| Err(group_failed(&e))).collect();
    out.insert(0, Err(e));
    out
}

/// The error of an append in a group whose transaction failed as a whole for `e`.
fn group_failed(e: &StoreError) -> StoreError {
    StoreError::Database(Box::new(std::io::Error::other(format!(
        "the group commit of this append failed: {e}"
    ))))
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `location`: a file path, a `sqlite:` URL,
    /// or `:memory:` for a private in-memory database. Migrates it to the current schema.
    ///
    /// # Errors
    /// [`StoreError::Database`] if it cannot be opened or migrated; [`StoreError::Corrupt`] if
    /// tables of the schema or the journal's head are missing.
    // Spelled out (not `async fn`) so that the future is checked `Send` here, where it is
    // defined: callers spawn it on multi-threaded runtimes.
    #[allow(clippy::manual_async_fn)]
    pub fn open(location: &str) -> impl Future<Output = Result<Self, StoreError>> + Send + '_ {
        Self::open_as(location, true)
    }

    /// Opens the store in the existing file at `location` (migrating it), never creating one.
    ///
    /// # Errors
    /// [`StoreError::Missing`] if there is no such file; [`StoreError::Corrupt`] if the file is
    /// not a signflow store (not SQLite, no schema, tables or head missing); otherwise as
    /// [`SqliteStore::open`].
    #[allow(clippy::manual_async_fn)]
    pub fn open_existing(
        location: &str,
    ) -> impl Future<Output = Result<Self, StoreError>> + Send + '_ {
        Self::open_as(location, false)
    }

    #[allow(clippy::manual_async_fn)]
    fn open_as(
        location: &str,
        create: bool,
    ) -> impl Future<Output = Result<Self, StoreError>> + Send + '_ {
        async move {
            let memory = location == ":memory:" || location == "sqlite::memory:";
            let options = if memory {
                SqliteConnectOptions::from_str("sqlite::memory:")?
            } else if location.starts_with("sqlite:") {
                SqliteConnectOptions::from_str(location)?
            } else {
                SqliteConnectOptions::new().filename(location)
            };
            let existing = !create && !memory;
            if existing && !std::path::Path::new(options.get_filename()).is_file() {
                return Err(StoreError::Missing(location.into()));
            }
            // What an existing file's database says while it is opened and probed means the
            // file is not a store (not SQLite, tables deleted…), not an I/O failure.
            let not_a_store = |e: sqlx::Error| match e {
                sqlx::Error::Database(db) if existing => {
                    StoreError::Corrupt(format!("{location} is not a signflow store: {db}"))
                }
                e => e.into(),
            };
            let options = options
                .create_if_missing(create)
                .journal_mode(if memory {
                    SqliteJournalMode::Memory
                } else {
                    SqliteJournalMode::Wal
                })
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30));
            // An in-memory database lives and dies with its one connection.
            let pool = SqlitePoolOptions::new()
                .max_connections(if memory { 1 } else { 4 })
                .min_connections(if memory { 1 } else { 0 })
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options.clone())
                .await
                .map_err(not_a_store)?;
            let file = (!memory).then(|| {
                let path = PathBuf::from(options.get_filename());
                path.canonicalize().unwrap_or(path)
            });
            let store = Self {
                pool,
                writers: writers_of(file),
            };
            if existing && !store.has_schema().await? {
                return Err(StoreError::Corrupt(format!(
                    "{location} holds no signflow store (emptied, or another database); \
                     `signflow flow init` creates one"
                )));
            }
            store.migrate().await?;
            store.check_schema().await?;
            Ok(store)
        }
    }

    /// A transaction holding SQLite's write lock, which serialises migrations between
    /// processes.
    async fn begin_migration(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The connection pool, for tools and tests that need raw SQL (e.g. tampering tests).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Reads the chain head; `begin_write`'s transaction already holds the write lock.
    const LOCK_HEAD: &str = "SELECT global_seq, hash FROM chain_head WHERE id = 1";

    /// An append chains store-wide under the write lock `begin_write` holds: the head, read.
    async fn lock_for_append(
        tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
        _request: &AppendRequest,
    ) -> Result<super::sql::AppendLock, StoreError> {
        let (seq, hash): (i64, Vec<u8>) =
            sqlx::query_as(Self::LOCK_HEAD).fetch_one(&mut **tx).await?;
        Ok(super::sql::AppendLock::Head((
            super::sql::seq(seq, "head")?,
            super::sql::hash32(&hash, "head hash")?,
        )))
    }

    /// Nothing to do: every SQLite append takes its store-wide position at once.
    async fn sequence(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Whether a table exists (1 or 0).
    const TABLE_EXISTS: &str =
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1";

    /// This process's writer queue, then SQLite's write lock (`BEGIN IMMEDIATE`).
    async fn begin_write(
        &self,
    ) -> Result<
        (
            tokio::sync::MutexGuard<'_, ()>,
            sqlx::Transaction<'static, sqlx::Sqlite>,
        ),
        StoreError,
    > {
        let queue = self.writers.lock.lock().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok((queue, tx))
    }

    /// Queues `request` for the next group commit and answers once it is committed (or
    /// refused): a caller that finds the writer lock free leads, committing what is queued
    /// on a task of its own (so that dropping one caller's future abandons no one's append).
    async fn append_committed(
        &self,
        request: AppendRequest,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        use tokio::sync::oneshot::error::TryRecvError;
        let (reply, mut answer) = tokio::sync::oneshot::channel();
        self.writers.queue().push_back((request, reply));
        let guard = tokio::select! {
            biased;
            a = &mut answer => return a.unwrap_or_else(|_| Err(abandoned())),
            g = Arc::clone(&self.writers.lock).lock_owned() => g,
        };
        // The lock is ours, so no group commit is running: one may have answered meanwhile.
        match answer.try_recv() {
            Ok(a) => return a,
            Err(TryRecvError::Closed) => return Err(abandoned()),
            Err(TryRecvError::Empty) => {}
        }
        // Lead: commit every append queued now (this one among them), in groups, then let
        // the next caller lead those queued since.
        let store = self.clone();
        let mut left = self.writers.queue().len();
        tokio::spawn(async move {
            let _guard = guard;
            while left > 0 {
                let group: Vec<_> = {
                    let mut queue = store.writers.queue();
                    let n = queue.len().min(GROUP_LIMIT);
                    queue.drain(..n).collect()
                };
                if group.is_empty() {
                    break;
                }
                left = left.saturating_sub(group.len());
                store
                    .writers
                    .groups
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let (requests, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
                let results = store.write_group(&requests).await;
                for (reply, result) in replies.into_iter().zip(results) {
                    // Its caller may have gone: the append stands all the same.
                    let _ = reply.send(result);
                }
            }
        });
        answer.await.unwrap_or_else(|_| Err(abandoned()))
    }

    /// Writes `requests` in one transaction, each in a savepoint of its own, and commits:
    /// one outcome per request, in order. A failure of the transaction itself (it cannot
    /// begin, a savepoint cannot be rolled back, the commit fails) fails every request.
    // Boxed so that the future is checked `Send` here, with its lifetimes named, before
    // `tokio::spawn` needs it.
    fn write_group<'a>(&'a self, requests: &'a [AppendRequest]) -> GroupFuture<'a> {
        Box::pin(async move {
            let mut tx = match self.pool.begin_with("BEGIN IMMEDIATE").await {
                Ok(tx) => tx,
                Err(e) => return all_failed(requests.len(), e.into()),
            };
            if let [request] = requests {
                // Alone: no savepoint needed; on failure the transaction rolls back as it drops.
                let result = match append_in(&mut tx, request).await {
                    Ok(entries) => tx.commit().await.map(|()| entries).map_err(Into::into),
                    Err(e) => Err(e),
                };
                return vec![result];
            }
            let mut results = Vec::with_capacity(requests.len());
            for request in requests {
                // Through `Executor::execute`, whose boxed future keeps the `Send` check of
                // this one simple (sqlx's generic `execute` trips rustc's higher-ranked check).
                if let Err(e) = sqlx::Executor::execute(&mut *tx, "SAVEPOINT grouped").await {
                    return all_failed(requests.len(), e.into());
                }
                let result = append_in(&mut tx, request).await;
                let end: &[&str] = if result.is_ok() {
                    &["RELEASE grouped"]
                } else {
                    &["ROLLBACK TO grouped", "RELEASE grouped"]
                };
                for statement in end {
                    if let Err(e) = sqlx::Executor::execute(&mut *tx, *statement).await {
                        return all_failed(requests.len(), e.into());
                    }
                }
                results.push(result);
            }
            if let Err(e) = tx.commit().await {
                let e = StoreError::from(e);
                return results
                    .into_iter()
                    .map(|r| r.and_then(|_| Err(group_failed(&e))))
                    .collect();
            }
            results
        })
    }
}

super::sql_impl::impl_sql_store!(SqliteStore, sqlx::Sqlite, SqliteRow);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::journal::{Auditor, verify_stream};

    fn request(stream: &str, expected_seq: u64, blob: &[u8]) -> AppendRequest {
        AppendRequest {
            stream: stream.into(),
            expected_seq,
            actor: "clerk".into(),
            at: crate::pki::UnixTime(1_800_000_000),
            events: vec![format!("{{\"type\":\"withdrawn\",\"version\":{expected_seq}}}"); 2],
            blobs: vec![blob.to_vec()],
            document: None,
            organisation: None,
            members: Vec::new(),
            auth: None,
            expect_also: Vec::new(),
        }
    }

    /// Appends queued while the writer lock is taken go into one group commit: each gets its
    /// own answer (a conflict refused alone, the rest written, both events of an append
    /// together), and the journal chains across them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn queued_appends_share_one_commit_and_keep_their_own_outcomes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flow.db");
        let store = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
        let first = store.append(request("doc:a", 0, b"a0")).await.unwrap();
        assert_eq!(first.len(), 2);
        // Hold the writer lock so that what follows queues up behind it.
        let held = Arc::clone(&store.writers.lock).lock_owned().await;
        let mut tasks = Vec::new();
        for i in 0..40u64 {
            // A second store on the same file shares the queue (one per file per process).
            let s = if i % 2 == 0 {
                store.clone()
            } else {
                SqliteStore::open(path.to_str().unwrap()).await.unwrap()
            };
            // Streams doc:0..doc:19 each get two appends at sequence 0: one must lose.
            let r = request(&format!("doc:{}", i % 20), 0, &i.to_be_bytes());
            tasks.push(tokio::spawn(async move { s.append(r).await }));
        }
        // The append on doc:a at a stale sequence: refused, whatever its neighbours do.
        let stale = {
            let s = store.clone();
            tokio::spawn(async move { s.append(request("doc:a", 1, b"stale")).await })
        };
        while store.writers.queue().len() < 41 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let (before, _) = store.head().await.unwrap();
        assert_eq!(before, 2, "nothing is written while the lock is held");
        drop(held);
        let mut won = std::collections::HashMap::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok(entries) => {
                    assert_eq!(entries.len(), 2);
                    assert!(
                        won.insert(entries[0].stream.clone(), entries).is_none(),
                        "two appends at sequence 0 of one stream both won"
                    );
                }
                Err(e) => assert!(e.is_conflict(), "{e}"),
            }
        }
        assert_eq!(won.len(), 20, "one append per stream wins");
        let groups = store
            .writers
            .groups
            .load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(
            groups, 2,
            "the first append alone, then the 41 queued in one group"
        );
        match stale.await.unwrap() {
            Err(StoreError::Conflict {
                expected, actual, ..
            }) => assert_eq!((expected, actual), (1, 2)),
            other => panic!("the stale append: {other:?}"),
        }
        // What the winners were told is what is stored, and the store-wide chain holds.
        let journal = store.journal_page(0, 1000).await.unwrap();
        assert_eq!(journal.len(), 2 + 40);
        let mut auditor = Auditor::new();
        for e in &journal {
            auditor.feed(e);
        }
        let report = auditor.finish(store.head().await.unwrap());
        assert!(report.broken.is_none(), "{report:?}");
        for (stream, entries) in &won {
            let stored = store.load_stream(stream).await.unwrap();
            verify_stream(&stored).unwrap();
            assert_eq!(&stored, entries);
            // Both events of one append are neighbours in the store-wide order.
            assert_eq!(entries[1].global_seq, entries[0].global_seq + 1);
        }
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM blobs")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(n, 1 + 20, "a refused append leaves no blob behind");
    }
}
