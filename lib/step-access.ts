// Moved to lib/function-access.ts (one access model for routes, steps and jobs); kept so modules not yet
// moved over (lib/billing-sweeps.ts) still compile. Import from './function-access' in new code.
export { grantSendEmail, grantStripeKeys } from './function-access';
