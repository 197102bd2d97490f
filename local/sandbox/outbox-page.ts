import type { OutboxEmail } from './sesv2';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/**
 * The outbox as a page a developer can read. Everything is escaped, the HTML part included (shown as
 * source in a sandboxed iframe via srcdoc, so its markup renders but its scripts cannot run).
 */
export function renderOutboxPage(emails: readonly OutboxEmail[]): string {
  const items = [...emails]
    .reverse()
    .map(
      (email) => `<article>
  <h2>${escapeHtml(email.subject)}</h2>
  <dl>
    <dt>From</dt><dd>${escapeHtml(email.from)}</dd>
    <dt>To</dt><dd>${escapeHtml([...email.to, ...email.cc].join(', '))}</dd>
    <dt>Sent</dt><dd>${escapeHtml(email.sentAt)}</dd>
    <dt>Message id</dt><dd><code>${escapeHtml(email.messageId)}</code></dd>
  </dl>
  ${email.html === undefined ? '' : `<iframe sandbox title="HTML part" srcdoc="${escapeHtml(email.html)}"></iframe>`}
  ${email.text === undefined ? '' : `<pre>${escapeHtml(email.text)}</pre>`}
</article>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'">
<title>StackPro sandbox outbox (${emails.length})</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
article { border: 1px solid #ccc; border-radius: 6px; padding: 1rem 1.5rem; margin-bottom: 1.5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
iframe { width: 100%; min-height: 12rem; border: 1px solid #eee; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: .75rem; }
</style>
</head>
<body>
<h1>Outbox: ${emails.length} email${emails.length === 1 ? '' : 's'} sent through the sandbox's SES</h1>
${emails.length === 0 ? '<p>No email sent yet.</p>' : items}
</body>
</html>
`;
}
