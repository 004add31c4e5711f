//! SQL, one module per aggregate, returning domain types.

pub mod agency;
pub mod audit;
pub mod calendar;
pub mod dossier_code;
pub mod session;
pub mod staff;
