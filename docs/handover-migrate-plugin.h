/*
 * handover-migrate-plugin.h: the C ABI of a handover-migrate provider plugin.
 *
 * Provider contract 1.1 (a 1.0 plugin runs unchanged). A plugin is a shared library (`cc -shared -fPIC`) that exports
 * the four functions below; handover-migrate recognises a C plugin by the symbol
 * `hm_contract_version`. Any language with a C FFI can implement it (C, C++ with
 * extern "C", Go with cgo -buildmode=c-shared, Zig, ...). Rust plugins use
 * `handover_migrate_core::export_provider!` instead (see docs/writing-a-plugin.md).
 *
 * Data crosses the boundary as JSON text: the shapes are those of the Rust types in
 * handover-migrate-core (`model.rs`, `protocol.rs`); `handover-migrate providers show
 * KIND --json` prints a ProviderInfo pair as an example.
 *
 * Strings
 *   - Every string is UTF-8 and NUL-terminated.
 *   - Inputs (hook, request_json) are owned by the host and valid only during the call;
 *     copy what you keep.
 *   - Strings returned by hm_info and hm_call are owned by the plugin until the host
 *     hands them back, exactly once, to hm_free. Allocate them however you like (malloc,
 *     a Go C.CString, an arena): hm_free is yours.
 *   - hm_contract_version returns a static string; the host never frees it.
 *
 * Errors
 *   - hm_call sets *is_error to non-zero and returns {"code": "...", "message": "..."}
 *     when the call itself failed. Codes: "unknown_hook" (a hook this plugin does not
 *     know: contract minor versions add hooks), "bad_request", "failed".
 *   - Returning NULL, text that is not UTF-8 or JSON of the wrong shape is a protocol
 *     violation: the host stops, names the plugin file and the hook, and writes nothing.
 *   - A crash (segfault, abort) inside a C plugin takes the process down: the host cannot
 *     catch it. The project is still unchanged because hooks run before any write, but
 *     test your plugin.
 *
 * Threads and lifetime
 *   - The host calls one function at a time, possibly from different threads over the
 *     life of the process. The library is loaded once and never unloaded.
 *   - Loading runs the library's initialisers before any check: keep them trivial.
 *
 * Compatibility
 *   - hm_contract_version is called first, before any other function. The host accepts
 *     the same major version with a minor version not newer than its own ("1.0" runs on
 *     every 1.x host). Anything else is refused with a message naming the file, both
 *     versions and the fix.
 */
#ifndef HANDOVER_MIGRATE_PLUGIN_H
#define HANDOVER_MIGRATE_PLUGIN_H

#ifdef __cplusplus
extern "C" {
#endif

/* The provider contract this plugin implements, "MAJOR.MINOR" (e.g. "1.0"). Static. */
const char *hm_contract_version(void);

/*
 * Who the plugin is and what it migrates: a ProviderInfo as JSON,
 *   {"name": "c-desk", "version": "0.3.0", "contract_version": "1.0",
 *    "pairs": [{"pair": {"source_kind": "cDesk", "target_service": "cDesk"},
 *               "display_name": "C Desk", "webhook_path": "/handover/cdesk",
 *               "warnings": [], "mapping": [], "node_fields": ["cDeskQueue"],
 *               "node_types": ["handoverToAgent", "checkAgentAvailability"]}]}
 * Freed with hm_free. NULL is an error.
 */
char *hm_info(void);

/*
 * Run one hook. `hook` is the hook name, `request_json` its request. Returns the response
 * (freed with hm_free) and sets *is_error to 0, or returns an error object and sets
 * *is_error to 1.
 *
 *   hook            request              response
 *   "map_settings"  MapSettingsRequest   {"ok": ProviderDraft} | {"issues": [SettingsIssue]}
 *   "manual_steps"  ManualStepsRequest   [ManualStep]
 *   "rewrite_node"  NodeRewriteRequest   {"ok": NodeRewrite} | {"error": "why"}
 *   "verify"        VerifyRequest        [Finding]
 *   "retarget_node" RetargetNodeRequest  {"ok": NodeRewrite} | {"error": "why"}   (1.1, optional)
 *
 * Optional hooks: answer "unknown_hook" (as a 1.0 plugin does) and the host uses the
 * contract's default. retarget_node's default keeps every node field and lists the
 * source provider's node fields the target does not read as having no counterpart.
 *
 * For example, map_settings receives
 *   {"pair": {"source_kind": "cDesk", "target_service": "cDesk"}, "endpoint": "Web",
 *    "settings": {"baseUrl": "https://desk.example", "apiKey": "s3cret"}}
 * and may answer
 *   {"ok": {"properties": [
 *      {"key": "baseUrl", "class": "plain", "value": {"state": "known", "value": "https://desk.example"}},
 *      {"key": "apiKey", "class": "secret", "value": {"state": "known", "value": "s3cret"}}],
 *    "node_defaults": {}, "notes": []}}
 * A value that is absent is {"state": "missing"}; one read back masked is {"state": "masked"}.
 * Settings problems are answers, not errors:
 *   {"issues": [{"field": "baseUrl", "message": "required setting `baseUrl` is missing"}]}
 */
char *hm_call(const char *hook, const char *request_json, int *is_error);

/* Free a string returned by hm_info or hm_call. */
void hm_free(char *text);

#ifdef __cplusplus
}
#endif

#endif /* HANDOVER_MIGRATE_PLUGIN_H */
