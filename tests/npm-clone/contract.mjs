// Drives Cognigy's official REST client (@cognigy/rest-api-client 0.19.0) against a
// cognigy-sim through the calls whose contract the simulator follows: cursor pagination of
// the index routes, and requests the client's types refuse (which the API must refuse too).
// Prints one JSON object: every case with what the client got back; the Rust test
// (cognigy-sim/tests/npm_client.rs) judges them.
//
//     node contract.mjs <baseUrl> <apiKey> <projectId> <flowId> <nodeId> <localeId> <endpointId>

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { RestAPIClient } = require("@cognigy/rest-api-client");

const [baseUrl, apiKey, projectId, flowId, nodeId, localeId, endpointId] = process.argv.slice(2);
if (!endpointId) {
    console.error("usage: node contract.mjs <baseUrl> <apiKey> <projectId> <flowId> <nodeId> <localeId> <endpointId>");
    process.exit(2);
}

const client = new RestAPIClient({
    baseUrl,
    versions: { administration: "2.0", external: "2.0", metrics: "2.0", resources: "2.0", sessions: "2.0" },
    // The cases below expect refusals: no retries.
    numberOfRetries: 0,
});
client.setCredentials({ type: "ApiKey", apiKey });

const results = {};
async function attempt(name, call) {
    try {
        const value = await call();
        results[name] = { ok: true, value: value === undefined ? null : value };
    } catch (err) {
        results[name] = { ok: false, error: err && err.constructor && err.constructor.name, code: err && err.code, message: err && err.message };
    }
}

const flow = { resourceType: "flow", resourceId: flowId };

// Pagination: the descriptor index as the client calls it (no query: the default page).
await attempt("descriptorsDefaultPage", () => client.indexNodeDescriptors(flow));
// Every index route, one item a page, walked by nextCursor.
async function walk(indexFn, query) {
    const names = [];
    let page = await indexFn({ ...query, limit: 1 });
    const total = page.total;
    for (let i = 0; i < 1000 && page.items.length > 0; i++) {
        names.push(...page.items.map((item) => item._id));
        if (!page.nextCursor) break;
        page = await indexFn({ ...query, limit: 1, next: page.nextCursor });
    }
    return { total, ids: names };
}
await attempt("walkFlows", () => walk(client.indexFlows, { projectId }));
await attempt("walkEndpoints", () => walk(client.indexEndpoints, { projectId }));
await attempt("walkLocales", () => walk(client.indexLocales, { projectId }));
await attempt("walkChartNodes", () => walk(client.indexChartNodes, { ...flow }));
await attempt("flowsBySkip", () => client.indexFlows({ projectId, limit: 2, skip: 1 }));
await attempt("flowsMaxLimit", () => client.indexFlows({ projectId, limit: 100 }));

// Refusals: what the client's types or the API's limits do not allow.
await attempt("limitTooLarge", () => client.indexFlows({ projectId, limit: 101 }));
await attempt("limitZero", () => client.indexEndpoints({ projectId, limit: 0 }));
await attempt("skipNegative", () => client.indexLocales({ projectId, skip: -1 }));
await attempt("badCursor", () => client.indexChartNodes({ ...flow, next: "not-a-cursor" }));
const node = await client.readChartNode({ ...flow, nodeId, preferredLocaleId: localeId });
await attempt("nodeBodyKeyNotInType", () => client.updateChartNode({ ...flow, nodeId, localeId, config: node.config, type: "say" }));
await attempt("nodeBodyWrongKind", () => client.updateChartNode({ ...flow, nodeId, localeId, config: node.config, isDisabled: "no" }));
await attempt("endpointUrlToken", () => client.updateEndpoint({ endpointId, URLToken: "changed" }));
await attempt("snapshotWithoutDescription", () => client.createSnapshot({ projectId, name: "no description" }));
await attempt("exportWithoutFormat", () => client.exportIntents({ flowId, localeId }));
// And what they allow is accepted.
await attempt("nodeUpdateAsTyped", () => client.updateChartNode({ ...flow, nodeId, localeId, config: node.config, label: node.label }));
await attempt("endpointUpdateAsTyped", () => client.updateEndpoint({ endpointId, active: true }));

console.log(JSON.stringify(results));
