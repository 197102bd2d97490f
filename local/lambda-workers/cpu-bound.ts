/**
 * With STACKPRO_LAMBDA_WORKERS=cpu-bound, the functions whose invocations are mostly CPU work: each hashes or verifies a password with argon2id
 * (lambdas/core/passwords.ts: 19 MiB of WebAssembly, 50 to 100 ms of one core). In the stack's own thread
 * a burst of them holds up every other invocation's awaits and uses one core of the machine; in worker
 * threads of their own they hash on every core, as Lambda gives each invocation its own environment.
 * The other functions wait on I/O and stay in the stack's thread, each invocation in its own scope
 * (local/invocation-scope.ts), so a burst does not start a worker (about 60 MiB) per function.
 * test/unit/local/cpu-bound.test.ts keeps this set equal to the handlers whose imports reach passwords.ts.
 */
export const CPU_BOUND_HANDLERS: ReadonlySet<string> = new Set(['api/sign-up', 'api/log-in', 'api/confirm-password-reset']);
