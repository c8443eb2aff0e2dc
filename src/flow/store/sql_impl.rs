//! The one implementation of [`FlowStore`] over SQL, shared by the SQLite and PostgreSQL
//! stores: the statements use `$N` placeholders and upsert syntax that both dialects accept.
//! Each store brings `begin_write` (its store-wide write lock and transaction), `LOCK_HEAD`
//! (the query that reads the chain head under that lock), `lock_for_append` (what an append
//! locks: the store-wide head, or only its streams), `sequence` (gives committed entries their
//! store-wide positions, where appends leave that to later), `TABLE_EXISTS` (whether a table
//! of the store's schema exists), `begin_migration` (a transaction under the lock that
//! serialises migrations), and, in its module, `migrator()` (sqlx's migrator over its
//! `sqlx::migrate!`-embedded SQL) and `MEMBERS_LISTING` (the version that added the members
//! listing).

macro_rules! impl_sql_store {
    ($store:ty, $db:ty, $row:ty) => {
        use sqlx::Row as _;

        use $crate::flow::journal::{chain, chain_stream, EntryFormat, JournalEntry, PendingEvents, GENESIS};
        use $crate::flow::model::{DocumentFilter, DocumentSummary, Member, MemberRow, Organisation};
        use $crate::flow::store::sql::{self, expect, i64_of, sha256_hex};
        use $crate::flow::store::{AppendRequest, CheckpointSigner, FlowStore, Listings, StoreError};
        use $crate::flow::checkpoint::Checkpoint;
        use $crate::flow::merkle::Frontier;

        const ENTRY_COLUMNS: &str =
            "global_seq, stream, seq, at, actor, event, auth, prev_hash, global_prev_hash, hash, \
             sequenced";

        /// Every table of the current schema.
        const TABLES: [&str; 8] = [
            "_sqlx_migrations",
            "events",
            "chain_head",
            "blobs",
            "documents",
            "organisations",
            "members",
            "checkpoints",
        ];

        impl $store {
            /// Checks that every table of the schema and the chain head's row are there: a
            /// store whose tables or head were deleted is corrupt, not merely empty.
            async fn check_schema(&self) -> Result<(), StoreError> {
                for table in TABLES {
                    let n: i64 = sqlx::query_scalar(<$store>::TABLE_EXISTS)
                        .bind(table)
                        .fetch_one(&self.pool)
                        .await?;
                    if n == 0 {
                        return Err(StoreError::Corrupt(format!(
                            "the table {table} is missing (deleted?)"
                        )));
                    }
                }
                let heads: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM chain_head WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await?;
                if heads != 1 {
                    return Err(StoreError::Corrupt(
                        "the journal's head row is missing (deleted?)".into(),
                    ));
                }
                Ok(())
            }

            /// Whether the database holds a signflow schema at all (sqlx's migrations table, or
            /// the `schema_version` table of the stores written before signflow used sqlx's
            /// migrator).
            async fn has_schema(&self) -> Result<bool, StoreError> {
                for table in ["_sqlx_migrations", "schema_version"] {
                    let n: i64 = sqlx::query_scalar(<$store>::TABLE_EXISTS)
                        .bind(table)
                        .fetch_one(&self.pool)
                        .await?;
                    if n > 0 {
                        return Ok(true);
                    }
                }
                Ok(false)
            }

            /// Brings the schema to the current version with sqlx's migrator, in one
            /// transaction under the store's migration lock: the migrations (each a savepoint of
            /// that transaction), the members listing schema 2 added filled from the journal,
            /// and, for a store written before signflow used sqlx's migrator, its
            /// `schema_version` record carried over. A failure leaves the store as it was.
            async fn migrate(&self) -> Result<(), StoreError> {
                use sqlx::migrate::Migrate as _;
                let migrator = migrator();
                let mut tx = self.begin_migration().await?;
                let exists = |table: &'static str| {
                    sqlx::query_scalar::<_, i64>(<$store>::TABLE_EXISTS).bind(table)
                };
                let legacy = exists("schema_version").fetch_one(&mut *tx).await? > 0;
                let adopted = exists("_sqlx_migrations").fetch_one(&mut *tx).await? > 0;
                tx.ensure_migrations_table().await.map_err(sql::migrate_error)?;
                if legacy && !adopted {
                    let current: i64 = sqlx::query_scalar(
                        "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_version",
                    )
                    .fetch_one(&mut *tx)
                    .await?;
                    let known = migrator.iter().map(|m| m.version).max().unwrap_or(0);
                    if current > known {
                        return Err(sql::newer_schema(current, known));
                    }
                    // The rows sqlx's migrator writes when it applies a migration itself.
                    for m in migrator.iter().filter(|m| m.version <= current) {
                        sqlx::query(
                            "INSERT INTO _sqlx_migrations \
                             (version, description, success, checksum, execution_time) \
                             VALUES ($1, $2, TRUE, $3, 0)",
                        )
                        .bind(m.version)
                        .bind(&*m.description)
                        .bind(&*m.checksum)
                        .execute(&mut *tx)
                        .await?;
                    }
                    sqlx::query("DROP TABLE schema_version").execute(&mut *tx).await?;
                }
                let applied: Vec<i64> =
                    sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
                        .fetch_all(&mut *tx)
                        .await?;
                // `run_direct`, not `run`: `run`'s `Acquire` bound makes the store's open future
                // fail the `Send` check (sqlx's own note on `run_direct`).
                migrator.run_direct(&mut *tx).await.map_err(sql::migrate_error)?;
                if !applied.contains(&MEMBERS_LISTING) {
                    Self::fill_members(&mut tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            /// Fills the members listing added by schema 2 from the organisation streams.
            async fn fill_members(
                tx: &mut sqlx::Transaction<'static, $db>,
            ) -> Result<(), StoreError> {
                let events: Vec<(String, String)> = sqlx::query_as(
                    "SELECT stream, event FROM events WHERE stream LIKE 'org:%' ORDER BY global_seq",
                )
                .fetch_all(&mut **tx)
                .await?;
                for row in sql::members_of(&events) {
                    insert_member(tx, &row.organisation, &row.member).await?;
                }
                Ok(())
            }
        }

        async fn insert_member(
            tx: &mut sqlx::Transaction<'static, $db>,
            organisation: &str,
            m: &Member,
        ) -> Result<(), StoreError> {
            // Serialising our own plain structures cannot fail.
            let identity = m
                .identity
                .as_ref()
                .map(|i| serde_json::to_string(i).unwrap_or_default());
            let grants = serde_json::to_string(&m.grants).unwrap_or_default();
            sqlx::query(
                "INSERT INTO members (organisation, user_id, role, until, identity, grants) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (organisation, user_id) DO UPDATE \
                 SET role = excluded.role, until = excluded.until, identity = excluded.identity, \
                 grants = excluded.grants",
            )
            .bind(organisation)
            .bind(&m.user)
            .bind(m.role.to_string())
            .bind(m.until.map(|t| t.0))
            .bind(identity)
            .bind(grants)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn insert_document(
            tx: &mut sqlx::Transaction<'static, $db>,
            d: &DocumentSummary,
        ) -> Result<(), StoreError> {
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
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn insert_organisation(
            tx: &mut sqlx::Transaction<'static, $db>,
            o: &Organisation,
        ) -> Result<(), StoreError> {
            sqlx::query("INSERT INTO organisations (inn, ogrn, kpp, name) VALUES ($1, $2, $3, $4)")
                .bind(&o.inn)
                .bind(&o.ogrn)
                .bind(&o.kpp)
                .bind(&o.name)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        fn row_entry(r: &$row) -> Result<JournalEntry, StoreError> {
            let global_seq: Option<i64> = r.try_get(0)?;
            Ok(JournalEntry {
                global_seq: sql::seq(global_seq.unwrap_or(0), "global sequence")?,
                stream: r.try_get(1)?,
                seq: sql::seq(r.try_get(2)?, "sequence")?,
                at: $crate::pki::UnixTime(r.try_get(3)?),
                actor: r.try_get(4)?,
                event_json: r.try_get(5)?,
                auth_json: r.try_get(6)?,
                prev_hash: sql::hash32(r.try_get(7)?, "prev_hash")?,
                global_prev_hash: sql::hash32(r.try_get(8)?, "global_prev_hash")?,
                hash: sql::hash32(r.try_get(9)?, "hash")?,
                format: if r.try_get(10)? {
                    EntryFormat::Sequenced
                } else {
                    EntryFormat::Chained
                },
            })
        }

        fn row_summary(r: &$row) -> Result<DocumentSummary, StoreError> {
            let corrupt = |e: $crate::flow::model::UnknownName| StoreError::Corrupt(e.to_string());
            let version: i64 = r.try_get(6)?;
            Ok(DocumentSummary {
                id: r.try_get(0)?,
                kind: r.try_get::<&str, _>(1)?.parse().map_err(corrupt)?,
                title: r.try_get(2)?,
                sender: r.try_get(3)?,
                recipient: r.try_get(4)?,
                status: r.try_get::<&str, _>(5)?.parse().map_err(corrupt)?,
                version: u32::try_from(version)
                    .map_err(|_| StoreError::Corrupt(format!("version {version}")))?,
                created_at: $crate::pki::UnixTime(r.try_get(7)?),
                updated_at: $crate::pki::UnixTime(r.try_get(8)?),
            })
        }

        /// Appends `request` inside `tx`, under the locks `lock_for_append` takes (SQLite: the
        /// store's write lock, already held; PostgreSQL: the request's streams): checks the
        /// expected sequence numbers, chains the events after the stream's last (and, holding
        /// the store-wide lock, after the store's head), and writes them with their blobs and
        /// listing rows. Nothing is committed: the caller commits (or rolls back).
        // Spelled out (not `async fn`) so that the future is checked `Send` here: the SQLite
        // store runs it on a spawned task (its group commit).
        #[allow(clippy::manual_async_fn)]
        fn append_in<'a>(
            tx: &'a mut sqlx::Transaction<'static, $db>,
            request: &'a AppendRequest,
        ) -> impl core::future::Future<Output = Result<Vec<JournalEntry>, StoreError>> + Send + 'a {
            async move {
                let lock = <$store>::lock_for_append(tx, request).await?;
                let last: Option<(i64, Vec<u8>)> = sqlx::query_as(
                    "SELECT seq, hash FROM events WHERE stream = $1 ORDER BY seq DESC LIMIT 1",
                )
                .bind(&request.stream)
                .fetch_optional(&mut **tx)
                .await?;
                let (last_seq, last_hash) = match last {
                    Some((s, h)) => (sql::seq(s, "sequence")?, sql::hash32(&h, "hash")?),
                    None => (0, GENESIS),
                };
                expect(&request.stream, request.expected_seq, last_seq)?;
                for (stream, expected) in &request.expect_also {
                    let actual: i64 = sqlx::query_scalar(
                        "SELECT COALESCE(MAX(seq), 0) FROM events WHERE stream = $1",
                    )
                    .bind(stream)
                    .fetch_one(&mut **tx)
                    .await?;
                    expect(stream, *expected, sql::seq(actual, "sequence")?)?;
                }
                let pending = PendingEvents {
                    stream: &request.stream,
                    expected_seq: request.expected_seq,
                    actor: &request.actor,
                    at: request.at,
                    events: &request.events,
                    auth: request.auth.as_deref(),
                };
                let entries = match lock {
                    $crate::flow::store::sql::AppendLock::Head(head) => chain(&pending, last_hash, head),
                    $crate::flow::store::sql::AppendLock::Stream { .. } => chain_stream(&pending, last_hash),
                };
                let append_id = match lock {
                    $crate::flow::store::sql::AppendLock::Stream { append_id } => Some(append_id),
                    $crate::flow::store::sql::AppendLock::Head(_) => None,
                };
                for blob in &request.blobs {
                    sqlx::query("INSERT INTO blobs (sha256, content) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(sha256_hex(blob))
                        .bind(blob.as_slice())
                        .execute(&mut **tx)
                        .await?;
                }
                for e in &entries {
                    let inserted = sqlx::query(
                        "INSERT INTO events (global_seq, stream, seq, at, actor, event, auth, \
                         prev_hash, global_prev_hash, hash, sequenced, append_id) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(match e.format {
                        EntryFormat::Sequenced => None,
                        _ => Some(i64_of(e.global_seq)?),
                    })
                    .bind(&e.stream)
                    .bind(i64_of(e.seq)?)
                    .bind(e.at.0)
                    .bind(&e.actor)
                    .bind(&e.event_json)
                    .bind(&e.auth_json)
                    .bind(e.prev_hash.as_slice())
                    .bind(e.global_prev_hash.as_slice())
                    .bind(e.hash.as_slice())
                    .bind(e.format == EntryFormat::Sequenced)
                    .bind(append_id)
                    .execute(&mut **tx)
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
                if let (Some(last), $crate::flow::store::sql::AppendLock::Head(_)) = (entries.last(), lock) {
                    sqlx::query("UPDATE chain_head SET global_seq = $1, hash = $2 WHERE id = 1")
                        .bind(i64_of(last.global_seq)?)
                        .bind(last.hash.as_slice())
                        .execute(&mut **tx)
                        .await?;
                }
                if let Some(d) = &request.document {
                    insert_document(tx, d).await?;
                }
                if let Some(o) = &request.organisation {
                    insert_organisation(tx, o).await?;
                }
                for change in &request.members {
                    match &change.member {
                        Some(m) => insert_member(tx, &change.organisation, m).await?,
                        None => {
                            sqlx::query(
                                "DELETE FROM members WHERE organisation = $1 AND user_id = $2",
                            )
                            .bind(&change.organisation)
                            .bind(&change.user)
                            .execute(&mut **tx)
                            .await?;
                        }
                    }
                }
    Ok(entries)
            }
        }

        impl FlowStore for $store {
            async fn append(&self, request: AppendRequest) -> Result<Vec<JournalEntry>, StoreError> {
                self.append_committed(request).await
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
                if after == 0 {
                    // A reader starting from the beginning sees every committed event.
                    self.sequence().await?;
                }
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
                self.sequence().await?;
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

            async fn members(&self, organisation: Option<&str>) -> Result<Vec<MemberRow>, StoreError> {
                type Row = (String, String, String, Option<i64>, Option<String>, String);
                const COLUMNS: &str =
                    "SELECT organisation, user_id, role, until, identity, grants FROM members";
                let rows: Vec<Row> = match organisation {
                    Some(inn) => {
                        sqlx::query_as(&format!(
                            "{COLUMNS} WHERE organisation = $1 ORDER BY user_id"
                        ))
                        .bind(inn)
                        .fetch_all(&self.pool)
                        .await?
                    }
                    None => {
                        sqlx::query_as(&format!("{COLUMNS} ORDER BY organisation, user_id"))
                            .fetch_all(&self.pool)
                            .await?
                    }
                };
                rows.into_iter()
                    .map(|(o, u, r, t, i, g)| sql::member_row(o, u, r, t, i, g))
                    .collect()
            }

            async fn unsigned_until(&self) -> Result<u64, StoreError> {
                let v: i64 = sqlx::query_scalar("SELECT unsigned_until FROM chain_head WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await?;
                sql::seq(v, "unsigned_until")
            }

            async fn replace_listings(&self, listings: Listings) -> Result<(), StoreError> {
                let (_writer, mut tx) = self.begin_write().await?;
                // Under the chain head's lock: no SQLite append interleaves, and no PostgreSQL
                // sequencer or seal (PostgreSQL appends lock only their streams: one that
                // commits during a rebuild writes its row after or before it, as ever between
                // the rebuild's audit and this transaction; audit again to compare).
                sqlx::query(<$store>::LOCK_HEAD).fetch_one(&mut *tx).await?;
                for table in ["documents", "organisations", "members"] {
                    sqlx::query(&format!("DELETE FROM {table}"))
                        .execute(&mut *tx)
                        .await?;
                }
                for d in &listings.documents {
                    insert_document(&mut tx, d).await?;
                }
                for o in &listings.organisations {
                    insert_organisation(&mut tx, o).await?;
                }
                for m in &listings.members {
                    insert_member(&mut tx, &m.organisation, &m.member).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn seal(
                &self,
                at: $crate::pki::UnixTime,
                sign: Option<CheckpointSigner<'_>>,
            ) -> Result<Checkpoint, StoreError> {
                self.sequence().await?;
                let (_writer, mut tx) = self.begin_write().await?;
                let head: (i64, Vec<u8>) = sqlx::query_as(<$store>::LOCK_HEAD)
                    .fetch_one(&mut *tx)
                    .await?;
                let head = (
                    sql::seq(head.0, "head")?,
                    sql::hash32(&head.1, "head hash")?,
                );
                type Row = (i64, i64, Vec<u8>, i64, Option<Vec<u8>>, Vec<u8>);
                let last: Option<Row> = sqlx::query_as(
                    "SELECT id, tree_size, root_hash, at, signature, frontier FROM checkpoints \
                     ORDER BY id DESC LIMIT 1",
                )
                .fetch_optional(&mut *tx)
                .await?;
                let (number, mut frontier, at) = match last {
                    None => (0, Frontier::new(), at),
                    Some((id, size, root, last_at, signature, stored)) => {
                        let size = sql::seq(size, "tree size")?;
                        let root = sql::hash32(&root, "root hash")?;
                        let subtrees = stored
                            .chunks(32)
                            .map(|c| sql::hash32(c, "frontier hash"))
                            .collect::<Result<Vec<_>, _>>()?;
                        let frontier = Frontier::from_parts(size, subtrees)
                            .filter(|f| f.root() == root)
                            .ok_or_else(|| {
                                StoreError::Corrupt(format!(
                                    "checkpoint {id}'s frontier does not give its root"
                                ))
                            })?;
                        if size == head.0 {
                            return Ok(Checkpoint {
                                tree_size: size,
                                root_hash: root,
                                timestamp: $crate::pki::UnixTime(last_at),
                                signature,
                            });
                        }
                        if size > head.0 {
                            return Err(StoreError::Corrupt(format!(
                                "checkpoint {id} covers {size} events; the journal's head is \
                                 event {}",
                                head.0
                            )));
                        }
                        (sql::seq(id, "checkpoint number")?, frontier, at.max($crate::pki::UnixTime(last_at)))
                    }
                };
                // The store-wide chain from the last checkpoint on.
                let mut prev = if frontier.size() == 0 {
                    GENESIS
                } else {
                    let row = sqlx::query(&format!(
                        "SELECT {ENTRY_COLUMNS} FROM events WHERE global_seq = $1"
                    ))
                    .bind(i64_of(frontier.size())?)
                    .fetch_one(&mut *tx)
                    .await?;
                    row_entry(&row)?.store_link()
                };
                while frontier.size() < head.0 {
                    let page: Vec<JournalEntry> = sqlx::query(&format!(
                        "SELECT {ENTRY_COLUMNS} FROM events WHERE global_seq > $1 \
                         ORDER BY global_seq LIMIT $2"
                    ))
                    .bind(i64_of(frontier.size())?)
                    .bind(i64::from($crate::flow::store::JOURNAL_PAGE))
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(row_entry)
                    .collect::<Result<_, _>>()?;
                    if page.is_empty() {
                        break;
                    }
                    for e in &page {
                        if e.global_seq != frontier.size() + 1
                            || e.global_prev_hash != prev
                            || e.computed_hash() != e.hash
                        {
                            return Err(StoreError::Corrupt(format!(
                                "event {} does not chain to the journal before it: not sealed \
                                 (run the audit)",
                                e.global_seq
                            )));
                        }
                        prev = e.store_link();
                        frontier.push(e.tree_leaf());
                    }
                }
                if frontier.size() != head.0 || prev != head.1 {
                    return Err(StoreError::Corrupt(format!(
                        "the journal ends at event {} but its head is event {}: not sealed \
                         (run the audit)",
                        frontier.size(),
                        head.0
                    )));
                }
                let mut checkpoint = Checkpoint {
                    tree_size: frontier.size(),
                    root_hash: frontier.root(),
                    timestamp: at,
                    signature: None,
                };
                if let Some(sign) = sign {
                    checkpoint.signature = Some(sign(&checkpoint).map_err(StoreError::Signing)?);
                }
                sqlx::query(
                    "INSERT INTO checkpoints (id, tree_size, root_hash, at, signature, frontier) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(i64_of(number + 1)?)
                .bind(i64_of(checkpoint.tree_size)?)
                .bind(checkpoint.root_hash.as_slice())
                .bind(checkpoint.timestamp.0)
                .bind(checkpoint.signature.as_deref())
                .bind(frontier.subtrees().concat())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(checkpoint)
            }

            async fn checkpoints(&self, after: u64, limit: u32) -> Result<Vec<(u64, Checkpoint)>, StoreError> {
                let rows: Vec<(i64, i64, Vec<u8>, i64, Option<Vec<u8>>)> = sqlx::query_as(
                    "SELECT id, tree_size, root_hash, at, signature FROM checkpoints \
                     WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .bind(i64_of(after)?)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(id, size, root, at, signature)| {
                        Ok((
                            sql::seq(id, "checkpoint number")?,
                            Checkpoint {
                                tree_size: sql::seq(size, "tree size")?,
                                root_hash: sql::hash32(&root, "root hash")?,
                                timestamp: $crate::pki::UnixTime(at),
                                signature,
                            },
                        ))
                    })
                    .collect()
            }
        }
    };
}

pub(super) use impl_sql_store;
