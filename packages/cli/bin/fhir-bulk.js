#!/usr/bin/env node
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS launcher: tsx must hook require first */
// Runs the CLI from its TypeScript sources, the way the repo runs every script (tsx), so `npx fhir-bulk` works on a
// clean clone after `npm ci` with no build step.
require('tsx/cjs');
require('../src/main.ts');
