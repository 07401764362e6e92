//! Knowledge points and their versions. Every edit is a new version with who, when and
//! why; a second person approves a version before it is published; every change is
//! audited in its transaction.
//!
//! Changes that alter what search should show (publish, retire, import) take the next
//! number from `kb_head` and stamp it on the article, so the search index can ask for
//! "everything after N" and never miss or repeat work. The numbers are taken while the
//! audit chain's lock is held, so they are handed out in commit order.

use crate::audit::{AuditRecord, AuditedTx};
use crate::{Store, StoreError, Tx, args, new_id, now_ms};
use bankdesk_domain::approval::Checker;
use bankdesk_domain::kb::{self, ArticleContent, ArticleStatus, Audience, Category, VersionStatus};

/// A knowledge point with one of its versions.
#[derive(Clone, Debug, PartialEq)]
pub struct Article {
    pub id: String,
    pub status: ArticleStatus,
    pub latest_version: i64,
    pub published_version: Option<i64>,
    pub owner: String,
    pub created_by: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub version: Version,
}

/// One version: its content and its review.
#[derive(Clone, Debug, PartialEq)]
pub struct Version {
    pub version: i64,
    pub content: ArticleContent,
    pub status: VersionStatus,
    pub author: String,
    pub created_at_ms: i64,
    pub reason: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at_ms: Option<i64>,
    pub review_note: Option<String>,
}

/// A line of an article's history (without the content).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct VersionSummary {
    pub version: i64,
    pub status: VersionStatus,
    pub title: String,
    pub author: String,
    pub created_at_ms: i64,
    pub reason: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at_ms: Option<i64>,
    pub review_note: Option<String>,
}

/// A line of the editors' list.
#[derive(Clone, Debug, PartialEq)]
pub struct ArticleSummary {
    pub id: String,
    pub status: ArticleStatus,
    pub latest_version: i64,
    pub published_version: Option<i64>,
    pub latest_status: VersionStatus,
    pub title: String,
    pub category: String,
    pub audience: Audience,
    pub author: String,
    pub updated_at_ms: i64,
}

/// What search should now show for one article.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchChange {
    pub id: String,
    pub change_seq: i64,
    /// The published version's content, or `None` when the article is not searchable.
    pub published: Option<(i64, ArticleContent)>,
}

/// A review decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

/// A point brought in by an import (demo knowledge, a bank's migration): published at
/// once, as the import itself is the reviewed act.
#[derive(Clone, Debug)]
pub struct ImportedPoint {
    pub id: String,
    pub owner: String,
    pub content: ArticleContent,
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    version: i64,
    title: String,
    body: String,
    category: String,
    tags: String,
    audience: String,
    valid_from_ms: Option<i64>,
    valid_until_ms: Option<i64>,
    script: Option<String>,
    status: String,
    author: String,
    created_at_ms: i64,
    reason: String,
    reviewed_by: Option<String>,
    reviewed_at_ms: Option<i64>,
    review_note: Option<String>,
}

const VERSION_COLUMNS: &str = "v.version, v.title, v.body, v.category, v.tags, v.audience, v.valid_from_ms, \
     v.valid_until_ms, v.script, v.status, v.author, v.created_at_ms, v.reason, v.reviewed_by, \
     v.reviewed_at_ms, v.review_note";

#[derive(sqlx::FromRow)]
struct ArticleRow {
    id: String,
    a_status: String,
    latest_version: i64,
    published_version: Option<i64>,
    owner: String,
    created_by: String,
    a_created_at_ms: i64,
    updated_at_ms: i64,
    #[sqlx(flatten)]
    v: VersionRow,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("knowledge: {what}"))
}

