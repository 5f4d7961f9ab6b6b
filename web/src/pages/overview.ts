import { html } from 'htm/preact';

export function OverviewPage(_props: Record<string, unknown>) {
  return html`<section><h1>overview</h1></section>`;
}
