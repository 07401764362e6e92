//! The agent desktop in a real browser: Debian's Chromium, headless, driven through
//! chromedriver with fantoccini. An agent logs in, identifies 王女士 by the caller's
//! number, opens a contact, reads her 360 page with masked card numbers only, leaves a
//! note for the next agent, verifies her identity, reveals a card number for a reason and
//! asks for her statements; a supervisor sees the export waiting, and compliance sees the
//! alerts, the legal-order register and the audit log. Every page is kept as a
//! screenshot in `target/screenshots/` for people to look at.
//!
//! Chromium and chromedriver are required: without them the test fails and says what
//! to install; it never passes by skipping.

mod common;

use bankdesk_domain::bank::{
    Account, AccountKind, AccountStatus, Card, CardKind, CardStatus, Channel, Holding, Loan,
    LoanKind, LoanStatus, LprTerm, RecordId, RepricingRule, RiskLevel, Transaction, YearMonth,
};
use bankdesk_domain::loan::rate_on;
use bankdesk_domain::money::Currency;
use bankdesk_store::bank::BankBatch;
use bankdesk_store::testing::{card_number, fixture, fresh};
use bankdesk_web::{AppState, WebConfig};
use chrono::{NaiveDate, TimeZone};
use common::chromium::{self, Chromedriver, click, screenshot, type_into, wait_for};
use fantoccini::{Client, Locator};

fn rid(s: &str) -> RecordId {
    RecordId::parse(s).unwrap()
}

/// The store's fixture (王丽华, phone 13800000002, a lost credit card overpaid by
/// 1,280.00, three card payments) plus a debit card on a savings account, her salary and
/// a cash withdrawal, a mortgage on the LPR and a wealth product showing a loss, so that
/// every section of the page has something to show.
fn bank() -> BankBatch {
    let mut b = fixture();
    let c1 = || rid("C1");
    let today = chrono::Utc::now().date_naive();
    let at = |d: u32, h: u32| {
        chrono::FixedOffset::east_opt(8 * 3600)
            .unwrap()
            .with_ymd_and_hms(2026, 10, d, h, 15, 0)
            .unwrap()
    };
    b.accounts.push(Account {
        id: rid("A1"),
        customer_id: c1(),
        kind: AccountKind::Savings,
        currency: Currency::CNY,
        balance_fen: 4_562_310,
        opened_on: NaiveDate::from_ymd_opt(2015, 4, 2).unwrap(),
        status: AccountStatus::Active,
        branch: "徐汇支行".into(),
    });
    b.cards.push(Card {
        id: rid("K2"),
        customer_id: c1(),
        account_id: Some(rid("A1")),
        number: card_number("621483001234888"),
        kind: CardKind::Debit,
        product: "一卡通金卡".into(),
        status: CardStatus::Active,
        credit_limit_fen: None,
        temp_limit_fen: None,
        temp_limit_until: None,
        outstanding_fen: 0,
        expiry: YearMonth::parse("2030-04").unwrap(),
        issued_on: NaiveDate::from_ymd_opt(2020, 4, 2).unwrap(),
    });
    let start = NaiveDate::from_ymd_opt(2021, 6, 15).unwrap();
    b.loans.push(Loan {
        id: rid("L1"),
        customer_id: c1(),
        kind: LoanKind::Mortgage,
        currency: Currency::CNY,
        principal_fen: 120_000_000,
        outstanding_fen: 98_345_600,
        term_months: 360,
        start_date: start,
        lpr_term: LprTerm::FiveYear,
        spread_bp: -20,
        rate_bp: rate_on(LprTerm::FiveYear, -20, RepricingRule::January, start, today),
        repricing_rule: RepricingRule::January,
        status: LoanStatus::Active,
    });
    b.holdings.push(Holding {
        id: rid("H1"),
        customer_id: c1(),
        product_code: "WM2025A".into(),
        product_name: "稳健增利1号".into(),
        risk_level: RiskLevel::R2,
        units_x100: 1_000_000,
        cost_fen: 1_000_000,
        nav_x10000: 9_650,
        nav_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
    });
    let txn = |id: &str, at, amount_fen, channel, merchant: Option<&str>, description: &str| {
        Transaction {
            id: rid(id),
            customer_id: c1(),
            account_id: Some(rid("A1")),
            card_id: Some(rid("K2")),
            at,
            amount_fen,
            currency: Currency::CNY,
            channel,
            merchant: merchant.map(str::to_string),
            city: "上海".into(),
            country: "CN".into(),
            lat: None,
            lon: None,
            terminal: None,
            description: description.into(),
        }
    };
    b.transactions.push(txn(
        "T10",
        at(10, 9),
        850_000,
        Channel::Transfer,
        None,
        "代发工资",
    ));
    b.transactions.push(txn(
        "T11",
        at(12, 19),
        -200_000,
        Channel::Atm,
        None,
        "ATM取款",
    ));
    b
}

