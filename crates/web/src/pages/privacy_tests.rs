//! The privacy desktop through the real router, on every configured database: identity
//! verification, reveals, statement exports under dual control, the compliance alerts,
//! the legal-order register and the audit log.

use super::tests::{Browser, Desk, Reply, full_card};
use crate::config::WebConfig;
use axum::http::{StatusCode, header};
use bankdesk_domain::alert::AlertStatus;
use bankdesk_domain::audit::NewAuditEntry;
use bankdesk_store::audit::AuditQuery;
use bankdesk_store::testing::{backends, id_number};

/// How often `needle` occurs in `hay`.
fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

/// Today in the bank's zone, as a date input sends it.
fn today() -> String {
    crate::view::today().to_string()
}

impl Desk {
    /// The id of `username`'s (only) open contact.
    async fn contact_of(&self, username: &str) -> String {
        let id = self.user_id(username).await;
        self.store.store.open_contacts_of(&id).await.unwrap()[0]
            .id
            .clone()
    }

    /// Records a verification on the contact through its form.
    async fn verify_identity(&self, b: &Browser, contact: &str, result: &str) -> Reply {
        self.post(
            &format!("/contacts/{contact}/identity-verification"),
            &b.cookie,
            &[
                ("csrf", &b.csrf),
                ("method", "one_time_code"),
                ("result", result),
            ],
        )
        .await
    }

    /// Asks for C1's statements of 2026 on the contact, through the 360 page's form.
    async fn request_export(&self, b: &Browser, contact: &str) -> Reply {
        self.post(
            "/customers/C1/statement-exports",
            &b.cookie,
            &[
                ("csrf", &b.csrf),
                ("purpose", &format!("contact:{contact}")),
                ("from", "2026-01-01"),
                ("to", "2026-12-31"),
            ],
        )
        .await
    }

    /// Registers a court order for C1's statements through the register's form.
    async fn register_order(&self, b: &Browser, from: &str, until: &str) -> Reply {
        self.post(
            "/compliance/orders",
            &b.cookie,
            &[
                ("csrf", &b.csrf),
                ("kind", "court_order"),
                ("issuer", "上海市徐汇区人民法院"),
                ("document_no", "(2026)沪0104执1234号"),
                ("customer_id", "C1"),
                ("scope", "statements"),
                ("valid_from", from),
                ("valid_until", until),
            ],
        )
        .await
    }

    async fn actions_of(&self, actor: &str) -> Vec<String> {
        self.store
            .store
            .audit_search(&AuditQuery {
                actor: Some(actor.into()),
                limit: 1000,
                ..AuditQuery::default()
            })
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    }
}

