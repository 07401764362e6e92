//! A contact is one conversation with a customer on one channel.

use crate::wire::wire_enum;
use serde::{Deserialize, Serialize};

wire_enum!(ContactChannel { Phone = "phone", Chat = "chat", Email = "email", Wechat = "wechat", Counter = "counter", Outbound = "outbound" });
wire_enum!(Direction { Inbound = "inbound", Outbound = "outbound" });
wire_enum!(
    /// How the caller proved who they are: a one-time code to the registered phone,
    /// security questions, or the ID document shown at the counter.
    VerificationMethod { OneTimeCode = "one_time_code", SecurityQuestions = "security_questions", IdDocument = "id_document" }
);
wire_enum!(VerificationResult { Passed = "passed", Failed = "failed" });
