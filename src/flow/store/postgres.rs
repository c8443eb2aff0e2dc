//! The shared store: PostgreSQL through sqlx, for several service instances on one database.
//! Appends lock the chain-head row (`SELECT … FOR UPDATE`), the store-wide lock the hash chain
//! needs; the unique (stream, seq) key stays the last word on conflicts.

use core::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};

/// The schema's migrations (`src/flow/store/postgres/NNNN_*.sql`, embedded by `sqlx::migrate!`),
/// run by sqlx's migrator under this store's own lock ([`PgStore::begin_migration`]), not the
/// migrator's session lock. Never edit one that has shipped: add the next.
fn migrator() -> Migrator {
    let mut migrator = sqlx::migrate!("src/flow/store/postgres");
    migrator.set_locking(false);
    migrator
}

/// The schema version that added the members listing (filled from the journal on migration).
const MEMBERS_LISTING: i64 = 2;

/// Arbitrary key of the advisory lock that serialises migrations between instances.
const MIGRATION_LOCK: i64 = 0x5349_474e_464c_4f57; // "SIGNFLOW"

/// The PostgreSQL store. Cloning shares the connection pool.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`) and migrates the database to the
    /// current schema (creating it in an empty database).
    ///
    /// # Errors
    /// [`StoreError::InvalidLocation`] if the URL names no database (PostgreSQL would pick one
    /// after the user's name); [`StoreError::Database`] if it cannot connect or migrate;
    /// [`StoreError::Corrupt`] if tables of the schema or the journal's head are missing.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(Self::options(url)?, 8).await
    }

    /// Connects to the store that exists in the database `url` names (migrating it), never
    /// creating one in an empty database.
    ///
    /// # Errors
    /// [`StoreError::Missing`] if the database holds no signflow store; otherwise as
    /// [`PgStore::connect`].
    pub async fn connect_existing(url: &str) -> Result<Self, StoreError> {
        let store = Self::new_pool(Self::options(url)?, 8).await?;
        if !store.has_schema().await? {
            return Err(StoreError::Missing(url.into()));
        }
        store.migrate().await?;
        store.check_schema().await?;
        Ok(store)
    }

    fn options(url: &str) -> Result<PgConnectOptions, StoreError> {
        if super::sql::postgres_database(url).is_none() {
            return Err(StoreError::InvalidLocation {
                location: url.into(),
                reason: "the URL names no database (postgres://user@host:port/DATABASE)".into(),
            });
        }
        Ok(PgConnectOptions::from_str(url)?)
    }

    /// Connects with `options` (e.g. a `search_path` per test schema) and at most
    /// `max_connections` connections, and migrates.
    ///
    /// # Errors
    /// [`StoreError::Database`] if it cannot connect or migrate; [`StoreError::Corrupt`] if
    /// tables of the schema or the journal's head are missing.
    pub async fn connect_with(
        options: PgConnectOptions,
        max_connections: u32,
    ) -> Result<Self, StoreError> {
        let store = Self::new_pool(options, max_connections).await?;
        store.migrate().await?;
        store.check_schema().await?;
        Ok(store)
    }

    async fn new_pool(options: PgConnectOptions, max_connections: u32) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    /// A transaction holding the advisory lock that serialises migrations between instances.
    async fn begin_migration(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// The connection pool, for tools and tests that need raw SQL (e.g. tampering tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Reads the chain head and locks its row until the transaction ends: the store-wide
    /// lock every append takes.
    const LOCK_HEAD: &str = "SELECT global_seq, hash FROM chain_head WHERE id = 1 FOR UPDATE";

    /// Whether a table exists in the schema the search path puts first (1 or 0).
    const TABLE_EXISTS: &str = "SELECT COUNT(*) FROM information_schema.tables \
                                WHERE table_schema = current_schema() AND table_name = $1";

    async fn begin_write(
        &self,
    ) -> Result<((), sqlx::Transaction<'static, sqlx::Postgres>), StoreError> {
        Ok(((), self.pool.begin().await?))
    }

    /// One append in its own transaction (serialised on the chain head's row lock).
    async fn append_committed(
        &self,
        request: AppendRequest,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let entries = append_in(&mut tx, &request).await?;
        tx.commit().await?;
        Ok(entries)
    }
}

super::sql_impl::impl_sql_store!(PgStore, sqlx::Postgres, PgRow);
