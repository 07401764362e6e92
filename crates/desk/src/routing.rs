//! What the router is told after a contact changes hands, whichever face changed it.

use crate::live::Live;

/// Tells the router that an agent took a contact from the inbox. The take has committed
/// by then, so a failure is logged, not reported (the router re-reads on its next pass).
pub async fn taken(live: &Live, contact_id: &str, user_id: &str) {
    if let Err(e) = live.taken(contact_id, user_id).await {
        tracing::warn!(%contact_id, error = %e, "routing not told of the take");
    }
}

/// A wrapped-up contact is over for its agent: the router frees the capacity it held. The
/// wrap-up has committed by then, so a routing failure is logged, not reported.
pub async fn finish_routing(live: &Live, contact_id: &str) {
    if let Err(e) = live.finish(contact_id).await {
        tracing::warn!(%contact_id, error = %e, "routing not told of the wrap-up");
    }
}
