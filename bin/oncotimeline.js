#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step in development or CI).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src-main/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
