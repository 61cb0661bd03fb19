//! End-to-end tests through the real `handover-migrate` binary, one module per theme
//! (uv-style: one test binary, shared helpers in `common`).

mod api;
mod api_concurrency;
mod api_paging;
mod architecture;
mod common;
mod conflicts;
mod conventions;
mod crash;
mod doctor;
mod fleet;
mod guided;
mod isolation;
mod lifecycle;
mod malformed;
mod model;
mod names;
mod plugins;
mod refusals;
mod reliability;
mod report;
mod schemas;
mod secrets;
mod selector;
mod switch;
mod trust;
mod vendors;
mod workflow;
