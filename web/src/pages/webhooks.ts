import { html } from 'htm/preact';

export function WebhooksPage(_props: Record<string, unknown>) {
  return html`<section><h1>webhooks</h1></section>`;
}
