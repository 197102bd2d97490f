import { execFileSync } from 'node:child_process';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;

/**
 * Validates an OpenAPI document with @seriousme/openapi-schema-validator, an implementation independent of
 * ours (the official OpenAPI JSON Schemas). It ships ESM only, which Jest's CommonJS runtime cannot load,
 * so it runs in a child Node process.
 */
export function validateOpenApiDocument(document: unknown): { valid: boolean; version?: string; errors?: unknown } {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    process.stdout.write(JSON.stringify({ ...result, version: validator.version }));
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { input: JSON.stringify(document), cwd: process.cwd() });
  return JSON.parse(output.toString('utf8'));
}

/** `/auth/signup` -> `~1auth~1signup` (a JSON Pointer token). */
const pointer = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Checks response bodies against the document's own response schemas (JSON Schema 2020-12, as any client
 * generator would read them). Returns the schema errors, or undefined when the body conforms.
 */
export function responseChecker(document: Json) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...document, $id: 'openapi.json' });
  return (method: string, path: string, status: number, body: unknown): unknown[] | undefined => {
    const ref = `openapi.json#/paths/${pointer(path)}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
    const operation = (document.paths as Record<string, Record<string, { responses: Json }>>)[path]?.[method.toLowerCase()];
    if (!operation?.responses[String(status)]) return [`the document has no ${status} response for ${method} ${path}`];
    const validate = ajv.compile({ $ref: ref });
    return validate(body) ? undefined : (validate.errors ?? []);
  };
}
