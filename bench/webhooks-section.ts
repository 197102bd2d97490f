import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import Stripe from 'stripe';
import { LOCAL_STRIPE_SECRET_KEY } from '../local/local-env';
import { seededRandom, shuffled, stripeId } from '../local/sandbox/stripe/ids';
import { type Account, dynamoDbClient, LOCAL_TABLE_NAME, signUpVerified, signupBody } from './api-latency';
import { refusedHosts } from './guard';
import { runLoad } from './load';
import { type BenchStack, withLocalStack } from './local-stack';
import { sleep } from './provisioning-common';
import { round, summarize } from './stats';
import { printTable } from './table';

export interface WebhookOptions {
  /** Deliveries POSTed in the signed run, duplicates included. */
  readonly deliveries: number;
  /** Share of those deliveries that repeat another delivery's event (same id and body, freshly signed). */
  readonly duplicateShare: number;
  readonly concurrency: number;
  /** Accounts provisioned first; their real trial subscriptions are what the events are about. */
  readonly customers: number;
  /** Forged or unsigned deliveries, sent after the signed run. */
  readonly forged: number;
  /** Seeds the event mix and the delivery order (reproducible). */
  readonly seed: number;
}

const REQUEST_TIMEOUT_MS = 30_000;
const TRIAL_WILL_END_SHARE = 0.25;
/** Subject of the trial reminder (lambdas/notifications/templates.ts, kind trial_ending). */
const REMINDER_SUBJECT = /^Your StackPro trial ends/;

type EventType = 'customer.subscription.updated' | 'customer.subscription.trial_will_end';

interface Customer extends Account {
  readonly email: string;
  readonly subscriptionId: string;
}

interface PlannedEvent {
  readonly id: string;
  readonly type: EventType;
  readonly customer: Customer;
  /** Exactly what is POSTed: every copy of the event sends these bytes. */
  readonly payload: string;
}

interface Delivery {
  readonly event: PlannedEvent;
  /** 0 for the first copy in the plan, 1.. for the duplicates. */
  readonly copy: number;
  /** A duplicate placed right after another copy of its event, so the two are in flight together. */
  readonly adjacent: boolean;
}

interface Answer {
  status: number | string;
  body?: { received?: boolean; duplicate?: boolean; error?: { code?: string } };
  /** Epoch ms (performance.timeOrigin + now(): sub-ms, comparable with the outbox's sentAt). */
  startedAt: number;
  endedAt: number;
}

