import type { z } from 'zod';
import type { ErrorCode } from './errors';

/**
 * What a client needs to know about one route, beside its row in lambdas/api/routes.ts (method, path and
 * auth come from there). Schemas are the zod schemas the handler itself uses, so the document cannot
 * describe a body the handler would refuse.
 */
export interface RouteContract {
  /** One line, shown as the operation's title. */
  readonly summary: string;
  readonly description?: string;
  /** The schema the handler validates its JSON body with (`jsonRoute`); it brings the 400/413/415 errors. */
  readonly request?: z.core.$ZodType;
  /** A body the handler takes byte for byte and verifies rather than parses (the Stripe webhook). */
  readonly rawRequest?: { readonly body: z.core.$ZodType; readonly description: string };
  /** The schema the handler validates its query string with (`parseQuery`): each field is one query parameter. */
  readonly query?: z.core.$ZodObject;
  /** Request headers the route reads, by name, with what they carry. */
  readonly requestHeaders?: Readonly<Record<string, string>>;
  readonly success: {
    readonly status: 200 | 201 | 202 | 204;
    readonly description: string;
    /** Absent for 204 No Content. */
    readonly body?: z.ZodType;
    /**
     * The body's media type when it is not JSON (a CSV export: `body` is then a string schema describing it).
     * @default 'application/json'
     */
    readonly mediaType?: string;
    /** Response headers, by name, with what they carry (e.g. `Location`). */
    readonly headers?: Readonly<Record<string, string>>;
  };
  /**
   * Errors this route's own code can answer. Those every route of its kind answers (body validation, the
   * authorizer, throttling, 500, 503 for routes that call AWS) are added by openapi.ts.
   */
  readonly errors?: readonly ErrorCode[];
}
