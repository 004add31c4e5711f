//! One test binary for every API test (faster to link, shares the template database).

mod audit;
mod calendar;
mod dossier_code;
mod dossiers;
mod foundation;
mod queues;
mod seed;
