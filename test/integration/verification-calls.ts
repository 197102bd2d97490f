import { call, newSignup } from './api-client';

/** A signup over HTTP (201 asserted), with the credentials the test needs afterwards. */
export async function signUp(json = newSignup(), base?: string) {
  const res = await call('POST', '/auth/signup', { json, base });
  expect(res.status).toBe(201);
  return { ...res.body, email: json.email.trim().toLowerCase(), password: json.password, company: json.company } as {
    customerId: string;
    accessToken: string;
    refreshToken: string;
    subdomain: string;
    email: string;
    password: string;
    company: string;
  };
}

export const verify = (token: unknown, base?: string) => call('POST', '/auth/verify-email', { json: { token }, base });
export const resend = (accessToken: string, base?: string) => call('POST', '/auth/resend-verification', { token: accessToken, base });
export const status = (customer: { customerId: string; accessToken: string }, base?: string) =>
  call('GET', `/customers/${customer.customerId}/status`, { token: customer.accessToken, base });
