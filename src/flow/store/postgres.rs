//! The shared store: PostgreSQL through sqlx, for several service instances on one database.
//!
//! Since schema 4 an append locks only its own stream (a transaction-scoped advisory lock keyed
//! by the stream's name; the streams it expects unchanged, such as the acting organisation, in
//! shared mode), so appends to different documents share no lock. Its events are journal
//! format 3 ([`crate::flow::journal::EntryFormat::Sequenced`]): chained in their stream only,
//! with an `append_id` from a sequence and no store-wide position yet. The sequencer
//! ([`PgStore::sequence`], run before every read of the whole journal, every head read and
//! every seal, under the chain head's row lock) gives the committed events it sees their
//! positions, whole appends in `append_id` order, and links them into the store-wide chain.
//! An append whose transaction is still open is not visible to it and gets a later position
//! when it commits, so positions never have holes and the order respects causality: an event
//! that was read before another append began (its stream, its organisation's state) was
//! committed first, so it is sequenced before, or in the same batch with a smaller
//! `append_id` (taken after the locks, so per stream it grows with the sequence number). The
//! unique (stream, seq) key stays the last word on conflicts.

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

    /// Reads the chain head and locks its row until the transaction ends: the lock the
    /// sequencer, seals and listing rebuilds take (appends do not).
    const LOCK_HEAD: &str = "SELECT global_seq, hash FROM chain_head WHERE id = 1 FOR UPDATE";

    /// Whether a table exists in the schema the search path puts first (1 or 0).
    const TABLE_EXISTS: &str = "SELECT COUNT(*) FROM information_schema.tables \
                                WHERE table_schema = current_schema() AND table_name = $1";

    async fn begin_write(
        &self,
    ) -> Result<((), sqlx::Transaction<'static, sqlx::Postgres>), StoreError> {
        Ok(((), self.pool.begin().await?))
    }

    /// Locks the request's stream (exclusive) and the streams it expects unchanged (shared)
    /// until the transaction ends, in the order of their names (so two appends never wait on
    /// each other in a cycle), then takes the append's id from the sequence. The advisory
    /// lock's key is a hash of the schema and the stream's name: two streams sharing a key
    /// only wait for each other.
    async fn lock_for_append(
        tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
        request: &AppendRequest,
    ) -> Result<super::sql::AppendLock, StoreError> {
        let mut locks: Vec<(&str, bool)> = vec![(&request.stream, true)];
        for (stream, _) in &request.expect_also {
            locks.push((stream, false));
        }
        // Exclusive before shared for one stream, so the dedup keeps the stronger lock.
        locks.sort_by_key(|&(stream, exclusive)| (stream, !exclusive));
        locks.dedup_by_key(|&mut (stream, _)| stream);
        for (stream, exclusive) in locks {
            sqlx::query(if exclusive {
                "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '/' || $1, 0))"
            } else {
                "SELECT pg_advisory_xact_lock_shared(\
                 hashtextextended(current_schema() || '/' || $1, 0))"
            })
            .bind(stream)
            .execute(&mut **tx)
            .await?;
        }
        let append_id: i64 = sqlx::query_scalar("SELECT nextval('event_append_id')")
            .fetch_one(&mut **tx)
            .await?;
        Ok(super::sql::AppendLock::Stream { append_id })
    }

    /// Gives every committed event without a store-wide position one, in batches of whole
    /// appends: under the chain head's row lock (one sequencer at a time), the events visible
    /// now, ordered by `append_id` and stream sequence number (events with no `append_id`,
    /// which no append of ours writes, first), each linked after the one before
    /// ([`crate::flow::journal::JournalEntry::store_link`]), and the head moved to the last.
    /// Nothing is checked here: the audit recomputes every hash and link.
    ///
    /// # Errors
    /// [`StoreError::Database`] if a statement fails; [`StoreError::Corrupt`] if the head or
    /// a stored hash is malformed.
    pub async fn sequence(&self) -> Result<(), StoreError> {
        /// Most appends one transaction sequences.
        const BATCH: i64 = 1000;
        loop {
            let pending: Option<i64> =
                sqlx::query_scalar("SELECT 1::BIGINT FROM events WHERE global_seq IS NULL LIMIT 1")
                    .fetch_optional(&self.pool)
                    .await?;
            if pending.is_none() {
                return Ok(());
            }
            let mut tx = self.pool.begin().await?;
            let head: (i64, Vec<u8>) = sqlx::query_as(Self::LOCK_HEAD).fetch_one(&mut *tx).await?;
            let (mut n, mut link) = (
                super::sql::seq(head.0, "head")?,
                super::sql::hash32(&head.1, "head hash")?,
            );
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT append_id FROM events \
                 WHERE global_seq IS NULL AND append_id IS NOT NULL ORDER BY append_id LIMIT $1",
            )
            .bind(BATCH)
            .fetch_all(&mut *tx)
            .await?;
            // Whole appends only: every event of an append id seen above is committed.
            let rows: Vec<(String, i64, Vec<u8>, bool)> = sqlx::query_as(
                "SELECT stream, seq, hash, sequenced FROM events WHERE global_seq IS NULL \
                 AND (append_id = ANY($1) OR append_id IS NULL) \
                 ORDER BY append_id NULLS FIRST, stream, seq",
            )
            .bind(&ids)
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                return Ok(());
            }
            let (mut streams, mut seqs, mut positions, mut prevs) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for (stream, seq, hash, sequenced) in rows {
                let hash = super::sql::hash32(&hash, "hash")?;
                n += 1;
                let position = super::sql::i64_of(n)?;
                prevs.push(link.to_vec());
                link = if sequenced {
                    crate::flow::journal::sequenced_link(n, &hash, &link)
                } else {
                    hash
                };
                streams.push(stream);
                seqs.push(seq);
                positions.push(position);
            }
            sqlx::query(
                "UPDATE events AS e SET global_seq = v.g, global_prev_hash = v.p \
                 FROM UNNEST($1::TEXT[], $2::BIGINT[], $3::BIGINT[], $4::BYTEA[]) \
                 AS v(stream, seq, g, p) WHERE e.stream = v.stream AND e.seq = v.seq",
            )
            .bind(&streams)
            .bind(&seqs)
            .bind(&positions)
            .bind(&prevs)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE chain_head SET global_seq = $1, hash = $2 WHERE id = 1")
                .bind(super::sql::i64_of(n)?)
                .bind(link.as_slice())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            if (ids.len() as i64) < BATCH {
                return Ok(());
            }
        }
    }

    /// One append in its own transaction (locking only its streams).
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
