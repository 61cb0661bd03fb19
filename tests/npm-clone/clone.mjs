// Clones a Cognigy.AI project to disk with Cognigy's official REST client
// (@cognigy/rest-api-client 0.19.0), driving it the way the Cognigy CLI's `cognigy clone`
// does (Cognigy-CLI src/commands/clone.ts → cloneFlows, cloneEndpoints; src/lib/flows.ts,
// endpoints.ts, locales.ts, utils/indexAll.ts): same calls, same pagination, same files,
// same JSON formatting. Lexicons and AI Agents are not cloned (cognigy-sim has neither).
//
//     node clone.mjs <baseUrl> <apiKey> <projectId> <agentDir>
//
// <baseUrl> is the API host without a path (the client adds /new/v2.0).

import fs from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { RestAPIClient } = require("@cognigy/rest-api-client");

const [baseUrl, apiKey, projectId, agentDir] = process.argv.slice(2);
if (!agentDir) {
    console.error("usage: node clone.mjs <baseUrl> <apiKey> <projectId> <agentDir>");
    process.exit(2);
}

const client = new RestAPIClient({
    baseUrl,
    versions: { administration: "2.0", external: "2.0", metrics: "2.0", resources: "2.0", sessions: "2.0" },
});
client.setCredentials({ type: "ApiKey", apiKey });

// CLI src/utils/indexAll.ts
const MAX_LIMIT = 100;
const indexAll = (indexFn) => async (query) => {
    const firstResponse = await indexFn({ ...query, skip: 0 });
    const result = { items: [...firstResponse.items], total: firstResponse.total };
    const pages = Math.ceil(firstResponse.total / MAX_LIMIT);
    for (let page = 1; page <= pages; page++) {
        const newPage = await indexFn({ ...query, limit: MAX_LIMIT, skip: result.items.length });
        result.items = result.items.concat(newPage.items);
    }
    return result;
};

// CLI src/utils/checks.ts removeCreateDir
const removeCreateDir = async (dir) => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
};

// CLI src/utils/chunk.ts
const chunkArray = (array, size) => {
    const chunks = [];
    for (let i = 0; i < array.length; i += size) chunks.push(array.slice(i, i + size));
    return chunks;
};

// CLI src/lib/locales.ts pullLocales (locales.json is reused for 10 seconds)
const pullLocales = async (cacheTime = 10) => {
    const localesLocation = agentDir + "/flows/locales.json";
    let localesAge = cacheTime + 1;
    if (fs.existsSync(localesLocation)) {
        localesAge = (new Date().getTime() - fs.statSync(localesLocation).mtime.getTime()) / 1000;
    }
    if (localesAge > cacheTime) {
        const localeResult = await indexAll(client.indexLocales)({ projectId });
        fs.writeFileSync(localesLocation, JSON.stringify(localeResult.items, undefined, 4));
        return localeResult.items;
    }
    return JSON.parse(fs.readFileSync(localesLocation).toString());
};

// CLI src/lib/flows.ts pullFlow
const pullFlow = async (flowName) => {
    const flowDir = agentDir + "/flows/" + flowName;
    await removeCreateDir(flowDir);
    const flows = await indexAll(client.indexFlows)({ projectId });
    const flow = flows.items.find((f) => f.name === flowName);
    if (!flow) throw new Error(`Flow with name ${flowName} can't be found`);
    const locales = await pullLocales();
    for (const locale of locales) {
        const localeDir = flowDir + "/" + locale.name;
        await removeCreateDir(localeDir);
        fs.writeFileSync(flowDir + "/config.json", JSON.stringify(flow, undefined, 4));
        const chart = await client.readChart({ resourceId: flow._id, resourceType: "flow", preferredLocaleId: locale._id });
        for (const node of chart.nodes) {
            const Node = await client.readChartNode({
                nodeId: node._id,
                resourceId: flow._id,
                resourceType: "flow",
                preferredLocaleId: locale._id,
            });
            node["config"] = Node.config;
            delete node["preview"];
        }
        fs.writeFileSync(localeDir + "/chart.json", JSON.stringify(chart, undefined, 4));
        const flowIntents = await client.exportIntents({ flowId: flow._id, localeId: locale._id, format: "json" });
        fs.writeFileSync(localeDir + "/intents.json", JSON.stringify(flowIntents, undefined, 4));
    }
};

// CLI src/lib/flows.ts cloneFlows
const cloneFlows = async () => {
    await removeCreateDir(agentDir + "/flows");
    const flows = await indexAll(client.indexFlows)({ projectId });
    const jobs = flows.items.map((flow) => () => pullFlow(flow.name));
    for (const chunk of chunkArray(jobs, 5)) {
        await Promise.all(chunk.map((job) => job()));
    }
};

// CLI src/lib/endpoints.ts cloneEndpoints
const cloneEndpoints = async () => {
    const endpointDir = agentDir + "/endpoints";
    await removeCreateDir(endpointDir);
    const endpoints = await indexAll(client.indexEndpoints)({ projectId });
    for (const endpoint of endpoints.items) {
        const individualEndpointDir = endpointDir + "/" + endpoint.name;
        const endpointDetail = await client.readEndpoint({ endpointId: endpoint._id });
        await removeCreateDir(individualEndpointDir);
        fs.writeFileSync(individualEndpointDir + "/config.json", JSON.stringify(endpointDetail, undefined, 4));
        fs.writeFileSync(individualEndpointDir + "/transformer.ts", endpointDetail.transformer.transformer);
    }
};

try {
    fs.mkdirSync(agentDir, { recursive: true });
    await cloneFlows();
    await cloneEndpoints();
    console.log(`cloned project ${projectId} into ${agentDir}`);
} catch (err) {
    console.error(`clone failed: ${err && err.message}`, err && err.traceId ? `(traceId ${err.traceId})` : "");
    process.exit(1);
}
