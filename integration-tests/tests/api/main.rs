//! One test binary for every API test (faster to link, shares the template database).

mod admin;
mod audit;
mod calendar;
mod catalogue;
mod citizen_portal;
mod crash;
mod documents;
mod dossier_code;
mod dossiers;
mod foundation;
mod hostile_uploads;
mod lifecycle;
mod national;
mod national_auth;
mod outbox;
mod payments;
mod population;
mod queues;
mod reports;
mod security;
mod seed;
mod signin;
mod signin_negative;