#[tokio::test]
async fn compliance_sees_the_alert_raised_by_a_look_without_purpose() {
    for b in backends() {
        let d = Desk::start(b).await;
        let branch = d.login("branch01").await;
        let found = d
            .post(
                "/",
                &branch.cookie,
                &[
                    ("csrf", &branch.csrf),
                    ("by", "phone"),
                    ("q", "13800000001"),
                ],
            )
            .await;
        assert_eq!(found.status, StatusCode::OK, "{b}");
        assert!(found.body.contains("池*"), "{b}: identified, masked");
        let look = d.get("/customers/C2", &branch.cookie).await;
        assert_eq!(look.status, StatusCode::FORBIDDEN, "{b}");

        let comp = d.login("compliance01").await;
        let home = d.get("/", &comp.cookie).await;
        for link in [
            "href=\"/compliance\"",
            "href=\"/compliance/orders\"",
            "href=\"/compliance/audit\"",
            "href=\"/exports\"",
        ] {
            assert!(home.body.contains(link), "{b}: {link} in the nav");
        }
        let page = d.get("/compliance", &comp.cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{b}: {}", page.body);
        for shown in [
            "无正当用途的访问",
            "访问敏感客户",
            "访问被拒绝",
            "网点柜员 马骏",
            "branch01",
            "C2",
        ] {
            assert!(page.body.contains(shown), "{b}: {shown} missing");
        }
        let alerts = d
            .store
            .store
            .alerts(Some(AlertStatus::Open), 10)
            .await
            .unwrap();
        let alert = alerts
            .iter()
            .find(|a| a.kind == "no_purpose" && a.actor == "branch01")
            .expect("a no_purpose alert");
        let evidence: serde_json::Value = serde_json::from_str(&alert.evidence).unwrap();
        let seq = evidence["audit_seqs"][0].as_i64().unwrap();
        let link = format!("/compliance/audit?seqs={seq}");
        assert!(page.body.contains(&format!("href=\"{link}\"")), "{b}");

        let proof = d.get(&link, &comp.cookie).await;
        assert_eq!(proof.status, StatusCode::OK, "{b}");
        assert_eq!(
            count(&proof.body, "<tr id=\"seq-"),
            1,
            "{b}: the evidence only"
        );
        assert!(proof.body.contains(&format!("id=\"seq-{seq}\"")), "{b}");
        assert!(
            proof.body.contains("access.refused") && proof.body.contains("purpose_required"),
            "{b}"
        );

        let en = d.get("/compliance?lang=en", &comp.cookie).await;
        assert!(en.body.contains("Insider-access alerts"), "{b}");
        assert!(en.body.contains("Access without a valid purpose"), "{b}");
        d.get("/compliance?lang=zh", &comp.cookie).await;

        let action = format!("/compliance/alerts/{}", alert.id);
        let res = d
            .post(
                &action,
                &comp.cookie,
                &[("csrf", &comp.csrf), ("status", "open")],
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{b}: never reopened");
        let res = d
            .post(
                &action,
                &comp.cookie,
                &[("csrf", &comp.csrf), ("status", "acknowledged")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{b}: {}", res.body);
        let page = d.get(res.location(), &comp.cookie).await;
        assert!(page.body.contains("已更新告警"), "{b}");
        let acknowledged = d
            .store
            .store
            .alerts(Some(AlertStatus::Acknowledged), 10)
            .await
            .unwrap();
        assert!(acknowledged.iter().any(|a| a.id == alert.id), "{b}");
        let res = d
            .post(
                &action,
                &comp.cookie,
                &[("csrf", &comp.csrf), ("status", "closed")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{b}");
        let page = d.get("/compliance", &comp.cookie).await;
        assert!(
            !page.body.contains(&format!("id=\"{}\"", alert.id)),
            "{b}: a closed alert leaves the desktop"
        );
        assert!(
            d.actions_of("compliance01")
                .await
                .contains(&"alert.status".to_string()),
            "{b}"
        );
    }
}

#[tokio::test]
async fn a_legal_order_is_verified_by_a_second_officer_only() {
    for b in backends() {
        let d = Desk::start(b).await;
        let first = d.login("compliance01").await;
        let second = d.login("compliance02").await;
        let until = (crate::view::today() + chrono::Days::new(30)).to_string();

        let res = d.register_order(&first, &today(), &until).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{b}: {}", res.body);
        assert!(
            res.location()
                .starts_with("/compliance/orders?registered=lo_")
        );
        let page = d.get(res.location(), &first.cookie).await;
        for shown in [
            "已登记，待另一位合规人员核实",
            "法院文书",
            "上海市徐汇区人民法院",
            "(2026)沪0104执1234号",
            "交易流水",
            "待核实",
            "合规 林峰",
            &format!("{} – {until}", today()),
        ] {
            assert!(page.body.contains(shown), "{b}: {shown} missing");
        }
        let order = d.store.store.legal_orders(Some("C1"), 10).await.unwrap()[0].clone();
        let verify = format!("/compliance/orders/{}/verify", order.id);

        let own = d
            .post(&verify, &first.cookie, &[("csrf", &first.csrf)])
            .await;
        assert_eq!(own.status, StatusCode::FORBIDDEN, "{b}");
        assert!(
            own.body.contains("登记人不能核实自己登记的文书"),
            "{b}: the refusal is shown"
        );
        let still = d.store.store.legal_orders(Some("C1"), 10).await.unwrap();
        assert_eq!(still[0].status, "pending_verification", "{b}");

        let ok = d
            .post(&verify, &second.cookie, &[("csrf", &second.csrf)])
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{b}: {}", ok.body);
        let page = d.get(ok.location(), &second.cookie).await;
        assert!(page.body.contains("已核实并生效"), "{b}");
        assert!(page.body.contains("合规 许琳"), "{b}: verified by");
        let now = d.store.store.legal_orders(Some("C1"), 10).await.unwrap();
        assert_eq!(now[0].status, "active", "{b}");
        let again = d
            .post(&verify, &second.cookie, &[("csrf", &second.csrf)])
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{b}");

        // A form that cannot be an order comes back with what to fix and what was typed.
        let res = d
            .post(
                "/compliance/orders",
                &first.cookie,
                &[
                    ("csrf", &first.csrf),
                    ("kind", "court_order"),
                    ("issuer", "杭州市公安局"),
                    ("document_no", "X-1"),
                    ("customer_id", "C1"),
                    ("valid_from", "2026-01-01"),
                    ("valid_until", "2026-02-01"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{b}");
        assert!(res.body.contains("请至少选择一项范围"), "{b}");
        assert!(res.body.contains("value=\"杭州市公安局\""), "{b}");
        let res = d
            .post(
                "/compliance/orders",
                &first.cookie,
                &[
                    ("csrf", &first.csrf),
                    ("kind", "police_query"),
                    ("issuer", "杭州市公安局"),
                    ("document_no", "X-1"),
                    ("customer_id", "NOPE"),
                    ("scope", "statements"),
                    ("valid_from", "2026-01-01"),
                    ("valid_until", "2026-02-01"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{b}");
        assert!(res.body.contains("没有这个客户编号"), "{b}");

        // Past its last day an active order reads as expired.
        let res = d.register_order(&first, "2020-01-01", "2020-12-31").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{b}: {}", res.body);
        let old = d
            .store
            .store
            .legal_orders(Some("C1"), 10)
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.status == "pending_verification")
            .unwrap();
        let res = d
            .post(
                &format!("/compliance/orders/{}/verify", old.id),
                &second.cookie,
                &[("csrf", &second.csrf)],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{b}");
        let page = d.get("/compliance/orders", &first.cookie).await;
        assert!(page.body.contains("已过期"), "{b}");
        assert!(page.body.contains("2020-01-01 – 2020-12-31"), "{b}");
    }
}

#[tokio::test]
async fn a_supervisor_approves_an_export_requested_after_verification() {
    for b in backends() {
        let d = Desk::start(b).await;
        let agent = d.login("agent01").await;
        let url = d.open_contact(&agent).await;
        let contact = d.contact_of("agent01").await;
        let page = d.get(&url, &agent.cookie).await;
        assert!(
            page.body.contains("未核验"),
            "{b}: the identity state is shown"
        );

        let refused = d.request_export(&agent, &contact).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{b}");
        assert!(refused.body.contains("需先核验客户身份"), "{b}");
        assert!(
            d.store.store.pending_exports(10).await.unwrap().is_empty(),
            "{b}"
        );
        let backwards = d
            .post(
                "/customers/C1/statement-exports",
                &agent.cookie,
                &[
                    ("csrf", &agent.csrf),
                    ("purpose", &format!("contact:{contact}")),
                    ("from", "2026-12-31"),
                    ("to", "2026-01-01"),
                ],
            )
            .await;
        assert_eq!(backwards.status, StatusCode::BAD_REQUEST, "{b}");
        assert!(backwards.body.contains("日期有误"), "{b}");

        let failed = d.verify_identity(&agent, &contact, "failed").await;
        assert_eq!(failed.status, StatusCode::SEE_OTHER, "{b}");
        let page = d.get(&url, &agent.cookie).await;
        assert!(page.body.contains("身份核验未通过 · 短信验证码"), "{b}");
        let passed = d.verify_identity(&agent, &contact, "passed").await;
        assert_eq!(passed.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(passed.location(), url, "{b}: back to the page");
        let page = d.get(&url, &agent.cookie).await;
        assert!(page.body.contains("身份已核验 · 短信验证码"), "{b}");

        let asked = d.request_export(&agent, &contact).await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{b}: {}", asked.body);
        assert!(
            asked.location().starts_with(&format!("{url}&exported=ex_")),
            "{b}: {}",
            asked.location()
        );
        let page = d.get(asked.location(), &agent.cookie).await;
        assert!(page.body.contains("已提交对账单导出申请"), "{b}");
        let export = d.store.store.pending_exports(10).await.unwrap()[0].clone();
        let approve = format!("/exports/{}/approve", export.id);
        let file = format!("/exports/{}/file", export.id);

        let mine = d.get("/exports", &agent.cookie).await;
        assert_eq!(mine.status, StatusCode::OK, "{b}");
        assert!(mine.body.contains(&export.id) && mine.body.contains("待审批"));
        assert!(
            !mine.body.contains("待审批的导出申请"),
            "{b}: not an approver"
        );
        assert!(!mine.body.contains(&file), "{b}: no file before approval");
        let early = d.get(&file, &agent.cookie).await;
        assert_eq!(early.status, StatusCode::CONFLICT, "{b}");
        assert!(early.body.contains("尚未经第二人批准"), "{b}");
        let res = d
            .post(&approve, &agent.cookie, &[("csrf", &agent.csrf)])
            .await;
        assert_eq!(
            res.status,
            StatusCode::FORBIDDEN,
            "{b}: an agent approves nothing"
        );

        let comp = d.login("compliance01").await;
        let res = d
            .post(&approve, &comp.cookie, &[("csrf", &comp.csrf)])
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        assert!(
            res.body.contains("合规人员只能审批依据法律文书的导出"),
            "{b}: {}",
            res.body
        );

        let sup = d.login("supervisor01").await;
        let list = d.get("/exports", &sup.cookie).await;
        for shown in [
            "待审批的导出申请",
            export.id.as_str(),
            "客服一号 张敏",
            "C1",
            "客户本人申请",
            "2026-01-01 – 2026-12-31",
            &format!("contact:{contact}"),
        ] {
            assert!(list.body.contains(shown), "{b}: {shown} missing");
        }
        let res = d.post(&approve, &sup.cookie, &[("csrf", &sup.csrf)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{b}: {}", res.body);
        assert_eq!(res.location(), format!("/exports?approved={}", export.id));
        let stored = d.store.store.statement_export(&export.id).await.unwrap();
        assert_eq!(stored.status, "approved", "{b}");

        let mine = d.get("/exports", &agent.cookie).await;
        assert!(mine.body.contains("已批准") && mine.body.contains("值班主管 冯蕾"));
        assert!(mine.body.contains(&format!("href=\"{file}\"")), "{b}");
        let csv = d.get(&file, &agent.cookie).await;
        assert_eq!(csv.status, StatusCode::OK, "{b}");
        assert!(
            csv.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        assert_eq!(csv.headers[header::CACHE_CONTROL], "no-store");
        let watermark = csv.body.lines().next().unwrap();
        for part in ["# 对账单导出", &export.id, "agent01", "supervisor01"] {
            assert!(watermark.contains(part), "{b}: {watermark}");
        }
        assert_eq!(count(&csv.body, ",pos,"), 3, "{b}: the three card payments");
        assert!(
            d.actions_of("agent01")
                .await
                .contains(&"statement_export.download".to_string()),
            "{b}: the download is audited"
        );
        let other = d.login("agent02").await;
        let res = d.get(&file, &other.cookie).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        assert!(res.body.contains("只有申请人和审批人可以下载"), "{b}");

        // A supervisor serving a customer asks too, and cannot approve their own request.
        let url = d.open_contact(&sup).await;
        let theirs = d.contact_of("supervisor01").await;
        d.verify_identity(&sup, &theirs, "passed").await;
        let asked = d.request_export(&sup, &theirs).await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{b}: {url}");
        let own = d.store.store.pending_exports(10).await.unwrap()[0].clone();
        let res = d
            .post(
                &format!("/exports/{}/approve", own.id),
                &sup.cookie,
                &[("csrf", &sup.csrf)],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        assert!(res.body.contains("您不能审批自己提交的申请"), "{b}");
    }
}

#[tokio::test]
async fn only_compliance_opens_the_compliance_desktop() {
    for b in backends() {
        let d = Desk::start(b).await;
        let agent = d.login("agent01").await;
        for path in [
            "/compliance",
            "/compliance/orders",
            "/compliance/audit",
            "/compliance/audit.csv",
        ] {
            let res = d.get(path, &agent.cookie).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}: {path}");
            assert!(res.body.contains("无权访问"), "{b}: {path}");
        }
        let res = d.register_order(&agent, "2026-01-01", "2026-02-01").await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        assert!(
            d.store
                .store
                .legal_orders(None, 10)
                .await
                .unwrap()
                .is_empty(),
            "{b}"
        );
        let home = d.get("/", &agent.cookie).await;
        assert!(!home.body.contains("href=\"/compliance"), "{b}");
        assert!(
            home.body.contains("href=\"/exports\""),
            "{b}: agents ask for exports"
        );
        let qa = d.login("qa01").await;
        let home = d.get("/", &qa.cookie).await;
        assert!(!home.body.contains("href=\"/exports\""), "{b}");
    }
}

#[tokio::test]
async fn new_forms_without_the_right_csrf_token_are_refused_and_change_nothing() {
    for b in backends() {
        let d = Desk::start(b).await;
        let agent = d.login("agent01").await;
        d.open_contact(&agent).await;
        let contact = d.contact_of("agent01").await;
        let purpose = format!("contact:{contact}");
        let comp = d.login("compliance01").await;
        let sup = d.login("supervisor01").await;
        let branch = d.login("branch01").await;
        d.get("/customers/C2", &branch.cookie).await;

        for token in [None, Some("wrong")] {
            let with = |fields: &[(&'static str, &str)]| -> Vec<(String, String)> {
                token
                    .map(|t| ("csrf", t))
                    .into_iter()
                    .chain(fields.iter().copied())
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            };
            let posts = [
                (
                    &agent,
                    format!("/contacts/{contact}/identity-verification"),
                    with(&[("method", "one_time_code"), ("result", "passed")]),
                ),
                (
                    &agent,
                    "/customers/C1/reveal".to_string(),
                    with(&[
                        ("purpose", &purpose),
                        ("field", "card_number"),
                        ("target", "K1"),
                        ("reason", "客户核对卡号"),
                    ]),
                ),
                (
                    &agent,
                    "/customers/C1/statement-exports".to_string(),
                    with(&[
                        ("purpose", &purpose),
                        ("from", "2026-01-01"),
                        ("to", "2026-12-31"),
                    ]),
                ),
                (
                    &comp,
                    "/compliance/orders".to_string(),
                    with(&[
                        ("kind", "court_order"),
                        ("issuer", "法院"),
                        ("document_no", "1"),
                        ("customer_id", "C1"),
                        ("scope", "statements"),
                        ("valid_from", "2026-01-01"),
                        ("valid_until", "2026-12-31"),
                    ]),
                ),
            ];
            for (who, path, form) in &posts {
                let form: Vec<(&str, &str)> =
                    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let res = d.post(path, &who.cookie, &form).await;
                assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}: {path}");
                assert!(res.body.contains("表单已失效"), "{b}: {path}");
                assert!(!res.body.contains(&full_card()), "{b}: {path}");
            }
        }
        let c = d.store.store.contact(&contact).await.unwrap();
        assert_eq!(c.identity, None, "{b}: no verification recorded");
        assert!(d.store.store.pending_exports(10).await.unwrap().is_empty());
        assert!(
            d.store
                .store
                .legal_orders(None, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let agent_actions = d.actions_of("agent01").await;
        assert!(
            !agent_actions.iter().any(|a| a == "customer.reveal"),
            "{b}: nothing revealed"
        );

        // With objects to act on, the approvals refuse a bad token too.
        d.verify_identity(&agent, &contact, "passed").await;
        d.request_export(&agent, &contact).await;
        let export = d.store.store.pending_exports(10).await.unwrap()[0].clone();
        d.register_order(&comp, "2026-01-01", "2026-12-31").await;
        let order = d.store.store.legal_orders(None, 10).await.unwrap()[0].clone();
        let alert = d
            .store
            .store
            .alerts(Some(AlertStatus::Open), 10)
            .await
            .unwrap()[0]
            .clone();
        let other = d.login("compliance02").await;
        for token in [None, Some("wrong")] {
            let form: Vec<(&str, &str)> = token.map(|t| ("csrf", t)).into_iter().collect();
            let res = d
                .post(
                    &format!("/exports/{}/approve", export.id),
                    &sup.cookie,
                    &form,
                )
                .await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
            let res = d
                .post(
                    &format!("/compliance/orders/{}/verify", order.id),
                    &other.cookie,
                    &form,
                )
                .await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
            let mut status = form.clone();
            status.push(("status", "closed"));
            let res = d
                .post(
                    &format!("/compliance/alerts/{}", alert.id),
                    &comp.cookie,
                    &status,
                )
                .await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        }
        let e = d.store.store.statement_export(&export.id).await.unwrap();
        assert_eq!(e.status, "pending_approval", "{b}");
        let o = d.store.store.legal_orders(None, 10).await.unwrap();
        assert_eq!(o[0].status, "pending_verification", "{b}");
        let open = d
            .store
            .store
            .alerts(Some(AlertStatus::Open), 10)
            .await
            .unwrap();
        assert!(open.iter().any(|a| a.id == alert.id), "{b}");
    }
}

#[tokio::test]
async fn a_full_number_appears_only_on_the_reveal_response() {
    for b in backends() {
        // The refused attempt passed the gate, so it counts: three leave room for two.
        let config = WebConfig {
            reveals_per_hour: 3,
            ..WebConfig::default()
        };
        let d = Desk::start_with(b, config).await;
        let card = full_card();
        let id = id_number("19850309", "123");
        let mut pages = Vec::new();
        let agent = d.login("agent01").await;
        let url = d.open_contact(&agent).await;
        let contact = d.contact_of("agent01").await;
        let purpose = format!("contact:{contact}");
        let page = d.get(&url, &agent.cookie).await;
        assert!(
            page.body.contains("name=\"field\" value=\"card_number\""),
            "{b}"
        );
        assert!(page.body.contains("name=\"target\" value=\"K1\""), "{b}");
        pages.push(page.body);
        let reveal = |field: &'static str, target: &'static str, reason: &'static str| {
            let purpose = purpose.clone();
            let (cookie, csrf) = (agent.cookie.clone(), agent.csrf.clone());
            let d = &d;
            async move {
                d.post(
                    "/customers/C1/reveal",
                    &cookie,
                    &[
                        ("csrf", &csrf),
                        ("purpose", &purpose),
                        ("field", field),
                        ("target", target),
                        ("reason", reason),
                    ],
                )
                .await
            }
        };

        let res = reveal("card_number", "K1", "客户核对卡号").await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        assert!(res.body.contains("需先核验客户身份"), "{b}");
        pages.push(res.body);
        let res = reveal("card_number", "K1", "看").await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{b}");
        assert!(res.body.contains("请说明原因"), "{b}");
        pages.push(res.body);

        d.verify_identity(&agent, &contact, "passed").await;
        let res = reveal("card_number", "K1", "客户核对卡号").await;
        assert_eq!(res.status, StatusCode::OK, "{b}: {}", res.body);
        assert!(res.body.contains(&card), "{b}: the full number, once");
        assert!(res.body.contains("6225********"), "{b}: which number it is");
        assert_eq!(res.headers[header::CACHE_CONTROL], "no-store", "{b}");
        assert!(
            res.body
                .contains(&format!("href=\"{}\"", url.replace('&', "&#38;")))
        );
        let res = reveal("id_number", "", "客户核对证件号").await;
        assert_eq!(res.status, StatusCode::OK, "{b}");
        assert!(res.body.contains(id.as_str()), "{b}");
        // The refused attempt before verification did not use up the allowance.
        let res = reveal("phone", "", "客户核对手机号").await;
        assert_eq!(res.status, StatusCode::OK, "{b}");
        let res = reveal("card_number", "K1", "客户再次核对卡号").await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{b}");
        assert!(res.body.contains("已达次数上限"), "{b}");
        pages.push(res.body);

        pages.push(d.get(&url, &agent.cookie).await.body);
        pages.push(d.get("/exports", &agent.cookie).await.body);
        let comp = d.login("compliance01").await;
        let audit = d
            .get("/compliance/audit?action=customer.reveal", &comp.cookie)
            .await;
        assert_eq!(count(&audit.body, "<tr id=\"seq-"), 3, "{b}: three reveals");
        assert!(audit.body.contains("客户核对卡号"), "{b}: with the reason");
        pages.push(audit.body);
        pages.push(d.get("/compliance", &comp.cookie).await.body);
        pages.push(d.get("/compliance/audit.csv", &comp.cookie).await.body);
        for (i, body) in pages.iter().enumerate() {
            assert!(!body.contains(&card), "{b}: page {i} shows the card number");
            assert!(
                !body.contains(id.as_str()),
                "{b}: page {i} shows the ID number"
            );
            assert!(
                !body.contains("13800000002"),
                "{b}: page {i} shows the phone"
            );
        }
    }
}

#[tokio::test]
async fn the_audit_page_filters_pages_exports_and_shows_where_the_chain_breaks() {
    for b in backends() {
        let d = Desk::start(b).await;
        let agent = d.login("agent01").await;
        d.open_contact(&agent).await;
        for i in 0..60 {
            d.store
                .store
                .audit(NewAuditEntry {
                    at_ms: bankdesk_store::now_ms(),
                    actor: "loader".into(),
                    action: "test.load".into(),
                    customer_id: None,
                    purpose: None,
                    detail: format!("{{\"n\": {i}}}"),
                })
                .await
                .unwrap();
        }
        let comp = d.login("compliance01").await;
        let page = d.get("/compliance/audit", &comp.cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(page.body.contains("审计链完整"), "{b}");
        assert!(!page.body.contains("chain-broken"), "{b}");

        let today = today();
        let one = d
            .get(
                &format!(
                    "/compliance/audit?actor=agent01&action=contact.open&from={today}&to={today}"
                ),
                &comp.cookie,
            )
            .await;
        assert_eq!(count(&one.body, "<tr id=\"seq-"), 1, "{b}");
        assert!(one.body.contains("客服一号 张敏"), "{b}");
        assert!(
            one.body.contains(&format!(
                "href=\"/compliance/audit.csv?actor=agent01&#38;action=contact.open&#38;from={today}&#38;to={today}\""
            )),
            "{b}: the CSV link keeps the filters"
        );
        let none = d
            .get(
                "/compliance/audit?actor=agent01&to=2020-01-01",
                &comp.cookie,
            )
            .await;
        assert!(none.body.contains("没有符合条件的记录"), "{b}");
        let bad = d
            .get("/compliance/audit?from=yesterday", &comp.cookie)
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{b}");
        assert!(bad.body.contains("日期格式应为"), "{b}");

        let first = d.get("/compliance/audit?actor=loader", &comp.cookie).await;
        assert_eq!(count(&first.body, "<tr id=\"seq-"), 50, "{b}");
        let older = first
            .body
            .split("class=\"older\"")
            .next()
            .and_then(|s| s.rsplit("href=\"").next())
            .map(|s| s.trim_end_matches("\" ").replace("&#38;", "&"))
            .unwrap();
        assert!(
            older.starts_with("/compliance/audit?actor=loader&before="),
            "{b}: {older}"
        );
        let rest = d.get(&older, &comp.cookie).await;
        assert_eq!(count(&rest.body, "<tr id=\"seq-"), 10, "{b}");
        assert!(rest.body.contains("最新记录"), "{b}");
        assert!(!rest.body.contains("class=\"older\""), "{b}: the last page");

        let csv = d
            .get(
                "/compliance/audit.csv?actor=agent01&to=2099-12-31",
                &comp.cookie,
            )
            .await;
        assert_eq!(csv.status, StatusCode::OK, "{b}");
        assert!(csv.body.starts_with("seq,at,actor,action"), "{b}");
        assert!(csv.body.contains(",agent01,contact.open,C1,"), "{b}");
        assert_eq!(csv.headers[header::CACHE_CONTROL], "no-store");
        assert!(
            d.actions_of("compliance01")
                .await
                .contains(&"audit.export".to_string()),
            "{b}: the export is itself audited"
        );

        d.store
            .store
            .db()
            .execute("UPDATE audit_log SET actor = 'nobody' WHERE seq = 3", &[])
            .await
            .unwrap();
        let broken = d.get("/compliance/audit", &comp.cookie).await;
        assert!(broken.body.contains("chain-broken"), "{b}");
        assert!(broken.body.contains("审计链在第 3 号记录处断裂"), "{b}");
    }
}
