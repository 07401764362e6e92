//! Messages of a contact as both faces show them: the API's message list and the
//! desktop's inbox and 360 page.

use crate::text::rfc3339;
use bankdesk_domain::contact::Direction;
use bankdesk_domain::outbox::OutboxStatus;
use bankdesk_store::messaging::ContactMessages;
use serde::Serialize;
use utoipa::ToSchema;

/// One message of a contact, either way. Outbound messages carry their delivery state,
/// so a failed send shows where the agent looks.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = Message)]
pub struct MessageView {
    pub id: String,
    #[schema(value_type = Direction)]
    pub direction: &'static str,
    pub at: String,
    pub from: Option<String>,
    pub to: String,
    pub msg_type: Option<String>,
    pub subject: String,
    pub body: String,
    /// Outbound only.
    #[schema(value_type = Option<OutboxStatus>)]
    pub status: Option<String>,
    pub attempts: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<String>,
    pub author: Option<String>,
}

/// Both directions, in the order they happened.
pub fn message_views(m: &ContactMessages) -> Vec<MessageView> {
    let mut all: Vec<(i64, MessageView)> = m
        .inbound
        .iter()
        .map(|i| {
            (
                i.received_at_ms,
                MessageView {
                    id: i.id.clone(),
                    direction: "inbound",
                    at: rfc3339(i.received_at_ms, None),
                    from: Some(i.sender.clone()),
                    to: i.recipient.clone(),
                    msg_type: Some(i.msg_type.clone()),
                    subject: i.subject.clone(),
                    body: i.body.clone(),
                    status: None,
                    attempts: None,
                    last_error: None,
                    next_attempt_at: None,
                    author: None,
                },
            )
        })
        .collect();
    all.extend(m.outbound.iter().map(|o| {
        (
            o.created_at_ms,
            MessageView {
                id: o.id.clone(),
                direction: "outbound",
                at: rfc3339(o.created_at_ms, None),
                from: None,
                to: o.recipient.clone(),
                msg_type: None,
                subject: o.subject.clone(),
                body: o.body.clone(),
                status: Some(o.status.clone()),
                attempts: Some(o.attempts),
                last_error: o.last_error.clone(),
                next_attempt_at: (o.status == OutboxStatus::Pending.as_str())
                    .then(|| rfc3339(o.next_attempt_ms, None)),
                author: Some(o.author_name.clone()),
            },
        )
    }));
    all.sort_by_key(|(at, _)| *at);
    all.into_iter().map(|(_, v)| v).collect()
}

/// `wa***@example.com`, `oWx_***`.
pub fn mask_address(a: &str) -> String {
    match a.split_once('@') {
        Some((local, domain)) => {
            format!("{}***@{domain}", local.chars().take(2).collect::<String>())
        }
        None => format!("{}***", a.chars().take(4).collect::<String>()),
    }
}
