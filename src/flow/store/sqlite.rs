//! The embedded store: one SQLite file (WAL journal, `synchronous = FULL`) or an in-memory
//! database. Appends run in `BEGIN IMMEDIATE` transactions, which take SQLite's single write
//! lock up front: that lock is the store-wide lock the hash chain needs, and a process killed
//! mid-append leaves the file as it was before the transaction.

use core::future::Future;
use core::str::FromStr;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, Weak};
use std::time::Duration;

use sqlx::Row as _;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};

use super::sql::{self, entry, expect, i64_of, sha256_hex};
use super::{AppendRequest, FlowStore, StoreError};
use crate::flow::journal::{GENESIS, JournalEntry, PendingEvents, chain};
use crate::flow::model::{DocumentFilter, DocumentSummary, Organisation};

/// Schema migrations, applied in order; the index + 1 is the schema version.
const MIGRATIONS: &[&str] = &[include_str!("sqlite/0001_journal.sql")];

/// The SQLite store. Cloning shares the connection pool.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Serialises this process's writers to the same file before they reach SQLite's lock,
    /// whose busy handler would otherwise make them poll and sleep.
    writers: Arc<tokio::sync::Mutex<()>>,
}

/// One writer lock per database file in this process (weakly held: dropped with the stores).
static WRITER_LOCKS: LazyLock<Mutex<HashMap<PathBuf, Weak<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(Default::default);

fn writer_lock(file: Option<PathBuf>) -> Arc<tokio::sync::Mutex<()>> {
    let Some(file) = file else {
        return Arc::default();
    };
    let mut locks = WRITER_LOCKS.lock().unwrap_or_else(|p| p.into_inner());
    locks.retain(|_, w| w.strong_count() > 0);
    if let Some(lock) = locks.get(&file).and_then(Weak::upgrade) {
        return lock;
    }
    let lock = Arc::default();
    locks.insert(file, Arc::downgrade(&lock));
    lock
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `location`: a file path, a `sqlite:` URL,
    /// or `:memory:` for a private in-memory database. Migrates it to the current schema.
    ///
    /// # Errors
    /// [`StoreError::Database`] if it cannot be opened or migrated.
    // Spelled out (not `async fn`) so that the future is checked `Send` here, where it is
    // defined: callers spawn it on multi-threaded runtimes.
    #[allow(clippy::manual_async_fn)]
    pub fn open(location: &str) -> impl Future<Output = Result<Self, StoreError>> + Send + '_ {
        async move {
            let memory = location == ":memory:" || location == "sqlite::memory:";
            let options = if memory {
                SqliteConnectOptions::from_str("sqlite::memory:")?
            } else if location.starts_with("sqlite:") {
                SqliteConnectOptions::from_str(location)?
            } else {
                SqliteConnectOptions::new().filename(location)
            };
            let options = options
                .create_if_missing(true)
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
                .await?;
            let file = (!memory).then(|| {
                let path = PathBuf::from(options.get_filename());
                path.canonicalize().unwrap_or(path)
            });
            let store = Self {
                pool,
                writers: writer_lock(file),
            };
            store.migrate().await?;
            Ok(store)
        }
    }

    #[allow(clippy::manual_async_fn)]
    fn migrate(&self) -> impl Future<Output = Result<(), StoreError>> + Send + '_ {
        async move {
            let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, \
                 applied_at INTEGER NOT NULL)",
            )
            .execute(&mut *tx)
            .await?;
            let current: i64 =
                sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version")
                    .fetch_one(&mut *tx)
                    .await?;
            for (i, migration) in MIGRATIONS.iter().enumerate() {
                let version = i as i64 + 1;
                if version <= current {
                    continue;
                }
                sqlx::Executor::execute(&mut *tx, *migration).await?;
                sqlx::query("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)")
                    .bind(version)
                    .bind(crate::pki::UnixTime::now().0)
                    .execute(&mut *tx)
                    .await?;
            }
            if current > MIGRATIONS.len() as i64 {
                return Err(StoreError::Corrupt(format!(
                    "schema version {current} is newer than this signflow knows ({})",
                    MIGRATIONS.len()
                )));
            }
            tx.commit().await?;
            Ok(())
        }
    }

    /// The connection pool, for tools and tests that need raw SQL (e.g. tampering tests).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

const ENTRY_COLUMNS: &str =
    "global_seq, stream, seq, at, actor, event, prev_hash, global_prev_hash, hash";

fn row_entry(r: &SqliteRow) -> Result<JournalEntry, StoreError> {
    entry(
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
        r.try_get(5)?,
        r.try_get::<&[u8], _>(6)?,
        r.try_get::<&[u8], _>(7)?,
        r.try_get::<&[u8], _>(8)?,
    )
}

fn row_summary(r: &SqliteRow) -> Result<DocumentSummary, StoreError> {
    sql::summary(
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
        r.try_get(5)?,
        r.try_get(6)?,
        r.try_get(7)?,
        r.try_get(8)?,
    )
}

