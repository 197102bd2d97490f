/** Stops the shared stack (and with it DynamoDB Local) and removes its data dir. */
export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__STACKPRO_LOCAL_STACK__;
  globalThis.__STACKPRO_LOCAL_STACK__ = undefined;
  await stack?.stop();
}
