import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Public AWS list prices (us-east-1) the cost figures use. Inputs, not measurements: check them against
 * the pages below before quoting a figure.
 */
export const PRICES = {
  source: 'AWS pricing pages, us-east-1 list prices as published in 2024-2025 (aws.amazon.com/step-functions/pricing, /lambda/pricing, /dynamodb/pricing)',
  /** Step Functions Standard workflows. */
  stepFunctionsPerTransition: 0.025 / 1_000,
  /** Lambda on arm64 (Graviton), first pricing tier. */
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1_000_000,
  /** DynamoDB on-demand (pay per request), standard table class. */
  dynamoDbPerWru: 1.25 / 1_000_000,
  dynamoDbPerRru: 0.25 / 1_000_000,
} as const;

const REPO_ROOT = path.resolve(__dirname, '..');

/**
 * The provisioning steps' memory size, read from the CDK code: StackProFunction's default
 * (lib/stackpro-function.ts), which lib/provisioning-workflow.ts does not override.
 */
export function stepMemoryMb(): { mb: number; source: string } {
  const fn = readFileSync(path.join(REPO_ROOT, 'lib', 'stackpro-function.ts'), 'utf8');
  const workflow = readFileSync(path.join(REPO_ROOT, 'lib', 'provisioning-workflow.ts'), 'utf8');
  const match = /memorySize:\s*props\.memorySize\s*\?\?\s*(\d+)/.exec(fn);
  if (!match) throw new Error('lib/stackpro-function.ts: no `memorySize: props.memorySize ?? <MB>` default found');
  if (/memorySize/.test(workflow)) throw new Error('lib/provisioning-workflow.ts sets a memorySize: read it there');
  return { mb: Number(match[1]), source: 'lib/stackpro-function.ts default, not overridden in lib/provisioning-workflow.ts' };
}
