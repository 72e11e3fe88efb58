#!/usr/bin/env node
// Checked-in launcher: npm links a workspace bin at `npm ci` only when its file exists, which
// dist/cli.js does not before the first build (`npm start` / `npx tsc -b`).
import '../dist/cli.js';
