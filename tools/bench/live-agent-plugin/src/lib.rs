//! The built-in Live Agent provider, unchanged, behind the plugin boundary: the benchmark
//! compares it with the same provider linked in.

handover_migrate_core::export_provider!(handover_migrate_live_agent::provider);
