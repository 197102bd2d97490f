/**
 * @deprecated Import `workflowStep` from `../workflows/step-kit`. Kept only for check-email-verification.ts
 * and activate-customer.ts, which are being reworked on another branch; delete once they import the kit.
 */
export { StepContext, workflowStep as provisioningStep } from '../workflows/step-kit';
export type { StepOutcome } from '../workflows/step-kit';
