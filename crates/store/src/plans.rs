//! The guard against queries whose cost grows with the bank's history (issue 10): tests
//! record the statements a scenario runs, ask each database for its plan, and fail on a
//! full scan of a growing table or a page sorted after reading every match.
//!
//! Recording is compiled only with the `test-support` feature; the production build's
//! [`note`] is empty.

use crate::db::Arg;

#[cfg(not(feature = "test-support"))]
#[inline(always)]
pub(crate) fn note(_sql: &str, _args: &[Arg]) {}

#[cfg(feature = "test-support")]
pub(crate) use guard::note;
#[cfg(feature = "test-support")]
pub use guard::*;

#[cfg(feature = "test-support")]
mod guard {
    use super::Arg;
    use crate::{Db, Dialect, StoreError};
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::Mutex;

    /// Statements seen since [`record`], first arguments kept. Process-wide, so a test
    /// that records must be alone in its test binary.
    static SEEN: Mutex<Option<BTreeMap<String, Vec<Arg>>>> = Mutex::new(None);

    pub(crate) fn note(sql: &str, args: &[Arg]) {
        let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = seen.as_mut() {
            m.entry(sql.to_string()).or_insert_with(|| args.to_vec());
        }
    }

    /// Starts recording every statement the store runs (clearing what was recorded).
    pub fn record() {
        *SEEN.lock().unwrap_or_else(|e| e.into_inner()) = Some(BTreeMap::new());
    }

    /// Stops recording and returns each distinct statement with the arguments it first ran with.
    pub fn recorded() -> Vec<(String, Vec<Arg>)> {
        SEEN.lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .map(|m| m.into_iter().collect())
            .unwrap_or_default()
    }

    /// Tables whose size is set by configuration, not by the bank's history: a scan of one
    /// costs the same in year five as on day one.
    const BOUNDED: &[&str] = &[
        "_sqlx_migrations",
        "agent_presence",
        "agent_skills",
        "audit_head",
        "case_types",
        "departments",
        "kb_head",
        "queues",
        "users",
        "watch_words",
    ];

    fn growing(table: &str) -> bool {
        !BOUNDED.contains(&table)
    }

    /// What is wrong with one statement's plan, in words; empty when nothing is.
    pub async fn check(db: &Db, sql: &str, args: &[Arg]) -> Result<Vec<String>, StoreError> {
        let head = sql.trim_start().to_ascii_uppercase();
        let dml = ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"]
            .iter()
            .any(|k| head.starts_with(k));
        if !dml {
            return Ok(Vec::new());
        }
        let paged = top_level_limit(&head);
        let tables = tables(db).await?;
        let partial = partial_indexes(db).await?;
        let mut tx = db.begin_read().await?;
        let findings = match db.dialect() {
            Dialect::Sqlite => {
                let rows: Vec<(i64, i64, i64, String)> = tx
                    .fetch_all(&format!("EXPLAIN QUERY PLAN {sql}"), args)
                    .await?;
                let rows: Vec<(i64, i64, String)> =
                    rows.into_iter().map(|r| (r.0, r.1, r.3)).collect();
                sqlite_findings(&rows, paged, &aliases(sql, &tables), &partial)
            }
            Dialect::Postgres => {
                // With these off the planner still picks a sequential scan (or, for a page,
                // a sort) when no index can serve the query, which is what the guard looks
                // for; on a test database's tiny tables it would otherwise prefer them anyway.
                // Joins too: hashing one side reads all of the other, which tiny tables make
                // look cheap; as nested loops each row of the outer side (a page, or a
                // list of ids) must find its partners through an index.
                // An answer that is not a page may be sorted: it is as long as the answer.
                let mut off = vec![
                    "enable_seqscan",
                    "enable_bitmapscan",
                    "enable_hashjoin",
                    "enable_mergejoin",
                ];
                if paged {
                    off.push("enable_sort");
                }
                for setting in off {
                    tx.execute(&format!("SET LOCAL {setting} = off"), &[])
                        .await?;
                }
                let (sqlx::types::Json(v),): (sqlx::types::Json<serde_json::Value>,) = tx
                    .fetch_one(&format!("EXPLAIN (FORMAT JSON) {sql}"), args)
                    .await?;
                let mut out = Vec::new();
                postgres_findings(&v[0]["Plan"], false, &partial, &mut out);
                out
            }
        };
        tx.commit().await?;
        Ok(findings)
    }

