// `make contracts`: compile contracts/src/*.sol with solcjs (node_modules/solc) and write one
// artifact per contract (ABI + bytecode) to contracts/build/<Name>.json. Deterministic output.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const SRC = path.join(__dirname, "src");
const OUT = process.env.CONTRACTS_OUT || path.join(__dirname, "build"); // tests compare a fresh build

const sources = {};
for (const file of fs.readdirSync(SRC).sort()) {
  if (file.endsWith(".sol")) sources[file] = { content: fs.readFileSync(path.join(SRC, file), "utf8") };
}
const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "paris",
    metadata: { bytecodeHash: "none" },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
for (const e of output.errors || []) console.error(e.formattedMessage);
if (errors.length) process.exit(1);

fs.mkdirSync(OUT, { recursive: true });
const written = [];
for (const file of Object.keys(output.contracts).sort()) {
  for (const [name, c] of Object.entries(output.contracts[file])) {
    if (!c.evm.bytecode.object) continue; // interfaces and abstract contracts
    const artifact = { contractName: name, sourceName: file, compiler: solc.version(), abi: c.abi, bytecode: "0x" + c.evm.bytecode.object };
    fs.writeFileSync(path.join(OUT, name + ".json"), JSON.stringify(artifact, null, 1) + "\n");
    written.push(name);
  }
}
console.log("contracts/build: " + written.join(", "));
