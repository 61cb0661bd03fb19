// Regenerates ../cognigy-sim/src/descriptors-rac-0.19.0.json: the node descriptors
// (type + fields {key, type, label, defaultValue?, params?}) that @cognigy/rest-api-client
// 0.19.0 ships under build/shared/charts/descriptors (Cognigy.AI 4.85). cognigy-sim serves
// them from GET /flows/{id}/chart/descriptors and validates node config keys against them.
//
//     npm ci && node gen-descriptors.cjs
//
// Some descriptor files require packages the client does not install; they get a stub.
"use strict";
const Module = require("module");
const fs = require("fs");
const os = require("os");
const path = require("path");

const stubPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "descriptors-")), "stub.cjs");
fs.writeFileSync(
    stubPath,
    "const h={get:(t,p)=>p==='__esModule'?false:new Proxy(function(){},h),apply:()=>new Proxy(function(){},h)," +
        "construct:()=>new Proxy({},h)};module.exports=new Proxy(function(){},h);"
);
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
    try {
        return resolve.call(this, request, ...rest);
    } catch (e) {
        return stubPath;
    }
};

const root = path.join(__dirname, "node_modules/@cognigy/rest-api-client/build/shared/charts/descriptors");
const byType = new Map();
function walk(dir) {
    for (const name of fs.readdirSync(dir).sort()) {
        const file = path.join(dir, name);
        if (fs.statSync(file).isDirectory()) {
            walk(file);
            continue;
        }
        if (!name.endsWith(".js")) continue;
        let exports;
        try {
            exports = require(file);
        } catch (e) {
            continue;
        }
        for (const value of Object.values(exports)) {
            if (!value || typeof value !== "object" || typeof value.type !== "string" || !Array.isArray(value.fields)) continue;
            if (byType.has(value.type)) continue;
            byType.set(value.type, {
                type: value.type,
                fields: value.fields
                    .filter((f) => f && typeof f.key === "string")
                    .map((f) => {
                        const field = { key: f.key, type: f.type, label: typeof f.label === "string" ? f.label : f.key };
                        if (f.defaultValue !== undefined && typeof f.defaultValue !== "function") field.defaultValue = f.defaultValue;
                        if (f.params !== undefined) field.params = JSON.parse(JSON.stringify(f.params));
                        return field;
                    }),
            });
        }
    }
}
walk(root);
const types = [...byType.keys()].sort();
const out = "[\n" + types.map((t) => JSON.stringify(byType.get(t))).join(",\n") + "\n]\n";
const target = path.join(__dirname, "../cognigy-sim/src/descriptors-rac-0.19.0.json");
fs.writeFileSync(target, out);
console.log(`wrote ${types.length} descriptors to ${target}`);
