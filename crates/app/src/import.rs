//! `bankdesk import DIR`: loads a core-banking feed of JSON-lines files.
//!
//! Files are read in dependency order (customers before the accounts that name them, and
//! so on). Every row is parsed, validated and its references checked against the database,
//! where earlier files of the same import already are; every problem is reported as
//! `FILE:LINE: FIELD: reason`. A file is all or nothing: one transaction per file, inserted
//! in sub-batches as it streams, rolled back if any row is bad.

use anyhow::Context;
use bankdesk_domain::bank::{Account, Card, Customer, Holding, Loan, RecordId, Transaction};
use bankdesk_domain::error::FieldError;
use bankdesk_store::bank::{self, BankBatch};
use bankdesk_store::feed::Feed;
use bankdesk_store::{Store, StoreError};
use serde::de::DeserializeOwned;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Longest line accepted: a customer record is a few hundred bytes, so anything this long
/// is not a record, and reading it whole would let one line exhaust memory.
pub const MAX_LINE: usize = 64 * 1024;
/// Rows checked and inserted together: one lookup query per referenced table per batch.
const BATCH: usize = 2_000;
/// Errors kept per file; a file that is wrong everywhere is reported by count beyond this.
const MAX_KEPT_ERRORS: usize = 1_000;

/// One problem in a file; `line` is `None` for the file as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    pub file: &'static str,
    pub line: Option<u64>,
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}: {}", self.file, self.field, self.reason),
            None => write!(f, "{}: {}: {}", self.file, self.field, self.reason),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileStatus {
    /// Not in the directory; nothing to do.
    Absent,
    Imported,
    /// At least one bad row: nothing of the file was stored.
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileReport {
    pub file: &'static str,
    pub status: FileStatus,
    /// Rows stored (0 unless imported).
    pub rows: u64,
    /// The first errors, in file order.
    pub errors: Vec<ImportError>,
    /// All errors, including those not kept.
    pub error_count: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub files: Vec<FileReport>,
}

impl ImportReport {
    /// True when no file failed.
    pub fn ok(&self) -> bool {
        self.files.iter().all(|f| f.status != FileStatus::Failed)
    }
}

/// One summary line per file.
impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for r in &self.files {
            match r.status {
                FileStatus::Absent => writeln!(f, "{}: not present", r.file)?,
                FileStatus::Imported => writeln!(f, "{}: {} rows imported", r.file, r.rows)?,
                FileStatus::Failed => writeln!(
                    f,
                    "{}: FAILED with {} error{}, nothing stored",
                    r.file,
                    r.error_count,
                    if r.error_count == 1 { "" } else { "s" }
                )?,
            }
        }
        Ok(())
    }
}

/// The tables rows refer to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Table {
    Customers,
    Accounts,
    Cards,
}

impl Table {
    fn table(self) -> &'static bank::Table {
        match self {
            Table::Customers => &bank::CUSTOMERS,
            Table::Accounts => &bank::ACCOUNTS,
            Table::Cards => &bank::CARDS,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Table::Customers => "customer",
            Table::Accounts => "account",
            Table::Cards => "card",
        }
    }
}

