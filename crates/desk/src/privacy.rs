//! Statement exports, legal orders and insider-access alerts as both faces show them, and
//! the bounds of an export request.

use crate::error::{DeskError, DeskResult};
use crate::text::rfc3339;
use bankdesk_domain::alert::{AlertKind, AlertStatus};
use bankdesk_domain::export::{ExportBasis, ExportStatus};
use bankdesk_domain::legal_order::{OrderKind, OrderScope, OrderStatus, parse_scope};
use bankdesk_store::privacy::{AlertRow, ExportRow, OrderRow};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
#[schema(as = StatementExport)]
pub struct ExportView {
    pub id: String,
    pub customer_id: String,
    pub from: String,
    pub to: String,
    #[schema(value_type = ExportBasis)]
    pub basis: String,
    pub purpose: String,
    #[schema(value_type = ExportStatus)]
    pub status: String,
    pub requested_by: String,
    pub requested_at: String,
    pub approved_by: Option<String>,
    pub approved_at: Option<String>,
    /// Lines in the file, once approved.
    pub rows: Option<i64>,
}

impl From<ExportRow> for ExportView {
    fn from(e: ExportRow) -> ExportView {
        ExportView {
            from: rfc3339(e.from_ms, None),
            to: rfc3339(e.to_ms, None),
            requested_at: rfc3339(e.requested_at_ms, None),
            approved_at: e.approved_at_ms.map(|t| rfc3339(t, None)),
            id: e.id,
            customer_id: e.customer_id,
            basis: e.basis,
            purpose: e.purpose,
            status: e.status,
            requested_by: e.requested_by,
            approved_by: e.approved_by,
            rows: e.file_rows,
        }
    }
}

/// The longest period one export may cover.
const MAX_EXPORT_MS: i64 = 5 * 366 * 86_400_000;

/// An export covers `[from_ms, to_ms)`: a period that is not empty and at most five years
/// long. The API and the desktop's export form both hold requests to this.
pub fn check_export_range(from_ms: i64, to_ms: i64) -> DeskResult<()> {
    if from_ms >= to_ms {
        return Err(DeskError::field("to", "after from"));
    }
    if to_ms - from_ms > MAX_EXPORT_MS {
        return Err(DeskError::field("to", "at most five years per export"));
    }
    Ok(())
}

#[derive(Serialize, ToSchema)]
#[schema(as = LegalOrder)]
pub struct OrderView {
    pub id: String,
    #[schema(value_type = OrderKind)]
    pub kind: String,
    pub issuer: String,
    pub document_no: String,
    pub customer_id: String,
    pub scope: Vec<OrderScope>,
    pub valid_from: String,
    pub valid_until: String,
    #[schema(value_type = OrderStatus)]
    pub status: String,
    /// `status`, except that an active order past its validity reads `expired`.
    #[schema(pattern = "^(pending_verification|active|revoked|expired)$")]
    pub effective_status: String,
    pub registered_by: String,
    pub registered_at: String,
    pub verified_by: Option<String>,
    pub verified_at: Option<String>,
}

impl From<OrderRow> for OrderView {
    fn from(o: OrderRow) -> OrderView {
        let now = bankdesk_store::now_ms();
        let effective = if o.status == OrderStatus::Active.as_str() && (now >= o.valid_until_ms) {
            "expired".to_string()
        } else {
            o.status.clone()
        };
        OrderView {
            scope: parse_scope(&o.scope),
            valid_from: rfc3339(o.valid_from_ms, None),
            valid_until: rfc3339(o.valid_until_ms, None),
            registered_at: rfc3339(o.registered_at_ms, None),
            verified_at: o.verified_at_ms.map(|t| rfc3339(t, None)),
            effective_status: effective,
            id: o.id,
            kind: o.kind,
            issuer: o.issuer,
            document_no: o.document_no,
            customer_id: o.customer_id,
            status: o.status,
            registered_by: o.registered_by,
            verified_by: o.verified_by,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = InsiderAlert)]
pub struct AlertView {
    pub id: String,
    #[schema(value_type = AlertKind)]
    pub kind: String,
    pub actor: String,
    pub customer_id: Option<String>,
    pub at: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// The audit records that show what happened: `{audit_seqs: [...]}`.
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    #[schema(value_type = AlertStatus)]
    pub status: String,
}

impl From<AlertRow> for AlertView {
    fn from(a: AlertRow) -> AlertView {
        AlertView {
            at: rfc3339(a.at_ms, None),
            detail: serde_json::from_str(&a.detail).unwrap_or(serde_json::Value::Null),
            evidence: serde_json::from_str(&a.evidence).unwrap_or(serde_json::Value::Null),
            id: a.id,
            kind: a.kind,
            actor: a.actor,
            customer_id: a.customer_id,
            status: a.status,
        }
    }
}
