//! The one implementation of [`FlowStore`] over SQL, shared by the SQLite and PostgreSQL
//! stores: the statements use `$N` placeholders and upsert syntax that both dialects accept.
//! Each store brings `begin_write` (its store-wide write lock and transaction) and
//! `LOCK_HEAD` (the query that reads the chain head under that lock).

macro_rules! impl_sql_store {
    ($store:ty, $db:ty, $row:ty) => {
        use sqlx::Row as _;

        use $crate::flow::journal::{chain, JournalEntry, PendingEvents, GENESIS};
        use $crate::flow::model::{DocumentFilter, DocumentSummary, Organisation};
        use $crate::flow::store::sql::{self, entry, expect, i64_of, sha256_hex};
        use $crate::flow::store::{AppendRequest, FlowStore, StoreError};

        const ENTRY_COLUMNS: &str =
            "global_seq, stream, seq, at, actor, event, prev_hash, global_prev_hash, hash";

        fn row_entry(r: &$row) -> Result<JournalEntry, StoreError> {
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

        fn row_summary(r: &$row) -> Result<DocumentSummary, StoreError> {
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

        impl FlowStore for $store {
            async fn append(&self, request: AppendRequest) -> Result<Vec<JournalEntry>, StoreError> {
                let (_writer, mut tx) = self.begin_write().await?;
                let head: (i64, Vec<u8>) = sqlx::query_as(<$store>::LOCK_HEAD)
                    .fetch_one(&mut *tx)
                    .await?;
                let head = (
                    sql::seq(head.0, "head")?,
                    sql::hash32(&head.1, "head hash")?,
                );
                let last: Option<(i64, Vec<u8>)> = sqlx::query_as(
                    "SELECT seq, hash FROM events WHERE stream = $1 ORDER BY seq DESC LIMIT 1",
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
                    sqlx::query("INSERT INTO blobs (sha256, content) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(sha256_hex(blob))
                        .bind(blob.as_slice())
                        .execute(&mut *tx)
                        .await?;
                }
                for e in &entries {
                    let inserted = sqlx::query(
                        "INSERT INTO events (global_seq, stream, seq, at, actor, event, prev_hash, \
                         global_prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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
                    sqlx::query("UPDATE chain_head SET global_seq = $1, hash = $2 WHERE id = 1")
                        .bind(i64_of(last.global_seq)?)
                        .bind(last.hash.as_slice())
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some(d) = &request.document {
                    sqlx::query(
                        "INSERT INTO documents (id, kind, title, sender, recipient, status, version, \
                         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
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
                    sqlx::query("INSERT INTO organisations (inn, ogrn, kpp, name) VALUES ($1, $2, $3, $4)")
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
                    "SELECT {ENTRY_COLUMNS} FROM events WHERE stream = $1 ORDER BY seq"
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
                    "SELECT {ENTRY_COLUMNS} FROM events WHERE global_seq > $1 ORDER BY global_seq LIMIT $2"
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
                    sqlx::query_scalar("SELECT content FROM blobs WHERE sha256 = $1")
                        .bind(sha256)
                        .fetch_optional(&self.pool)
                        .await?,
                )
            }

            async fn list(&self, filter: &DocumentFilter) -> Result<Vec<DocumentSummary>, StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new(
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
    };
}

pub(super) use impl_sql_store;
