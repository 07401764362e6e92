//! Web chat in a real browser (Debian's Chromium, headless, through chromedriver): agent01
//! (chat skill) opens the workspace and sets themself available; a customer on the demo
//! bank page opens the widget and writes; the chat reaches agent01, whose workspace shows
//! it with three suggested knowledge points; the agent answers with a point's script; the
//! customer verifies their identity with the demo one-time code and the agent's screen
//! pop points at the customer's 360; the agent's page is reloaded mid-chat and every
//! message is still there, and the chat goes on. Screenshots go to `target/screenshots/`.

mod common;

use bankdesk_store::testing::{fixture, fresh};
use bankdesk_web::{AppState, WebConfig};
use common::chromium::{self, Chromedriver, PAGE_WAIT, click, screenshot, type_into, wait_for};
use fantoccini::{Client, Locator};
use std::time::Instant;

/// Waits until the element at `css` shows `text`, polling with a deadline.
async fn wait_text(client: &Client, css: &str, text: &str) {
    let deadline = Instant::now() + PAGE_WAIT;
    loop {
        let shown = match client.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if shown.contains(text) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "waiting for {css} to show {text:?}; it shows {shown:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn value(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("finding {css}: {e}"))
        .prop("value")
        .await
        .unwrap_or_else(|e| panic!("value of {css}: {e}"))
        .unwrap_or_default()
}

async fn chat_walk(client: Client, base: String, store: bankdesk_store::Store) {
    // The agent: log in, open the workspace, become available.
    client
        .goto(&format!("{base}/login"))
        .await
        .expect("login page");
    type_into(&client, "input[name=username]", "agent01").await;
    type_into(
        &client,
        "input[name=password]",
        bankdesk_desk::demo::DEMO_PASSWORD,
    )
    .await;
    click(&client, "form[action='/login'] button[type=submit]").await;
    wait_for(&client, "#search-q").await;
    click(&client, "header a[href='/desk/workspace']").await;
    wait_for(&client, "#ws-conn.ok").await;
    assert!(
        client
            .source()
            .await
            .unwrap()
            .contains("<html lang=\"zh-CN\">"),
        "the workspace is in Chinese"
    );
    client
        .find(Locator::Css("#agent-state"))
        .await
        .expect("state selector")
        .select_by_value("available")
        .await
        .expect("choose available");
    let agent = store.user_by_username("agent01").await.unwrap().unwrap();
    let deadline = Instant::now() + PAGE_WAIT;
    while store
        .agent_presence(&agent.id)
        .await
        .unwrap()
        .is_none_or(|p| p.state != "available")
    {
        assert!(Instant::now() < deadline, "agent01 never became available");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let desk = client.window().await.expect("desk window");

    // The customer, in another tab, on the bank's page with the widget.
    let tab = client.new_window(true).await.expect("new tab");
    client
        .switch_to_window(tab.handle.clone())
        .await
        .expect("to the customer tab");
    client
        .goto(&format!("{base}/chat/demo"))
        .await
        .expect("demo page");
    click(&client, "#bd-chat-open").await;
    wait_text(&client, "#bd-chat-log", "为您服务").await;
    let first = "你好，我的借记卡丢了，怎么挂失？";
    type_into(&client, "#bd-chat-input", first).await;
    click(&client, "#bd-chat-send").await;
    wait_for(&client, "#bd-chat-log li.bd-customer[data-seq]").await;
    screenshot(&client, "chat-demo.png").await;

    // The agent sees it, with three knowledge points, and answers with a script.
    client
        .switch_to_window(desk.clone())
        .await
        .expect("to the desk");
    wait_text(&client, "#transcript", first).await;
    wait_for(&client, "#screen-pop:not([hidden])").await;
    wait_for(&client, "#assist-list li.suggestion:nth-child(3)").await;
    let suggestions = client
        .find_all(Locator::Css("#assist-list li.suggestion"))
        .await
        .expect("suggestions");
    assert_eq!(suggestions.len(), 3, "three suggested points");
    wait_text(&client, "#assist-list", "挂失").await;
    click(&client, "#assist-list button.insert").await;
    let script = value(&client, "#reply").await;
    assert!(!script.trim().is_empty(), "the script was inserted");
    click(&client, "#reply-send").await;
    let script_line = script.lines().next().unwrap_or_default().trim().to_string();
    wait_text(&client, "#transcript", &script_line).await;
    screenshot(&client, "workspace.png").await;

    // The customer gets the answer and proves who they are with the demo code.
    client
        .switch_to_window(tab.handle.clone())
        .await
        .expect("to the customer");
    wait_text(&client, "#bd-chat-log", &script_line).await;
    click(&client, "#bd-chat-verify summary").await;
    type_into(&client, "#bd-chat-phone", "13800000002").await;
    click(&client, "#bd-chat-get-code").await;
    wait_text(&client, "#bd-chat-verify-note", "验证码").await;
    let note = client
        .find(Locator::Css("#bd-chat-verify-note"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let code: String = note.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(code.len(), 6, "the demo code is shown: {note}");
    type_into(&client, "#bd-chat-code", &code).await;
    click(&client, "#bd-chat-check-code").await;
    wait_text(&client, "#bd-chat-verify-summary", "身份验证成功").await;
    let second = "好的，谢谢。卡号尾号是1234。";
    type_into(&client, "#bd-chat-input", second).await;
    click(&client, "#bd-chat-send").await;
    wait_text(&client, "#bd-chat-log", second).await;

    // The agent's screen pop now opens 王女士's 360 for this chat.
    client
        .switch_to_window(desk.clone())
        .await
        .expect("to the desk");
    wait_text(&client, "#transcript", second).await;
    let link = wait_for(&client, "#pop-link:not([hidden])").await;
    let href = link.attr("href").await.unwrap().unwrap_or_default();
    assert!(
        href.starts_with("/customers/C1?purpose=contact%3Act_"),
        "{href}"
    );
    wait_text(&client, "#conv-identity", "已核验").await;

    // Reload mid-chat: every message is still there.
    let before: Vec<String> = {
        let mut v = Vec::new();
        for li in client
            .find_all(Locator::Css("#transcript li p"))
            .await
            .unwrap()
        {
            v.push(li.text().await.unwrap());
        }
        v
    };
    assert!(
        before.len() >= 5,
        "greeting, two customer lines, the answer, notices: {before:?}"
    );
    client.refresh().await.expect("reload the workspace");
    wait_for(&client, "#ws-conn.ok").await;
    wait_text(&client, "#transcript", second).await;
    let after: Vec<String> = {
        let mut v = Vec::new();
        for li in client
            .find_all(Locator::Css("#transcript li p"))
            .await
            .unwrap()
        {
            v.push(li.text().await.unwrap());
        }
        v
    };
    for text in [first, second, script_line.as_str()] {
        assert!(
            after.iter().any(|t| t.contains(text)),
            "{text:?} is missing after the reload: {after:?}"
        );
    }
    for t in &before {
        assert!(after.contains(t), "{t:?} was lost in the reload: {after:?}");
    }
    assert_eq!(after.len(), before.len(), "nothing is shown twice");

    // And the chat goes on after the reload.
    let third = "还需要补办新卡吗？";
    client
        .switch_to_window(tab.handle.clone())
        .await
        .expect("to the customer");
    type_into(&client, "#bd-chat-input", third).await;
    click(&client, "#bd-chat-send").await;
    client.switch_to_window(desk).await.expect("to the desk");
    wait_text(&client, "#transcript", third).await;
    let reply = "需要的，可以到任一网点补办。";
    type_into(&client, "#reply", reply).await;
    click(&client, "#reply-send").await;
    client
        .switch_to_window(tab.handle)
        .await
        .expect("to the customer");
    wait_text(&client, "#bd-chat-log", reply).await;
    screenshot(&client, "chat-demo-verified.png").await;
}

#[tokio::test]
async fn a_chat_from_the_demo_page_reaches_agent01_and_survives_a_reload() {
    let driver = Chromedriver::start();
    let t = fresh("sqlite").await;
    let mut tx = t.store.db().begin().await.unwrap();
    tx.insert_bank_batch(&fixture()).await.unwrap();
    tx.commit().await.unwrap();
    bankdesk_desk::demo::create_demo_users(&t.store)
        .await
        .unwrap();
    bankdesk_desk::kb::demo::load_demo_knowledge(&t.store)
        .await
        .unwrap();
    let state = AppState::new(
        t.store.clone(),
        WebConfig {
            chat_demo_codes: true,
            ..WebConfig::default()
        },
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, bankdesk_web::app(state)).await });

    let (client, _profile) = chromium::browser(&driver).await;
    let walk = tokio::spawn(chat_walk(client.clone(), base, t.store.clone())).await;
    if let Err(e) = client.close().await {
        eprintln!("closing the browser session: {e}");
    }
    drop(driver);
    if let Err(e) = walk {
        std::panic::resume_unwind(e.into_panic());
    }
}
