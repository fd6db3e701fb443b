"use strict";
// tiny-inflate's function (node_modules/tiny-inflate/index.js) on Node's zlib, for the PDF
// worker's bundle (rolldown.config.mjs): raw DEFLATE `source` inflated into `dest`, which is
// returned; when the data is shorter than `dest`, a copy of the part written, as tiny-inflate
// does. Compared with tiny-inflate in test/export/native-inflate.test.ts.
const { inflateRawSync } = require("node:zlib");

module.exports = function inflate(source, dest) {
  const out = inflateRawSync(source);
  const n = Math.min(out.length, dest.length);
  dest.set(out.subarray(0, n));
  if (n < dest.length) return typeof dest.slice === "function" ? dest.slice(0, n) : dest.subarray(0, n);
  return dest;
};
