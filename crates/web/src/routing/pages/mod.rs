//! The agent's workspace and the supervisor's live board.

pub(crate) mod live;
pub(crate) mod workspace;
