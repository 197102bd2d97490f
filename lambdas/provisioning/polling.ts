import * as z from 'zod';
import { StepTimeoutError } from './errors';

/** How many times each bounded wait polls before giving up (the ASL's Wait sets the interval). */
export const POLL_LIMITS = {
  instanceRunning: 60, // x 5 s
  dnsInSync: 40, // x 15 s
  agentOnline: 60, // x 10 s
  deployment: 90, // x 10 s
} as const;

/** The poll counter that loops carry in their state, starting absent. */
export const Polls = z.number().int().nonnegative().optional();

/** The next poll count, or a StepTimeoutError when `limit` polls have not been enough. */
export function nextPoll(polls: number | undefined, limit: number, what: string): number {
  const next = (polls ?? 0) + 1;
  if (next > limit) throw new StepTimeoutError(`${what} did not happen after ${limit} checks`);
  return next;
}
