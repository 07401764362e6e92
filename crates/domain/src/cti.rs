//! CTI call events from the bank's PBX, and what a call looks like after them.
//!
//! The PBX delivers at least once and not in order, so a call's state is a fold over the
//! *set* of its events, keyed by `(call_id, seq)`: the same events in any order, with any
//! duplicates, fold to the same state.

use crate::error::FieldError;
use crate::wire::wire_enum;
use serde::{Deserialize, Serialize};
use serde_json::Value;

wire_enum!(CallEventType {
    Offered = "offered",
    Queued = "queued",
    Answered = "answered",
    Transferred = "transferred",
    Abandoned = "abandoned",
    Ended = "ended",
    Recording = "recording",
});
wire_enum!(CallStatus {
    Offered = "offered",
    Queued = "queued",
    Answered = "answered",
    Transferred = "transferred",
    Abandoned = "abandoned",
    Ended = "ended",
});

/// Events per delivery; larger batches are refused rather than half taken.
pub const MAX_BATCH: usize = 2_000;
const MAX_ID_CHARS: usize = 64;
const MAX_PATH_CHARS: usize = 200;
const MAX_REF_CHARS: usize = 500;

/// One validated event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CallEvent {
    pub call_id: String,
    pub seq: i64,
    pub kind: CallEventType,
    pub at_ms: i64,
    pub ani: Option<String>,
    pub dnis: Option<String>,
    pub queue: Option<String>,
    /// The agent's username.
    pub agent: Option<String>,
    pub ivr_path: Option<String>,
    pub recording_ref: Option<String>,
}

fn opt_str<'a>(
    o: &'a serde_json::Map<String, Value>,
    field: &'static str,
    max: usize,
) -> Result<Option<&'a str>, FieldError> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) if s.chars().count() > max || s.chars().any(char::is_control) => {
            Err(FieldError::new(
                field,
                format!("at most {max} characters, no control characters"),
            ))
        }
        Some(Value::String(s)) => Ok(Some(s.trim())),
        Some(_) => Err(FieldError::new(field, "must be a string")),
    }
}

fn identifier(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn phone_digits(s: &str) -> bool {
    let digits = s.strip_prefix('+').unwrap_or(s);
    !digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit())
}

impl CallEvent {
    /// Validates one event as the PBX sent it; the error names the bad field.
    pub fn parse(v: &Value) -> Result<CallEvent, FieldError> {
        let Value::Object(o) = v else {
            return Err(FieldError::new("event", "must be an object"));
        };
        const KNOWN: [&str; 10] = [
            "call_id",
            "seq",
            "type",
            "at",
            "ani",
            "dnis",
            "queue",
            "agent",
            "ivr_path",
            "recording_ref",
        ];
        if let Some(k) = o.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            // An unknown key is most likely a misspelt known one: refuse it.
            return Err(FieldError::new("event", format!("unknown field {k:?}")));
        }
        let call_id = opt_str(o, "call_id", MAX_ID_CHARS)?
            .filter(|s| identifier(s))
            .ok_or_else(|| FieldError::new("call_id", "required: 1 to 64 letters, digits or -_.:"))?
            .to_string();
        let seq = o
            .get("seq")
            .and_then(Value::as_i64)
            .filter(|n| (0..=1_000_000_000).contains(n))
            .ok_or_else(|| FieldError::new("seq", "required: an integer from 0 to 10^9"))?;
        let kind = o
            .get("type")
            .and_then(Value::as_str)
            .and_then(CallEventType::parse)
            .ok_or_else(|| {
                FieldError::new(
                    "type",
                    "required: offered, queued, answered, transferred, abandoned, ended or recording",
                )
            })?;
        let at_ms = o
            .get("at")
            .and_then(Value::as_str)
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.timestamp_millis())
            .ok_or_else(|| FieldError::new("at", "required: an RFC 3339 time with offset"))?;
        let ani = opt_str(o, "ani", 24)?;
        if ani.is_some_and(|a| !phone_digits(a)) {
            return Err(FieldError::new("ani", "digits, optionally after +"));
        }
        let dnis = opt_str(o, "dnis", 24)?;
        if dnis.is_some_and(|a| !phone_digits(a)) {
            return Err(FieldError::new("dnis", "digits, optionally after +"));
        }
        let queue = opt_str(o, "queue", MAX_ID_CHARS)?;
        if queue.is_some_and(|q| !identifier(q)) {
            return Err(FieldError::new("queue", "letters, digits or -_.:"));
        }
        let agent = opt_str(o, "agent", MAX_ID_CHARS)?;
        if agent.is_some_and(|q| !identifier(q)) {
            return Err(FieldError::new("agent", "a username"));
        }
        let ivr_path = opt_str(o, "ivr_path", MAX_PATH_CHARS)?;
        let recording_ref = opt_str(o, "recording_ref", MAX_REF_CHARS)?;
        if kind == CallEventType::Answered && agent.is_none() {
            return Err(FieldError::new("agent", "required on an answered event"));
        }
        if kind == CallEventType::Recording && recording_ref.is_none() {
            return Err(FieldError::new(
                "recording_ref",
                "required on a recording event",
            ));
        }
        if kind == CallEventType::Transferred && agent.is_none() && queue.is_none() {
            return Err(FieldError::new(
                "agent",
                "a transferred event names the agent or the queue",
            ));
        }
        Ok(CallEvent {
            call_id,
            seq,
            kind,
            at_ms,
            ani: ani.map(str::to_string),
            dnis: dnis.map(str::to_string),
            queue: queue.map(str::to_string),
            agent: agent.map(str::to_string),
            ivr_path: ivr_path.map(str::to_string),
            recording_ref: recording_ref.map(str::to_string),
        })
    }
}

