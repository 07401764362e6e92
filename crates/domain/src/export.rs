//! Statement exports under dual control: one person asks, another approves, and the file
//! exists only after approval. Who may approve depends on the legal basis.

use crate::approval::{Request, RoleRule, State, Wording};
use crate::role::Role;
use crate::wire::wire_enum;
use serde::{Deserialize, Serialize};

wire_enum!(
    /// Why a statement leaves the bank: the verified customer asked, or a legal order.
    ExportBasis { CustomerRequest = "customer_request", LegalOrder = "legal_order" }
);
wire_enum!(ExportStatus { PendingApproval = "pending_approval", Approved = "approved", Rejected = "rejected" });

/// An export request under dual control: supervisors approve any export, compliance only
/// legal-order ones; never the requester.
pub fn approval(basis: ExportBasis, status: ExportStatus, requester_id: &str) -> Request<'_> {
    Request {
        requester: requester_id,
        state: match status {
            ExportStatus::PendingApproval => State::Pending,
            ExportStatus::Approved => State::Approved,
            ExportStatus::Rejected => State::Rejected,
        },
        approvers: match basis {
            ExportBasis::CustomerRequest => RoleRule::AnyOf(&[Role::Supervisor]),
            ExportBasis::LegalOrder => RoleRule::AnyOf(&[Role::Supervisor, Role::Compliance]),
        },
    }
}

/// The refusals as the exports API has always worded them.
pub const APPROVAL_WORDING: Wording = Wording {
    same_person: "the requester cannot approve their own export",
    not_permitted: "your roles cannot approve this export",
    not_pending: "the export is not waiting for approval",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approval::{Checker, Refused};
    use ExportBasis::*;

    fn may_approve(
        basis: ExportBasis,
        status: ExportStatus,
        requester_id: &str,
        user_id: &str,
        roles: &[Role],
    ) -> Result<(), Refused<()>> {
        approval(basis, status, requester_id).decide(&Checker { user_id, roles }, || Ok(()))
    }

    #[test]
    fn dual_control() {
        let pending = ExportStatus::PendingApproval;
        assert_eq!(
            may_approve(CustomerRequest, pending, "u1", "u1", &[Role::Supervisor]),
            Err(Refused::SamePerson)
        );
        assert_eq!(
            may_approve(CustomerRequest, pending, "u1", "u2", &[Role::Supervisor]),
            Ok(())
        );
        assert_eq!(
            may_approve(CustomerRequest, pending, "u1", "u2", &[Role::Compliance]),
            Err(Refused::NotPermitted)
        );
        assert_eq!(
            may_approve(LegalOrder, pending, "u1", "u2", &[Role::Compliance]),
            Ok(())
        );
        assert_eq!(
            may_approve(LegalOrder, pending, "u1", "u2", &[Role::Agent, Role::Qa]),
            Err(Refused::NotPermitted)
        );
        assert_eq!(
            may_approve(
                LegalOrder,
                ExportStatus::Approved,
                "u1",
                "u2",
                &[Role::Supervisor]
            ),
            Err(Refused::NotPending)
        );
    }
}