    #[cfg(test)]
    const TEST_TABLES: &[&str] = &[
        "alerts",
        "case_jobs",
        "cases",
        "complaints",
        "contacts",
        "users",
        "audit_log",
    ];

    #[cfg(test)]
    pub(super) fn aliases_for_test(sql: &str) -> BTreeMap<String, String> {
        aliases(sql, &TEST_TABLES.iter().map(|t| t.to_string()).collect())
    }

    #[cfg(test)]
    pub(super) fn sqlite_for_test(
        sql: &str,
        rows: &[(i64, i64, String)],
        partial: &[&str],
    ) -> Vec<String> {
        let partial = partial.iter().map(|p| p.to_string()).collect();
        let paged = top_level_limit(&sql.to_ascii_uppercase());
        sqlite_findings(rows, paged, &aliases_for_test(sql), &partial)
    }

    #[cfg(test)]
    pub(super) fn postgres_for_test(plan: &serde_json::Value) -> Vec<String> {
        let mut out = Vec::new();
        postgres_findings(plan, false, &BTreeSet::new(), &mut out);
        out
    }

    /// Whether the statement ends in a LIMIT: a page, which should be read in its order
    /// from an index and stop at its size.
    fn top_level_limit(upper_sql: &str) -> bool {
        let words: Vec<&str> = upper_sql.split_whitespace().rev().take(2).collect();
        words.len() == 2 && words[1] == "LIMIT"
    }