/// Validates a delivery: `{"events": [...]}`. The error's field is `events[i].name`.
pub fn parse_batch(body: &Value) -> Result<Vec<CallEvent>, (String, String)> {
    let events = body
        .get("events")
        .and_then(Value::as_array)
        .ok_or_else(|| ("events".to_string(), "required: an array".to_string()))?;
    if events.is_empty() || events.len() > MAX_BATCH {
        return Err((
            "events".to_string(),
            format!("1 to {MAX_BATCH} events per delivery"),
        ));
    }
    events
        .iter()
        .enumerate()
        .map(|(i, v)| {
            CallEvent::parse(v).map_err(|e| (format!("events[{i}].{}", e.field), e.reason))
        })
        .collect()
}

/// A call after all its events so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CallState {
    pub call_id: String,
    pub status: CallStatus,
    pub ani: Option<String>,
    pub dnis: Option<String>,
    pub queue: Option<String>,
    /// The agent holding (or who last held) the call.
    pub agent: Option<String>,
    pub ivr_path: Option<String>,
    pub recording_ref: Option<String>,
    pub offered_at_ms: i64,
    pub answered_at_ms: Option<i64>,
    pub ended_at_ms: Option<i64>,
    /// Distinct events folded in.
    pub events: usize,
}

impl CallState {
    /// Over: ended or abandoned; the contact closes and the agent is free.
    pub fn is_over(&self) -> bool {
        matches!(self.status, CallStatus::Ended | CallStatus::Abandoned)
    }
}