interface Check {
  /** Short name for the JSON summary. */
  readonly key: string;
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

export interface WebhookResult {
  readonly options: WebhookOptions;
  readonly distinctEvents: number;
  readonly duplicates: number;
  readonly adjacentDuplicates: number;
  readonly eventTypes: Record<string, number>;
  readonly provisionSeconds: number;
  readonly latencies: readonly number[];
  readonly wallMs: number;
  readonly throughput: number;
  readonly statusCounts: Record<string, number>;
  readonly answers: { readonly applied: number; readonly duplicate: number; readonly other: number };
  /** Event ids at least two of whose copies were in flight at the same moment. */
  readonly concurrentDuplicateIds: number;
  readonly outcomes: Record<string, number>;
  readonly forged: { readonly sent: number; readonly byKind: Record<string, string>; readonly latencies: readonly number[] };
  readonly checks: readonly Check[];
  /** For accounts that got more reminders than expected: when, and what was in flight then. */
  readonly reminderDiagnostics: readonly string[];
  /** `NOTICE#trial_ending#...` records of the bench's accounts. */
  readonly noticeRecords: number;
  readonly refusedHosts: Record<string, number>;
}

/**
 * Section 7: Stripe webhooks on the local stack (fast profile). Provisions a few accounts, then POSTs
 * signed deliveries of real-shaped events about their trial subscriptions (`customer.subscription.updated`,
 * and `trial_will_end` for some of them), a share of them duplicates, shuffled, at a fixed concurrency; then
 * verifies exactly-once from the answers, DynamoDB Local's event records and the sandbox outbox, and sends a
 * batch of forged deliveries that must all be refused.
 */
export async function benchWebhooks(options: WebhookOptions): Promise<WebhookResult> {
  // A secret of this run, given to the stack: its Secrets Manager value is built from it (local/local-env.ts).
  const webhookSecret = `whsec_bench_${randomBytes(16).toString('hex')}`;
  return withLocalStack((stack) => run(stack, options, webhookSecret), { STACKPRO_SANDBOX_PROFILE: 'fast', STRIPE_WEBHOOK_SECRET: webhookSecret });
}

async function run(stack: BenchStack, options: WebhookOptions, webhookSecret: string): Promise<WebhookResult> {
  const edgeUrl = stack.process.edgeUrl;
  const random = seededRandom(options.seed);
  const signer = new Stripe('sk_test_bench_signing_only');
  const provisionStarted = performance.now();
  const customers = await provision(stack.apiUrl, edgeUrl, options.customers);
  const provisionSeconds = (performance.now() - provisionStarted) / 1000;

  // Real event shapes: make the sandbox's Stripe emit a customer.subscription.updated for each subscription
  // (a description change), and take that event as the template of every event about the subscription.
  const stripe = sandboxStripe(edgeUrl);
  for (const customer of customers) await stripe.subscriptions.update(customer.subscriptionId, { description: `StackPro bench ${customer.customerId}` });
  const templates = await eventTemplates(edgeUrl, customers);

  // Customers whose subscription gets trial_will_end events (the last two only get updates, so the outbox
  // check also sees accounts that must receive no reminder).
  const remindable = new Set(customers.slice(0, Math.max(1, customers.length - 2)));
  const duplicates = Math.round(options.deliveries * options.duplicateShare);
  const distinct = options.deliveries - duplicates;
  const events: PlannedEvent[] = [];
  for (let i = 0; i < distinct; i += 1) {
    const customer = customers[i % customers.length];
    // Every remindable subscription gets at least one trial_will_end (its first event).
    const reminder = remindable.has(customer) && (i < customers.length || random() < TRIAL_WILL_END_SHARE);
    events.push(buildEvent(templates.get(customer)!, customer, reminder ? 'customer.subscription.trial_will_end' : 'customer.subscription.updated'));
  }
  const deliveries = plan(events, duplicates, random);

  const answers: Answer[] = new Array(deliveries.length);
  const load = await runLoad(deliveries.length, options.concurrency, async (index) => {
    const { event } = deliveries[index];
    const signature = signer.webhooks.generateTestHeaderString({ payload: event.payload, secret: webhookSecret });
    const answer = await post(stack.apiUrl, event.payload, signature);
    answers[index] = answer;
    const ok = typeof answer.status === 'number' && answer.status >= 200 && answer.status < 300 && answer.body?.received === true;
    return { ok, status: String(answer.status), detail: JSON.stringify(answer.body ?? null).slice(0, 200) };
  });

  const forged = await sendForged(stack.apiUrl, customers, templates, webhookSecret, options.forged, random);

  // Read back: the event records, the outbox, the accounts.
  const dynamodb = dynamoDbClient(stack.dynamoDbUrl);
  let records: Map<string, { state?: string; outcome?: string }[]>;
  let notices: Map<string, string[]>;
  try {
    ({ records, notices } = await tableRecords(dynamodb));
  } finally {
    dynamodb.destroy();
  }
  const outbox = (await getJson(`${edgeUrl}/_sandbox/outbox`)) as { emails: { to: string[]; subject: string; sentAt: string }[] };
  const sandboxState = (await getJson(`${edgeUrl}/_sandbox/stripe/state`)) as { subscriptions: Record<string, { trial_end: number | null }> };
  const finalStatuses = await Promise.all(customers.map((customer) => readStatus(stack.apiUrl, customer)));

  // --- figures ---
  const statusCounts: Record<string, number> = {};
  for (const answer of answers) statusCounts[String(answer.status)] = (statusCounts[String(answer.status)] ?? 0) + 1;
  const appliedById = new Map<string, number>();
  let duplicateAnswers = 0;
  let otherAnswers = 0;
  answers.forEach((answer, index) => {
    const id = deliveries[index].event.id;
    if (answer.body?.received === true && answer.body.duplicate === true) duplicateAnswers += 1;
    else if (answer.body?.received === true && answer.body.duplicate === undefined) appliedById.set(id, (appliedById.get(id) ?? 0) + 1);
    else otherAnswers += 1;
  });
  const appliedAnswers = [...appliedById.values()].reduce((sum, n) => sum + n, 0);
  const copiesById = new Map<string, Answer[]>();
  answers.forEach((answer, index) => copiesById.set(deliveries[index].event.id, [...(copiesById.get(deliveries[index].event.id) ?? []), answer]));
  let concurrentDuplicateIds = 0;
  for (const copies of copiesById.values()) {
    const overlapping = copies.some((a, i) => copies.some((b, j) => i < j && a.startedAt < b.endedAt && b.startedAt < a.endedAt));
    if (overlapping) concurrentDuplicateIds += 1;
  }

  // --- checks ---
  const checks: Check[] = [];
  const non2xx = answers.filter((answer) => !(typeof answer.status === 'number' && answer.status >= 200 && answer.status < 300)).length;
  checks.push({
    key: 'all2xx',
    name: 'every signed delivery answered 2xx {received: true}',
    pass: load.failures.length === 0,
    detail: `${deliveries.length - load.failures.length} of ${deliveries.length} (${non2xx} non-2xx)`,
  });
  const appliedTwice = [...appliedById].filter(([, n]) => n > 1).map(([id]) => id);
  const neverApplied = events.filter((event) => !appliedById.has(event.id)).map((event) => event.id);
  checks.push({
    key: 'a',
    name: '(a) non-duplicate answers = distinct event ids, one per id',
    pass: appliedAnswers === events.length && appliedTwice.length === 0 && neverApplied.length === 0,
    detail:
      `${appliedAnswers} non-duplicate answers, ${events.length} distinct ids, ${duplicateAnswers} {duplicate: true}` +
      (appliedTwice.length ? `; applied more than once: ${appliedTwice.slice(0, 3).join(', ')}` : '') +
      (neverApplied.length ? `; never answered as applied: ${neverApplied.length} (e.g. ${neverApplied.slice(0, 3).join(', ')})` : ''),
  });
  const recordProblems: string[] = [];
  const outcomes: Record<string, number> = {};
  for (const event of events) {
    const items = records.get(event.id) ?? [];
    if (items.length !== 1) recordProblems.push(`${event.id}: ${items.length} items`);
    else if (items[0].state !== 'done') recordProblems.push(`${event.id}: state ${items[0].state}`);
    for (const item of items) {
      const key = `${event.type.replace('customer.subscription.', '')}: ${item.outcome ?? '-'}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    }
  }
  const doneItems = events.filter((event) => records.get(event.id)?.length === 1 && records.get(event.id)?.[0].state === 'done').length;
  checks.push({
    key: 'b',
    name: `(b) each distinct id has exactly one STRIPEEVENT#<id> item, state 'done'`,
    pass: recordProblems.length === 0,
    detail: `${doneItems} of ${events.length} (read from DynamoDB Local, table ${LOCAL_TABLE_NAME})${recordProblems.length ? `; ${recordProblems.length} wrong, e.g. ${recordProblems.slice(0, 3).join('; ')}` : ''}`,
  });

  // Reminder pairs: (subscription, its trial end now in Stripe) for each subscription that got a trial_will_end.
  const remindedSubs = new Set(events.filter((event) => event.type === 'customer.subscription.trial_will_end').map((event) => event.customer.subscriptionId));
  const pairs = new Set([...remindedSubs].map((sub) => `${sub}@${sandboxState.subscriptions[sub]?.trial_end}`));
  const perCustomer = customers.map((customer) => {
    const mails = outbox.emails.filter((mail) => REMINDER_SUBJECT.test(mail.subject) && mail.to.map((to) => to.toLowerCase()).includes(customer.email));
    return { customer, expected: remindedSubs.has(customer.subscriptionId) ? 1 : 0, sent: mails.length, sentAt: mails.map((mail) => Date.parse(mail.sentAt)) };
  });
  const reminders = perCustomer.reduce((sum, row) => sum + row.sent, 0);
  // Where an account got more than expected: which distinct trial_will_end events of its subscription were
  // in flight when each of its reminders was sent (the first answer of each event id).
  const reminderDiagnostics: string[] = [];
  for (const row of perCustomer.filter((r) => r.sent > r.expected)) {
    const firstAnswer = new Map<string, Answer>();
    answers.forEach((answer, index) => {
      const event = deliveries[index].event;
      if (event.customer === row.customer && event.type === 'customer.subscription.trial_will_end' && answer.body?.duplicate === undefined) firstAnswer.set(event.id, answer);
    });
    const inFlight = row.sentAt.map((at) => [...firstAnswer.values()].filter((answer) => answer.startedAt <= at && at <= answer.endedAt).length);
    reminderDiagnostics.push(
      `${row.customer.customerId} (${row.customer.subscriptionId}): ${row.sent} reminders sent at ` +
        row.sentAt.map((at, i) => `${new Date(at).toISOString().slice(11, 23)} (${inFlight[i]} distinct trial_will_end events of it in flight)`).join(', ') +
        `; notice records: ${JSON.stringify(notices.get(row.customer.customerId) ?? [])}`,
    );
  }
  const trialWillEndEvents = events.filter((event) => event.type === 'customer.subscription.trial_will_end').length;
  checks.push({
    key: 'c',
    name: '(c) reminder emails = distinct (subscription, trial end) pairs with a trial_will_end',
    pass: reminders === pairs.size && perCustomer.every((row) => row.sent === row.expected),
    detail:
      `${reminders} emails in the outbox for ${pairs.size} pairs (${trialWillEndEvents} distinct trial_will_end events); per account sent/expected: ` +
      perCustomer.map((row) => `${row.sent}/${row.expected}`).join(' '),
  });
  const changed = finalStatuses.filter((body) => body.status !== 'active' || body.billing?.subscriptionStatus !== 'trialing');
  checks.push({
    key: 'accountsUnchanged',
    name: 'accounts unchanged (status active, subscription trialing)',
    pass: changed.length === 0,
    detail: `${customers.length - changed.length} of ${customers.length}`,
  });
  const forgedRefused = forged.answers.filter((answer) => answer.status === 400 && answer.body?.error?.code === 'INVALID_SIGNATURE').length;
  const forgedClaimed = forged.ids.filter((id) => records.has(id)).length;
  checks.push({
    key: 'forgedRefused',
    name: 'forged/unsigned deliveries answered 400 INVALID_SIGNATURE, none recorded',
    pass: forgedRefused === forged.answers.length && forgedClaimed === 0,
    detail: `${forgedRefused} of ${forged.answers.length} refused (statuses ${JSON.stringify(countBy(forged.answers.map((a) => String(a.status))))}); ${forgedClaimed} STRIPEEVENT items for their ids`,
  });

  const eventTypes: Record<string, number> = {};
  for (const event of events) eventTypes[event.type] = (eventTypes[event.type] ?? 0) + 1;
  if (load.failures.length > 0) {
    const groups = countBy(load.failures.map((failure) => `${failure.status} ${failure.detail ?? ''}`.trim()));
    console.log(`!! failed signed deliveries: ${JSON.stringify(groups).slice(0, 600)}`);
  }
  return {
    options,
    distinctEvents: events.length,
    duplicates,
    adjacentDuplicates: deliveries.filter((delivery) => delivery.adjacent).length,
    eventTypes,
    provisionSeconds,
    latencies: load.latencies,
    wallMs: load.wallMs,
    throughput: load.throughput,
    statusCounts,
    answers: { applied: appliedAnswers, duplicate: duplicateAnswers, other: otherAnswers },
    concurrentDuplicateIds,
    outcomes,
    forged: { sent: forged.answers.length, byKind: forged.byKind, latencies: forged.answers.map((a) => a.endedAt - a.startedAt) },
    checks,
    reminderDiagnostics,
    noticeRecords: [...notices.values()].reduce((sum, list) => sum + list.length, 0),
    refusedHosts: refusedHosts(stack.process.output()),
  };
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (response.status !== 200) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.json();
}

interface StatusBody {
  readonly status?: string;
  readonly billing?: { readonly stripeCustomerId?: string | null; readonly subscriptionStatus?: string | null } | null;
}

async function readStatus(apiUrl: string, account: Account): Promise<StatusBody> {
  try {
    const response = await fetch(`${apiUrl}/customers/${account.customerId}/status`, {
      headers: { authorization: `Bearer ${account.accessToken}` },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = (await response.json().catch(() => ({}))) as StatusBody;
    return response.status === 200 ? body : { status: `HTTP ${response.status}` };
  } catch (error) {
    return { status: (error as Error).name };
  }
}

/**
 * Signs up `count` accounts, polls each until it is active with a trialing subscription (bounded: 120 s),
 * and finds that subscription in the sandbox's Stripe (the status route shows the Stripe customer only).
 */
async function provision(apiUrl: string, edgeUrl: string, count: number): Promise<Customer[]> {
  const runTag = `${Date.now().toString(36)}-${process.pid}`;
  const bodies = Array.from({ length: count }, (_, i) => signupBody(runTag, `wh${i}`));
  const accounts: (Account | undefined)[] = new Array(count);
  const load = await runLoad(count, 4, async (i) => {
    const created: Account[] = [];
    const outcome = await signUpVerified(apiUrl, edgeUrl, bodies[i], created);
    accounts[i] = created[0];
    return outcome;
  });
  if (load.failures.length > 0) throw new Error(`signup failed: ${load.failures.map((f) => `${f.status} ${f.detail ?? ''}`).join(' | ')}`);
  const active: (Account & { email: string; stripeCustomerId: string })[] = [];
  const deadline = Date.now() + 120_000;
  for (const [i, account] of accounts.entries()) {
    for (;;) {
      const body = await readStatus(apiUrl, account!);
      if (body.status === 'active' && body.billing?.subscriptionStatus === 'trialing' && body.billing.stripeCustomerId) {
        active.push({ ...account!, email: bodies[i].email.toLowerCase(), stripeCustomerId: body.billing.stripeCustomerId });
        break;
      }
      if (body.status === 'failed' || Date.now() > deadline) {
        throw new Error(`${account!.customerId} not active with a trialing subscription: ${JSON.stringify(body).slice(0, 300)}`);
      }
      await sleep(250);
    }
  }
  const state = (await getJson(`${edgeUrl}/_sandbox/stripe/state`)) as { subscriptions: Record<string, { id: string; customer: string; status: string; metadata?: Record<string, string> }> };
  return active.map((account) => {
    const subscriptions = Object.values(state.subscriptions).filter(
      (sub) => sub.customer === account.stripeCustomerId && sub.status === 'trialing' && sub.metadata?.customerId === account.customerId,
    );
    if (subscriptions.length !== 1) throw new Error(`${account.customerId}: ${subscriptions.length} trialing subscriptions in the sandbox's Stripe, expected 1`);
    return { customerId: account.customerId, accessToken: account.accessToken, email: account.email, subscriptionId: subscriptions[0].id };
  });
}

/** A Stripe client for the sandbox's API on the edge port (the key the local stack's secret holds). */
function sandboxStripe(edgeUrl: string): Stripe {
  const url = new URL(edgeUrl);
  return new Stripe(LOCAL_STRIPE_SECRET_KEY, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0, timeout: REQUEST_TIMEOUT_MS });
}

/** The sandbox's latest customer.subscription.updated event per customer's subscription. */
async function eventTemplates(edgeUrl: string, customers: readonly Customer[]): Promise<Map<Customer, Stripe.Event>> {
  const listed = (await getJson(`${edgeUrl}/_sandbox/stripe/events?type=customer.subscription.updated`)) as { events: { event: Stripe.Event }[] };
  const templates = new Map<Customer, Stripe.Event>();
  for (const customer of customers) {
    const found = listed.events.map((stored) => stored.event).filter((event) => (event.data.object as { id?: string }).id === customer.subscriptionId);
    const latest = found[found.length - 1];
    if (!latest) throw new Error(`the sandbox recorded no customer.subscription.updated for ${customer.subscriptionId}`);
    templates.set(customer, latest);
  }
  return templates;
}

/**
 * A new event in the template's shape: a fresh `evt_` id, this second as `created`, no request. A
 * trial_will_end carries the subscription without previous_attributes, as Stripe sends it.
 */
function buildEvent(template: Stripe.Event, customer: Customer, type: EventType, id = stripeId('evt')): PlannedEvent {
  const data: Record<string, unknown> = { object: template.data.object };
  if (type === 'customer.subscription.updated') data.previous_attributes = template.data.previous_attributes;
  const event = { ...template, id, type, created: Math.floor(Date.now() / 1000), data, pending_webhooks: 1, request: { id: null, idempotency_key: null } };
  return { id, type, customer, payload: JSON.stringify(event, null, 2) };
}

/**
 * The delivery order: every event once, plus `duplicates` copies of events picked at random. Half the
 * copies go anywhere (all shuffled); the other half right after a copy of the same event, so that at any
 * concurrency above 1 the two are in flight together.
 */
function plan(events: readonly PlannedEvent[], duplicates: number, random: () => number): Delivery[] {
  const pick = () => events[Math.floor(random() * events.length)];
  const scattered = Math.ceil(duplicates / 2);
  const order: Delivery[] = shuffled(
    [...events.map((event) => ({ event, copy: 0, adjacent: false })), ...Array.from({ length: scattered }, () => ({ event: pick(), copy: 0, adjacent: false }))],
    random,
  );
  for (let i = 0; i < duplicates - scattered; i += 1) {
    const event = pick();
    const at = order.findIndex((delivery) => delivery.event === event);
    order.splice(at + 1, 0, { event, copy: 0, adjacent: true });
  }
  const copies = new Map<PlannedEvent, number>();
  return order.map((delivery) => {
    const copy = copies.get(delivery.event) ?? 0;
    copies.set(delivery.event, copy + 1);
    return { ...delivery, copy };
  });
}

/** POST <apiUrl>/stripe/webhooks with Stripe's headers (the sandbox's own deliveries send the same). */
async function post(apiUrl: string, payload: string, signature: string | undefined): Promise<Answer> {
  const startedAt = performance.timeOrigin + performance.now();
  try {
    const response = await fetch(`${apiUrl}/stripe/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        ...(signature === undefined ? {} : { 'stripe-signature': signature }),
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      },
      body: payload,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let body: Answer['body'];
    try {
      body = JSON.parse(text) as Answer['body'];
    } catch {
      body = undefined;
    }
    return { status: response.status, body, startedAt, endedAt: performance.timeOrigin + performance.now() };
  } catch (error) {
    return { status: (error as Error).name, startedAt, endedAt: performance.timeOrigin + performance.now() };
  }
}

const FORGERIES = ['no Stripe-Signature header', 'signed with another secret', 'body changed after signing', 'timestamp 10 min old (tolerance 5 min)', 'malformed header t=1,v1=deadbeef'] as const;

/**
 * `count` deliveries that must be refused, cycling through the kinds above. Each carries a fresh event id
 * (a `customer.subscription.deleted` about a real subscription, what an attacker would send), so a forgery
 * that got through would leave a STRIPEEVENT item behind.
 */
async function sendForged(
  apiUrl: string,
  customers: readonly Customer[],
  templates: Map<Customer, Stripe.Event>,
  webhookSecret: string,
  count: number,
  random: () => number,
): Promise<{ answers: Answer[]; ids: string[]; byKind: Record<string, string> }> {
  const signer = new Stripe('sk_test_bench_signing_only');
  const answers: Answer[] = new Array(count);
  const ids: string[] = [];
  const byKind: Record<string, number[]> = {};
  await runLoad(count, 4, async (i) => {
    const customer = customers[Math.floor(random() * customers.length)];
    const event = buildEvent(templates.get(customer)!, customer, 'customer.subscription.updated');
    const payload = event.payload.replace('"customer.subscription.updated"', '"customer.subscription.deleted"');
    ids.push(event.id);
    const kind = FORGERIES[i % FORGERIES.length];
    const sign = (body: string, secret: string, timestamp?: number) => signer.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });
    let answer: Answer;
    switch (kind) {
      case 'no Stripe-Signature header':
        answer = await post(apiUrl, payload, undefined);
        break;
      case 'signed with another secret':
        answer = await post(apiUrl, payload, sign(payload, `whsec_forged_${randomBytes(8).toString('hex')}`));
        break;
      case 'body changed after signing':
        answer = await post(apiUrl, payload.replace('"livemode": false', '"livemode": true'), sign(payload, webhookSecret));
        break;
      case 'timestamp 10 min old (tolerance 5 min)':
        answer = await post(apiUrl, payload, sign(payload, webhookSecret, Math.floor(Date.now() / 1000) - 600));
        break;
      case 'malformed header t=1,v1=deadbeef':
        answer = await post(apiUrl, payload, 't=1,v1=deadbeef');
        break;
    }
    answers[i] = answer;
    byKind[kind] = [...(byKind[kind] ?? []), answer.status === 400 && answer.body?.error?.code === 'INVALID_SIGNATURE' ? 1 : 0];
    return { ok: true, status: String(answer.status) };
  });
  const summary: Record<string, string> = {};
  for (const [kind, refused] of Object.entries(byKind)) summary[kind] = `${refused.filter(Boolean).length}/${refused.length}`;
  return { answers, ids, byKind: summary };
}

/**
 * Every `STRIPEEVENT#<id>` item in the table by event id, and the trial reminders' notice records
 * (`NOTICE#trial_ending#<dedupe key>`) by customer: a paginated Scan (the table is small).
 */
async function tableRecords(
  client: ReturnType<typeof dynamoDbClient>,
): Promise<{ records: Map<string, { state?: string; outcome?: string }[]>; notices: Map<string, string[]> }> {
  const records = new Map<string, { state?: string; outcome?: string }[]>();
  const notices = new Map<string, string[]>();
  let startKey: Record<string, AttributeValue> | undefined;
  for (let page = 0; page < 1_000; page += 1) {
    const result = await client.send(
      new ScanCommand({
        TableName: LOCAL_TABLE_NAME,
        FilterExpression: 'begins_with(pk, :event) OR begins_with(sk, :notice)',
        ExpressionAttributeValues: { ':event': { S: 'STRIPEEVENT#' }, ':notice': { S: 'NOTICE#trial_ending#' } },
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
      { abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
    );
    for (const item of result.Items ?? []) {
      const pk = item.pk?.S ?? '';
      const sk = item.sk?.S ?? '';
      if (pk.startsWith('STRIPEEVENT#') && sk === 'STRIPEEVENT') {
        const id = pk.slice('STRIPEEVENT#'.length);
        records.set(id, [...(records.get(id) ?? []), { state: item.state?.S, outcome: item.outcome?.S }]);
      } else if (sk.startsWith('NOTICE#trial_ending#')) {
        const customerId = pk.replace(/^CUSTOMER#/, '');
        notices.set(customerId, [...(notices.get(customerId) ?? []), sk.slice('NOTICE#trial_ending#'.length)]);
      }
    }
    startKey = result.LastEvaluatedKey;
    if (!startKey) break;
  }
  return { records, notices };
}

/** Prints section 7; returns its figures for the JSON summary and the failed checks. */
export function printWebhookReport(result: WebhookResult): { summary: Record<string, unknown>; failed: string[] } {
  const { options } = result;
  const latency = summarize(result.latencies);
  const forgedLatency = summarize(result.forged.latencies);
  printTable(
    `7. Stripe webhooks: ${options.deliveries} signed deliveries (${result.distinctEvents} distinct events + ${result.duplicates} duplicates) at concurrency ${options.concurrency}, fast profile`,
    [{ title: 'figure' }, { title: 'value', digits: 1 }],
    [
      ['throughput, deliveries/s', result.throughput],
      ['latency p50 / p99 / max, ms', `${round(latency.p50, 1)} / ${round(latency.p99, 1)} / ${round(latency.max, 1)}`],
      ['latency mean / min, ms', `${round(latency.mean, 1)} / ${round(latency.min, 1)}`],
      ['wall time, s', result.wallMs / 1000],
      ['status codes', JSON.stringify(result.statusCounts)],
      ['answers {received} / {received, duplicate} / other', `${result.answers.applied} / ${result.answers.duplicate} / ${result.answers.other}`],
      ['event ids with two copies in flight at once', result.concurrentDuplicateIds],
      ['forged deliveries: sent, latency p50 / max ms', `${result.forged.sent}, ${round(forgedLatency.p50, 1)} / ${round(forgedLatency.max, 1)}`],
    ],
  );
  console.log(
    [
      `   Setup: ${options.customers} accounts signed up and polled to active + trialing (${result.provisionSeconds.toFixed(1)} s, not counted). Events, seed ${options.seed}:`,
      `   ${JSON.stringify(result.eventTypes)}, each in the shape of the sandbox's own customer.subscription.updated for that subscription`,
      '   (fresh evt_ id and created; trial_will_end without previous_attributes), so the handler fetches the real subscription from the',
      `   sandbox's Stripe API. trial_will_end goes to ${Math.max(1, options.customers - 2)} of the ${options.customers} subscriptions. Duplicates: same id and bytes, signed afresh at send time`,
      `   (stripe.webhooks.generateTestHeaderString, the run's STRIPE_WEBHOOK_SECRET); ${result.adjacentDuplicates} placed right after a copy of their event, the rest shuffled anywhere.`,
      `   Latency: fetch from this process to the API port, response body read. Event outcomes recorded: ${JSON.stringify(result.outcomes)}.`,
      `   Forgeries (refused/sent): ${JSON.stringify(result.forged.byKind)}.`,
    ].join('\n'),
  );
  printTable('   Checks', [{ title: 'check' }, { title: 'result' }, { title: 'detail' }], result.checks.map((check) => [check.name, check.pass ? 'PASS' : 'FAIL', check.detail]));
  console.log(`   Trial reminder notice records (NOTICE#trial_ending#<subscription>-<trial end>) in the table: ${result.noticeRecords}.`);
  for (const line of result.reminderDiagnostics) console.log(`!! ${line}`);
  if (Object.keys(result.refusedHosts).length > 0) console.log(`!! the loopback guard refused: ${JSON.stringify(result.refusedHosts)}`);
  const failed = result.checks.filter((check) => !check.pass).map((check) => `${check.name}: ${check.detail}`);
  return {
    failed,
    summary: {
      webhooks: {
        deliveries: options.deliveries,
        distinctEvents: result.distinctEvents,
        concurrency: options.concurrency,
        rps: round(result.throughput, 1),
        p50Ms: round(latency.p50, 1),
        p99Ms: round(latency.p99, 1),
        maxMs: round(latency.max, 1),
        statusCounts: result.statusCounts,
        concurrentDuplicateIds: result.concurrentDuplicateIds,
        forged: result.forged.sent,
        checks: Object.fromEntries(result.checks.map((check) => [check.key, check.pass ? 'PASS' : 'FAIL'])),
      },
    },
  };
}
