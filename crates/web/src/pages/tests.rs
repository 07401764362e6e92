//! The desktop through the real router, on every configured database: cookies, CSRF,
//! the purpose refusal, languages, roles, and masking of every number on every page.

use crate::{AppState, WebConfig, app};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use bankdesk_desk::demo::create_demo_users;
use bankdesk_store::testing::{TestStore, backends, card_number, fixture, fresh, id_number};
use tower::ServiceExt;

/// 王丽华's credit card in the shared fixture, in full. It must never reach a page.
pub(crate) fn full_card() -> String {
    card_number("622588001234567").as_str().to_string()
}

pub(crate) struct Desk {
    router: Router,
    pub(crate) backend: &'static str,
    pub(crate) store: TestStore,
}

pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The `Set-Cookie` header for `name`, whole.
    fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }

    /// The value of the first hidden `csrf` field of the page.
    pub(crate) fn csrf(&self) -> String {
        let start = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a csrf field")
            + 19;
        let len = self.body[start..].find('"').unwrap();
        self.body[start..start + len].to_string()
    }
}

/// `name=value` of a `Set-Cookie`, as a browser would send it back.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

/// A logged-in browser: its cookie header and the session's CSRF token.
pub(crate) struct Browser {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

impl Desk {
    pub(crate) async fn start(backend: &'static str) -> Desk {
        Desk::start_with(backend, WebConfig::default()).await
    }

    pub(crate) async fn start_with(backend: &'static str, config: WebConfig) -> Desk {
        let store = fresh(backend).await;
        let mut tx = store.store.db().begin().await.unwrap();
        tx.insert_bank_batch(&fixture()).await.unwrap();
        tx.commit().await.unwrap();
        create_demo_users(&store.store).await.unwrap();
        let state = AppState::new(store.store.clone(), config).unwrap();
        Desk {
            router: app(state),
            backend,
            store,
        }
    }

