//! End-to-end tests through the real `handover-migrate` binary, one module per theme
//! (uv-style: one test binary, shared helpers in `common`).

mod common;
mod plugins;
mod projectgen;
mod vendors;
mod workflow;