/// Every full card number of the fixture; none may ever reach a page.
fn full_card_numbers(b: &BankBatch) -> Vec<String> {
    b.cards
        .iter()
        .map(|c| c.number.as_str().to_string())
        .collect()
}

/// `6225********1234`: the first four and last four digits of `full`, eight or more
/// stars between.
fn is_masked_form_of(shown: &str, full: &str) -> bool {
    let n = shown.len();
    n == full.len()
        && n >= 16
        && shown[..4] == full[..4]
        && shown[n - 4..] == full[n - 4..]
        && shown[4..n - 4].bytes().all(|b| b == b'*')
}

/// No horizontal scrolling: the page is no wider than the window.
async fn fits_width(client: &Client) -> bool {
    client
        .execute(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .expect("layout check")
        == serde_json::Value::Bool(true)
}

async fn source(client: &Client) -> String {
    client.source().await.expect("page source")
}

/// Logs out whoever is logged in and logs `username` in, landing on the start page.
async fn log_in_as(client: &Client, username: &str) {
    click(client, "header form[action='/logout'] button").await;
    wait_for(client, "input[name=username]").await;
    type_into(client, "input[name=username]", username).await;
    type_into(
        client,
        "input[name=password]",
        bankdesk_desk::demo::DEMO_PASSWORD,
    )
    .await;
    click(client, "form[action='/login'] button[type=submit]").await;
    wait_for(client, "#search-q").await;
}

/// The walk through the desktop; panics say which step failed.
async fn serve_wang(client: Client, base: String, cards: Vec<String>) {
    let mut sources = Vec::new();

    client
        .goto(&format!("{base}/"))
        .await
        .expect("open the desktop");
    wait_for(&client, "input[name=username]").await;
    let url = client.current_url().await.expect("url");
    assert_eq!(
        url.path(),
        "/login",
        "not logged in: sent to the login page"
    );
    assert!(
        source(&client).await.contains("<html lang=\"zh-CN\">"),
        "a browser asking for zh-CN gets Chinese"
    );
    type_into(&client, "input[name=username]", "agent01").await;
    type_into(
        &client,
        "input[name=password]",
        bankdesk_desk::demo::DEMO_PASSWORD,
    )
    .await;
    click(&client, "form[action='/login'] button[type=submit]").await;

    wait_for(&client, "#search-q").await;
    type_into(&client, "#search-q", "13800000002").await;
    click(&client, "form.search button[type=submit]").await;

    let hit = wait_for(&client, "table.hits tbody tr").await;
    let text = hit.text().await.expect("hit text");
    assert!(
        text.contains("王*华") && text.contains("138****0002"),
        "{text}"
    );
    sources.push(source(&client).await);
    screenshot(&client, "search.png").await;
    click(&client, "table.hits button[type=submit]").await;

    let purpose = wait_for(&client, "#purpose").await;
    let url = client.current_url().await.expect("url");
    assert_eq!(url.path(), "/customers/C1");
    let asked = url
        .query_pairs()
        .find(|(k, _)| k == "purpose")
        .map(|(_, v)| v.into_owned())
        .expect("the 360 page is read for a purpose");
    assert!(asked.starts_with("contact:ct_"), "{asked}");
    let purpose = purpose.text().await.expect("purpose text");
    assert!(
        purpose.contains("用途") && purpose.contains("来电") && purpose.contains(&asked),
        "the purpose in use is shown: {purpose}"
    );

    let shown: Vec<String> = {
        let mut v = Vec::new();
        for cell in client
            .find_all(Locator::Css("#cards td.card-no"))
            .await
            .expect("card cells")
        {
            v.push(cell.text().await.expect("card text"));
        }
        v
    };
    assert_eq!(shown.len(), cards.len(), "every card is listed: {shown:?}");
    for full in &cards {
        assert!(
            shown.iter().any(|s| is_masked_form_of(s, full)),
            "{full} should be shown as {}********{}: {shown:?}",
            &full[..4],
            &full[full.len() - 4..]
        );
    }
    let page = source(&client).await;
    assert!(page.contains("溢缴款 1,280.00"), "the overpayment is shown");
    sources.push(page);

    assert!(
        fits_width(&client).await,
        "the 360 page scrolls sideways at 1366x768"
    );

    let note = "客户来电：上月还款多还1280元，要求退回溢缴款。已核实身份，转卡中心处理。";
    type_into(&client, "#note-text", note).await;
    click(&client, "#note-form button[type=submit]").await;
    let written = wait_for(&client, "#timeline li.is-current ul.notes p").await;
    assert_eq!(written.text().await.expect("note text"), note);
    sources.push(source(&client).await);

    screenshot(&client, "customer-360.png").await;
    // The whole page too, for people reviewing the layout below the fold.
    let height = client
        .execute(
            "return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight;",
            vec![],
        )
        .await
        .expect("page height")
        .as_u64()
        .unwrap_or(768);
    let height = u32::try_from(height).unwrap_or(768).clamp(768, 4000);
    client.set_window_size(1366, height).await.expect("resize");
    screenshot(&client, "customer-360-full.png").await;
    client
        .set_window_size(1366, 768)
        .await
        .expect("resize back");

    // The caller proves who they are, and the purpose box says so.
    click(&client, "#identity-form input[value=passed]").await;
    click(&client, "#identity-form button[type=submit]").await;
    let identity = wait_for(&client, "#identity .badge.ok").await;
    let identity = identity.text().await.expect("identity text");
    assert!(
        identity.contains("身份已核验") && identity.contains("短信验证码"),
        "{identity}"
    );
    sources.push(source(&client).await);

    // A card number is shown in full, for a stated reason, on a page of its own.
    click(&client, "#cards details.reveal summary").await;
    type_into(
        &client,
        "#cards details.reveal[open] input[name=reason]",
        "客户核对卡号",
    )
    .await;
    assert!(fits_width(&client).await, "the reveal form widens the page");
    screenshot(&client, "customer-reveal.png").await;
    click(&client, "#cards details.reveal[open] button[type=submit]").await;
    let revealed = wait_for(&client, "#revealed").await;
    let number = revealed.text().await.expect("revealed number");
    assert!(cards.contains(&number), "{number} is one of the cards");
    screenshot(&client, "reveal.png").await;
    click(&client, "section.revealed a[href^='/customers/C1']").await;

    // The verified customer asks for a year of statements; a supervisor will approve.
    wait_for(&client, "#export summary").await;
    click(&client, "#export summary").await;
    click(&client, "#export-form button[type=submit]").await;
    let notice = wait_for(&client, "p.notice").await;
    let notice = notice.text().await.expect("notice text");
    assert!(notice.contains("已提交对账单导出申请"), "{notice}");
    sources.push(source(&client).await);

    // English is one click away, and the longer words still fit the screen.
    click(&client, "header a.lang").await;
    wait_for(&client, "html[lang=en] #purpose").await;
    assert!(
        fits_width(&client).await,
        "the English 360 page scrolls sideways"
    );
    screenshot(&client, "customer-360-en.png").await;
    click(&client, "header a.lang").await;
    wait_for(&client, "html[lang=zh-CN] #purpose").await;

    // Without a purpose the same customer is a refusal that names the purposes needed.
    client
        .goto(&format!("{base}/customers/C1"))
        .await
        .expect("open without purpose");
    let refusal = wait_for(&client, "section.refusal").await;
    let text = refusal.text().await.expect("refusal text");
    assert!(
        text.contains("purpose_required") && text.contains("由您本人处理"),
        "{text}"
    );
    assert!(!text.contains("王*华"), "a refusal shows no customer data");
    screenshot(&client, "refusal.png").await;

    // Logging out ends the session; an administrator manages users on a page that fits.
    log_in_as(&client, "admin").await;
    click(&client, "header a[href='/admin/users']").await;
    let users = wait_for(&client, "table.users").await;
    let text = users.text().await.expect("users text");
    assert!(
        text.contains("agent01") && text.contains("branch01"),
        "{text}"
    );
    assert!(fits_width(&client).await, "the users page scrolls sideways");
    screenshot(&client, "admin-users.png").await;

    // The supervisor sees the export waiting for a second person.
    log_in_as(&client, "supervisor01").await;
    click(&client, "header a[href='/exports']").await;
    let pending = wait_for(&client, "table.exports.pending").await;
    let text = pending.text().await.expect("pending exports");
    assert!(
        text.contains("客服一号 张敏") && text.contains("客户本人申请"),
        "{text}"
    );
    assert!(
        fits_width(&client).await,
        "the exports page scrolls sideways"
    );
    screenshot(&client, "exports.png").await;
    sources.push(source(&client).await);

    // Compliance sees the refused look at 王女士 among the alerts, with its evidence.
    log_in_as(&client, "compliance01").await;
    click(&client, "header a[href='/compliance']").await;
    let alerts = wait_for(&client, "#alerts-open table.alerts").await;
    let text = alerts.text().await.expect("alerts text");
    assert!(
        text.contains("无正当用途的访问") && text.contains("客服一号 张敏"),
        "{text}"
    );
    assert!(
        fits_width(&client).await,
        "the alerts page scrolls sideways"
    );
    screenshot(&client, "compliance-alerts.png").await;
    sources.push(source(&client).await);

    // An order registered by compliance01 waits for a second officer; verifying it
    // oneself is refused on the page.
    click(&client, "header a[href='/compliance/orders']").await;
    wait_for(&client, "#register").await;
    client
        .find(Locator::Css("select[name=kind]"))
        .await
        .expect("kind select")
        .select_by_value("court_order")
        .await
        .expect("choose the kind");
    type_into(&client, "input[name=issuer]", "上海市徐汇区人民法院").await;
    type_into(&client, "input[name=document_no]", "(2026)沪0104执1234号").await;
    type_into(&client, "input[name=customer_id]", "C1").await;
    click(&client, "input[name=scope][value=statements]").await;
    client
        .execute(
            "document.querySelector('input[name=valid_from]').value = '2026-01-01';\
             document.querySelector('input[name=valid_until]').value = '2026-12-31';",
            vec![],
        )
        .await
        .expect("set the validity");
    click(&client, "form.register-order button[type=submit]").await;
    wait_for(&client, "table.orders form button").await;
    click(&client, "table.orders form button").await;
    let refused = wait_for(&client, "p.alert").await;
    let text = refused.text().await.expect("refusal text");
    assert!(text.contains("登记人不能核实"), "{text}");
    assert!(
        fits_width(&client).await,
        "the orders page scrolls sideways"
    );
    screenshot(&client, "compliance-orders.png").await;

    click(&client, "header a[href='/compliance/audit']").await;
    let chain = wait_for(&client, "#chain").await;
    let text = chain.text().await.expect("chain text");
    assert!(text.contains("审计链完整"), "{text}");
    wait_for(&client, "table.audit").await;
    assert!(fits_width(&client).await, "the audit page scrolls sideways");
    screenshot(&client, "compliance-audit.png").await;
    sources.push(source(&client).await);

    for (i, s) in sources.iter().enumerate() {
        for full in &cards {
            assert!(
                !s.contains(full.as_str()),
                "page {i} contains the card number {full}"
            );
        }
        assert!(
            !s.contains("13800000002"),
            "page {i} contains the full phone number"
        );
    }
}

#[tokio::test]
async fn an_agent_serves_wang_in_chromium() {
    let driver = Chromedriver::start();

    let batch = bank();
    let store = fresh("sqlite").await;
    let mut tx = store.store.db().begin().await.unwrap();
    tx.insert_bank_batch(&batch).await.unwrap();
    tx.commit().await.unwrap();
    bankdesk_desk::demo::create_demo_users(&store.store)
        .await
        .unwrap();
    let state = AppState::new(store.store.clone(), WebConfig::default()).unwrap();
    // Bound before the browser starts: connections queue until the server accepts them.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, bankdesk_web::app(state)).await });

    let (client, _profile) = chromium::browser(&driver).await;

    // The walk runs as its own task so that a failed assertion still ends the browser
    // session (and Chromium with it) before the failure is reported.
    let walk = tokio::spawn(serve_wang(client.clone(), base, full_card_numbers(&batch))).await;
    if let Err(e) = client.close().await {
        eprintln!("closing the browser session: {e}");
    }
    drop(driver);
    if let Err(e) = walk {
        std::panic::resume_unwind(e.into_panic());
    }
}
