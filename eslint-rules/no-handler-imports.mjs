// Local ESLint rule: no module imports a Lambda handler file. A handler file is one under lambdas/ that
// exports `handler` (exactly the files the route table, the workflow steps, the scheduled jobs and the infra
// functions name; test/unit/eslint-rules/no-handler-imports.test.ts checks the two sets agree). Whatever two
// handlers share lives in a module named for it, so bundling one handler never drags in another.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const EXPORTS_HANDLER = /^export\s+(?:const|let|async\s+function|function)\s+handler\b|^export\s*\{[^}]*\bhandler\b[^}]*\}/m;
const cache = new Map();

/** Whether `file` (absolute, .ts) is a Lambda handler file. */
export function isHandlerFile(file) {
  if (!cache.has(file)) cache.set(file, existsSync(file) && EXPORTS_HANDLER.test(readFileSync(file, 'utf8')));
  return cache.get(file);
}

function resolveTs(fromFile, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), specifier);
  return [`${base}.ts`, join(base, 'index.ts'), base].find((candidate) => candidate.endsWith('.ts') && existsSync(candidate));
}

export const noHandlerImports = {
  meta: {
    type: 'problem',
    docs: { description: 'Disallow importing a Lambda handler file; move what is shared into a module named for it.' },
    messages: { handler: "'{{path}}' is a Lambda handler file: move what you need from it into a module named for it." },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const root = context.cwd;
    const check = (node) => {
      if (!node || node.type !== 'Literal' || typeof node.value !== 'string') return;
      const target = resolveTs(file, node.value);
      if (!target || target === file || !relative(root, target).startsWith(`lambdas${sep}`)) return;
      if (isHandlerFile(target)) context.report({ node, messageId: 'handler', data: { path: relative(root, target).split(sep).join('/') } });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSImportType: (node) => check(node.argument?.literal ?? node.argument),
      TSImportEqualsDeclaration: (node) => check(node.moduleReference?.expression),
    };
  },
};

export default { meta: { name: 'stackpro' }, rules: { 'no-handler-imports': noHandlerImports } };
