#!/usr/bin/env node
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS shim: npm links bins as plain Node scripts */
// `npx stackpro`: runs the TypeScript CLI (bin/stackpro.ts) through tsx, as `npm run admin` does.
require('tsx/cjs');
require('./stackpro.ts');
