#!/usr/bin/env node
/** The installed `kube-actors` executable (compiled to dist/src/cli/bin.js). */
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
