#!/bin/sh
# Rebuild plot.js and LICENSE in this folder from package.json and package-lock.json.
# Needs node and npm (network for `npm ci`); nothing of it is needed to serve the page.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$work/"
cd "$work"
npm ci --no-audit --no-fund
echo 'export * from "@observablehq/plot";' > entry.js
npx esbuild entry.js --bundle --format=esm --minify --target=es2020 --legal-comments=none \
  --metafile=meta.json --outfile=plot.js
# The licence of every package with code in the bundle, and of the packages their dist files
# inline instead of importing (d3-delaunay carries delaunator and robust-predicates).
node --input-type=module -e '
import fs from "node:fs";
const meta = JSON.parse(fs.readFileSync("meta.json", "utf8"));
const packageOf = (file) => [...file.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1)?.[1];
const inputs = Object.entries(Object.values(meta.outputs)[0].inputs);
const imported = new Set(Object.keys(meta.inputs).map(packageOf));
const bundled = new Set(inputs.filter(([, input]) => input.bytesInOutput > 0).map(([file]) => packageOf(file)));
bundled.delete(undefined);
const pending = [...bundled];
while (pending.length) {
  const name = pending.pop();
  const deps = JSON.parse(fs.readFileSync(`node_modules/${name}/package.json`, "utf8")).dependencies || {};
  for (const dep of Object.keys(deps)) {
    if (!imported.has(dep) && !bundled.has(dep)) (bundled.add(dep), pending.push(dep));
  }
}
const parts = [...bundled].sort().map((name) => {
  const pkg = JSON.parse(fs.readFileSync(`node_modules/${name}/package.json`, "utf8"));
  const file = fs.readdirSync(`node_modules/${name}`).find((f) => /^licen[cs]e/i.test(f));
  const text = fs.readFileSync(`node_modules/${name}/${file}`, "utf8").trim();
  return `${"=".repeat(79)}\n${name} ${pkg.version} (${pkg.license})\n${"=".repeat(79)}\n\n${text}\n`;
});
fs.writeFileSync("LICENSE", `plot.js bundles the following packages; each is under its own licence.\n\n${parts.join("\n")}`);
'
cp plot.js LICENSE "$here/"
sha256sum "$here/plot.js"
