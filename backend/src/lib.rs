//! motcua: the one-stop administrative procedure system (Hệ thống thông tin giải quyết thủ tục hành chính).
//!
//! Layering (see ARCHITECTURE.md): `http` → `app` → `domain` + `store`; `domain` does no IO.

pub mod app;
pub mod config;
pub mod db;
pub mod domain;
pub mod eid;
pub mod http;
pub mod national;
pub mod notify;
pub mod objects;
pub mod pdf;
pub mod platform;
pub mod population;
pub mod seed;
pub mod store;
pub mod telemetry;
