import { signedFetch } from '../admin-request';

/** An answer of the admin API that is not a success: its documented error code, message and details. */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly { field: string; message: string }[] = [],
    readonly body: unknown = undefined,
  ) {
    super(message);
  }
}

/** `--api`, else STACKPRO_API_URL, else the local stack on PORT (3000): no flag needed locally. */
export function apiBaseUrl(option: string | undefined, env: NodeJS.ProcessEnv = process.env): URL {
  const raw = option ?? env.STACKPRO_API_URL ?? `http://localhost:${env.PORT ?? 3000}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`--api must be a URL, got "${raw}"`);
  }
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

/**
 * The admin routes, SigV4-signed (bin/admin-request.ts): the same calls against the local stack and a
 * deployed API. Each method answers the route's JSON or throws AdminApiError with its code.
 */
export class AdminApi {
  constructor(readonly base: URL) {}

  async request<T>(method: 'GET' | 'POST', path: string, query: Record<string, string | number | undefined> = {}, body?: unknown): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
    let response: Response;
    try {
      response = await signedFetch(method, url, body);
    } catch (error) {
      throw new Error(`cannot reach ${this.base.origin} (${String((error as Error).cause ?? (error as Error).message)}); is the stack running (npm start) or --api right?`, { cause: error });
    }
    const text = await response.text();
    let answer: unknown;
    try {
      answer = text ? JSON.parse(text) : undefined;
    } catch {
      answer = text;
    }
    if (!response.ok) {
      const error = (answer as { error?: { code?: string; message?: string; details?: { field: string; message: string }[] } } | undefined)?.error;
      throw new AdminApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? text.slice(0, 200), error?.details ?? [], answer);
    }
    return answer as T;
  }

  listCustomers(query: { status?: string; plan?: string; email?: string; subdomain?: string; limit?: number; cursor?: string }) {
    return this.request<CustomerPage>('GET', 'admin/customers', query);
  }

  getCustomer(customerId: string) {
    return this.request<CustomerDetail>('GET', `admin/customers/${encodeURIComponent(customerId)}`);
  }

  retryProvisioning(customerId: string) {
    return this.request<{ customerId: string; status: string; attempt: number; executionName: string }>(
      'POST',
      `admin/customers/${encodeURIComponent(customerId)}/provisioning/retry`,
    );
  }

  suspend(customerId: string) {
    return this.request<OperatorAction>('POST', `admin/customers/${encodeURIComponent(customerId)}/suspend`);
  }

  resume(customerId: string) {
    return this.request<OperatorAction>('POST', `admin/customers/${encodeURIComponent(customerId)}/resume`);
  }

  changePlan(customerId: string, plan: string) {
    return this.request<{ plan: string; pendingPlan: string }>('POST', `admin/customers/${encodeURIComponent(customerId)}/plan`, {}, { plan });
  }

  backUp(customerId: string) {
    return this.request<{ backupJobId: string }>('POST', `admin/customers/${encodeURIComponent(customerId)}/backups`);
  }

  restore(customerId: string, recoveryPointId: string) {
    return this.request<RestoreAction>('POST', `admin/customers/${encodeURIComponent(customerId)}/restore`, {}, { recoveryPointId });
  }
}

// The routes' response shapes (lambdas/api/contract/responses.ts), as the CLI reads them.
export interface CustomerListing {
  readonly customerId: string;
  readonly email: string;
  readonly company: string;
  readonly plan: string;
  readonly status: string;
  readonly subdomain: string;
  readonly createdAt: string;
}
export interface CustomerPage {
  readonly items: CustomerListing[];
  readonly nextCursor?: string;
}
export interface Step {
  readonly name: string;
  readonly status: string;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly message?: string;
}
export interface Execution {
  readonly workflow: string;
  readonly executionName: string;
  readonly status: string;
  readonly startedAt: string | null;
  readonly stoppedAt: string | null;
  readonly failedState?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly stateError?: string;
  readonly stateCause?: string;
}
export interface CustomerDetail extends CustomerListing {
  readonly firstName: string;
  readonly lastName: string;
  readonly verifiedAt: string | null;
  readonly trialEndsAt: string | null;
  readonly publicIp: string | null;
  readonly services: Record<string, string>;
  readonly failureReason?: string;
  readonly pendingPlan?: string;
  readonly planChangeFailure?: string;
  readonly billing: {
    readonly stripeCustomerId: string | null;
    readonly subscriptionStatus: string | null;
    readonly trialEndsAt: string | null;
    readonly currentPeriodEnd: string | null;
    readonly cancelAtPeriodEnd: boolean;
  };
  readonly provisioning: { readonly executionName: string; readonly attempt: number; readonly currentStep: string | null; readonly steps: Step[] };
  readonly workflow: { readonly name: string; readonly executionName: string; readonly currentStep: string | null; readonly steps: Step[] } | null;
  readonly executions: Execution[];
}
export interface RestoreAction {
  readonly customerId: string;
  readonly recoveryPointId: string;
  readonly executionName: string;
  readonly changed: boolean;
}
export interface OperatorAction {
  readonly customerId: string;
  readonly status: string;
  readonly changed: boolean;
  readonly executionName?: string;
}
