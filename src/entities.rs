//! sea-orm entities, one per table (server only; DTOs in `models` cross the wire).
pub mod agency;
pub mod api_key;
pub mod audit_event;
pub mod job_run;
pub mod key_change;
pub mod lead;
pub mod membership;
pub mod notification;
pub mod property;
pub mod session;
pub mod user;
pub mod workspace;
