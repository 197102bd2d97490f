/**
 * @deprecated Import from `./customer-lifecycle`. Kept only for provisioning/activate-customer.ts, which is
 * being reworked on another branch; delete once it imports customer-lifecycle.
 */
export { setProvisioningOutcome } from './customer-lifecycle';
