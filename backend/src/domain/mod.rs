//! Pure types and rules: no IO, no axum, no sqlx.

pub mod agency;
pub mod calendar;
pub mod catalogue;
pub mod dossier_code;
pub mod eform;
pub mod filetype;
pub mod indicators;
pub mod lifecycle;
pub mod lunar;
