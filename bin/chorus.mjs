#!/usr/bin/env node
// `npx chorus ...`: runs the TypeScript CLI (app/cli-main.ts, which composes cli/) through tsx, in this process, so that
// signals, stdout and the exit code are the CLI's own.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../app/cli-main.ts', import.meta.url).href);
await main(process.argv.slice(2));
