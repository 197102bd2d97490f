import { readFileSync } from 'node:fs';
import path from 'node:path';

/** One public list price as bench/prices.json records it: value, unit, where it is published, when it was read. */
export interface ListPrice {
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
  readonly read: string;
}

export interface PriceSheet {
  readonly region: string;
  readonly currency: 'USD';
  readonly note: string;
  readonly prices: Readonly<Record<string, ListPrice>>;
}

/** bench/prices.json: the ONE file of public prices the bench and the cost report (`npm run cost`) use. */
export const PRICE_FILE = path.resolve(__dirname, 'prices.json');

export function loadPriceSheet(file = PRICE_FILE): PriceSheet {
  const sheet = JSON.parse(readFileSync(file, 'utf8')) as PriceSheet;
  for (const [key, price] of Object.entries(sheet.prices)) {
    if (typeof price.usd !== 'number' || !(price.usd >= 0) || !price.source?.startsWith('https://') || !/^\d{4}-\d{2}-\d{2}$/.test(price.read ?? '')) {
      throw new Error(`${file}: price "${key}" needs usd >= 0, an https source and a read date (YYYY-MM-DD)`);
    }
  }
  return sheet;
}

/** The price called `key`, or a clear error naming the file (a typo must not price something at 0). */
export function priceOf(sheet: PriceSheet, key: string): number {
  const price = sheet.prices[key];
  if (!price) throw new Error(`${PRICE_FILE}: no price "${key}"`);
  return price.usd;
}

const SHEET = loadPriceSheet();

/**
 * The control-plane prices the provisioning bench multiplies its measured counts by (us-east-1), from
 * bench/prices.json. Inputs, not measurements.
 */
export const PRICES = {
  source: `bench/prices.json (${SHEET.region} list prices, read ${[...new Set(Object.values(SHEET.prices).map((p) => p.read))].join(', ')})`,
  /** Step Functions Standard workflows. */
  stepFunctionsPerTransition: priceOf(SHEET, 'stepFunctions.standardTransition'),
  /** Lambda on arm64 (Graviton), first pricing tier. */
  lambdaArmPerGbSecond: priceOf(SHEET, 'lambda.armGbSecond'),
  lambdaPerRequest: priceOf(SHEET, 'lambda.request'),
  /** DynamoDB on-demand (pay per request), standard table class. */
  dynamoDbPerWru: priceOf(SHEET, 'dynamodb.onDemandWru'),
  dynamoDbPerRru: priceOf(SHEET, 'dynamodb.onDemandRru'),
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
