import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { sesv2 } from '../clients/sesv2';
import { config } from '../config';
import { verificationLink } from '../core/verification';
import type { RenderedEmail } from './templates';

/**
 * The verification email. It goes to an address nobody has proved yet, from our own sender, so it holds
 * NO text the person typed (no name, no company): only our sentences, the link and the token. Anything
 * else would let anyone send our-branded email with their words in it to any address.
 */
export function verificationEmail(frontendOrigin: string, token: string): RenderedEmail {
  const link = verificationLink(frontendOrigin, token);
  // The token is base64url and the origin comes from our configuration: neither needs escaping, but the
  // HTML escapes them anyway so a bad configuration cannot break the markup.
  const safe = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    subject: 'Confirm your email address for StackPro',
    text: [
      'Someone (we hope you) signed up for StackPro with this email address.',
      '',
      'To confirm it and start your 7-day free trial, open this link within 24 hours:',
      link,
      '',
      `Or paste this verification code on the StackPro verification page: ${token}`,
      '',
      'If it was not you, ignore this email: the account is removed after 7 days and nothing is charged.',
      '',
      'The StackPro team',
    ].join('\n'),
    html: [
      '<p>Someone (we hope you) signed up for StackPro with this email address.</p>',
      `<p>To confirm it and start your 7-day free trial, <a href="${safe(link)}">confirm your email address</a> within 24 hours.</p>`,
      `<p>Or paste this verification code on the StackPro verification page: <code>${safe(token)}</code></p>`,
      '<p>If it was not you, ignore this email: the account is removed after 7 days and nothing is charged.</p>',
      '<p>The StackPro team</p>',
    ].join('\n'),
  };
}

/** Sends one verification email from the sender address (SESv2). */
export async function sendVerificationEmail(to: string, token: string): Promise<void> {
  const { subject, text, html } = verificationEmail(config.frontendOrigin(), token);
  await sesv2.send(
    new SendEmailCommand({
      FromEmailAddress: config.senderAddress(),
      Destination: { ToAddresses: [to] },
      Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text }, Html: { Data: html } } } },
    }),
  );
}
