#!/usr/bin/env node
// Writes dist/index.mjs: an ES-module entry that re-exports the CommonJS build,
// so `import { mft } from 'airy'` and `require('airy')` share one instance.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
const cjs = require(path.join(dist, 'index.js'));
const names = Object.keys(cjs).filter((n) => n !== 'default' && n !== '__esModule');
const body = ["import airy from './index.js';", `export const { ${names.join(', ')} } = airy;`, 'export default airy;', ''].join('\n');
fs.writeFileSync(path.join(dist, 'index.mjs'), body);
