/** The error codes the OpenAPI document lists per route: the one list in lambdas/core/error-codes.ts. */
export { ERROR_CODES, type ErrorCode, type ErrorContract } from '../../core/error-codes';
