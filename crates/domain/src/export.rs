//! Statement exports under dual control: one person asks, another approves, and the file
//! exists only after approval. Who may approve depends on the legal basis.

use crate::role::Role;
use crate::wire::wire_enum;
use serde::{Deserialize, Serialize};

wire_enum!(
    /// Why a statement leaves the bank: the verified customer asked, or a legal order.
    ExportBasis { CustomerRequest = "customer_request", LegalOrder = "legal_order" }
);
wire_enum!(ExportStatus { PendingApproval = "pending_approval", Approved = "approved", Rejected = "rejected" });

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalRefused {
    #[error("the requester cannot approve their own export")]
    SamePerson,
    #[error("your roles cannot approve this export")]
    NotAllowed,
    #[error("the export is not waiting for approval")]
    NotPending,
}

/// Supervisors approve any export; compliance approves only legal-order exports; never
/// the requester.
pub fn may_approve(
    basis: ExportBasis,
    status: ExportStatus,
    requester_id: &str,
    approver_id: &str,
    approver_roles: &[Role],
) -> Result<(), ApprovalRefused> {
    if status != ExportStatus::PendingApproval {
        return Err(ApprovalRefused::NotPending);
    }
    if requester_id == approver_id {
        return Err(ApprovalRefused::SamePerson);
    }
    let ok = approver_roles.iter().any(|r| match r {
        Role::Supervisor => true,
        Role::Compliance => basis == ExportBasis::LegalOrder,
        _ => false,
    });
    if ok {
        Ok(())
    } else {
        Err(ApprovalRefused::NotAllowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExportBasis::*;

    #[test]
    fn dual_control() {
        let pending = ExportStatus::PendingApproval;
        assert_eq!(
            may_approve(CustomerRequest, pending, "u1", "u1", &[Role::Supervisor]),
            Err(ApprovalRefused::SamePerson)
        );
        assert_eq!(
            may_approve(CustomerRequest, pending, "u1", "u2", &[Role::Supervisor]),
            Ok(())
        );
        assert_eq!(
            may_approve(CustomerRequest, pending, "u1", "u2", &[Role::Compliance]),
            Err(ApprovalRefused::NotAllowed)
        );
        assert_eq!(
            may_approve(LegalOrder, pending, "u1", "u2", &[Role::Compliance]),
            Ok(())
        );
        assert_eq!(
            may_approve(LegalOrder, pending, "u1", "u2", &[Role::Agent, Role::Qa]),
            Err(ApprovalRefused::NotAllowed)
        );
        assert_eq!(
            may_approve(
                LegalOrder,
                ExportStatus::Approved,
                "u1",
                "u2",
                &[Role::Supervisor]
            ),
            Err(ApprovalRefused::NotPending)
        );
    }
}
