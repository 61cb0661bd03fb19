// Writes the node catalogue cognigy-sim serves with `--descriptors OUT.json`: the node
// descriptors (type, defaultLabel, summary, appearance, fields {key, type, label,
// defaultValue?, params?}) that @cognigy/rest-api-client 0.19.0 ships under
// build/shared/charts/descriptors (Cognigy.AI 4.85). cognigy-sim serves them from
// GET /flows/{id}/chart/descriptors and validates node config keys against them.
//
//     npm ci && node gen-descriptors.cjs OUT.json
//
// The package's licence is proprietary: OUT.json is generated at test time (under target/)
// and never committed.
//
// Some descriptor files require packages the client does not install; they get a stub.
"use strict";
const out = process.argv[2];
if (!out) {
    console.error("usage: node gen-descriptors.cjs OUT.json");
    process.exit(2);
}
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
            // Node descriptors have a defaultLabel; connection schemas (also type + fields) do not.
            if (!value || typeof value !== "object" || typeof value.type !== "string" || !Array.isArray(value.fields)) continue;
            if (value.defaultLabel === undefined) continue;
            if (byType.has(value.type)) continue;
            const descriptor = { type: value.type };
            for (const key of ["defaultLabel", "summary", "appearance"]) {
                const v = value[key];
                if (v !== undefined && typeof v !== "function") descriptor[key] = JSON.parse(JSON.stringify(v));
            }
            byType.set(value.type, {
                ...descriptor,
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
if (types.length < 100) {
    console.error(`gen-descriptors: only ${types.length} descriptors found; the package layout changed`);
    process.exit(1);
}
const text = "[\n" + types.map((t) => JSON.stringify(byType.get(t))).join(",\n") + "\n]\n";
fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
fs.writeFileSync(tmp, text);
fs.renameSync(tmp, out);
console.log(`wrote ${types.length} descriptors to ${out}`);