/// Folds a call's events, in any order and with duplicates, into its state. The events
/// must all carry `call_id`; of two events with one seq the smaller (by content) counts,
/// as the store keeps the first and the PBX repeats the same event.
pub fn fold(call_id: &str, events: &[CallEvent]) -> Option<CallState> {
    let mut evs: Vec<&CallEvent> = events.iter().filter(|e| e.call_id == call_id).collect();
    evs.sort_by(|a, b| {
        a.seq
            .cmp(&b.seq)
            .then(a.kind.as_str().cmp(b.kind.as_str()))
            .then(a.at_ms.cmp(&b.at_ms))
            .then(a.agent.cmp(&b.agent))
            .then(a.queue.cmp(&b.queue))
    });
    evs.dedup_by_key(|e| e.seq);
    let first = evs.first()?;
    let mut s = CallState {
        call_id: call_id.to_string(),
        status: CallStatus::Offered,
        ani: None,
        dnis: None,
        queue: None,
        agent: None,
        ivr_path: None,
        recording_ref: None,
        offered_at_ms: evs.iter().map(|e| e.at_ms).min().unwrap_or(first.at_ms),
        answered_at_ms: None,
        ended_at_ms: None,
        events: evs.len(),
    };
    let (mut answered, mut abandoned, mut ended) = (false, false, false);
    for e in &evs {
        s.ani = s.ani.take().or_else(|| e.ani.clone());
        s.dnis = s.dnis.take().or_else(|| e.dnis.clone());
        if e.queue.is_some() {
            s.queue = e.queue.clone();
        }
        if e.ivr_path.is_some() {
            s.ivr_path = e.ivr_path.clone();
        }
        if e.recording_ref.is_some() {
            s.recording_ref = e.recording_ref.clone();
        }
        match e.kind {
            CallEventType::Offered => {}
            CallEventType::Queued => s.status = CallStatus::Queued,
            CallEventType::Answered => {
                answered = true;
                s.status = CallStatus::Answered;
                s.agent = e.agent.clone();
                s.answered_at_ms = Some(s.answered_at_ms.map_or(e.at_ms, |t| t.min(e.at_ms)));
            }
            CallEventType::Transferred => {
                s.status = CallStatus::Transferred;
                if e.agent.is_some() {
                    s.agent = e.agent.clone();
                }
            }
            CallEventType::Abandoned => {
                abandoned = true;
                s.ended_at_ms = Some(s.ended_at_ms.map_or(e.at_ms, |t| t.max(e.at_ms)));
            }
            CallEventType::Ended => {
                ended = true;
                s.ended_at_ms = Some(s.ended_at_ms.map_or(e.at_ms, |t| t.max(e.at_ms)));
            }
            CallEventType::Recording => {}
        }
    }
    // The end wins whatever its seq: a late `queued` never reopens a finished call.
    if abandoned && !answered {
        s.status = CallStatus::Abandoned;
    } else if ended || abandoned {
        s.status = CallStatus::Ended;
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn ev(seq: i64, kind: &str, extra: Value) -> Value {
        let mut v = json!({"call_id": "c1", "seq": seq, "type": kind, "at": format!("2026-11-20T01:0{seq}:00+08:00"),
            "ani": "13800000005", "dnis": "95555", "queue": "card"});
        if let (Value::Object(o), Value::Object(x)) = (&mut v, extra) {
            o.extend(x);
        }
        v
    }

    fn script() -> Vec<CallEvent> {
        [
            ev(1, "offered", json!({"ivr_path": "1>3>0"})),
            ev(2, "queued", json!({})),
            ev(3, "answered", json!({"agent": "agent01"})),
            ev(4, "recording", json!({"recording_ref": "rec/c1.wav"})),
            ev(5, "ended", json!({})),
        ]
        .iter()
        .map(|v| CallEvent::parse(v).unwrap())
        .collect()
    }

    #[test]
    fn a_scripted_call_folds() {
        let s = fold("c1", &script()).unwrap();
        assert_eq!(s.status, CallStatus::Ended);
        assert_eq!(s.agent.as_deref(), Some("agent01"));
        assert_eq!(s.ivr_path.as_deref(), Some("1>3>0"));
        assert_eq!(s.recording_ref.as_deref(), Some("rec/c1.wav"));
        assert_eq!(s.ani.as_deref(), Some("13800000005"));
        assert!(s.answered_at_ms.is_some() && s.ended_at_ms > s.answered_at_ms);
        assert!(s.is_over());
        let abandoned = [script()[0].clone(), {
            let mut e = script()[4].clone();
            e.kind = CallEventType::Abandoned;
            e
        }];
        assert_eq!(
            fold("c1", &abandoned).unwrap().status,
            CallStatus::Abandoned
        );
        assert!(fold("c2", &script()).is_none());
    }

    #[test]
    fn bad_fields_are_named() {
        let cases = [
            (
                json!({"call_id": "c1", "seq": -1, "type": "offered", "at": "2026-11-20T01:00:00+08:00"}),
                "seq",
            ),
            (
                json!({"call_id": "c1", "seq": "1", "type": "offered", "at": "2026-11-20T01:00:00+08:00"}),
                "seq",
            ),
            (
                json!({"call_id": "", "seq": 1, "type": "offered", "at": "2026-11-20T01:00:00+08:00"}),
                "call_id",
            ),
            (
                json!({"call_id": "c1", "seq": 1, "type": "rang", "at": "2026-11-20T01:00:00+08:00"}),
                "type",
            ),
            (
                json!({"call_id": "c1", "seq": 1, "type": "offered", "at": "yesterday"}),
                "at",
            ),
            (
                json!({"call_id": "c1", "seq": 1, "type": "offered", "at": "2026-11-20T01:00:00+08:00", "ani": "138-0000"}),
                "ani",
            ),
            (
                json!({"call_id": "c1", "seq": 1, "type": "answered", "at": "2026-11-20T01:00:00+08:00"}),
                "agent",
            ),
            (
                json!({"call_id": "c1", "seq": 1, "type": "recording", "at": "2026-11-20T01:00:00+08:00"}),
                "recording_ref",
            ),
            (
                json!({"call_id": "c1", "seq": 1, "type": "ended", "at": "2026-11-20T01:00:00+08:00", "agnet": "x"}),
                "event",
            ),
            (json!([1]), "event"),
        ];
        for (v, field) in cases {
            assert_eq!(CallEvent::parse(&v).unwrap_err().field, field, "{v}");
        }
        let batch =
            json!({"events": [ev(1, "offered", json!({})), ev(2, "queued", json!({"seq": 1.5}))]});
        assert_eq!(parse_batch(&batch).unwrap_err().0, "events[1].seq");
        assert_eq!(parse_batch(&json!({"events": []})).unwrap_err().0, "events");
        assert_eq!(parse_batch(&json!({})).unwrap_err().0, "events");
    }

    proptest! {
        #[test]
        fn order_and_duplicates_do_not_matter(perm in Just(script()).prop_shuffle(), dups in prop::collection::vec(0usize..5, 0..6)) {
            let mut events = perm;
            let base = script();
            for d in dups {
                events.push(base[d].clone());
            }
            prop_assert_eq!(fold("c1", &events), fold("c1", &base));
        }

        #[test]
        fn any_subset_in_any_order_folds_the_same(mask in prop::collection::vec(any::<bool>(), 5), seed in any::<u64>()) {
            let subset: Vec<CallEvent> = script().into_iter().zip(&mask).filter(|(_, m)| **m).map(|(e, _)| e).collect();
            let mut shuffled = subset.clone();
            // A cheap deterministic shuffle: rotate by the seed.
            if !shuffled.is_empty() {
                let k = (seed % shuffled.len() as u64) as usize;
                shuffled.rotate_left(k);
                shuffled.reverse();
            }
            prop_assert_eq!(fold("c1", &shuffled), fold("c1", &subset));
        }
    }
}
