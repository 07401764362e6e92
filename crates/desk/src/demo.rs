//! The demo bank's staff and routing (docs/api.md, "Demo users"): only `bankdesk demo`
//! and the tests create them; a production start never does.

use crate::error::DeskResult;
use crate::users::hash_password;
use bankdesk_store::Store;

/// The demo users of docs/api.md: (username, display name, roles, department).
pub const DEMO_USERS: &[(&str, &str, &[bankdesk_domain::role::Role], Option<&str>)] = {
    use bankdesk_domain::role::Role::*;
    &[
        ("admin", "系统管理员", &[Admin], None),
        ("agent01", "客服一号 张敏", &[Agent], Some("hotline")),
        ("agent02", "客服二号 李娜", &[Agent], Some("hotline")),
        ("agent03", "客服三号 王强", &[Agent], Some("hotline")),
        ("agent04", "客服四号 赵丽", &[Agent], Some("hotline")),
        ("agent05", "客服五号 陈杰", &[Agent], Some("hotline")),
        ("agent06", "客服六号 刘洋", &[Agent], Some("hotline")),
        ("agent07", "客服七号 杨帆", &[Agent], Some("hotline")),
        ("agent08", "客服八号 黄静", &[Agent], Some("hotline")),
        ("agent09", "客服九号 周磊", &[Agent], Some("hotline")),
        ("agent10", "客服十号 吴婷", &[Agent], Some("hotline")),
        ("senior01", "高级客服 孙悦", &[SeniorAgent], Some("hotline")),
        (
            "backoffice01",
            "卡中心后台 郑浩",
            &[Backoffice],
            Some("card_center"),
        ),
        (
            "supervisor01",
            "值班主管 冯蕾",
            &[Supervisor],
            Some("hotline"),
        ),
        ("qa01", "质检 何平", &[Qa], Some("quality")),
        (
            "compliance01",
            "合规 林峰",
            &[Compliance],
            Some("compliance"),
        ),
        (
            "compliance02",
            "合规 许琳",
            &[Compliance],
            Some("compliance"),
        ),
        ("risk01", "风控值守 高远", &[Risk], Some("risk_desk")),
        ("branch01", "网点柜员 马骏", &[Branch], Some("branch")),
    ]
};

/// Password of every demo user (demo mode only).
pub const DEMO_PASSWORD: &str = "demo-password";

/// Creates the demo users that do not exist yet; returns how many were created.
pub async fn create_demo_users(store: &Store) -> DeskResult<usize> {
    let hash = hash_password(DEMO_PASSWORD)?;
    let mut created = 0;
    for (username, display, roles, dept) in DEMO_USERS {
        if store.user_by_username(username).await?.is_none() {
            store
                .create_user(
                    "system",
                    &bankdesk_store::users::NewUser {
                        username,
                        display_name: display,
                        password_hash: &hash,
                        roles,
                        department: *dept,
                    },
                )
                .await?;
            created += 1;
        }
    }
    create_demo_routing(store).await?;
    Ok(created)
}

/// The demo center's queues, and skills for the demo agents: everyone takes general and
/// card calls, agent01 and agent02 also chats, agent03 and agent04 email and WeChat,
/// senior01 the VIP line. Agents start offline.
async fn create_demo_routing(store: &Store) -> DeskResult<()> {
    const QUEUES: [(&str, &str, &str); 6] = [
        ("general", "general", "综合业务"),
        ("card", "card", "银行卡"),
        ("vip", "vip", "贵宾专线"),
        ("chat", "chat", "在线客服"),
        ("email", "email", "邮件"),
        ("wechat", "wechat", "微信公众号"),
    ];
    for (name, skill, label) in QUEUES {
        store.put_queue(name, skill, label).await?;
    }
    let now = bankdesk_store::now_ms();
    for (username, ..) in DEMO_USERS {
        let skills: &[&str] = match *username {
            "agent01" | "agent02" => &["general", "card", "chat"],
            "agent03" | "agent04" => &["general", "card", "email", "wechat"],
            "senior01" => &["general", "card", "vip"],
            u if u.starts_with("agent") => &["general", "card"],
            _ => continue,
        };
        if let Some(user) = store.user_by_username(username).await?
            && store.agent_presence(&user.id).await?.is_none()
        {
            store
                .set_agent_profile(
                    &user.id,
                    skills,
                    bankdesk_domain::routing::DEFAULT_CHAT_CAPACITY,
                    now,
                )
                .await?;
        }
    }
    Ok(())
}
