import { decideLifecycle } from '../../../lambdas/billing/lifecycle-rule';

describe('billing lifecycle rule', () => {
  it.each([
    ['active', 'trialing', 'none'],
    ['active', 'active', 'none'],
    ['active', 'past_due', 'mark_past_due'],
    ['past_due', 'past_due', 'none'],
    ['past_due', 'active', 'mark_active'],
    ['active', 'unpaid', 'suspend'],
    ['past_due', 'unpaid', 'suspend'],
    ['active', 'paused', 'suspend'],
    ['active', 'canceled', 'suspend'],
    ['resuming', 'canceled', 'suspend'],
    ['suspending', 'unpaid', 'none'],
    ['suspended', 'paused', 'none'],
    ['suspended', 'active', 'resume'],
    ['suspending', 'active', 'resume'],
    ['suspended', 'past_due', 'none'],
    ['provisioning', 'canceled', 'none'],
    ['waiting_for_capacity', 'canceled', 'none'],
    ['failed', 'active', 'none'],
    ['cancelled', 'active', 'none'],
    ['active', 'incomplete', 'none'],
  ] as const)('account %s with subscription %s: %s', (account, subscription, action) => {
    expect(decideLifecycle(account, subscription)).toBe(action);
  });

  it('converges whatever the order of observations: applying the latest state twice changes nothing', () => {
    expect(decideLifecycle('suspending', 'paused')).toBe('none');
    expect(decideLifecycle('resuming', 'active')).toBe('none');
  });
});