/// A record type of the feed.
trait Row: DeserializeOwned {
    const FILE: &'static str;
    const TABLE: bank::Table;
    /// Values that must be unique in the table: (field, column, value); the id first.
    fn keys(&self) -> Vec<(&'static str, &'static str, &str)>;
    /// Records this one refers to: (field, table, id).
    fn refs(&self) -> Vec<(&'static str, Table, &str)>;
    fn check(&self) -> Result<(), FieldError>;
    fn batch(rows: Vec<Self>) -> BankBatch;
}

fn id_key(id: &RecordId) -> (&'static str, &'static str, &str) {
    ("id", "id", id.as_str())
}

fn customer_ref(id: &RecordId) -> (&'static str, Table, &str) {
    ("customer_id", Table::Customers, id.as_str())
}

impl Row for Customer {
    const FILE: &'static str = "customers.jsonl";
    const TABLE: bank::Table = bank::CUSTOMERS;
    fn keys(&self) -> Vec<(&'static str, &'static str, &str)> {
        vec![id_key(&self.id)]
    }
    fn refs(&self) -> Vec<(&'static str, Table, &str)> {
        Vec::new()
    }
    fn check(&self) -> Result<(), FieldError> {
        self.validate()?;
        let distinct: HashSet<&str> = self.phones.iter().map(|p| p.as_str()).collect();
        if distinct.len() != self.phones.len() {
            return Err(FieldError::new("phones", "the same number appears twice"));
        }
        Ok(())
    }
    fn batch(rows: Vec<Self>) -> BankBatch {
        BankBatch {
            customers: rows,
            ..BankBatch::default()
        }
    }
}

/// The feeds whose rows hang off a customer and need no check beyond their own fields.
macro_rules! customer_row {
    ($ty:ty, $file:literal, $table:ident, $field:ident) => {
        impl Row for $ty {
            const FILE: &'static str = $file;
            const TABLE: bank::Table = bank::$table;
            fn keys(&self) -> Vec<(&'static str, &'static str, &str)> {
                vec![id_key(&self.id)]
            }
            fn refs(&self) -> Vec<(&'static str, Table, &str)> {
                vec![customer_ref(&self.customer_id)]
            }
            fn check(&self) -> Result<(), FieldError> {
                self.validate()
            }
            fn batch(rows: Vec<Self>) -> BankBatch {
                BankBatch {
                    $field: rows,
                    ..BankBatch::default()
                }
            }
        }
    };
}

customer_row!(Account, "accounts.jsonl", ACCOUNTS, accounts);
customer_row!(Loan, "loans.jsonl", LOANS, loans);
customer_row!(Holding, "holdings.jsonl", HOLDINGS, holdings);

impl Row for Card {
    const FILE: &'static str = "cards.jsonl";
    const TABLE: bank::Table = bank::CARDS;
    fn keys(&self) -> Vec<(&'static str, &'static str, &str)> {
        vec![id_key(&self.id), ("number", "number", self.number.as_str())]
    }
    fn refs(&self) -> Vec<(&'static str, Table, &str)> {
        let mut r = vec![customer_ref(&self.customer_id)];
        if let Some(a) = &self.account_id {
            r.push(("account_id", Table::Accounts, a.as_str()));
        }
        r
    }
    fn check(&self) -> Result<(), FieldError> {
        self.validate()
    }
    fn batch(rows: Vec<Self>) -> BankBatch {
        BankBatch {
            cards: rows,
            ..BankBatch::default()
        }
    }
}

impl Row for Transaction {
    const FILE: &'static str = "transactions.jsonl";
    const TABLE: bank::Table = bank::TRANSACTIONS;
    fn keys(&self) -> Vec<(&'static str, &'static str, &str)> {
        vec![id_key(&self.id)]
    }
    fn refs(&self) -> Vec<(&'static str, Table, &str)> {
        let mut r = vec![customer_ref(&self.customer_id)];
        if let Some(a) = &self.account_id {
            r.push(("account_id", Table::Accounts, a.as_str()));
        }
        if let Some(c) = &self.card_id {
            r.push(("card_id", Table::Cards, c.as_str()));
        }
        r
    }
    fn check(&self) -> Result<(), FieldError> {
        self.validate()
    }
    fn batch(rows: Vec<Self>) -> BankBatch {
        BankBatch {
            transactions: rows,
            ..BankBatch::default()
        }
    }
}

/// Imports the feed files present in `dir`. Only trouble with the directory or the database
/// is an `Err`; bad data is in the report.
pub async fn import_dir(store: &Store, dir: &Path) -> anyhow::Result<ImportReport> {
    anyhow::ensure!(dir.is_dir(), "{} is not a directory", dir.display());
    Ok(ImportReport {
        files: vec![
            import_file::<Customer>(store, dir).await?,
            import_file::<Account>(store, dir).await?,
            import_file::<Card>(store, dir).await?,
            import_file::<Loan>(store, dir).await?,
            import_file::<Holding>(store, dir).await?,
            import_file::<Transaction>(store, dir).await?,
        ],
    })
}

/// The errors of one file, kept up to a limit.
struct Errors {
    file: &'static str,
    kept: Vec<ImportError>,
    count: u64,
}

impl Errors {
    fn push(&mut self, line: Option<u64>, field: impl Into<String>, reason: impl Into<String>) {
        self.count += 1;
        if self.kept.len() < MAX_KEPT_ERRORS {
            self.kept.push(ImportError {
                file: self.file,
                line,
                field: field.into(),
                reason: reason.into(),
            });
        }
    }
}

async fn import_file<R: Row>(store: &Store, dir: &Path) -> anyhow::Result<FileReport> {
    let path = dir.join(R::FILE);
    if !path.is_file() {
        return Ok(FileReport {
            file: R::FILE,
            status: FileStatus::Absent,
            rows: 0,
            errors: Vec::new(),
            error_count: 0,
        });
    }
    let file = std::fs::File::open(&path).with_context(|| format!("opening {}", path.display()))?;
    let mut reader = BufReader::with_capacity(1 << 18, file);
    let mut tx = store.begin_feed().await?;
    let mut errors = Errors {
        file: R::FILE,
        kept: Vec::new(),
        count: 0,
    };
    // Unique values seen so far in this file, per column.
    let mut seen: HashMap<&'static str, HashSet<String>> = HashMap::new();
    // Referenced ids known to be stored.
    let mut known: HashMap<Table, HashSet<String>> = HashMap::new();
    let mut pending: Vec<(u64, R)> = Vec::with_capacity(BATCH);
    let mut rows = 0u64;
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        let read = read_line(&mut reader, &mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        line += 1;
        match read {
            Read::End => break,
            Read::TooLong => {
                errors.push(Some(line), "line", format!("longer than {MAX_LINE} bytes"));
                continue;
            }
            Read::Line => {}
        }
        let mut text: &[u8] = &buf;
        if line == 1 {
            text = text.strip_prefix("\u{feff}".as_bytes()).unwrap_or(text);
        }
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let row: R = match parse(text) {
            Ok(r) => r,
            Err((field, reason)) => {
                errors.push(Some(line), field, reason);
                continue;
            }
        };
        if let Err(e) = row.check() {
            errors.push(Some(line), e.field, e.reason);
            continue;
        }
        let mut duplicate = false;
        for (field, column, value) in row.keys() {
            if !seen.entry(column).or_default().insert(value.to_string()) {
                errors.push(
                    Some(line),
                    field,
                    format!("{value} appears earlier in this file"),
                );
                duplicate = true;
            }
        }
        if duplicate {
            continue;
        }
        pending.push((line, row));
        if pending.len() >= BATCH {
            rows += flush(&mut tx, &mut pending, &mut errors, &mut known).await?;
        }
    }
    rows += flush(&mut tx, &mut pending, &mut errors, &mut known).await?;
    let status = if errors.count == 0 {
        tx.commit().await?;
        FileStatus::Imported
    } else {
        // Dropping the transaction rolls back whatever was inserted.
        drop(tx);
        rows = 0;
        FileStatus::Failed
    };
    Ok(FileReport {
        file: R::FILE,
        status,
        rows,
        errors: errors.kept,
        error_count: errors.count,
    })
}

enum Read {
    Line,
    TooLong,
    End,
}

/// Reads one line (without its newline) into `buf`, but never more than [`MAX_LINE`]
/// bytes of it: the rest of an oversize line is skipped.
fn read_line(r: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<Read> {
    buf.clear();
    let mut any = false;
    let mut too_long = false;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            return Ok(match (any, too_long) {
                (false, _) => Read::End,
                (true, true) => Read::TooLong,
                (true, false) => Read::Line,
            });
        }
        any = true;
        let newline = chunk.iter().position(|b| *b == b'\n');
        let part = &chunk[..newline.unwrap_or(chunk.len())];
        if !too_long {
            if buf.len() + part.len() > MAX_LINE {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(part);
            }
        }
        let used = newline.map_or(chunk.len(), |i| i + 1);
        r.consume(used);
        if newline.is_some() {
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(if too_long { Read::TooLong } else { Read::Line });
        }
    }
}

