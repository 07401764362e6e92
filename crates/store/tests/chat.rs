//! Chat sessions and transcripts in the store, on every configured database.

use bankdesk_domain::chat::{ClientId, Csat, MessageText, Sender, code_hash};
use bankdesk_domain::role::Role;
use bankdesk_store::chat::{Author, CHAT_VERIFIER, CodeOutcome};
use bankdesk_store::testing::{TestStore, backends, fixture, fresh};
use bankdesk_store::users::NewUser;
use bankdesk_store::{StoreError, args, now_ms};

async fn bank(backend: &str) -> (TestStore, String) {
    let t = fresh(backend).await;
    let mut tx = t.store.db().begin().await.unwrap();
    tx.insert_bank_batch(&fixture()).await.unwrap();
    tx.commit().await.unwrap();
    let agent = t
        .store
        .create_user(
            "system",
            &NewUser {
                username: "agent01",
                display_name: "客服一号",
                password_hash: "x",
                roles: &[Role::Agent],
                department: Some("hotline"),
            },
        )
        .await
        .unwrap();
    (t, agent.id)
}

fn text(s: &str) -> MessageText {
    MessageText::parse(s).unwrap()
}

fn cid(s: &str) -> ClientId {
    ClientId::parse(s).unwrap()
}

#[tokio::test]
async fn messages_are_numbered_stored_once_and_resent_after_a_point() {
    for b in backends() {
        let (t, agent) = bank(b).await;
        let s = &t.store;
        let chat = s.start_chat("hash-1").await.unwrap();
        assert_eq!(chat.state, "waiting", "{b}");
        assert_eq!(
            s.chat_by_token("hash-1").await.unwrap().unwrap().contact_id,
            chat.contact_id
        );
        assert!(s.chat_by_token("hash-2").await.unwrap().is_none());
        let id = chat.contact_id.as_str();

        let m1 = s
            .append_chat_message(id, Author::Customer, Some(&cid("c1")), &text("你好"))
            .await
            .unwrap();
        assert_eq!((m1.message.seq, m1.duplicate), (1, false), "{b}");
        // The same client id again (a resend after a reconnect) is the same message.
        let again = s
            .append_chat_message(id, Author::Customer, Some(&cid("c1")), &text("你好"))
            .await
            .unwrap();
        assert_eq!((again.message.seq, again.duplicate), (1, true), "{b}");

        // An agent who does not handle the chat may not write in it.
        let refused = s
            .append_chat_message(id, Author::Agent(&agent), Some(&cid("a1")), &text("您好"))
            .await;
        assert!(
            matches!(refused, Err(StoreError::Denied(_))),
            "{b}: {refused:?}"
        );
        s.db()
            .execute(
                "UPDATE contacts SET handler_id = $1 WHERE id = $2",
                &args![agent.as_str(), id],
            )
            .await
            .unwrap();
        assert_eq!(s.activate_chat(id).await.unwrap().state, "active");
        assert_eq!(s.open_chats_of(&agent).await.unwrap().len(), 1);
        let m2 = s
            .append_chat_message(
                id,
                Author::Agent(&agent),
                Some(&cid("a1")),
                &text("您好，请讲"),
            )
            .await
            .unwrap();
        assert_eq!(m2.message.seq, 2);
        assert_eq!(m2.message.author.as_deref(), Some("客服一号"));
        // The customer's client ids and the agent's are separate namespaces.
        let m3 = s
            .append_chat_message(id, Author::Customer, Some(&cid("a1")), &text("卡丢了"))
            .await
            .unwrap();
        assert_eq!((m3.message.seq, m3.duplicate), (3, false), "{b}");
        let m4 = s
            .append_chat_message(id, Author::System, None, &text("系统提示"))
            .await
            .unwrap();
        assert_eq!(m4.message.seq, 4);

        let after = s.chat_messages_after(id, 1).await.unwrap();
        let seqs: Vec<i64> = after.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, vec![2, 3, 4], "{b}");
        assert_eq!(after[1].text, "卡丢了");
        assert_eq!(after[0].sender, Sender::Agent);
        assert_eq!(s.chat_messages_after(id, 4).await.unwrap().len(), 0);

        // Delivered and read marks move forward only, and only mark the other side's messages.
        assert!(
            s.mark_chat_delivered(id, Sender::Customer, 3)
                .await
                .unwrap()
        );
        assert!(
            !s.mark_chat_delivered(id, Sender::Customer, 3)
                .await
                .unwrap(),
            "{b}: marked twice"
        );
        assert_eq!(
            s.mark_chat_read(id, Sender::Agent, 99).await.unwrap(),
            Some(4),
            "{b}"
        );
        assert_eq!(
            s.mark_chat_read(id, Sender::Agent, 2).await.unwrap(),
            None,
            "{b}"
        );
        let all = s.chat_messages_after(id, 0).await.unwrap();
        assert!(
            all[0].read && all[2].read && all[0].delivered,
            "{b}: {all:?}"
        );
        assert!(
            !all[1].read,
            "{b}: the agent's own message is not read by the agent"
        );
        assert_eq!(s.chat_session(id).await.unwrap().agent_read_seq, 4);

        // Closed: nothing more is said, the score is asked once.
        assert!(matches!(
            s.rate_chat(id, Csat::new(5).unwrap()).await,
            Err(StoreError::Invalid(_))
        ));
        let closed = s.close_chat(id, Sender::Customer).await.unwrap().unwrap();
        assert!(closed.csat_pending());
        assert!(
            s.close_chat(id, Sender::Agent).await.unwrap().is_none(),
            "{b}: closing twice"
        );
        assert!(s.open_chats_of(&agent).await.unwrap().is_empty());
        let late = s
            .append_chat_message(id, Author::Customer, Some(&cid("c9")), &text("还在吗"))
            .await;
        assert!(
            matches!(late, Err(StoreError::Conflict(_))),
            "{b}: {late:?}"
        );
        s.rate_chat(id, Csat::new(4).unwrap()).await.unwrap();
        assert!(
            s.rate_chat(id, Csat::new(1).unwrap()).await.is_err(),
            "{b}: rated twice"
        );
        let s2 = s.chat_session(id).await.unwrap();
        assert_eq!((s2.csat, s2.csat_pending()), (Some(4), false), "{b}");
        let actions: Vec<(String,)> = s
            .db()
            .fetch_all(
                "SELECT action FROM audit_log WHERE detail LIKE $1 ORDER BY seq",
                &args![format!("%{id}%")],
            )
            .await
            .unwrap();
        let actions: Vec<&str> = actions.iter().map(|a| a.0.as_str()).collect();
        assert_eq!(
            actions,
            vec!["chat.start", "chat.close", "chat.csat"],
            "{b}"
        );
    }
}

