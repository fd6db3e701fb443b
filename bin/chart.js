#!/usr/bin/env node
// The CLI is one bundle (dist/bundle, built by `npm run build`), started with its code cache:
// see src/cli/boot.ts and rolldown.config.mjs. This file is CommonJS (bin/package.json), so Node
// starts it without its ES module loader.
"use strict";
require("../dist/bundle/boot.cjs")
  .boot()
  .then((code) => {
    process.exitCode = code;
  });
