import { html } from 'htm/preact';

export function CampaignsPage(_props: Record<string, unknown>) {
  return html`<section><h1>campaigns</h1></section>`;
}
