"use strict";
/**
 * Pulumi.yaml's `main`: the program compiled once per content (lib/engine/program.js); its exports are the stack's
 * outputs. A directory with its own package.json, so what the language host scans for plugins is this alone.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS entry */
/* global require, module */
const path = require("node:path");
const { programDir } = require("../program.js");

// The language host registers ts-node all the same, and with it a source-map-aware Error.prepareStackTrace that
// Pulumi's every resource registration pays for (it records where the resource was made): compiled JavaScript
// needs neither. Stack traces name the compiled files under .netlab/program/, at the lines of the sources.
Error.prepareStackTrace = undefined;
module.exports = require(path.join(programDir(), "index.js"));
