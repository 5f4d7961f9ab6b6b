import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { enc, get, getAll, type Instance, type Session } from '../api.ts';
import type { MessageKey } from '../i18n/en.ts';
import { useT } from '../i18n/index.ts';
import { Chart } from '../parts/chart.ts';

interface Summary {
  instances: { total: number; byStatus: Record<string, number> };
  messages: { total: number; inbound: number; outbound: number; failed: number; last24h: number };
  webhooks: { pending: number; dead: number };
}
interface Queue {
  total: Record<string, number>;
  oldestQueuedAgeMs: number | null;
}
interface Tenant {
  id: string;
  name: string;
  keys?: TenantKey[];
}
type TenantKey = { prefix: string; revokedAt: string | null };

/** The tenants with the prefixes of their keys still valid. */
async function tenantsWithKeys(): Promise<Tenant[]> {
  const tenants = await getAll<Tenant>('/tenants');
  return Promise.all(
    tenants.map(async (x) => ({ ...x, keys: await getAll<TenantKey>(`/tenants/${enc(x.id)}/keys`) })),
  );
}
type Hourly = { hours: number[]; inbound: number[]; outbound: number[] };

const HOUR = 3_600_000;

/** The last 24 hours of messages of every visible instance, counted per hour and direction. */
async function messagesPerHour(instances: Instance[]): Promise<Hourly> {
  const start = Math.floor((Date.now() - 23 * HOUR) / HOUR) * HOUR;
  const hours = Array.from({ length: 24 }, (_, i) => (start + i * HOUR) / 1000);
  const inbound = hours.map(() => 0);
  const outbound = hours.map(() => 0);
  const after = new Date(start).toISOString();
  for (const instance of instances.slice(0, 50)) {
    const page = await get<{ items: { direction: string; createdAt: string }[] }>(
      `/instances/${enc(instance.id)}/messages?limit=200&after=${enc(after)}`,
    );
    for (const m of page.items) {
      const slot = Math.floor((Date.parse(m.createdAt) - start) / HOUR);
      const counts = m.direction === 'inbound' ? inbound : outbound;
      if (slot >= 0 && slot < 24) counts[slot] = (counts[slot] ?? 0) + 1;
    }
  }
  return { hours, inbound, outbound };
}

/** Instances by status, messages per hour in and out, webhooks, the queue; tenants for the admin. */
export function OverviewPage(props: { session: Session }) {
  const t = useT();
  const [summary, setSummary] = useState<Summary | undefined>();
  const [queue, setQueue] = useState<Queue | undefined>();
  const [hourly, setHourly] = useState<Hourly | undefined>();
  const [tenants, setTenants] = useState<Tenant[]>([]);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const fail = (err: Error) => setError(err.message);
    get<Summary>('/metrics').then(setSummary, fail);
    get<Queue>('/queue').then(setQueue, fail);
    getAll<Instance>('/instances').then(messagesPerHour).then(setHourly, fail);
    if (props.session.kind === 'admin') tenantsWithKeys().then(setTenants, fail);
  }, []);
  const statuses = Object.entries(summary?.instances.byStatus ?? {}).filter(([, n]) => n > 0);
  return html`<section>
    <h1>${t('overview.title')}</h1>
    ${error && html`<p role="alert" class="error">${t('common.error', { message: error })}</p>`}
    <div class="charts">
      ${
        summary &&
        html`<${Chart}
        title=${t('overview.byStatus')}
        bars=${true}
        x=${statuses.map((_, i) => i)}
        xLabels=${statuses.map(([s]) => t(`status.${s}` as MessageKey))}
        series=${[{ label: t('nav.instances'), values: statuses.map(([, n]) => n), color: '#0b7a5a' }]}
      />`
      }
      ${
        hourly &&
        html`<${Chart}
        title=${t('overview.messages')}
        x=${hourly.hours}
        series=${[
          { label: t('overview.inbound'), values: hourly.inbound, color: '#1570ef' },
          { label: t('overview.outbound'), values: hourly.outbound, color: '#0b7a5a' },
        ]}
      />`
      }
      ${
        summary &&
        html`<section class="card" aria-labelledby="overview-webhooks">
        <h2 id="overview-webhooks">${t('overview.webhooks')}</h2>
        <p>${t('overview.webhookPending', { count: summary.webhooks.pending })}</p>
        <p>${t('overview.webhookDead', { count: summary.webhooks.dead })}</p>
      </section>`
      }
      ${
        queue &&
        html`<section class="card" aria-labelledby="overview-queue">
        <h2 id="overview-queue">${t('overview.queue')}</h2>
        <ul>
          ${Object.entries(queue.total).map(([s, n]) => html`<li>${t(`msg.${s}` as MessageKey)}: ${n}</li>`)}
        </ul>
      </section>`
      }
      ${
        props.session.kind === 'admin' &&
        html`<section class="card" aria-labelledby="overview-tenants">
        <h2 id="overview-tenants">${t('overview.tenants')}</h2>
        ${tenants.length === 0 && html`<p>${t('common.none')}</p>`}
        <ul>
          ${tenants.map(
            (x) => html`<li key=${x.id}>
              ${x.name} <code>${x.id}</code>
              <span aria-label=${t('overview.tenantKeys', { name: x.name })}>
                ${(x.keys ?? []).filter((k) => !k.revokedAt).map((k) => html` <code>${k.prefix}…</code>`)}
              </span>
            </li>`,
          )}
        </ul>
      </section>`
      }
    </div>
  </section>`;
}