#[allow(clippy::too_many_arguments)]
fn content_of(
    title: String,
    body: String,
    category: &str,
    tags: &str,
    audience: &str,
    valid_from_ms: Option<i64>,
    valid_until_ms: Option<i64>,
    script: Option<String>,
) -> Result<ArticleContent, StoreError> {
    Ok(ArticleContent {
        title,
        body,
        category: Category::parse(category).map_err(|_| corrupt("category"))?,
        tags: serde_json::from_str(tags).map_err(|_| corrupt("tags"))?,
        audience: Audience::parse(audience).ok_or_else(|| corrupt("audience"))?,
        valid_from_ms,
        valid_until_ms,
        script,
    })
}

impl TryFrom<VersionRow> for Version {
    type Error = StoreError;
    fn try_from(r: VersionRow) -> Result<Version, StoreError> {
        Ok(Version {
            content: content_of(
                r.title,
                r.body,
                &r.category,
                &r.tags,
                &r.audience,
                r.valid_from_ms,
                r.valid_until_ms,
                r.script,
            )?,
            version: r.version,
            status: VersionStatus::parse(&r.status).ok_or_else(|| corrupt("version status"))?,
            author: r.author,
            created_at_ms: r.created_at_ms,
            reason: r.reason,
            reviewed_by: r.reviewed_by,
            reviewed_at_ms: r.reviewed_at_ms,
            review_note: r.review_note,
        })
    }
}

impl TryFrom<ArticleRow> for Article {
    type Error = StoreError;
    fn try_from(r: ArticleRow) -> Result<Article, StoreError> {
        Ok(Article {
            status: ArticleStatus::parse(&r.a_status).ok_or_else(|| corrupt("article status"))?,
            id: r.id,
            latest_version: r.latest_version,
            published_version: r.published_version,
            owner: r.owner,
            created_by: r.created_by,
            created_at_ms: r.a_created_at_ms,
            updated_at_ms: r.updated_at_ms,
            version: r.v.try_into()?,
        })
    }
}

fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

impl AuditedTx {
    /// Takes the next change number for search; only an audited write may, since the
    /// chain's lock it holds is what hands the numbers out in commit order.
    async fn next_kb_seq(&mut self) -> Result<i64, StoreError> {
        let (seq,): (i64,) = self
            .fetch_one(
                "UPDATE kb_head SET seq = seq + 1 WHERE id = 1 RETURNING seq",
                &[],
            )
            .await?;
        Ok(seq)
    }
}

impl Tx {
    #[allow(clippy::too_many_arguments)]
    async fn insert_version(
        &mut self,
        id: &str,
        version: i64,
        c: &ArticleContent,
        status: VersionStatus,
        author: &str,
        at: i64,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO kb_versions (article_id, version, title, body, category, tags, audience, \
             valid_from_ms, valid_until_ms, script, status, author, created_at_ms, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            &args![
                id,
                version,
                c.title.as_str(),
                c.body.as_str(),
                c.category.as_str(),
                tags_json(&c.tags),
                c.audience.as_str(),
                c.valid_from_ms,
                c.valid_until_ms,
                c.script.as_deref(),
                status.as_str(),
                author,
                at,
                reason
            ],
        )
        .await?;
        Ok(())
    }

    async fn article_for_update(&mut self, id: &str) -> Result<(String, i64, String), StoreError> {
        let row: Option<(String, i64, String)> = self
            .fetch_optional(
                "SELECT a.status, a.latest_version, v.status FROM kb_articles a \
                 JOIN kb_versions v ON v.article_id = a.id AND v.version = a.latest_version WHERE a.id = $1",
                &args![id],
            )
            .await?;
        row.ok_or(StoreError::NotFound)
    }
}

