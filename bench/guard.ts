import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Preloaded into the stack's and the import timings' Node processes: they may reach 127.0.0.1 and nothing else. */
export const LOOPBACK_GUARD = path.join(__dirname, 'loopback-guard.mjs');
const GUARD_MARKER = /\[bench loopback guard\] refused (\S+)/g;

/** `--import` of the loopback guard, added to whatever NODE_OPTIONS already holds. */
export function nodeOptionsWithGuard(existing = process.env.NODE_OPTIONS ?? ''): string {
  return `${existing} --import=${pathToFileURL(LOOPBACK_GUARD).href}`.trim();
}

/** Hosts the guard refused, with how often, from a process's output. */
export function refusedHosts(output: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of output.matchAll(GUARD_MARKER)) counts[match[1]] = (counts[match[1]] ?? 0) + 1;
  return counts;
}