/// Parses one JSON object, naming the field at fault: `(field, reason)`.
fn parse<R: DeserializeOwned>(text: &[u8]) -> Result<R, (String, String)> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let row = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        describe(&path, e.into_inner())
    })?;
    de.end().map_err(|e| describe(".", e))?;
    Ok(row)
}

fn describe(path: &str, e: serde_json::Error) -> (String, String) {
    let full = e.to_string();
    // serde_json appends the position, which is always on this one line.
    let message = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => full.as_str(),
    };
    if e.is_syntax() || e.is_eof() {
        return ("json".to_string(), message.to_string());
    }
    // Our own parsers (ID numbers, card numbers, ...) say which field they checked; the
    // path says it better.
    let message = match message.split_once(": ") {
        Some((word, rest))
            if !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') =>
        {
            rest
        }
        _ => message,
    };
    let field = if path.is_empty() || path == "." {
        // Missing and unknown fields are named in the message, between backticks.
        message
            .split('`')
            .nth(1)
            .filter(|_| message.contains("field"))
            .unwrap_or("record")
            .to_string()
    } else {
        path.to_string()
    };
    (field, message.to_string())
}

/// Checks the references and stored keys of the pending rows, then inserts them if the file
/// has no error so far; returns the rows inserted.
async fn flush<R: Row>(
    tx: &mut Feed,
    pending: &mut Vec<(u64, R)>,
    errors: &mut Errors,
    known: &mut HashMap<Table, HashSet<String>>,
) -> anyhow::Result<u64> {
    if pending.is_empty() {
        return Ok(0);
    }
    let mut wanted: HashMap<Table, HashSet<&str>> = HashMap::new();
    for (_, row) in pending.iter() {
        for (_, table, id) in row.refs() {
            if !known.get(&table).is_some_and(|k| k.contains(id)) {
                wanted.entry(table).or_default().insert(id);
            }
        }
    }
    for (table, ids) in wanted {
        let found = tx
            .existing(table.table(), "id", ids.into_iter().collect())
            .await?;
        known.entry(table).or_default().extend(found);
    }
    let mut by_column: HashMap<&'static str, Vec<&str>> = HashMap::new();
    for (_, row) in pending.iter() {
        for (_, column, value) in row.keys() {
            by_column.entry(column).or_default().push(value);
        }
    }
    let mut stored: HashMap<&'static str, HashSet<String>> = HashMap::new();
    for (column, values) in by_column {
        stored.insert(column, tx.existing(&R::TABLE, column, values).await?);
    }
    for (line, row) in pending.iter() {
        for (field, table, id) in row.refs() {
            if !known.get(&table).is_some_and(|k| k.contains(id)) {
                errors.push(
                    Some(*line),
                    field,
                    format!("no {} with id {id}", table.what()),
                );
            }
        }
        for (field, column, value) in row.keys() {
            if stored.get(column).is_some_and(|s| s.contains(value)) {
                errors.push(Some(*line), field, format!("{value} is already stored"));
            }
        }
    }
    let rows: Vec<R> = pending.drain(..).map(|(_, r)| r).collect();
    if errors.count > 0 {
        return Ok(0);
    }
    let n = rows.len() as u64;
    match tx.insert(R::batch(rows)).await {
        Ok(()) => Ok(n),
        Err(StoreError::Conflict(m)) => {
            errors.push(None, "database", m);
            Ok(0)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bankdesk_demo::DemoBank;
    use bankdesk_store::bank::Lookup;
    use bankdesk_store::testing::{backends, fresh};
    use chrono::NaiveDate;
    use serde_json::{Value, json};
    use std::io::Write;

    fn story_bank() -> BankBatch {
        DemoBank::new(1, 8, NaiveDate::from_ymd_opt(2026, 11, 22).unwrap())
            .unwrap()
            .generate(0..8)
            .unwrap()
    }

    fn write_lines(dir: &Path, file: &str, lines: &[String]) {
        let mut f = std::fs::File::create(dir.join(file)).unwrap();
        for l in lines {
            writeln!(f, "{l}").unwrap();
        }
    }

    fn json_lines<T: serde::Serialize>(rows: &[T]) -> Vec<String> {
        rows.iter()
            .map(|r| serde_json::to_string(r).unwrap())
            .collect()
    }

    async fn count(store: &Store, table: &str) -> i64 {
        let (n,): (i64,) = store
            .db()
            .fetch_one_row(&format!("SELECT COUNT(*) FROM {table}"))
            .await
            .unwrap();
        n
    }

    fn file<'a>(r: &'a ImportReport, name: &str) -> &'a FileReport {
        r.files.iter().find(|f| f.file == name).unwrap()
    }

    fn messages(r: &ImportReport, name: &str) -> Vec<String> {
        file(r, name).errors.iter().map(|e| e.to_string()).collect()
    }

    #[tokio::test]
    async fn a_valid_feed_imports_and_customers_are_found() {
        let b = story_bank();
        let dir = tempfile::tempdir().unwrap();
        write_lines(dir.path(), "customers.jsonl", &json_lines(&b.customers));
        write_lines(dir.path(), "accounts.jsonl", &json_lines(&b.accounts));
        write_lines(dir.path(), "cards.jsonl", &json_lines(&b.cards));
        write_lines(dir.path(), "loans.jsonl", &json_lines(&b.loans));
        write_lines(dir.path(), "holdings.jsonl", &json_lines(&b.holdings));
        write_lines(
            dir.path(),
            "transactions.jsonl",
            &json_lines(&b.transactions),
        );
        for backend in backends() {
            let t = fresh(backend).await;
            let r = import_dir(&t.store, dir.path()).await.unwrap();
            assert!(r.ok(), "{backend}: {r}");
            assert_eq!(
                file(&r, "transactions.jsonl").rows as usize,
                b.transactions.len()
            );
            assert_eq!(
                count(&t.store, "transactions").await as usize,
                b.transactions.len()
            );
            assert_eq!(count(&t.store, "cards").await as usize, b.cards.len());
            let hits = t
                .store
                .find_customers(&Lookup::Phone("13800000006".into()), 5)
                .await
                .unwrap();
            assert_eq!(hits.len(), 1, "{backend}");
            assert_eq!(hits[0].id, "C000000006");
            // The same feed again: every id is already stored.
            let again = import_dir(&t.store, dir.path()).await.unwrap();
            assert!(!again.ok());
            assert_eq!(
                messages(&again, "customers.jsonl")[0],
                "customers.jsonl:1: id: C000000001 is already stored"
            );
        }
    }

    fn value<T: serde::Serialize>(v: &T) -> Value {
        serde_json::to_value(v).unwrap()
    }

    #[tokio::test]
    async fn a_bad_row_fails_its_file_only() {
        let b = story_bank();
        let dir = tempfile::tempdir().unwrap();
        write_lines(
            dir.path(),
            "customers.jsonl",
            &json_lines(&b.customers[..2]),
        );
        // Line 2 names a customer nobody has.
        let mut stranger = value(&b.accounts[1]);
        stranger["customer_id"] = json!("C999999999");
        write_lines(
            dir.path(),
            "accounts.jsonl",
            &[value(&b.accounts[0]).to_string(), stranger.to_string()],
        );
        // Line 1 has a card number whose last digit is off.
        let mut card = value(&b.cards[0]);
        let number = card["number"].as_str().unwrap().to_string();
        let last = number.as_bytes()[number.len() - 1] - b'0';
        card["number"] = json!(format!(
            "{}{}",
            &number[..number.len() - 1],
            (last + 1) % 10
        ));
        write_lines(dir.path(), "cards.jsonl", &[card.to_string()]);
        // Line 1: a number where a number belongs, line 2: text where a number belongs.
        let mut loan = value(&b.loans[0]);
        loan["customer_id"] = json!("C000000001");
        let good_loan = loan.to_string();
        loan["principal_fen"] = json!("a lot");
        loan["id"] = json!("L2");
        write_lines(dir.path(), "loans.jsonl", &[good_loan, loan.to_string()]);
        // Holdings of the two stored customers are fine.
        let holdings: Vec<_> = b
            .holdings
            .iter()
            .map(|h| {
                let mut v = value(h);
                v["customer_id"] = json!("C000000002");
                v.to_string()
            })
            .collect();
        write_lines(dir.path(), "holdings.jsonl", &holdings);
        for backend in backends() {
            let t = fresh(backend).await;
            let r = import_dir(&t.store, dir.path()).await.unwrap();
            assert!(!r.ok(), "{backend}");
            assert_eq!(file(&r, "customers.jsonl").status, FileStatus::Imported);
            assert_eq!(file(&r, "holdings.jsonl").status, FileStatus::Imported);
            assert_eq!(file(&r, "transactions.jsonl").status, FileStatus::Absent);
            assert_eq!(
                messages(&r, "accounts.jsonl"),
                ["accounts.jsonl:2: customer_id: no customer with id C999999999"]
            );
            assert_eq!(
                messages(&r, "cards.jsonl"),
                ["cards.jsonl:1: number: fails the Luhn check"]
            );
            assert_eq!(
                messages(&r, "loans.jsonl"),
                ["loans.jsonl:2: principal_fen: invalid type: string \"a lot\", expected i64"]
            );
            assert_eq!(count(&t.store, "customers").await, 2, "{backend}");
            assert_eq!(count(&t.store, "holdings").await as usize, b.holdings.len());
            for table in ["accounts", "cards", "loans"] {
                assert_eq!(count(&t.store, table).await, 0, "{backend}: {table}");
            }
            assert_eq!(
                r.to_string().lines().nth(1),
                Some("accounts.jsonl: FAILED with 1 error, nothing stored")
            );

            // A wrong ID check digit, a duplicate id, a missing and an unknown field, an
            // oversize line and broken JSON: every one reported, nothing stored.
            let dir2 = tempfile::tempdir().unwrap();
            let mut c = value(&b.customers[2]);
            let id_number = c["id_number"].as_str().unwrap().to_string();
            let check = if id_number.ends_with('1') { '2' } else { '1' };
            c["id_number"] = json!(format!("{}{check}", &id_number[..17]));
            let mut missing = value(&b.customers[3]);
            missing.as_object_mut().unwrap().remove("name");
            let mut extra = value(&b.customers[4]);
            extra["nickname"] = json!("x");
            write_lines(
                dir2.path(),
                "customers.jsonl",
                &[
                    value(&b.customers[5]).to_string(),
                    c.to_string(),
                    value(&b.customers[5]).to_string(),
                    missing.to_string(),
                    extra.to_string(),
                    "x".repeat(MAX_LINE + 1),
                    "{\"id\": ".to_string(),
                ],
            );
            let r = import_dir(&t.store, dir2.path()).await.unwrap();
            assert_eq!(
                messages(&r, "customers.jsonl"),
                [
                    "customers.jsonl:2: id_number: check digit does not match",
                    "customers.jsonl:3: id: C000000006 appears earlier in this file",
                    "customers.jsonl:4: name: missing field `name`",
                    "customers.jsonl:5: nickname: unknown field `nickname`, expected one of `id`, `name`, `gender`, `birth_date`, `id_number`, `phones`, `address`, `city`, `vip_tier`, `segment`, `sensitive`",
                    "customers.jsonl:6: line: longer than 65536 bytes",
                    "customers.jsonl:7: json: EOF while parsing a value",
                ],
                "{backend}"
            );
            assert_eq!(count(&t.store, "customers").await, 2, "{backend}");
        }
    }

    #[test]
    fn lines_are_capped_and_crlf_is_accepted() {
        let text = format!(
            "{}\r\nshort\r\n{}",
            "y".repeat(MAX_LINE + 10),
            "z".repeat(MAX_LINE)
        );
        let mut r = BufReader::with_capacity(1000, text.as_bytes());
        let mut buf = Vec::new();
        assert!(matches!(
            read_line(&mut r, &mut buf).unwrap(),
            Read::TooLong
        ));
        assert!(matches!(read_line(&mut r, &mut buf).unwrap(), Read::Line));
        assert_eq!(buf, b"short");
        assert!(matches!(read_line(&mut r, &mut buf).unwrap(), Read::Line));
        assert_eq!(buf.len(), MAX_LINE);
        assert!(matches!(read_line(&mut r, &mut buf).unwrap(), Read::End));
    }
}
