import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { sesv2 } from '../clients/sesv2';
import { config } from '../config';
import type { RenderedEmail } from './templates';

/**
 * The password-reset email. It carries nothing the user typed (no name, no company): anyone can ask for
 * a reset for any address, so the text must be ours alone. The link and the bare token are the only
 * variable parts, both ours.
 */
export function passwordResetEmail(link: string, token: string, validMinutes: number): RenderedEmail {
  const paragraphs = [
    'Someone (we hope you) asked to reset the password of the StackPro account that uses this email address.',
    `To choose a new password, open this link within ${validMinutes} minutes:`,
  ];
  const after = [
    `Or enter this code on the reset page: ${token}`,
    'The link works once. If you did not ask for it, ignore this email: your password stays as it is.',
    'The StackPro team',
  ];
  return {
    subject: 'Reset your StackPro password',
    text: [...paragraphs, link, ...after].join('\n\n'),
    // Link and token are base64url and an https/http origin we configured: nothing to escape, nothing user-typed.
    html: [...paragraphs.map((p) => `<p>${p}</p>`), `<p><a href="${link}">${link}</a></p>`, ...after.map((p) => `<p>${p}</p>`)].join('\n'),
  };
}

/** Sends it from the sender address; returns SES's message id. */
export async function sendPasswordResetEmail(to: string, email: RenderedEmail): Promise<string | undefined> {
  const result = await sesv2.send(
    new SendEmailCommand({
      FromEmailAddress: config.senderAddress(),
      Destination: { ToAddresses: [to] },
      Content: { Simple: { Subject: { Data: email.subject }, Body: { Text: { Data: email.text }, Html: { Data: email.html } } } },
    }),
  );
  return result.MessageId;
}
