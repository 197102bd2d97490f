import { App } from 'aws-cdk-lib';
import cdkJson from '../../cdk.json';
import { MAX_BILLING_RETENTION_DAYS, MAX_SIGNING_KEY_ROTATION_DAYS, OPTIONAL_SETTINGS, readSettings, SETTINGS_CONTEXT_KEYS } from '../../lib/settings';

const priceIds = { starter: 'price_1PstarterAbc', business: 'price_1PbusinessAbc', enterprise: 'price_1PenterpriseAbc' };

const validContext = {
  'stackpro:customerDomain': 'customers.stackpro.io',
  'stackpro:hostedZoneId': 'Z0123456789ABCDEFGHIJ',
  'stackpro:senderAddress': 'welcome@stackpro.io',
  'stackpro:frontendOrigin': 'https://app.stackpro.io',
  'stackpro:customerAmiSsmParameter': '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
  'stackpro:stripePriceIds': priceIds,
};

function settingsFrom(context: Record<string, unknown>) {
  return readSettings(new App({ context }));
}

describe('readSettings', () => {
  it('reads every setting from context, typed', () => {
    expect(settingsFrom(validContext)).toEqual({
      customerDomain: 'customers.stackpro.io',
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      senderAddress: 'welcome@stackpro.io',
      frontendOrigin: 'https://app.stackpro.io',
      customerAmiSsmParameter: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
      stripePriceIds: priceIds,
      billingRetentionDays: 30,
      finalSnapshotRetentionDays: 90,
      messagingHistoryRetentionDays: 30,
      signingKeyRotationDays: 30,
      capacityWaitHours: 24,
    });
  });

  it('accepts the values committed in cdk.json', () => {
    expect(() => settingsFrom(cdkJson.context)).not.toThrow();
  });

  it('names every missing key at once', () => {
    const partial: Record<string, unknown> = { ...validContext };
    delete partial['stackpro:hostedZoneId'];
    delete partial['stackpro:senderAddress'];
    expect(() => settingsFrom(partial)).toThrow(/stackpro:hostedZoneId is missing[\s\S]*stackpro:senderAddress is missing/);
  });

  it.each([
    ['stackpro:frontendOrigin', 'https://app.stackpro.io/', /bare origin \(did you mean https:\/\/app\.stackpro\.io\?\)/],
    ['stackpro:frontendOrigin', 'http://app.stackpro.io', /must use https/],
    ['stackpro:customerDomain', 'Customers.StackPro.io', /lower-case DNS name/],
    ['stackpro:hostedZoneId', 'zone-1', /hosted zone id/],
    ['stackpro:senderAddress', 'welcome', /email address/],
    ['stackpro:customerAmiSsmParameter', 'ami-123', /SSM parameter name/],
    ['stackpro:customerDomain', 42, /must be a string/],
  ])('refuses %s = %j', (key, value, message) => {
    expect(() => settingsFrom({ ...validContext, [key]: value })).toThrow(message);
  });

  it('allows a plain-http localhost origin for local frontends', () => {
    expect(settingsFrom({ ...validContext, 'stackpro:frontendOrigin': 'http://localhost:5173' }).frontendOrigin).toBe(
      'http://localhost:5173',
    );
  });

  it('uses the keys documented in cdk.json (every required one is set there)', () => {
    const required = Object.entries(SETTINGS_CONTEXT_KEYS)
      .filter(([field]) => !OPTIONAL_SETTINGS.has(field as keyof typeof SETTINGS_CONTEXT_KEYS))
      .map(([, key]) => key);
    expect(Object.keys(cdkJson.context)).toEqual(expect.arrayContaining(required));
  });

  it('leaves the alarm email out when it is not set, and checks it when it is', () => {
    expect(settingsFrom(validContext).alarmEmail).toBeUndefined();
    expect(settingsFrom({ ...validContext, 'stackpro:alarmEmail': 'oncall@stackpro.io' }).alarmEmail).toBe('oncall@stackpro.io');
    expect(() => settingsFrom({ ...validContext, 'stackpro:alarmEmail': 'oncall' })).toThrow(/stackpro:alarmEmail must be an email address/);
  });

  describe('stackpro:stripePriceIds', () => {
    const key = 'stackpro:stripePriceIds';

    it('is required', () => {
      const context: Record<string, unknown> = { ...validContext };
      delete context[key];
      expect(() => settingsFrom(context)).toThrow(/stackpro:stripePriceIds is missing/);
    });

    it('accepts the JSON text that -c passes, as well as an object from cdk.json', () => {
      expect(settingsFrom({ ...validContext, [key]: JSON.stringify(priceIds) }).stripePriceIds).toEqual(priceIds);
    });

    it.each([
      ['not JSON', '{starter: price_1}', /must be a JSON object of starter, business, enterprise to Stripe price ids/],
      ['an array', ['price_1'], /must be a JSON object/],
      ['a plan left out', { starter: 'price_1', business: 'price_2' }, /has no price for enterprise/],
      ['an unknown plan', { ...priceIds, gold: 'price_4' }, /names unknown plans gold/],
      ['a product id instead of a price id', { ...priceIds, business: 'prod_123' }, /business must be a Stripe price id such as price_1PqRsT\.\.\., got "prod_123"/],
      ['a number', { ...priceIds, starter: 42 }, /starter must be a Stripe price id/],
    ])('refuses %s', (_what, value, message) => {
      expect(() => settingsFrom({ ...validContext, [key]: value })).toThrow(message);
    });

    it('names every problem at once', () => {
      expect(() => settingsFrom({ ...validContext, [key]: { starter: 'sk_live_oops', gold: 'price_1' } })).toThrow(
        /has no price for business, enterprise; names unknown plans gold; starter must be a Stripe price id/,
      );
    });

    it('has placeholders in cdk.json that an operator replaces', () => {
      expect(Object.values(cdkJson.context[key])).toEqual(Object.values(cdkJson.context[key]).map(() => expect.stringMatching(/^price_REPLACE_/)));
    });
  });

  describe('stackpro:billingRetentionDays', () => {
    const key = 'stackpro:billingRetentionDays';

    it('defaults to 30 days', () => {
      expect(settingsFrom(validContext).billingRetentionDays).toBe(30);
    });

    it('accepts whole days up to the deprovision workflow bound, as a number or -c text', () => {
      expect(settingsFrom({ ...validContext, [key]: 7 }).billingRetentionDays).toBe(7);
      expect(settingsFrom({ ...validContext, [key]: '14' }).billingRetentionDays).toBe(14);
      expect(settingsFrom({ ...validContext, [key]: MAX_BILLING_RETENTION_DAYS }).billingRetentionDays).toBe(30);
    });

    it.each([0, 31, 1.5, '2 weeks', -1])('refuses %j', (value) => {
      expect(() => settingsFrom({ ...validContext, [key]: value })).toThrow(/stackpro:billingRetentionDays must be a whole number of days from 1 to 30/);
    });
  });

  describe('stackpro:finalSnapshotRetentionDays', () => {
    const key = 'stackpro:finalSnapshotRetentionDays';

    it('defaults to 90 days, and takes whole days as a number or -c text', () => {
      expect(settingsFrom(validContext).finalSnapshotRetentionDays).toBe(90);
      expect(settingsFrom({ ...validContext, [key]: 365 }).finalSnapshotRetentionDays).toBe(365);
      expect(settingsFrom({ ...validContext, [key]: '30' }).finalSnapshotRetentionDays).toBe(30);
    });

    it.each([0, 3651, 2.5, 'a year'])('refuses %j', (value) => {
      expect(() => settingsFrom({ ...validContext, [key]: value })).toThrow(/stackpro:finalSnapshotRetentionDays must be a whole number of days from 1 to 3650/);
    });
  });

  describe('stackpro:signingKeyRotationDays', () => {
    const key = 'stackpro:signingKeyRotationDays';

    it('defaults to 30 days, as cdk.json says', () => {
      expect(settingsFrom(validContext).signingKeyRotationDays).toBe(30);
      expect(cdkJson.context[key]).toBe(30);
    });

    it('accepts whole days up to a year, as a number or -c text', () => {
      expect(settingsFrom({ ...validContext, [key]: 1 }).signingKeyRotationDays).toBe(1);
      expect(settingsFrom({ ...validContext, [key]: '90' }).signingKeyRotationDays).toBe(90);
      expect(settingsFrom({ ...validContext, [key]: MAX_SIGNING_KEY_ROTATION_DAYS }).signingKeyRotationDays).toBe(365);
    });

    it.each([0, 366, 1.5, 'monthly', -1])('refuses %j', (value) => {
      expect(() => settingsFrom({ ...validContext, [key]: value })).toThrow(/stackpro:signingKeyRotationDays must be a whole number of days from 1 to 365/);
    });
  });

  describe('stackpro:capacityWaitHours', () => {
    const key = 'stackpro:capacityWaitHours';

    it('defaults to 24 hours and accepts whole hours up to a week, as a number or -c text', () => {
      expect(settingsFrom(validContext).capacityWaitHours).toBe(24);
      expect(settingsFrom({ ...validContext, [key]: 1 }).capacityWaitHours).toBe(1);
      expect(settingsFrom({ ...validContext, [key]: '168' }).capacityWaitHours).toBe(168);
    });

    it.each([0, 169, 1.5, 'a day'])('refuses %j', (value) => {
      expect(() => settingsFrom({ ...validContext, [key]: value })).toThrow(/stackpro:capacityWaitHours must be a whole number of hours from 1 to 168/);
    });
  });
});
