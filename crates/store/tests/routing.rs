//! The rows the live desk re-reads after changes made outside it, on every configured
//! database: entries and presence by id, in long lists.

use bankdesk_domain::contact::{ContactChannel, Direction};
use bankdesk_domain::role::Role;
use bankdesk_domain::routing::{AgentState, Urgency};
use bankdesk_store::routing::NewEntry;
use bankdesk_store::testing::{backends, fresh, staff};

#[tokio::test]
async fn entries_and_presence_are_read_back_by_id() {
    for b in backends() {
        let t = fresh(b).await;
        let s = &t.store;
        let agent = staff(s, "agent01", Role::Agent, None).await;
        s.set_agent_profile(&agent.id, &["chat"], 3, 1)
            .await
            .unwrap();
        s.set_agent_state(&agent.id, AgentState::Available, 2)
            .await
            .unwrap();
        let mut ids = Vec::new();
        for n in 0..520 {
            let c = s
                .open_unassigned_contact("chat", ContactChannel::Chat, Direction::Inbound, None, n)
                .await
                .unwrap();
            s.enqueue(&NewEntry {
                contact_id: &c.id,
                queue: "chat",
                skill: "chat",
                urgency: Urgency::Normal,
                vip_tier: None,
                priority: 0,
                now_ms: n,
            })
            .await
            .unwrap();
            ids.push(c.id);
        }
        assert!(s.assign_entry(&ids[0], &agent.id, 600).await.unwrap());
        s.finish_entry(&ids[1], 601).await.unwrap();
        let mut asked: Vec<&str> = ids.iter().map(String::as_str).collect();
        asked.push("ct-none");
        let rows = s.routing_entries_of(&asked).await.unwrap();
        assert_eq!(
            rows.len(),
            520,
            "{b}: every entry, none for the unknown contact"
        );
        let status = |id: &str| {
            rows.iter()
                .find(|r| r.contact_id == id)
                .map(|r| (r.status.clone(), r.agent_id.clone()))
        };
        assert_eq!(
            status(&ids[0]),
            Some(("assigned".into(), Some(agent.id.clone()))),
            "{b}"
        );
        assert_eq!(status(&ids[1]), Some(("done".into(), None)), "{b}");
        assert_eq!(status(&ids[519]), Some(("waiting".into(), None)), "{b}");
        let presence = s
            .agent_presences(&[agent.id.as_str(), "u-none"])
            .await
            .unwrap();
        assert_eq!(presence.len(), 1, "{b}");
        assert_eq!(
            (presence[0].username.as_str(), presence[0].state.as_str()),
            ("agent01", "available"),
            "{b}"
        );
        assert!(s.agent_presences(&[]).await.unwrap().is_empty());
    }
}