impl FlowStore for SqliteStore {
    async fn append(&self, request: AppendRequest) -> Result<Vec<JournalEntry>, StoreError> {
        let _writer = self.writers.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let head: (i64, Vec<u8>) =
            sqlx::query_as("SELECT global_seq, hash FROM chain_head WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?;
        let head = (
            sql::seq(head.0, "head")?,
            sql::hash32(&head.1, "head hash")?,
        );
        let last: Option<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT seq, hash FROM events WHERE stream = ? ORDER BY seq DESC LIMIT 1",
        )
        .bind(&request.stream)
        .fetch_optional(&mut *tx)
        .await?;
        let (last_seq, last_hash) = match last {
            Some((s, h)) => (sql::seq(s, "sequence")?, sql::hash32(&h, "hash")?),
            None => (0, GENESIS),
        };
        expect(&request.stream, request.expected_seq, last_seq)?;
        let entries = chain(
            &PendingEvents {
                stream: &request.stream,
                expected_seq: request.expected_seq,
                actor: &request.actor,
                at: request.at,
                events: &request.events,
            },
            last_hash,
            head,
        );
        for blob in &request.blobs {
            sqlx::query("INSERT OR IGNORE INTO blobs (sha256, content) VALUES (?, ?)")
                .bind(sha256_hex(blob))
                .bind(blob.as_slice())
                .execute(&mut *tx)
                .await?;
        }
        for e in &entries {
            let inserted = sqlx::query(
                "INSERT INTO events (global_seq, stream, seq, at, actor, event, prev_hash, \
                 global_prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(i64_of(e.global_seq)?)
            .bind(&e.stream)
            .bind(i64_of(e.seq)?)
            .bind(e.at.0)
            .bind(&e.actor)
            .bind(&e.event_json)
            .bind(e.prev_hash.as_slice())
            .bind(e.global_prev_hash.as_slice())
            .bind(e.hash.as_slice())
            .execute(&mut *tx)
            .await;
            if let Err(sqlx::Error::Database(db)) = &inserted
                && db.is_unique_violation()
            {
                return Err(StoreError::Conflict {
                    stream: request.stream.clone(),
                    expected: request.expected_seq,
                    actual: e.seq,
                });
            }
            inserted?;
        }
        if let Some(last) = entries.last() {
            sqlx::query("UPDATE chain_head SET global_seq = ?, hash = ? WHERE id = 1")
                .bind(i64_of(last.global_seq)?)
                .bind(last.hash.as_slice())
                .execute(&mut *tx)
                .await?;
        }
        if let Some(d) = &request.document {
            sqlx::query(
                "INSERT INTO documents (id, kind, title, sender, recipient, status, version, \
                 created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (id) DO UPDATE SET status = excluded.status, \
                 version = excluded.version, updated_at = excluded.updated_at",
            )
            .bind(&d.id)
            .bind(d.kind.as_str())
            .bind(&d.title)
            .bind(&d.sender)
            .bind(&d.recipient)
            .bind(d.status.as_str())
            .bind(i64::from(d.version))
            .bind(d.created_at.0)
            .bind(d.updated_at.0)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(o) = &request.organisation {
            sqlx::query("INSERT INTO organisations (inn, ogrn, kpp, name) VALUES (?, ?, ?, ?)")
                .bind(&o.inn)
                .bind(&o.ogrn)
                .bind(&o.kpp)
                .bind(&o.name)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(entries)
    }

    async fn load_stream(&self, stream: &str) -> Result<Vec<JournalEntry>, StoreError> {
        sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM events WHERE stream = ? ORDER BY seq"
        ))
        .bind(stream)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(row_entry)
        .collect()
    }

    async fn journal_page(&self, after: u64, limit: u32) -> Result<Vec<JournalEntry>, StoreError> {
        sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM events WHERE global_seq > ? ORDER BY global_seq LIMIT ?"
        ))
        .bind(i64_of(after)?)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(row_entry)
        .collect()
    }

    async fn head(&self) -> Result<(u64, [u8; 32]), StoreError> {
        let (seq, hash): (i64, Vec<u8>) =
            sqlx::query_as("SELECT global_seq, hash FROM chain_head WHERE id = 1")
                .fetch_one(&self.pool)
                .await?;
        Ok((sql::seq(seq, "head")?, sql::hash32(&hash, "head hash")?))
    }

    async fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT content FROM blobs WHERE sha256 = ?")
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn list(&self, filter: &DocumentFilter) -> Result<Vec<DocumentSummary>, StoreError> {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT id, kind, title, sender, recipient, status, version, created_at, updated_at \
             FROM documents WHERE 1 = 1",
        );
        if let Some(org) = &filter.organisation {
            q.push(" AND (sender = ")
                .push_bind(org.clone())
                .push(" OR recipient = ")
                .push_bind(org.clone())
                .push(")");
        }
        if let Some(s) = filter.status {
            q.push(" AND status = ").push_bind(s.as_str());
        }
        if let Some(k) = filter.kind {
            q.push(" AND kind = ").push_bind(k.as_str());
        }
        if let Some(t) = filter.updated_from {
            q.push(" AND updated_at >= ").push_bind(t.0);
        }
        if let Some(t) = filter.updated_to {
            q.push(" AND updated_at < ").push_bind(t.0);
        }
        q.push(" ORDER BY updated_at DESC, id");
        q.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(row_summary)
            .collect()
    }

    async fn organisations(&self) -> Result<Vec<Organisation>, StoreError> {
        let rows: Vec<(String, String, Option<String>, String)> =
            sqlx::query_as("SELECT inn, ogrn, kpp, name FROM organisations ORDER BY inn")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(inn, ogrn, kpp, name)| Organisation {
                inn,
                ogrn,
                kpp,
                name,
            })
            .collect())
    }
}
