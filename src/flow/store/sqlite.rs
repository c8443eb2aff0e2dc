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
                writers: writer_lock(file),
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
        let queue = self.writers.lock().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok((queue, tx))
    }
}

super::sql_impl::impl_sql_store!(SqliteStore, sqlx::Sqlite, SqliteRow);
