import { html } from 'htm/preact';

export function ChatPage(_props: Record<string, unknown>) {
  return html`<section><h1>chat</h1></section>`;
}