impl Store {
    /// Creates a point; its first version waits for approval.
    pub async fn kb_create(
        &self,
        actor: &str,
        owner: &str,
        content: &ArticleContent,
        reason: &str,
    ) -> Result<(String, i64), StoreError> {
        let id = new_id("kb");
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        tx.execute(
            "INSERT INTO kb_articles (id, status, latest_version, published_version, owner, created_by, \
             created_at_ms, updated_at_ms, change_seq) VALUES ($1, $2, 1, NULL, $3, $4, $5, $5, 0)",
            &args![id.as_str(), ArticleStatus::Draft.as_str(), owner, actor, now],
        )
        .await?;
        tx.insert_version(
            &id,
            1,
            content,
            VersionStatus::PendingApproval,
            actor,
            now,
            reason,
        )
        .await?;
        tx.audit(
            AuditRecord::by(actor, "kb.create")
                .detail(serde_json::json!({"article_id": id, "version": 1, "title": content.title, "reason": reason})),
        )
        .await?;
        tx.commit().await?;
        Ok((id, 1))
    }

    /// Adds a version. A version still waiting for approval is superseded by it.
    /// `base_version`, when given, must be the latest (optimistic concurrency: two editors
    /// do not silently overwrite each other).
    pub async fn kb_edit(
        &self,
        actor: &str,
        id: &str,
        content: &ArticleContent,
        reason: &str,
        base_version: Option<i64>,
    ) -> Result<i64, StoreError> {
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let (_, latest, latest_status) = tx.article_for_update(id).await?;
        if base_version.is_some_and(|b| b != latest) {
            return Err(StoreError::Conflict(format!(
                "version {latest} is the latest; reload and edit again"
            )));
        }
        if latest_status == VersionStatus::PendingApproval.as_str() {
            tx.execute(
                "UPDATE kb_versions SET status = $1 WHERE article_id = $2 AND version = $3",
                &args![VersionStatus::Superseded.as_str(), id, latest],
            )
            .await?;
        }
        let version = latest + 1;
        tx.insert_version(
            id,
            version,
            content,
            VersionStatus::PendingApproval,
            actor,
            now,
            reason,
        )
        .await?;
        tx.execute(
            "UPDATE kb_articles SET latest_version = $1, updated_at_ms = $2 WHERE id = $3",
            &args![version, now, id],
        )
        .await?;
        tx.audit(
            AuditRecord::by(actor, "kb.edit")
                .detail(serde_json::json!({"article_id": id, "version": version, "title": content.title, "reason": reason})),
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Approves (and so publishes) or rejects the latest version. Refused to its author.
    pub async fn kb_review(
        &self,
        actor: &str,
        id: &str,
        version: i64,
        decision: Decision,
        note: &str,
    ) -> Result<Article, StoreError> {
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let (_, latest, _) = tx.article_for_update(id).await?;
        let row: Option<(String, String)> = tx
            .fetch_optional(
                "SELECT status, author FROM kb_versions WHERE article_id = $1 AND version = $2",
                &args![id, version],
            )
            .await?;
        let (status, author) = row.ok_or(StoreError::NotFound)?;
        let status = VersionStatus::parse(&status).ok_or_else(|| corrupt("version status"))?;
        let checker = Checker {
            user_id: actor,
            roles: &[],
        };
        if let Err(refused) =
            kb::review(status, version == latest, &author).decide(&checker, || Ok(()))
        {
            let refused = StoreError::approval(refused, &kb::REVIEW_WORDING, status.as_str());
            tx.audit(
                AuditRecord::by(actor, "kb.review_refused")
                    .detail(serde_json::json!({"article_id": id, "version": version, "reason": refused.to_string()})),
            )
            .await?;
            tx.commit().await?;
            return Err(refused);
        }
        let (new_status, action) = match decision {
            Decision::Approve => (VersionStatus::Approved, "kb.approve"),
            Decision::Reject => (VersionStatus::Rejected, "kb.reject"),
        };
        tx.execute(
            "UPDATE kb_versions SET status = $1, reviewed_by = $2, reviewed_at_ms = $3, review_note = $4 \
             WHERE article_id = $5 AND version = $6",
            &args![new_status.as_str(), actor, now, note, id, version],
        )
        .await?;
        if decision == Decision::Approve {
            let seq = tx.next_kb_seq().await?;
            tx.execute(
                "UPDATE kb_articles SET status = $1, published_version = $2, updated_at_ms = $3, change_seq = $4 \
                 WHERE id = $5",
                &args![ArticleStatus::Published.as_str(), version, now, seq, id],
            )
            .await?;
        } else {
            tx.execute(
                "UPDATE kb_articles SET updated_at_ms = $1 WHERE id = $2",
                &args![now, id],
            )
            .await?;
        }
        tx.audit(
            AuditRecord::by(actor, action)
                .detail(serde_json::json!({"article_id": id, "version": version, "note": note})),
        )
        .await?;
        let article = tx.article_at(id, version).await?;
        tx.commit().await?;
        Ok(article)
    }

    /// Takes a point out of use: it disappears from search and the help center. A new
    /// version, once approved, brings it back.
    pub async fn kb_retire(&self, actor: &str, id: &str, reason: &str) -> Result<(), StoreError> {
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let (status, _, _) = tx.article_for_update(id).await?;
        if status == ArticleStatus::Retired.as_str() {
            return Err(StoreError::Conflict("already retired".into()));
        }
        let seq = tx.next_kb_seq().await?;
        tx.execute(
            "UPDATE kb_articles SET status = $1, updated_at_ms = $2, change_seq = $3 WHERE id = $4",
            &args![ArticleStatus::Retired.as_str(), now, seq, id],
        )
        .await?;
        tx.audit(
            AuditRecord::by(actor, "kb.retire")
                .detail(serde_json::json!({"article_id": id, "reason": reason})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Imports published points in one transaction with one audit record. Points whose
    /// id already exists are left alone, so an import can be run again.
    pub async fn kb_import(
        &self,
        actor: &str,
        points: &[ImportedPoint],
        reason: &str,
    ) -> Result<usize, StoreError> {
        let now = now_ms();
        let mut tx = self.db.audited().await?;
        let mut created = 0;
        for p in points {
            let exists: Option<(String,)> = tx
                .fetch_optional(
                    "SELECT id FROM kb_articles WHERE id = $1",
                    &args![p.id.as_str()],
                )
                .await?;
            if exists.is_some() {
                continue;
            }
            let seq = tx.next_kb_seq().await?;
            tx.execute(
                "INSERT INTO kb_articles (id, status, latest_version, published_version, owner, created_by, \
                 created_at_ms, updated_at_ms, change_seq) VALUES ($1, $2, 1, 1, $3, $4, $5, $5, $6)",
                &args![p.id.as_str(), ArticleStatus::Published.as_str(), p.owner.as_str(), actor, now, seq],
            )
            .await?;
            tx.insert_version(
                &p.id,
                1,
                &p.content,
                VersionStatus::Approved,
                actor,
                now,
                reason,
            )
            .await?;
            tx.execute(
                "UPDATE kb_versions SET reviewed_by = $1, reviewed_at_ms = $2, review_note = $3 \
                 WHERE article_id = $4 AND version = 1",
                &args![actor, now, reason, p.id.as_str()],
            )
            .await?;
            created += 1;
        }
        tx.audit(AuditRecord::by(actor, "kb.import").detail(
            serde_json::json!({"points": points.len(), "created": created, "reason": reason}),
        ))
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// An article with its latest version, or with `version` when given.
    pub async fn kb_article(&self, id: &str, version: Option<i64>) -> Result<Article, StoreError> {
        let sql = format!(
            "SELECT a.id, a.status AS a_status, a.latest_version, a.published_version, a.owner, a.created_by, \
             a.created_at_ms AS a_created_at_ms, a.updated_at_ms, {VERSION_COLUMNS} FROM kb_articles a \
             JOIN kb_versions v ON v.article_id = a.id \
             AND v.version = COALESCE($2, a.latest_version) WHERE a.id = $1"
        );
        let row: Option<ArticleRow> = self.db.fetch_optional(&sql, &args![id, version]).await?;
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// The published version, if the article is published (not draft, not retired).
    pub async fn kb_published(&self, id: &str) -> Result<Option<Article>, StoreError> {
        let sql = format!(
            "SELECT a.id, a.status AS a_status, a.latest_version, a.published_version, a.owner, a.created_by, \
             a.created_at_ms AS a_created_at_ms, a.updated_at_ms, {VERSION_COLUMNS} FROM kb_articles a \
             JOIN kb_versions v ON v.article_id = a.id AND v.version = a.published_version \
             WHERE a.id = $1 AND a.status = $2"
        );
        let row: Option<ArticleRow> = self
            .db
            .fetch_optional(&sql, &args![id, ArticleStatus::Published.as_str()])
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    /// Every version of an article, newest first.
    pub async fn kb_history(&self, id: &str) -> Result<Vec<VersionSummary>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            version: i64,
            status: String,
            title: String,
            author: String,
            created_at_ms: i64,
            reason: String,
            reviewed_by: Option<String>,
            reviewed_at_ms: Option<i64>,
            review_note: Option<String>,
        }
        let rows: Vec<Row> = self
            .db
            .fetch_all(
                "SELECT version, status, title, author, created_at_ms, reason, reviewed_by, reviewed_at_ms, review_note \
                 FROM kb_versions WHERE article_id = $1 ORDER BY version DESC",
                &args![id],
            )
            .await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        rows.into_iter()
            .map(|r| {
                Ok(VersionSummary {
                    version: r.version,
                    status: VersionStatus::parse(&r.status)
                        .ok_or_else(|| corrupt("version status"))?,
                    title: r.title,
                    author: r.author,
                    created_at_ms: r.created_at_ms,
                    reason: r.reason,
                    reviewed_by: r.reviewed_by,
                    reviewed_at_ms: r.reviewed_at_ms,
                    review_note: r.review_note,
                })
            })
            .collect()
    }

    /// Articles for the editors, most recently changed first; `pending` keeps those
    /// whose latest version waits for approval.
    pub async fn kb_list(
        &self,
        status: Option<ArticleStatus>,
        pending: bool,
        limit: u32,
        before_ms: Option<i64>,
    ) -> Result<Vec<ArticleSummary>, StoreError> {
        let mut sql = "SELECT a.id, a.status AS a_status, a.latest_version, a.published_version, v.status AS v_status, v.title, v.category, \
             v.audience, v.author, a.updated_at_ms FROM kb_articles a \
             JOIN kb_versions v ON v.article_id = a.id AND v.version = a.latest_version WHERE 1 = 1"
            .to_string();
        let mut a = Vec::new();
        if let Some(s) = status {
            a.push(crate::db::Arg::from(s.as_str()));
            sql.push_str(&format!(" AND a.status = ${}", a.len()));
        }
        if pending {
            // A literal, so the review queue's partial index serves it.
            sql.push_str(" AND v.status = 'pending_approval'");
        }
        if let Some(b) = before_ms {
            a.push(b.into());
            sql.push_str(&format!(" AND a.updated_at_ms < ${}", a.len()));
        }
        a.push(i64::from(limit.clamp(1, 500)).into());
        sql.push_str(&format!(
            " ORDER BY a.updated_at_ms DESC, a.id DESC LIMIT ${}",
            a.len()
        ));
        #[derive(sqlx::FromRow)]
        struct Row {
            id: String,
            a_status: String,
            latest_version: i64,
            published_version: Option<i64>,
            v_status: String,
            title: String,
            category: String,
            audience: String,
            author: String,
            updated_at_ms: i64,
        }
        let rows: Vec<Row> = self.db.fetch_all(&sql, &a).await?;
        rows.into_iter()
            .map(|r| {
                Ok(ArticleSummary {
                    id: r.id,
                    status: ArticleStatus::parse(&r.a_status)
                        .ok_or_else(|| corrupt("article status"))?,
                    latest_version: r.latest_version,
                    published_version: r.published_version,
                    latest_status: VersionStatus::parse(&r.v_status)
                        .ok_or_else(|| corrupt("version status"))?,
                    title: r.title,
                    category: r.category,
                    audience: Audience::parse(&r.audience).ok_or_else(|| corrupt("audience"))?,
                    author: r.author,
                    updated_at_ms: r.updated_at_ms,
                })
            })
            .collect()
    }

    /// Categories of published points with their counts.
    pub async fn kb_categories(&self) -> Result<Vec<(Category, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = self
            .db
            .fetch_all(
                "SELECT v.category, COUNT(*) FROM kb_articles a JOIN kb_versions v \
                 ON v.article_id = a.id AND v.version = a.published_version \
                 WHERE a.status = $1 GROUP BY v.category ORDER BY v.category",
                &args![ArticleStatus::Published.as_str()],
            )
            .await?;
        rows.into_iter()
            .map(|(c, n)| {
                Ok((
                    Category::parse(&c).map_err(|_| corrupt("category"))?,
                    u64::try_from(n).unwrap_or(0),
                ))
            })
            .collect()
    }

    /// The latest change number handed out.
    pub async fn kb_head(&self) -> Result<i64, StoreError> {
        let (seq,): (i64,) = self
            .db
            .fetch_one_row("SELECT seq FROM kb_head WHERE id = 1")
            .await?;
        Ok(seq)
    }

    /// Articles changed after `after_seq` (in change order, at most `limit`), each with
    /// what search should show for it now.
    pub async fn kb_changes_since(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<SearchChange>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: String,
            change_seq: i64,
            a_status: String,
            version: Option<i64>,
            title: Option<String>,
            body: Option<String>,
            category: Option<String>,
            tags: Option<String>,
            audience: Option<String>,
            valid_from_ms: Option<i64>,
            valid_until_ms: Option<i64>,
            script: Option<String>,
        }
        let rows: Vec<Row> = self
            .db
            .fetch_all(
                "SELECT a.id, a.change_seq, a.status AS a_status, v.version, v.title, v.body, v.category, v.tags, \
                 v.audience, v.valid_from_ms, v.valid_until_ms, v.script FROM kb_articles a \
                 LEFT JOIN kb_versions v ON v.article_id = a.id AND v.version = a.published_version \
                 WHERE a.change_seq > $1 ORDER BY a.change_seq LIMIT $2",
                &args![after_seq, i64::from(limit.max(1))],
            )
            .await?;
        rows.into_iter()
            .map(|r| {
                let published = match (r.a_status == ArticleStatus::Published.as_str(), r.version) {
                    (true, Some(version)) => Some((
                        version,
                        content_of(
                            r.title.unwrap_or_default(),
                            r.body.unwrap_or_default(),
                            r.category.as_deref().unwrap_or_default(),
                            r.tags.as_deref().unwrap_or("[]"),
                            r.audience.as_deref().unwrap_or_default(),
                            r.valid_from_ms,
                            r.valid_until_ms,
                            r.script,
                        )?,
                    )),
                    _ => None,
                };
                Ok(SearchChange {
                    id: r.id,
                    change_seq: r.change_seq,
                    published,
                })
            })
            .collect()
    }
}

impl Tx {
    async fn article_at(&mut self, id: &str, version: i64) -> Result<Article, StoreError> {
        let sql = format!(
            "SELECT a.id, a.status AS a_status, a.latest_version, a.published_version, a.owner, a.created_by, \
             a.created_at_ms AS a_created_at_ms, a.updated_at_ms, {VERSION_COLUMNS} FROM kb_articles a \
             JOIN kb_versions v ON v.article_id = a.id AND v.version = $2 WHERE a.id = $1"
        );
        let row: ArticleRow = self.fetch_one(&sql, &args![id, version]).await?;
        row.try_into()
    }
}
