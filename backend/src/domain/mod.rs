//! Pure types and rules: no IO, no axum, no sqlx.

pub mod agency;
pub mod calendar;
pub mod dossier_code;
pub mod eform;
pub mod lifecycle;
pub mod lunar;