#[tokio::test]
async fn concurrent_messages_get_distinct_numbers() {
    for b in backends() {
        let (t, _) = bank(b).await;
        let s = t.store.clone();
        let id = s.start_chat("h").await.unwrap().contact_id;
        let mut tasks = Vec::new();
        for i in 0..20 {
            let (s, id) = (s.clone(), id.clone());
            tasks.push(tokio::spawn(async move {
                s.append_chat_message(
                    &id,
                    Author::Customer,
                    Some(&cid(&format!("m{i}"))),
                    &text("并发"),
                )
                .await
                .unwrap()
                .message
                .seq
            }));
        }
        let mut seqs = Vec::new();
        for task in tasks {
            seqs.push(task.await.unwrap());
        }
        seqs.sort();
        assert_eq!(seqs, (1..=20).collect::<Vec<i64>>(), "{b}");
        assert_eq!(s.chat_session(&id).await.unwrap().head_seq, 20);
    }
}

#[tokio::test]
async fn a_right_code_links_the_customer_and_wrong_ones_run_out() {
    for b in backends() {
        let (t, _) = bank(b).await;
        let s = &t.store;
        let id = s.start_chat("h").await.unwrap().contact_id;
        assert_eq!(
            s.check_chat_code(&id, "123456").await.unwrap(),
            CodeOutcome::Void,
            "{b}: no code asked"
        );

        s.set_chat_code(
            &id,
            Some("C1"),
            &code_hash(&id, "salt", "123456"),
            "salt",
            now_ms(),
        )
        .await
        .unwrap();
        assert_eq!(
            s.check_chat_code(&id, "654321").await.unwrap(),
            CodeOutcome::Wrong
        );
        assert!(s.chat_session(&id).await.unwrap().customer_id.is_none());
        assert_eq!(
            s.check_chat_code(&id, "123456").await.unwrap(),
            CodeOutcome::Verified {
                customer_id: "C1".into()
            },
            "{b}"
        );
        let c = s.contact(&id).await.unwrap();
        assert_eq!(c.customer_id.as_deref(), Some("C1"));
        assert_eq!(
            (c.identity.as_deref(), c.identity_method.as_deref()),
            (Some("passed"), Some("one_time_code")),
            "{b}"
        );
        let by: (String,) = s
            .db()
            .fetch_optional(
                "SELECT verified_by FROM identity_verifications WHERE contact_id = $1",
                &args![id.as_str()],
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(by.0, CHAT_VERIFIER);
        // Used once only.
        assert_eq!(
            s.check_chat_code(&id, "123456").await.unwrap(),
            CodeOutcome::Void
        );

        // Five wrong tries void the code, even the right one after them.
        let id2 = s.start_chat("h2").await.unwrap().contact_id;
        s.set_chat_code(
            &id2,
            Some("C1"),
            &code_hash(&id2, "s2", "111111"),
            "s2",
            now_ms(),
        )
        .await
        .unwrap();
        for _ in 0..5 {
            assert_eq!(
                s.check_chat_code(&id2, "000000").await.unwrap(),
                CodeOutcome::Wrong,
                "{b}"
            );
        }
        assert_eq!(
            s.check_chat_code(&id2, "111111").await.unwrap(),
            CodeOutcome::Void,
            "{b}"
        );

        // A number the bank does not know gets a code that never passes.
        let id3 = s.start_chat("h3").await.unwrap().contact_id;
        s.set_chat_code(&id3, None, &code_hash(&id3, "s3", "222222"), "s3", now_ms())
            .await
            .unwrap();
        assert_eq!(
            s.check_chat_code(&id3, "222222").await.unwrap(),
            CodeOutcome::Wrong,
            "{b}"
        );
        assert!(s.contact(&id3).await.unwrap().customer_id.is_none());

        // Codes are text messages: a minute apart, three to a chat.
        let id4 = s.start_chat("h4").await.unwrap().contact_id;
        let at = now_ms();
        let ask = |n: i64| {
            let id4 = id4.clone();
            async move {
                s.set_chat_code(&id4, None, &code_hash(&id4, "s4", "333333"), "s4", at + n)
                    .await
            }
        };
        ask(0).await.unwrap();
        assert!(
            matches!(ask(59_999).await, Err(StoreError::Refused { message, .. }) if message.contains("minute")),
            "{b}"
        );
        ask(60_000).await.unwrap();
        ask(120_000).await.unwrap();
        assert!(
            matches!(ask(600_000).await, Err(StoreError::Refused { message, .. }) if message.contains("3 codes")),
            "{b}"
        );
        s.close_chat(&id4, Sender::Customer).await.unwrap();
        assert!(
            matches!(ask(900_000).await, Err(StoreError::Conflict(m)) if m.contains("closed")),
            "{b}: none for a closed chat"
        );
    }
}
