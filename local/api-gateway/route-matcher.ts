import type { RouteDefinition } from '../../lambdas/api/routes';

export type RouteMatch =
  | { readonly kind: 'route'; readonly route: RouteDefinition; readonly pathParameters: Record<string, string> }
  /** The path is a resource, but not for this method: API Gateway's 405, with what it does accept. */
  | { readonly kind: 'method-not-allowed'; readonly resourcePath: string; readonly allowedMethods: readonly string[] }
  | { readonly kind: 'not-found' };

interface Resource {
  readonly path: string;
  readonly segments: readonly string[];
  readonly routes: readonly RouteDefinition[];
}

const PARAM = /^\{([A-Za-z0-9_]+)\}$/;

/**
 * Matches requests to the route table as API Gateway matches resources: the most specific resource
 * wins (a literal segment beats a `{param}`), and its methods decide; it never falls back to another one.
 */
export class RouteMatcher {
  private readonly resources: readonly Resource[];

  constructor(routes: readonly RouteDefinition[]) {
    const byPath = new Map<string, RouteDefinition[]>();
    for (const route of routes) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route]);
    this.resources = [...byPath].map(([path, resourceRoutes]) => ({ path, segments: split(path), routes: resourceRoutes }));
  }

  match(method: string, path: string): RouteMatch {
    const best = this.findResource(split(path));
    if (!best) return { kind: 'not-found' };
    const route = best.resource.routes.find((candidate) => candidate.method === method);
    if (!route) {
      return {
        kind: 'method-not-allowed',
        resourcePath: best.resource.path,
        allowedMethods: best.resource.routes.map((candidate) => candidate.method),
      };
    }
    return { kind: 'route', route, pathParameters: best.pathParameters };
  }

  /** The resource path a request path belongs to, whatever its method (for CORS preflight). */
  allowedMethods(path: string): readonly string[] | undefined {
    return this.findResource(split(path))?.resource.routes.map((route) => route.method);
  }

  private findResource(requestSegments: readonly string[]) {
    let best: { resource: Resource; pathParameters: Record<string, string>; score: string } | undefined;
    for (const resource of this.resources) {
      const pathParameters = matchSegments(resource.segments, requestSegments);
      if (!pathParameters) continue;
      // One character per segment, literal before parameter: comparing the strings ranks specificity.
      const score = resource.segments.map((segment) => (PARAM.test(segment) ? '1' : '0')).join('');
      if (!best || score < best.score) best = { resource, pathParameters, score };
    }
    return best;
  }
}

function split(path: string): string[] {
  return path.split('/').slice(1);
}

function matchSegments(pattern: readonly string[], request: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== request.length) return undefined;
  const parameters: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const param = PARAM.exec(pattern[i]);
    if (param) {
      if (request[i] === '') return undefined;
      parameters[param[1]] = safeDecode(request[i]);
    } else if (pattern[i] !== request[i]) {
      return undefined;
    }
  }
  return parameters;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
