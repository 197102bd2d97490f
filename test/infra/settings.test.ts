import { App } from 'aws-cdk-lib';
import cdkJson from '../../cdk.json';
import { OPTIONAL_SETTINGS, readSettings, SETTINGS_CONTEXT_KEYS } from '../../lib/settings';

const validContext = {
  'stackpro:customerDomain': 'customers.stackpro.io',
  'stackpro:hostedZoneId': 'Z0123456789ABCDEFGHIJ',
  'stackpro:senderAddress': 'welcome@stackpro.io',
  'stackpro:frontendOrigin': 'https://app.stackpro.io',
  'stackpro:customerAmiSsmParameter': '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
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
    });
  });

  it('accepts the values committed in cdk.json', () => {
    expect(() => settingsFrom(cdkJson.context)).not.toThrow();
  });

  it('names every missing key at once', () => {
    const partial: Record<string, string> = { ...validContext };
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
});
