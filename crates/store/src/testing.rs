//! Fresh databases for tests, so every store test is written once and runs on SQLite
//! always and on PostgreSQL whenever `BANKDESK_TEST_POSTGRES` holds a server URL.

use crate::bank::BankBatch;
use crate::cases::{NewCase, NewComplaint};
use crate::users::{NewUser, User};
use crate::{Db, SqliteSync, Store};
use bankdesk_domain::bank::*;
use bankdesk_domain::complaint::{ComplaintChannel, Complexity};
use bankdesk_domain::ident::{CardNumber, IdNumber, Phone, id_check_char, luhn_check_digit};
use bankdesk_domain::money::Currency;
use bankdesk_domain::role::Role;
use chrono::{NaiveDate, TimeZone};

/// A staff account with one role, its username also its display name (the password
/// hash is a placeholder: store tests do not log in).
pub async fn staff(store: &Store, username: &str, role: Role, department: Option<&str>) -> User {
    store
        .create_user(
            "system",
            &NewUser {
                username,
                display_name: username,
                password_hash: "x",
                roles: &[role],
                department,
            },
        )
        .await
        .expect("a test user")
}

/// A phoned-in complaint by 王丽华 (C1), received at `received_at_ms`, about no one in
/// particular.
pub fn complaint(received_at_ms: i64, complexity: Complexity) -> NewCase {
    NewCase {
        customer_id: "C1".into(),
        case_type: "complaint".into(),
        summary: "多次往返网点未能取回溢缴款".into(),
        contact_id: None,
        department: None,
        fields: Default::default(),
        complaint: Some(NewComplaint {
            received_at_ms,
            channel: ComplaintChannel::Phone,
            complexity,
            subject_staff: None,
            subject_branch: None,
        }),
    }
}

/// A store on a throwaway database; the database goes away with it.
pub struct TestStore {
    pub store: Store,
    pub backend: &'static str,
    /// How the `bankdesk` binary reaches this database: `--data DIR` or `--database URL`.
    pub cli_args: Vec<String>,
    _dir: Option<tempfile::TempDir>,
}

/// The databases to run on: SQLite, plus PostgreSQL when configured.
pub fn backends() -> Vec<&'static str> {
    let mut b = vec!["sqlite"];
    if std::env::var("BANKDESK_TEST_POSTGRES").is_ok_and(|v| !v.is_empty()) {
        b.push("postgres");
    }
    b
}

/// A migrated, empty store. On PostgreSQL a new database is created per call; if the
/// configured server cannot be reached this panics, so the test fails rather than passes.
pub async fn fresh(backend: &str) -> TestStore {
    match backend {
        "sqlite" => {
            let dir = tempfile::tempdir().expect("temp dir");
            let db = Db::open_sqlite(&dir.path().join("bankdesk.db"), SqliteSync::Normal)
                .await
                .expect("open sqlite");
            db.migrate().await.expect("migrate sqlite");
            TestStore {
                store: Store::new(db),
                backend: "sqlite",
                cli_args: vec!["--data".into(), dir.path().display().to_string()],
                _dir: Some(dir),
            }
        }
        "postgres" => {
            let url = std::env::var("BANKDESK_TEST_POSTGRES").expect("BANKDESK_TEST_POSTGRES");
            let admin = Db::open_postgres(&url, 1)
                .await
                .unwrap_or_else(|e| panic!("BANKDESK_TEST_POSTGRES is set but unreachable: {e}"));
            // A schema per test rather than a database: creating and dropping schemas
            // is cheap, while every DROP DATABASE forces a checkpoint.
            let name = format!(
                "bankdesk_t_{}",
                crate::new_id("db").trim_start_matches("db_")
            );
            admin
                .execute(&format!("CREATE SCHEMA {name}"), &[])
                .await
                .expect("create test schema");
            admin.close().await;
            let url = with_search_path(&url, &name);
            let db = Db::open_postgres(&url, 8)
                .await
                .expect("connect to the test schema");
            db.migrate().await.expect("migrate postgres");
            TestStore {
                store: Store::new(db),
                backend: "postgres",
                cli_args: vec!["--database".into(), url],
                _dir: None,
            }
        }
        other => panic!("unknown backend {other}"),
    }
}

pub fn id_number(birth: &str, order: &str) -> IdNumber {
    let first = format!("310104{birth}{order}");
    let mut a = [0u8; 17];
    a.copy_from_slice(first.as_bytes());
    IdNumber::parse(&format!("{first}{}", id_check_char(&a) as char)).unwrap()
}

pub fn card_number(payload: &str) -> CardNumber {
    CardNumber::parse(&format!("{payload}{}", luhn_check_digit(payload))).unwrap()
}

fn rid(s: &str) -> RecordId {
    RecordId::parse(s).unwrap()
}

/// A small bank for tests: 王丽华 (C1, phone 13800000002) with a lost credit card that
/// was overpaid by 1,280.00 yuan and three card payments; 池明 (C2, 13800000001),
/// flagged sensitive.
pub fn fixture() -> BankBatch {
    let customer = |id: &str, name: &str, phone: &str, order: &str, sensitive| Customer {
        id: rid(id),
        name: name.into(),
        gender: Gender::Female,
        birth_date: NaiveDate::from_ymd_opt(1985, 3, 9).unwrap(),
        id_number: id_number("19850309", order),
        phones: vec![Phone::parse(phone).unwrap()],
        address: "上海市徐汇区漕溪北路1号".into(),
        city: "上海".into(),
        vip_tier: VipTier::Gold,
        segment: Segment::Affluent,
        sensitive,
    };
    let at = |h: u32| {
        chrono::FixedOffset::east_opt(8 * 3600)
            .unwrap()
            .with_ymd_and_hms(2026, 11, 1, h, 0, 0)
            .unwrap()
    };
    BankBatch {
        customers: vec![
            customer("C1", "王丽华", "13800000002", "123", false),
            customer("C2", "池明", "13800000001", "456", true),
        ],
        cards: vec![Card {
            id: rid("K1"),
            customer_id: rid("C1"),
            account_id: None,
            number: card_number("622588001234567"),
            kind: CardKind::Credit,
            product: "金卡".into(),
            status: CardStatus::Lost,
            credit_limit_fen: Some(5_000_000),
            temp_limit_fen: None,
            temp_limit_until: None,
            outstanding_fen: -128_000,
            expiry: YearMonth::parse("2027-05").unwrap(),
            issued_on: NaiveDate::from_ymd_opt(2022, 5, 1).unwrap(),
        }],
        transactions: (0..3)
            .map(|i| Transaction {
                id: rid(&format!("T{i}")),
                customer_id: rid("C1"),
                account_id: None,
                card_id: Some(rid("K1")),
                at: at(9 + i),
                amount_fen: -1000 * i64::from(i + 1),
                currency: Currency::CNY,
                channel: Channel::Pos,
                merchant: Some("便利店".into()),
                city: "上海".into(),
                country: "CN".into(),
                lat: Some(31.2),
                lon: Some(121.4),
                terminal: None,
                description: String::new(),
            })
            .collect(),
        ..BankBatch::default()
    }
}

/// Adds `search_path=<schema>` to a PostgreSQL URL's connection options.
pub fn with_search_path(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn search_path_is_added() {
        assert_eq!(
            super::with_search_path("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/test?options=-c%20search_path%3Dx"
        );
        assert_eq!(
            super::with_search_path("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/test?sslmode=disable&options=-c%20search_path%3Dx"
        );
    }
}
