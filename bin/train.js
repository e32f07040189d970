#!/usr/bin/env node
// `train …` is the same as `twinml train …`.
process.argv.splice(2, 0, 'train');
await import('./twinml.js');
