// Writes a brotli (.br) and a gzip (.gz) copy beside each text or wasm file under the
// given folder, for the server to send to browsers that accept them (tower-http ServeDir
// picks the variant by Accept-Encoding). Run by `make build` after cargo-leptos.
import { readdirSync, readFileSync, writeFileSync, rmSync, existsSync } from "node:fs";
import { join, extname } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const COMPRESSIBLE = new Set([".wasm", ".js", ".css", ".json", ".svg", ".html"]);

function* filesUnder(folder) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

const root = process.argv[2];
if (!root || !existsSync(root)) {
  console.error("usage: node scripts/precompress.mjs <folder>");
  process.exit(2);
}

let plain = 0;
let brotli = 0;
for (const path of filesUnder(root)) {
  const ext = extname(path);
  // A copy left by an earlier build whose file is gone would be served for nothing.
  if (ext === ".br" || ext === ".gz") {
    if (!existsSync(path.slice(0, -ext.length))) rmSync(path);
    continue;
  }
  if (!COMPRESSIBLE.has(ext)) continue;
  const content = readFileSync(path);
  const variants = [
    [".br", brotliCompressSync(content, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
      },
    })],
    [".gz", gzipSync(content, { level: 9 })],
  ];
  for (const [suffix, compressed] of variants) {
    // A variant no smaller than the file is not worth a second lookup.
    if (compressed.length < content.length) writeFileSync(path + suffix, compressed);
    else rmSync(path + suffix, { force: true });
  }
  plain += content.length;
  brotli += Math.min(content.length, variants[0][1].length);
}
console.log(`precompressed ${root}: ${plain} bytes, ${brotli} as brotli`);
