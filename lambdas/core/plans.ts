/** StackPro's plans: what each costs and which instance it runs on. */
export const PLAN_NAMES = ['starter', 'business', 'enterprise'] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

export interface Plan {
  readonly name: PlanName;
  readonly instanceType: 't3.micro' | 't3.small' | 't3.medium';
  /** USD per month, in cents (no floats for money). */
  readonly monthlyPriceCents: number;
  /** Real-time chat, SMS and WhatsApp come with business and enterprise. */
  readonly messaging: boolean;
  /** The data volume's size (GiB), as the business plan sells it; EBS cannot shrink, so a downgrade keeps a larger one. */
  readonly volumeGb: 20 | 50 | 100;
}

export const PLANS: Readonly<Record<PlanName, Plan>> = {
  starter: { name: 'starter', instanceType: 't3.micro', monthlyPriceCents: 29_900, messaging: false, volumeGb: 20 },
  business: { name: 'business', instanceType: 't3.small', monthlyPriceCents: 59_900, messaging: true, volumeGb: 50 },
  enterprise: { name: 'enterprise', instanceType: 't3.medium', monthlyPriceCents: 129_900, messaging: true, volumeGb: 100 },
};

export const TRIAL_DAYS = 7;

/** When a trial that starts at `start` ends. */
export function trialEndsAt(start: Date): Date {
  return new Date(start.getTime() + TRIAL_DAYS * 24 * 3600 * 1000);
}

/** Whether moving from `from` to `to` is a downgrade (a smaller, cheaper plan). */
export function isDowngrade(from: PlanName, to: PlanName): boolean {
  return PLANS[to].monthlyPriceCents < PLANS[from].monthlyPriceCents;
}
