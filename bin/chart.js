#!/usr/bin/env node
// The CLI is shipped as one bundle (dist/bundle, built by `npm run build`): see rolldown.config.mjs.
import { run } from "../dist/bundle/chart.js";

process.exitCode = await run();