    /// The database's tables, so that subqueries' names in a plan are not taken for them.
    async fn tables(db: &Db) -> Result<BTreeSet<String>, StoreError> {
        let sql = match db.dialect() {
            Dialect::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table'",
            Dialect::Postgres => {
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()"
            }
        };
        let rows: Vec<(String,)> = db.fetch_all(sql, &[]).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Indexes with a WHERE: they hold what is live (open cases, pending jobs, waiting
    /// contacts), whose number is set by the work at hand, not by the years behind it, so
    /// reading one whole is allowed.
    async fn partial_indexes(db: &Db) -> Result<BTreeSet<String>, StoreError> {
        let sql = match db.dialect() {
            Dialect::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'"
            }
            Dialect::Postgres => {
                "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() AND indexdef LIKE '% WHERE %'"
            }
        };
        let rows: Vec<(String,)> = db.fetch_all(sql, &[]).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// The name a plan shows for each table of the statement: SQLite names a table by its
    /// alias (`FROM cases c` shows as `c`). Maps every alias, and every table, to the table.
    fn aliases(sql: &str, tables: &BTreeSet<String>) -> BTreeMap<String, String> {
        const NOT_ALIASES: &[&str] = &[
            "WHERE", "ON", "LEFT", "RIGHT", "INNER", "CROSS", "JOIN", "ORDER", "GROUP", "LIMIT",
            "USING", "UNION", "SET", "AND", "OR", "NATURAL", "VALUES", "WINDOW", "HAVING",
        ];
        let words: Vec<&str> = sql
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        let mut out: BTreeMap<String, String> =
            tables.iter().map(|t| (t.clone(), t.clone())).collect();
        for w in words.windows(4) {
            let (kw, table) = (w[0].to_ascii_uppercase(), w[1]);
            if (kw == "FROM" || kw == "JOIN") && tables.contains(table) {
                let alias = if w[2].eq_ignore_ascii_case("AS") {
                    w[3]
                } else {
                    w[2]
                };
                if !NOT_ALIASES.contains(&alias.to_ascii_uppercase().as_str()) {
                    out.insert(alias.to_string(), table.to_string());
                }
            }
        }
        out
    }

    /// SQLite's `EXPLAIN QUERY PLAN` rows as (id, parent, detail); within one parent the
    /// table accesses are listed outermost loop first.
    fn sqlite_findings(
        rows: &[(i64, i64, String)],
        paged: bool,
        aliases: &BTreeMap<String, String>,
        partial: &BTreeSet<String>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let table_of = |detail: &str| -> Option<&String> {
            let rest = detail
                .strip_prefix("SCAN ")
                .or_else(|| detail.strip_prefix("SEARCH "))?;
            aliases.get(rest.split_whitespace().next()?)
        };
        let fully_sorted = |parent: i64| {
            rows.iter()
                .any(|r| r.1 == parent && r.2.starts_with("USE TEMP B-TREE FOR ORDER BY"))
        };
        let any_sort = rows
            .iter()
            .any(|r| r.2.starts_with("USE TEMP B-TREE FOR") && r.2.contains("ORDER BY"));
        let mut outermost_seen = BTreeSet::new();
        for (_, parent, detail) in rows {
            let Some(table) = table_of(detail) else {
                continue;
            };
            let outermost = outermost_seen.insert(*parent);
            if !growing(table) {
                continue;
            }
            if detail.starts_with("SCAN ") {
                let ordered_walk = detail.contains(" INDEX ") && paged && !any_sort;
                let live_only = detail
                    .rsplit(' ')
                    .next()
                    .is_some_and(|i| partial.contains(i));
                if !ordered_walk && !live_only {
                    out.push(format!("full scan: {detail}"));
                }
            } else if paged && outermost && fully_sorted(*parent) && !by_key(detail) {
                out.push(format!("page sorted after reading every match: {detail}"));
            } else {
                let index = detail
                    .split(" INDEX ")
                    .nth(1)
                    .and_then(|r| r.split_whitespace().next())
                    .unwrap_or("");
                let columns = detail
                    .rsplit_once('(')
                    .map(|(_, c)| c.trim_end_matches(')'))
                    .unwrap_or("")
                    .split(" AND ")
                    .map(|c| c.split(['=', '<', '>']).next().unwrap_or(""));
                let ordered_walk = paged && !any_sort;
                if only_states(columns) && !partial.contains(index) && !ordered_walk {
                    out.push(format!("reads every row in one state: {detail}"));
                }
            }
        }
        out
    }

    /// Columns of a few values each (a status, a kind, a channel): an index range on them
    /// alone is a fixed share of the table, which grows with it.
    const STATES: &[&str] = &[
        "status",
        "state",
        "kind",
        "channel",
        "direction",
        "active",
        "audience",
        "severity",
        "resolved",
        "negative",
    ];

    fn only_states<'a>(columns: impl IntoIterator<Item = &'a str>) -> bool {
        let mut any = false;
        for c in columns {
            let c = c.trim();
            if !STATES.contains(&c) {
                return false;
            }
            any = true;
        }
        any
    }

    /// The columns an index condition of PostgreSQL's plan constrains: its identifiers
    /// without the literals, casts and operators.
    fn condition_columns(cond: &str) -> Vec<&str> {
        const NOT_COLUMNS: &[&str] = &[
            "text",
            "bigint",
            "integer",
            "boolean",
            "ANY",
            "AND",
            "OR",
            "NOT",
            "NULL",
            "IS",
            "true",
            "false",
            "character",
            "varying",
        ];
        cond.split('\'')
            .step_by(2)
            .flat_map(|outside| outside.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
            .filter(|w| {
                !w.is_empty()
                    && !w.starts_with(|c: char| c.is_ascii_digit())
                    && !NOT_COLUMNS.contains(w)
            })
            .collect()
    }

    /// Rows fetched one by one by their key, as the merge of several owners' pages does.
    fn by_key(detail: &str) -> bool {
        detail.ends_with("(id=?)") || detail.ends_with("(rowid=?)")
    }

    fn postgres_findings(
        node: &serde_json::Value,
        limited: bool,
        partial: &BTreeSet<String>,
        out: &mut Vec<String>,
    ) {
        let kind = node["Node Type"].as_str().unwrap_or("");
        let table = node["Relation Name"].as_str().unwrap_or("");
        let describe = || {
            format!(
                "{kind} on {table}{}",
                node["Index Name"]
                    .as_str()
                    .map(|i| format!(" using {i}"))
                    .unwrap_or_default()
            )
        };
        if growing(table) && !table.is_empty() {
            match kind {
                "Seq Scan" => out.push(format!("full scan: {}", describe())),
                "Index Scan" | "Index Only Scan" | "Bitmap Index Scan"
                    if node["Index Cond"]
                        .as_str()
                        .is_some_and(|c| only_states(condition_columns(c)))
                        && !node["Index Name"]
                            .as_str()
                            .is_some_and(|i| partial.contains(i))
                        && !limited =>
                {
                    out.push(format!("reads every row in one state: {}", describe()));
                }
                "Index Scan" | "Index Only Scan" if node.get("Index Cond").is_none() => {
                    let live_only = node["Index Name"]
                        .as_str()
                        .is_some_and(|i| partial.contains(i));
                    if !live_only && (!limited || node.get("Filter").is_some()) {
                        out.push(format!("full index scan: {}", describe()));
                    }
                }
                _ => {}
            }
        }
        if kind == "Sort"
            && limited
            && let Some(scan) = unlimited_growing_scan(node, partial)
        {
            out.push(format!("page sorted after reading every match: {scan}"));
        }
        // Below a sort, a hash or a grouping the rows are no longer the page's rows in
        // order; a sort under DISTINCT or GROUP BY groups, it does not page.
        let limited = match kind {
            "Limit" => true,
            "Sort" | "Incremental Sort" | "Hash" | "HashAggregate" | "Aggregate" | "Unique"
            | "Group" => false,
            _ => limited,
        };
        if let Some(children) = node["Plans"].as_array() {
            for c in children {
                postgres_findings(c, limited, partial, out);
            }
        }
    }

    /// A scan of a growing table that drives the rows into `node` (the outer side of
    /// joins, not the lookups made per row or the subplans) with no Limit in between.
    fn unlimited_growing_scan(
        node: &serde_json::Value,
        partial: &BTreeSet<String>,
    ) -> Option<String> {
        for c in node["Plans"].as_array().into_iter().flatten() {
            let kind = c["Node Type"].as_str().unwrap_or("");
            let relationship = c["Parent Relationship"].as_str().unwrap_or("Outer");
            if kind == "Limit" || !matches!(relationship, "Outer" | "Member" | "Subquery") {
                continue;
            }
            let table = c["Relation Name"].as_str().unwrap_or("");
            if !table.is_empty() && growing(table) {
                let key_lookup = c["Index Cond"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("(id = "));
                let live_only = c["Index Name"]
                    .as_str()
                    .is_some_and(|i| partial.contains(i));
                if !key_lookup && !live_only {
                    return Some(format!("{kind} on {table}"));
                }
            }
            if let Some(s) = unlimited_growing_scan(c, partial) {
                return Some(s);
            }
        }
        None
    }
}

#[cfg(all(test, feature = "test-support"))]
mod tests {
    use super::guard::{aliases_for_test, postgres_for_test, sqlite_for_test};
    use serde_json::json;

    fn sqlite(sql: &str, plan: &[(i64, &str)]) -> Vec<String> {
        let rows: Vec<(i64, i64, String)> = plan
            .iter()
            .enumerate()
            .map(|(i, (parent, d))| (i as i64 + 2, *parent, d.to_string()))
            .collect();
        sqlite_for_test(sql, &rows, &["case_jobs_due", "contacts_unassigned"])
    }

    #[test]
    fn sqlite_plans_that_grow_with_the_table_are_named() {
        // The cliff of issue 10: one case's pending jobs found through the state index.
        let f = sqlite(
            "DELETE FROM case_jobs WHERE case_id = $1 AND state = 'pending'",
            &[(
                0,
                "SEARCH case_jobs USING INDEX case_jobs_pending (state=?)",
            )],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].starts_with("reads every row in one state"));
        // New cases of a department, found by status and sorted afterwards.
        let f = sqlite(
            "SELECT c.id FROM cases c WHERE c.status = $1 ORDER BY c.opened_at_ms DESC LIMIT $2",
            &[
                (0, "SEARCH c USING INDEX cases_status (status=?)"),
                (0, "USE TEMP B-TREE FOR ORDER BY"),
            ],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].starts_with("page sorted"));
        let f = sqlite(
            "SELECT id FROM alerts ORDER BY at_ms DESC, id LIMIT $1",
            &[(0, "SCAN alerts"), (0, "USE TEMP B-TREE FOR ORDER BY")],
        );
        assert!(f.iter().any(|f| f.starts_with("full scan")), "{f:?}");
    }

