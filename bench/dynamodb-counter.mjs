// Preloaded (`node --import`) into the local stack by the provisioning bench (sections 4-5) only, when
// BENCH_DDB_COUNTS_FILE is set: counts every DynamoDB request the stack's code sends (the AWS SDK's
// http.request with an `x-amz-target: DynamoDB_20120810.<Operation>` header), attributed to
// - the code that sent it: the innermost `lambdas/{provisioning,billing,workflows}/<file>.ts` (workflow steps) or
//   `lambdas/api/<route>.ts` frame of the (async) stack trace (`workflows/step-kit`: the progress record every step writes), else `other`;
// - the customer: the first `CUSTOMER#<id>` in the request body (keys of the profile, infrastructure and
//   provisioning-log items), else `-`;
// - what DynamoDB bills for it: strongly consistent or not (reads), and the number of items of a
//   transaction (TransactWriteItems bills 2 write units per item).
// Requests are only observed, never changed. The totals are rewritten to the file (JSON) shortly after
// each request, so the bench reads them while the stack runs.
import { Buffer } from 'node:buffer';
import { renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { URL } from 'node:url';

const file = process.env.BENCH_DDB_COUNTS_FILE;
const TARGET_PREFIX = 'dynamodb_20120810.';

if (file) {
  const counts = new Map();
  let timer;
  const flush = () => {
    timer = undefined;
    const rows = [...counts].map(([key, count]) => ({ ...JSON.parse(key), count }));
    writeFileSync(`${file}.tmp`, JSON.stringify({ pid: process.pid, rows }));
    renameSync(`${file}.tmp`, file);
  };
  const record = (entry) => {
    const key = JSON.stringify(entry);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (!timer) timer = setTimeout(flush, 50);
  };

  const originOf = (stack) => {
    // The innermost frame first: `step` is the progress record every step writes (recordStep in workflows/step-kit.ts).
    const workflow = /lambdas[/\\](provisioning|billing|workflows)[/\\]([\w-]+)\.ts/.exec(stack);
    if (workflow) return `${workflow[1]}/${workflow[2]}`;
    const api = /lambdas[/\\]api[/\\]([\w-]+)\.ts/.exec(stack.replace(/lambdas[/\\]api[/\\]http\.ts/g, ''));
    if (api) return `api/${api[1]}`;
    return 'other';
  };

  const headerValue = (headers, name) => {
    if (!headers || typeof headers !== 'object') return undefined;
    for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return String(value);
    return undefined;
  };

  const originalRequest = http.request;
  http.request = function countedRequest(...args) {
    const options = args.find((arg) => arg !== null && typeof arg === 'object' && !(arg instanceof URL));
    const target = headerValue(options?.headers, 'x-amz-target');
    const req = originalRequest.apply(this, args);
    if (!target || !target.toLowerCase().startsWith(TARGET_PREFIX)) return req;
    const operation = target.slice(TARGET_PREFIX.length);
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 200;
    const stack = new Error().stack ?? '';
    Error.stackTraceLimit = limit;
    const origin = originOf(stack);
    const chunks = [];
    const keep = (chunk) => {
      if (typeof chunk === 'string' || Buffer.isBuffer(chunk) || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    const originalWrite = req.write;
    req.write = function countedWrite(chunk, ...rest) {
      keep(chunk);
      return originalWrite.call(this, chunk, ...rest);
    };
    const originalEnd = req.end;
    req.end = function countedEnd(chunk, ...rest) {
      if (chunk !== undefined && typeof chunk !== 'function') keep(chunk);
      const body = Buffer.concat(chunks).toString('utf8');
      let consistent = false;
      let items = 1;
      try {
        const parsed = JSON.parse(body);
        consistent = parsed.ConsistentRead === true;
        if (Array.isArray(parsed.TransactItems)) items = parsed.TransactItems.length;
      } catch {
        // not JSON: counted as one plain request
      }
      const customer = /CUSTOMER#([A-Za-z0-9_-]+)/.exec(body)?.[1] ?? '-';
      record({ origin, operation, customer, consistent, items });
      return originalEnd.call(this, chunk, ...rest);
    };
    return req;
  };
}
