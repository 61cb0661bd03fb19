// Writes JSON schemas (properties, required, JSON kinds) of the request and response types of
// @cognigy/rest-api-client 0.19.0 (its types/index.d.ts) for the routes cognigy-sim serves,
// resolved by the TypeScript compiler (extends, Partial, Omit, Pick, unions), so a test can
// check the simulator's own request schemas against the official client's.
//
//     npm ci && node gen-client-types.cjs OUT.json
//
// Nothing of the package is copied into the repository: the output goes under target/.
"use strict";
const fs = require("fs");
const path = require("path");
const ts = require("typescript");

const out = process.argv[2];
if (!out) {
    console.error("usage: node gen-client-types.cjs OUT.json");
    process.exit(2);
}

// The types whose properties the simulator's routes accept or answer with.
const TYPES = [
    "IRestPagination",
    "IProjectScope",
    "IIndexFlowsRestData_2_0",
    "IIndexEndpointsRestData_2_0",
    "IIndexLocalesRestData_2_0",
    "IIndexChartNodesRestData_2_0",
    "IIndexNodeDescriptorsRest_2_0",
    "IReadChartNodeRestDataQuery_2_0",
    "IUpdateEndpointRestDataBody_2_0",
    "IUpdateChartNodeRestDataBody_2_0",
    "IExportIntentsRestDataBody_2_0",
    "ICreateSnapshotRestDataBody_2_0",
    "IReadTaskRestDataQuery_2_0",
    "ICursorBasedPaginationReturnValue",
    "INodeDescriptor_2_0",
    "IChartNodeIndexItem_2_0",
    "IEndpointIndexItem_2_0",
    "IFlowIndexItem_2_0",
    "ILocaleIndexItem_2_0",
];

const typesFile = path.join(__dirname, "node_modules/@cognigy/rest-api-client/types/index.d.ts");
const probe = path.join(__dirname, "__client_types_probe.ts");
const probeText =
    `import type * as C from ${JSON.stringify(typesFile.replace(/\.d\.ts$/, ""))};\n` +
    TYPES.map((t) => `export type P_${t} = C.${t}${["IRestPagination", "ICursorBasedPaginationReturnValue"].includes(t) ? "<any>" : ""};`).join("\n") +
    "\n";
const host = ts.createCompilerHost({});
const readFile = host.readFile.bind(host);
host.readFile = (file) => (path.resolve(file) === probe ? probeText : readFile(file));
const fileExists = host.fileExists.bind(host);
host.fileExists = (file) => path.resolve(file) === probe || fileExists(file);
const getSourceFile = host.getSourceFile.bind(host);
host.getSourceFile = (file, lang) =>
    path.resolve(file) === probe ? ts.createSourceFile(file, probeText, lang, true) : getSourceFile(file, lang);
const program = ts.createProgram([probe], { strict: true, noEmit: true, skipLibCheck: true, types: [] }, host);
const checker = program.getTypeChecker();
const source = program.getSourceFile(probe);

function kinds(type) {
    const out = new Set();
    const visit = (t) => {
        if (t.isUnion()) return t.types.forEach(visit);
        const f = t.flags;
        if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) out.add("any");
        else if (f & ts.TypeFlags.StringLike) out.add("string");
        else if (f & ts.TypeFlags.NumberLike) out.add("number");
        else if (f & ts.TypeFlags.BooleanLike) out.add("boolean");
        else if (f & ts.TypeFlags.Null) out.add("null");
        else if (f & ts.TypeFlags.Undefined) return;
        else if (checker.isArrayType(t) || checker.isTupleType(t)) out.add("array");
        else out.add("object");
    };
    visit(type);
    return [...out].sort();
}

const result = {};
for (const statement of source.statements) {
    if (!ts.isTypeAliasDeclaration(statement)) continue;
    const name = statement.name.text.replace(/^P_/, "");
    const type = checker.getTypeAtLocation(statement.name);
    const properties = {};
    const required = [];
    for (const symbol of checker.getPropertiesOfType(type)) {
        const optional = (symbol.flags & ts.SymbolFlags.Optional) !== 0;
        const propertyType = checker.getTypeOfSymbolAtLocation(symbol, statement);
        properties[symbol.name] = { kinds: kinds(propertyType) };
        if (!optional) required.push(symbol.name);
    }
    if (Object.keys(properties).length === 0) {
        console.error(`gen-client-types: ${name} resolved to no properties; the client's types changed`);
        process.exit(1);
    }
    result[name] = { properties, required: required.sort() };
}
fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
fs.writeFileSync(tmp, JSON.stringify({ client: "@cognigy/rest-api-client@0.19.0", types: result }, null, 4) + "\n");
fs.renameSync(tmp, out);
console.log(`wrote ${Object.keys(result).length} types to ${out}`);
