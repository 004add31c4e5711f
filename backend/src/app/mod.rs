//! Use cases: one function per user action, owning the transaction, the authorization check, the
//! history row and the audit entry. Called by `http`; calls `domain` and `store`.

mod caller;
pub mod catalogue;
pub mod clock;
pub mod documents;
pub mod dossier;
pub mod idempotency;
pub mod inbound;
pub mod payment;
pub mod queue;
pub mod reports;

pub use caller::{Caller, CitizenCaller, StaffCaller, SystemCaller};

use crate::http::error::{ApiError, ErrorCode};

/// Staff only.
pub fn require_staff(caller: &Caller) -> Result<&StaffCaller, ApiError> {
    match caller {
        Caller::Staff(s) => Ok(s),
        Caller::Citizen(_) | Caller::System(_) => Err(ApiError::new(ErrorCode::Forbidden, "staff only")),
    }
}
