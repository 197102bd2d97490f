import type { z } from 'zod';
import { PLANS } from '../core/plans';
import { PlanRequiredError } from '../core/errors';
import type { HttpResult } from './http';
import { resourceIdParam, parseJsonBody } from './validation';
import { verifiedCustomerRoute, type VerifiedCustomerRequest } from './verified-customer';

/**
 * A messaging route: a verified customer whose plan includes messaging (403 PLAN_REQUIRED before anything
 * else is read, body included). Every route under /messaging uses this.
 */
export function messagingRoute(fn: (request: VerifiedCustomerRequest) => Promise<HttpResult>) {
  return verifiedCustomerRoute(async (request) => {
    if (!PLANS[request.customer.plan].messaging) throw new PlanRequiredError();
    return fn(request);
  });
}

/** A messaging route with a JSON body, validated after the plan check. */
export function messagingJsonRoute<S extends z.ZodType>(schema: S, fn: (request: VerifiedCustomerRequest & { json: z.infer<S> }) => Promise<HttpResult>) {
  return messagingRoute(async (request) => fn({ ...request, json: parseJsonBody(request.event, schema) }));
}

/** The `{conversationId}` path parameter; an id that cannot be one is 404 like an unknown one. */
export function conversationIdParam(request: VerifiedCustomerRequest): string {
  return resourceIdParam(request.event, 'conversationId', 'conversation');
}