    #[test]
    fn sqlite_plans_bounded_by_the_page_or_the_live_set_pass() {
        let ok = [
            (
                "SELECT c.id FROM cases c WHERE c.status = $1 ORDER BY c.opened_at_ms DESC, c.id DESC LIMIT $2",
                vec![(0, "SEARCH c USING INDEX cases_status_opened (status=?)")],
            ),
            (
                "SELECT c.id FROM cases c ORDER BY c.opened_at_ms DESC, c.id DESC LIMIT $1",
                vec![(0, "SCAN c USING INDEX cases_opened")],
            ),
            (
                "SELECT id FROM case_jobs WHERE state = 'pending' AND run_at_ms <= $1",
                vec![(
                    0,
                    "SEARCH case_jobs USING INDEX case_jobs_due (run_at_ms<?)",
                )],
            ),
            (
                "SELECT c.id FROM contacts c WHERE c.handler_id IS NULL AND c.status = 'open'",
                vec![(0, "SCAN c USING INDEX contacts_unassigned")],
            ),
            (
                "SELECT c.id FROM cases c WHERE c.id IN (SELECT id FROM (SELECT id FROM cases LIMIT 5) o0) ORDER BY c.opened_at_ms DESC LIMIT $1",
                vec![
                    (0, "SEARCH c USING INDEX sqlite_autoindex_cases_1 (id=?)"),
                    (0, "LIST SUBQUERY 1"),
                    (0, "USE TEMP B-TREE FOR ORDER BY"),
                ],
            ),
            (
                "SELECT u.id FROM users u ORDER BY u.username",
                vec![(0, "SCAN u USING INDEX sqlite_autoindex_users_2")],
            ),
        ];
        for (sql, plan) in ok {
            assert_eq!(sqlite(sql, &plan), Vec::<String>::new(), "{sql}");
        }
    }

