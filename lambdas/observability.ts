import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one structured logger for all Lambda code. Never pass it an email, name, password or token:
 * log ids (customerId, requestId) and error names instead.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'stackpro' });
