import type { PlanName } from './plans';

/** How long each plan's daily backups are kept (the business plan sells 7, 14 and 30 days). */
export const BACKUP_RETENTION_DAYS: Readonly<Record<PlanName, number>> = {
  starter: 7,
  business: 14,
  enterprise: 30,
};
