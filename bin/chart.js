#!/usr/bin/env node
// The CLI is one bundle (dist/bundle, built by `npm run build`), started with its code cache:
// see src/cli/boot.ts and rolldown.config.mjs.
import { boot } from "../dist/bundle/boot.js";

process.exitCode = await boot();
