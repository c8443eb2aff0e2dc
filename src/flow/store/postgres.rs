//! The shared store: PostgreSQL through sqlx, for several service instances on one database.
//! Appends lock the chain-head row (`SELECT … FOR UPDATE`), the store-wide lock the hash chain
//! needs; the unique (stream, seq) key stays the last word on conflicts.

use core::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};

/// Schema migrations, applied in order; the index + 1 is the schema version.
const MIGRATIONS: &[&str] = &[include_str!("postgres/0001_journal.sql")];

/// Arbitrary key of the advisory lock that serialises migrations between instances.
const MIGRATION_LOCK: i64 = 0x5349_474e_464c_4f57; // "SIGNFLOW"

/// The PostgreSQL store. Cloning shares the connection pool.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`) and migrates the database to the
    /// current schema.
    ///
    /// # Errors
    /// [`StoreError::Database`] if it cannot connect or migrate.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(PgConnectOptions::from_str(url)?, 8).await
    }

    /// Connects with `options` (e.g. a `search_path` per test schema) and at most
    /// `max_connections` connections, and migrates.
    ///
    /// # Errors
    /// [`StoreError::Database`] if it cannot connect or migrate.
    pub async fn connect_with(
        options: PgConnectOptions,
        max_connections: u32,
    ) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, \
             applied_at BIGINT NOT NULL)",
        )
        .execute(&mut *tx)
        .await?;
        let current: i32 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version")
                .fetch_one(&mut *tx)
                .await?;
        for (i, migration) in MIGRATIONS.iter().enumerate() {
            let version = i as i32 + 1;
            if version <= current {
                continue;
            }
            sqlx::Executor::execute(&mut *tx, *migration).await?;
            sqlx::query("INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)")
                .bind(version)
                .bind(crate::pki::UnixTime::now().0)
                .execute(&mut *tx)
                .await?;
        }
        if current > MIGRATIONS.len() as i32 {
            return Err(StoreError::Corrupt(format!(
                "schema version {current} is newer than this signflow knows ({})",
                MIGRATIONS.len()
            )));
        }
        tx.commit().await?;
        Ok(())
    }

    /// The connection pool, for tools and tests that need raw SQL (e.g. tampering tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Reads the chain head and locks its row until the transaction ends: the store-wide
    /// lock every append takes.
    const LOCK_HEAD: &str = "SELECT global_seq, hash FROM chain_head WHERE id = 1 FOR UPDATE";

    async fn begin_write(
        &self,
    ) -> Result<((), sqlx::Transaction<'static, sqlx::Postgres>), StoreError> {
        Ok(((), self.pool.begin().await?))
    }
}

super::sql_impl::impl_sql_store!(PgStore, sqlx::Postgres, PgRow);
