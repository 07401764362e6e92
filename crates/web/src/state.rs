//! What every handler is given.

use crate::config::WebConfig;
use crate::error;
use crate::metrics::Metrics;
use bankdesk_desk::Desk;
use bankdesk_store::Store;
use std::sync::Arc;

/// What every handler is given: the services, and what only HTTP needs.
///
/// It dereferences to its [`Desk`], so a handler reads `state.store` or `state.live` and
/// passes `&state` wherever a service function takes `&Desk`.
#[derive(Clone)]
pub struct AppState {
    pub desk: Desk,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<Metrics>,
    /// A real argon2 hash to verify against when the username is unknown.
    pub dummy_hash: Arc<str>,
}

impl std::ops::Deref for AppState {
    type Target = Desk;

    fn deref(&self) -> &Desk {
        &self.desk
    }
}

impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut Desk {
        &mut self.desk
    }
}

impl AppState {
    /// State with an in-memory knowledge index (filled from the database on first use);
    /// [`AppState::with_knowledge`] puts in the one kept in the data directory.
    pub fn new(store: Store, config: WebConfig) -> Result<AppState, error::ApiError> {
        Ok(AppState {
            desk: Desk::new(store, &config.desk())?,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            dummy_hash: bankdesk_desk::users::unknown_user_hash()?.into(),
        })
    }

    pub fn with_knowledge(mut self, kb: bankdesk_desk::kb::Knowledge) -> AppState {
        self.desk = self.desk.with_knowledge(kb);
        self
    }
}
