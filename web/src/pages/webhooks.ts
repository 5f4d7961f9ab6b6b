import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { enc, get, getAll, post } from '../api.ts';
import { useT } from '../i18n/index.ts';

interface Webhook {
  id: string;
  url: string;
  events: string[];
  instanceId: string | null;
  enabled: boolean;
}

interface Delivery {
  id: string;
  event: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastResponse: string | null;
  createdAt: string;
}

/** Webhooks: create one (its secret shown once), the deliveries log of each, redeliver. */
export function WebhooksPage() {
  const t = useT();
  const [hooks, setHooks] = useState<Webhook[]>([]);
  const [secret, setSecret] = useState<string | undefined>();
  const [open, setOpen] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const reload = () => getAll<Webhook>('/webhooks').then(setHooks, (err: Error) => setError(err.message));
  useEffect(() => void reload(), []);
  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    const events = value('events')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    try {
      const created = await post<Webhook & { secret: string }>('/webhooks', {
        url: value('url'),
        events: events.length ? events : ['*'],
        ...(value('instance') ? { instance: value('instance') } : {}),
      });
      setSecret(created.secret);
      form.reset();
      await reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return html`<section>
    <h1>${t('webhooks.title')}</h1>
    ${error && html`<p role="alert" class="error">${t('common.error', { message: error })}</p>`}
    <form aria-labelledby="new-webhook" onSubmit=${create}>
      <h2 id="new-webhook">${t('webhooks.new')}</h2>
      <label>${t('webhooks.url')} <input name="url" type="url" required /></label>
      <label>${t('webhooks.events')} <input name="events" placeholder="*" /></label>
      <label>${t('webhooks.instance')} <input name="instance" /></label>
      <button type="submit">${t('webhooks.create')}</button>
    </form>
    ${secret && html`<p role="status" class="secret">${t('webhooks.secret', { secret })}</p>`}
    ${hooks.length === 0 && html`<p>${t('common.none')}</p>`}
    ${hooks.map(
      (h) => html`<article class="card" key=${h.id}>
        <h2>${h.url}</h2>
        <p>${h.events.join(', ')}</p>
        <button type="button" aria-expanded=${open === h.id} onClick=${() => setOpen(open === h.id ? undefined : h.id)}>
          ${t('webhooks.showDeliveries')}
        </button>
        ${open === h.id && html`<${Deliveries} hook=${h} />`}
      </article>`,
    )}
  </section>`;
}

function Deliveries(props: { hook: Webhook }) {
  const t = useT();
  const [items, setItems] = useState<Delivery[]>([]);
  const [note, setNote] = useState<string | undefined>();
  const reload = () =>
    get<{ items: Delivery[] }>(`/webhooks/${enc(props.hook.id)}/deliveries?limit=50`).then((page) =>
      setItems(page.items),
    );
  useEffect(() => {
    void reload();
    const timer = setInterval(() => void reload(), 2000);
    return () => clearInterval(timer);
  }, [props.hook.id]);
  const redeliver = async (d: Delivery) => {
    try {
      await post(`/webhook-deliveries/${enc(d.id)}/redeliver`);
      setNote(t('webhooks.redelivered'));
      await reload();
    } catch (err) {
      setNote(t('common.error', { message: (err as Error).message }));
    }
  };
  return html`<table aria-label=${t('webhooks.deliveries', { url: props.hook.url })}>
      <thead>
        <tr>
          <th scope="col">${t('webhooks.event')}</th>
          <th scope="col">${t('webhooks.deliveryStatus')}</th>
          <th scope="col">${t('webhooks.attempts')}</th>
          <th scope="col">${t('webhooks.response')}</th>
          <th scope="col"><span class="visually-hidden">${t('webhooks.redeliver')}</span></th>
        </tr>
      </thead>
      <tbody>
        ${items.map(
          (d) => html`<tr key=${d.id} data-delivery=${d.id}>
            <td>${d.event}</td>
            <td>${d.status}</td>
            <td>${d.attempts}</td>
            <td>${d.lastStatusCode ?? ''} ${d.lastError ?? ''} <code>${(d.lastResponse ?? '').slice(0, 200)}</code></td>
            <td><button type="button" onClick=${() => redeliver(d)}>${t('webhooks.redeliver')}</button></td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${note && html`<p role="status">${note}</p>`}`;
}