    async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = to_bytes(res.into_body(), usize::MAX).await.unwrap();
        Reply {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    async fn get_with(&self, path: &str, cookie: &str, extra: &[(&str, &str)]) -> Reply {
        let mut req = Request::get(path);
        if !cookie.is_empty() {
            req = req.header(header::COOKIE, cookie);
        }
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    pub(crate) async fn get(&self, path: &str, cookie: &str) -> Reply {
        self.get_with(path, cookie, &[]).await
    }

    pub(crate) async fn post(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> Reply {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", super::url_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if !cookie.is_empty() {
            req = req.header(header::COOKIE, cookie);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// Logs in through the login form, as a person would.
    pub(crate) async fn login(&self, username: &str) -> Browser {
        let form = self.get("/login", "").await;
        let pre = pair(&form.set_cookie("bankdesk_login_csrf").unwrap());
        let res = self
            .post(
                "/login",
                &pre,
                &[
                    ("csrf", &form.csrf()),
                    ("username", username),
                    ("password", bankdesk_desk::demo::DEMO_PASSWORD),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}: login", self.backend);
        let cookie = pair(&res.set_cookie("bankdesk_session").unwrap());
        let home = self.get("/", &cookie).await;
        assert_eq!(home.status, StatusCode::OK, "{}", self.backend);
        Browser {
            csrf: home.csrf(),
            cookie,
        }
    }

    /// Opens a phone contact with C1 and returns the 360 page's address.
    pub(crate) async fn open_contact(&self, b: &Browser) -> String {
        let res = self
            .post("/customers/C1/contacts", &b.cookie, &[("csrf", &b.csrf)])
            .await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            self.backend,
            res.body
        );
        assert!(
            res.location()
                .starts_with("/customers/C1?purpose=contact%3Act_"),
            "{}",
            res.location()
        );
        res.location().to_string()
    }

    pub(crate) async fn user_id(&self, username: &str) -> String {
        self.store
            .store
            .user_by_username(username)
            .await
            .unwrap()
            .unwrap()
            .id
    }
}

#[tokio::test]
async fn login_sets_a_strict_http_only_session_cookie() {
    for b in backends() {
        let d = Desk::start(b).await;
        let res = d.get("/", "").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(res.location(), "/login?next=/");
        let page = d.get("/customers/C1?purpose=contact:x", "").await;
        assert_eq!(
            page.location(),
            "/login?next=/customers/C1%3Fpurpose%3Dcontact%3Ax",
            "{b}: back to the page"
        );
        let form = d.post("/customers/C1/contacts", "", &[("csrf", "x")]).await;
        assert_eq!(
            form.location(),
            "/login?next=/",
            "{b}: a form's POST address is no page to return to"
        );

        let form = d.get("/login", "").await;
        assert_eq!(form.status, StatusCode::OK, "{b}");
        assert!(form.body.contains("<html lang=\"zh-CN\">"), "{b}");
        let pre = form.set_cookie("bankdesk_login_csrf").unwrap();
        for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(pre.contains(attr), "{b}: {pre}");
        }
        let pre = pair(&pre);
        let csrf = form.csrf();

        let wrong = d
            .post(
                "/login",
                &pre,
                &[
                    ("csrf", &csrf),
                    ("username", "agent01"),
                    ("password", "nope"),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{b}");
        assert!(wrong.body.contains("用户名或密码错误"), "{b}");
        assert!(wrong.set_cookie("bankdesk_session").is_none(), "{b}");

        // The right password without the form's token does not log in.
        for token in ["", "0000"] {
            let forged = d
                .post(
                    "/login",
                    &pre,
                    &[
                        ("csrf", token),
                        ("username", "agent01"),
                        ("password", bankdesk_desk::demo::DEMO_PASSWORD),
                    ],
                )
                .await;
            assert_eq!(forged.status, StatusCode::FORBIDDEN, "{b}");
            assert!(forged.set_cookie("bankdesk_session").is_none(), "{b}");
        }

        let ok = d
            .post(
                "/login",
                &pre,
                &[
                    ("csrf", &csrf),
                    ("username", "agent01"),
                    ("password", bankdesk_desk::demo::DEMO_PASSWORD),
                    ("next", "/customers/C1"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{b}: {}", ok.body);
        assert_eq!(ok.location(), "/customers/C1");
        let session = ok.set_cookie("bankdesk_session").unwrap();
        for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] {
            assert!(session.contains(attr), "{b}: {session}");
        }
        assert!(!session.contains("Secure"), "{b}: plain HTTP in tests");
        let cookie = pair(&session);
        let home = d.get("/", &cookie).await;
        assert_eq!(home.status, StatusCode::OK, "{b}");
        assert!(home.body.contains("客服一号 张敏"), "{b}");

        let bye = d.post("/logout", &cookie, &[("csrf", &home.csrf())]).await;
        assert_eq!(bye.status, StatusCode::SEE_OTHER, "{b}");
        assert!(
            bye.set_cookie("bankdesk_session")
                .unwrap()
                .contains("Max-Age=0")
        );
        assert_eq!(
            d.get("/", &cookie).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
    }
}

#[tokio::test]
async fn posts_without_the_right_csrf_token_are_refused_and_change_nothing() {
    for b in backends() {
        let d = Desk::start(b).await;
        let agent = d.login("agent01").await;
        let agent_id = d.user_id("agent01").await;
        for token in [None, Some("wrong")] {
            let form: Vec<(&str, &str)> = token.map(|t| ("csrf", t)).into_iter().collect();
            let res = d.post("/customers/C1/contacts", &agent.cookie, &form).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
            assert!(res.body.contains("表单已失效"), "{b}");
            let mut search = form.clone();
            search.extend([("by", "phone"), ("q", "13800000002")]);
            assert_eq!(
                d.post("/", &agent.cookie, &search).await.status,
                StatusCode::FORBIDDEN,
                "{b}"
            );
        }
        let open = d.store.store.open_contacts_of(&agent_id).await.unwrap();
        assert!(open.is_empty(), "{b}: a contact was opened without a token");

        let url = d.open_contact(&agent).await;
        let open = d.store.store.open_contacts_of(&agent_id).await.unwrap();
        let contact = open[0].id.clone();
        let notes = format!("/contacts/{contact}/notes");
        let wrap = format!("/contacts/{contact}/wrap-up");
        let res = d
            .post(&notes, &agent.cookie, &[("csrf", "wrong"), ("text", "x")])
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        let res = d
            .post(
                &wrap,
                &agent.cookie,
                &[("category", "other"), ("resolved", "yes")],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        assert!(
            d.store
                .store
                .contact_notes(&contact)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            d.store.store.contact(&contact).await.unwrap().status,
            "open"
        );
        assert_eq!(
            d.get(&url, &agent.cookie).await.status,
            StatusCode::OK,
            "{b}"
        );

        // Another session's token is not this session's token.
        let other = d.login("agent01").await;
        assert_ne!(other.csrf, agent.csrf);
        let res = d
            .post("/logout", &agent.cookie, &[("csrf", &other.csrf)])
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(
            d.get("/", &agent.cookie).await.status,
            StatusCode::OK,
            "{b}"
        );

        let admin = d.login("admin").await;
        let before = d.store.store.users().await.unwrap().len();
        let res = d
            .post(
                "/admin/users",
                &admin.cookie,
                &[
                    ("csrf", "wrong"),
                    ("username", "mallory"),
                    ("display_name", "Mallory"),
                    ("password", "a-long-enough-password"),
                    ("role", "admin"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        let agent02 = d.user_id("agent02").await;
        let res = d
            .post(
                &format!("/admin/users/{agent02}"),
                &admin.cookie,
                &[("role", "admin"), ("active", "on")],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        let users = d.store.store.users().await.unwrap();
        assert_eq!(users.len(), before, "{b}");
        assert!(users.iter().all(|u| u.username != "agent02" || u.roles == [bankdesk_domain::role::Role::Agent]));
    }
}

#[tokio::test]
async fn the_360_page_without_a_valid_purpose_is_a_refusal_naming_the_purposes() {
    for b in backends() {
        let d = Desk::start(b).await;
        let agent = d.login("agent01").await;
        let res = d.get("/customers/C1", &agent.cookie).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        for needed in [
            "purpose_required",
            "与该客户的进行中联系，且由您本人处理",
            "指派给您本人或您所在的部门",
            "法律文书",
            "建立来电联系",
        ] {
            assert!(res.body.contains(needed), "{b}: {needed} missing");
        }
        assert!(
            !res.body.contains("王*华"),
            "{b}: a refusal shows no customer data"
        );

        let res = d
            .get("/customers/C1?purpose=contact:ct_nope", &agent.cookie)
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        assert!(res.body.contains("purpose_invalid"), "{b}");

        // agent02's contact with C1 is not agent01's purpose.
        let other = d.login("agent02").await;
        let theirs = d.open_contact(&other).await;
        let res = d.get(&theirs, &agent.cookie).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        assert!(res.body.contains("该联系由其他员工处理"), "{b}");

        let res = d
            .get("/customers/NOPE?purpose=contact:ct_nope", &agent.cookie)
            .await;
        assert_eq!(
            res.status,
            StatusCode::FORBIDDEN,
            "{b}: an unknown customer answers as a forbidden one"
        );
        let res = d
            .post(
                "/customers/NOPE/contacts",
                &agent.cookie,
                &[("csrf", &agent.csrf)],
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{b}");
    }
}

#[tokio::test]
async fn english_on_request_and_remembered_for_the_user() {
    for b in backends() {
        let d = Desk::start(b).await;
        let zh = d.get("/login", "").await;
        assert!(zh.body.contains("<html lang=\"zh-CN\">") && zh.body.contains("员工登录"));
        let en = d
            .get_with("/login", "", &[("accept-language", "en-GB,en;q=0.9")])
            .await;
        assert!(en.body.contains("<html lang=\"en\">") && en.body.contains("Staff login"));

        let agent = d.login("agent01").await;
        let res = d.get("/?lang=en", &agent.cookie).await;
        assert_eq!(res.status, StatusCode::OK, "{b}");
        assert!(res.body.contains("<html lang=\"en\">"), "{b}");
        assert!(res.body.contains("Identify the customer"), "{b}");
        let lang = res.set_cookie("bankdesk_lang").unwrap();
        assert!(lang.starts_with("bankdesk_lang=en;") && lang.contains("HttpOnly"));
        assert!(lang.contains("SameSite=Strict"), "{lang}");
        // Stored on the user: the next page is English without the parameter or cookie.
        let res = d.get("/", &agent.cookie).await;
        assert!(res.body.contains("<html lang=\"en\">"), "{b}");
        let res = d.get("/customers/C1", &agent.cookie).await;
        assert!(res.body.contains("A purpose is needed"), "{b}");
        // The language link keeps the page's other parameters.
        let res = d
            .get("/customers/C1?purpose=x&lang=en", &agent.cookie)
            .await;
        assert!(
            res.body
                .contains("href=\"/customers/C1?purpose=x&#38;lang=zh\""),
            "{b}"
        );
        // A POST does not choose a language, least of all one refused for its token.
        let res = d
            .post("/?lang=zh", &agent.cookie, &[("csrf", "wrong"), ("q", "1")])
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        assert!(res.body.contains("<html lang=\"en\">"), "{b}");
        assert!(res.set_cookie("bankdesk_lang").is_none(), "{b}");
        let res = d.get("/?lang=zh", &agent.cookie).await;
        assert!(res.body.contains("<html lang=\"zh-CN\">"), "{b}");
        assert!(
            d.get("/", &agent.cookie).await.body.contains("客户识别"),
            "{b}"
        );
    }
}

#[tokio::test]
async fn only_administrators_manage_users() {
    for b in backends() {
        let d = Desk::start(b).await;
        let agent = d.login("agent01").await;
        let res = d.get("/admin/users", &agent.cookie).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        assert!(!res.body.contains("agent02"), "{b}");
        let res = d
            .post(
                "/admin/users",
                &agent.cookie,
                &[("csrf", &agent.csrf), ("username", "x")],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        assert!(
            !d.get("/", &agent.cookie)
                .await
                .body
                .contains("/admin/users")
        );

        let admin = d.login("admin").await;
        let page = d.get("/admin/users", &admin.cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(page.body.contains("agent02") && page.body.contains("网点柜员 马骏"));

        let short = d
            .post(
                "/admin/users",
                &admin.cookie,
                &[
                    ("csrf", &admin.csrf),
                    ("username", "agent11"),
                    ("display_name", "客服十一号"),
                    ("password", "short"),
                    ("role", "agent"),
                ],
            )
            .await;
        assert_eq!(short.status, StatusCode::BAD_REQUEST, "{b}");
        assert!(short.body.contains("密码须为12至256个字符"), "{b}");
        assert!(
            short.body.contains("value=\"客服十一号\""),
            "{b}: the form keeps its values"
        );

        let created = d
            .post(
                "/admin/users",
                &admin.cookie,
                &[
                    ("csrf", &admin.csrf),
                    ("username", "agent11"),
                    ("display_name", "客服十一号"),
                    ("password", "a-long-enough-password"),
                    ("role", "agent"),
                    ("role", "senior_agent"),
                    ("department", "hotline"),
                ],
            )
            .await;
        assert_eq!(
            created.status,
            StatusCode::SEE_OTHER,
            "{b}: {}",
            created.body
        );
        let page = d.get(created.location(), &admin.cookie).await;
        assert!(page.body.contains("已创建用户：agent11"), "{b}");
        let again = d
            .post(
                "/admin/users",
                &admin.cookie,
                &[
                    ("csrf", &admin.csrf),
                    ("username", "agent11"),
                    ("display_name", "x"),
                    ("password", "a-long-enough-password"),
                    ("role", "agent"),
                ],
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{b}");

        let id = d.user_id("agent11").await;
        let saved = d
            .post(
                &format!("/admin/users/{id}"),
                &admin.cookie,
                &[
                    ("csrf", &admin.csrf),
                    ("role", "backoffice"),
                    ("department", "card_center"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{b}: {}", saved.body);
        let u = d
            .store
            .store
            .user_by_username("agent11")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(u.roles, [bankdesk_domain::role::Role::Backoffice]);
        assert_eq!(u.department.as_deref(), Some("card_center"));
        assert!(!u.active, "{b}: an unchecked box deactivates");

        let me = d.user_id("admin").await;
        let res = d
            .post(
                &format!("/admin/users/{me}"),
                &admin.cookie,
                &[("csrf", &admin.csrf), ("role", "agent"), ("active", "on")],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{b}");
        assert!(res.body.contains("不能修改自己的角色"), "{b}");
        let res = d
            .post(
                &format!("/admin/users/{me}"),
                &admin.cookie,
                &[("csrf", &admin.csrf), ("role", "admin")],
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{b}");
        assert!(res.body.contains("不能停用自己的账号"), "{b}");
    }
}

#[tokio::test]
async fn an_agent_serves_wang_with_masked_numbers_only() {
    for b in backends() {
        let d = Desk::start(b).await;
        let agent = d.login("agent01").await;
        let card = full_card();
        let id = id_number("19850309", "123");
        let mut bodies = Vec::new();

        let found = d
            .post(
                "/",
                &agent.cookie,
                &[("csrf", &agent.csrf), ("by", "card_number"), ("q", &card)],
            )
            .await;
        assert_eq!(found.status, StatusCode::OK, "{b}");
        assert!(found.body.contains("王*华") && found.body.contains("138****0002"));
        assert!(
            found.body.contains("6225********"),
            "{b}: the key is shown masked"
        );
        assert!(found.body.contains("/customers/C1/contacts"), "{b}");
        bodies.push(found.body);
        let bad = d
            .post(
                "/",
                &agent.cookie,
                &[("csrf", &agent.csrf), ("by", "card_number"), ("q", "1234")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{b}");
        assert!(bad.body.contains("卡号格式不正确"), "{b}");

        let url = d.open_contact(&agent).await;
        let page = d.get(&url, &agent.cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{b}: {}", page.body);
        let contact = d
            .store
            .store
            .open_contacts_of(&d.user_id("agent01").await)
            .await
            .unwrap()[0]
            .id
            .clone();
        for shown in [
            "王*华",
            "6225********",
            "溢缴款 1,280.00",
            "已挂失",
            "用途：</span><strong>来电</strong>",
            &format!("contact:{contact}"),
            "便利店",
            "-30.00",
            "2026-11-01 11:00",
            "3101**********",
        ] {
            assert!(page.body.contains(shown), "{b}: {shown} missing");
        }
        bodies.push(page.body);

        let note = "客户称上月多还1280元，要求退回溢缴款；已核实身份。";
        let res = d
            .post(
                &format!("/contacts/{contact}/notes"),
                &agent.cookie,
                &[("csrf", &agent.csrf), ("text", note)],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{b}: {}", res.body);
        assert_eq!(res.location(), url);
        let page = d.get(&url, &agent.cookie).await;
        assert!(page.body.contains(note), "{b}: the note is on the timeline");
        bodies.push(page.body);
        let empty = d
            .post(
                &format!("/contacts/{contact}/notes"),
                &agent.cookie,
                &[("csrf", &agent.csrf), ("text", "  ")],
            )
            .await;
        assert_eq!(empty.status, StatusCode::BAD_REQUEST, "{b}");

        let res = d
            .post(
                &format!("/contacts/{contact}/wrap-up"),
                &agent.cookie,
                &[
                    ("csrf", &agent.csrf),
                    ("category", "credit_card"),
                    ("resolved", "no"),
                    ("summary", "转卡中心退溢缴款"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{b}: {}", res.body);
        assert_eq!(res.location(), format!("/?closed={contact}"));
        // The wrapped-up contact is no longer a purpose ...
        assert_eq!(
            d.get(&url, &agent.cookie).await.status,
            StatusCode::FORBIDDEN
        );
        // ... and the next agent reads it, with its note, on their own contact.
        let next = d.login("agent02").await;
        let url2 = d.open_contact(&next).await;
        let page = d.get(&url2, &next.cookie).await;
        for shown in [
            note,
            "转卡中心退溢缴款",
            "信用卡",
            "未解决",
            "客服一号 张敏",
        ] {
            assert!(
                page.body.contains(shown),
                "{b}: {shown} missing from the timeline"
            );
        }
        bodies.push(page.body);

        for body in &bodies {
            assert!(
                !body.contains(&card),
                "{b}: a full card number reached a page"
            );
            assert!(
                !body.contains(id.as_str()),
                "{b}: a full ID number reached a page"
            );
            assert!(
                !body.contains("13800000002"),
                "{b}: a full phone reached a page"
            );
        }
    }
}

#[tokio::test]
async fn cookies_are_secure_behind_tls() {
    let store = fresh("sqlite").await;
    let config = WebConfig {
        secure_cookies: true,
        ..WebConfig::default()
    };
    let d = Desk {
        router: app(AppState::new(store.store.clone(), config).unwrap()),
        backend: "sqlite",
        store,
    };
    let res = d.get("/login?lang=en", "").await;
    for name in ["bankdesk_login_csrf", "bankdesk_lang"] {
        let c = res.set_cookie(name).unwrap();
        assert!(c.ends_with("; Secure"), "{}: {c}", d.backend);
    }
}

#[tokio::test]
async fn assets_are_served_from_the_binary() {
    let d = Desk::start("sqlite").await;
    let css = d.get("/static/desk.css", "").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let js = d.get("/static/desk.js", "").await;
    assert!(js.body.contains("data-once"));
}
