import { performance } from 'node:perf_hooks';
import { hashPassword } from '../lambdas/core/passwords';
import { median } from './stats';

/**
 * Median time of the signup's argon2id hash (lambdas/core/passwords.ts: hash-wasm, 19 MiB, t=2, p=1),
 * run one at a time in this process after one warm-up, so the signup figures can be read against it.
 */
export async function timePasswordHash(runs: number): Promise<number> {
  await hashPassword('warm-up password');
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await hashPassword(`correct horse battery staple ${i}`);
    samples.push(performance.now() - started);
  }
  return median(samples);
}