    #[test]
    fn aliases_name_their_tables() {
        let a = aliases_for_test(
            "SELECT * FROM cases c LEFT JOIN users AS a ON a.id = c.assignee_id JOIN complaints p ON 1 = 1 WHERE 1 = 1",
        );
        assert_eq!(a.get("c").map(String::as_str), Some("cases"));
        assert_eq!(a.get("a").map(String::as_str), Some("users"));
        assert_eq!(a.get("p").map(String::as_str), Some("complaints"));
        assert!(!a.contains_key("WHERE"));
    }

    #[test]
    fn postgres_plans_that_grow_with_the_table_are_named() {
        let seq = json!({"Node Type": "Seq Scan", "Relation Name": "audit_log"});
        assert!(postgres_for_test(&seq)[0].starts_with("full scan"));
        let sorted_page = json!({"Node Type": "Limit", "Plans": [{"Node Type": "Sort", "Plans": [
            {"Node Type": "Index Scan", "Relation Name": "cases", "Index Name": "cases_customer",
             "Index Cond": "((customer_id)::text = 'C1'::text)", "Parent Relationship": "Outer"}]}]});
        assert!(postgres_for_test(&sorted_page)[0].starts_with("page sorted"));
        let one_state = json!({"Node Type": "Index Scan", "Relation Name": "case_jobs",
            "Index Name": "case_jobs_pending", "Index Cond": "((state)::text = 'pending'::text)"});
        assert!(postgres_for_test(&one_state)[0].starts_with("reads every row in one state"));
        let walk = json!({"Node Type": "Limit", "Plans": [{"Node Type": "Index Scan", "Relation Name": "cases",
            "Index Name": "cases_opened", "Parent Relationship": "Outer"}]});
        assert_eq!(postgres_for_test(&walk), Vec::<String>::new());
        let unbounded_walk = json!({"Node Type": "Index Scan", "Relation Name": "cases", "Index Name": "cases_opened"});
        assert!(postgres_for_test(&unbounded_walk)[0].starts_with("full index scan"));
    }
}
