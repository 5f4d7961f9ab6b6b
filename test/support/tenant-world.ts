import { randomBytes } from 'node:crypto';
import type { RunningSimulator } from '../../sim/simulator.ts';
import { type EventReceiver, startEventReceiver } from './event-receiver.ts';
import { type GatewayProcess, type InstanceJson, linkByQr } from './gateway-harness.ts';
import { type ApiClient, eventually } from './http-client.ts';

/**
 * Two tenants on one gateway. A owns one of everything the API hands out an id for: a linked
 * instance, a sent and a received message, their chat and contact, a group, a campaign scheduled
 * far ahead (so that it holds still), a webhook with a delivery, and its key. B owns an instance
 * that was never linked. The fuzz and the isolation walk fill path parameters from here.
 */
export interface TenantWorld {
  admin: ApiClient;
  a: ApiClient;
  b: ApiClient;
  /** A's id of each resource, by the path segment that names it (`instances`, `webhooks`, …). */
  aIds: Record<string, string>;
  aInstance: InstanceJson;
  bInstance: InstanceJson;
  /** A's phone number, and the simulated contact A talks to. */
  aPhone: string;
  contact: string;
  /** Everything of A's that must never appear in an answer to B. */
  aSecrets: string[];
  receiver: EventReceiver;
}

type Issued = { tenant: { id: string }; apiKey: { key: string; id: string } };
const jid = (phone: string) => `${phone}@s.whatsapp.net`;

async function created<T>(what: string, answer: Promise<{ status: number; body: T }>): Promise<T> {
  const res = await answer;
  if (res.status >= 300) throw new Error(`${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function tenants(admin: ApiClient, tag: string) {
  const a = await created('tenant A', admin.post<Issued>('/api/v1/tenants', { name: `Tenant A ${tag}` }));
  const b = await created('tenant B', admin.post<Issued>('/api/v1/tenants', { name: `Tenant B ${tag}` }));
  return { a, b };
}

/** A's traffic: one text each way, the webhook that saw the inbound one, and its delivery. */
async function traffic(a: ApiClient, sim: RunningSimulator, name: string, aPhone: string, tag: string) {
  const contact = sim.api.createContact({ name: `Contact ${tag}` }).phone;
  const base = `/api/v1/instances/${name}`;
  const sent = await created(
    'a send',
    a.post<{ id: string }>(`${base}/messages`, { to: contact, type: 'text', text: `a-outbound-${tag}` }),
  );
  await eventually('the send to be delivered', async () => {
    const res = await a.get<{ status: string }>(`${base}/messages/${sent.id}`);
    return ['delivered', 'read'].includes(res.body.status);
  });
  const inbound = await sim.api.contactSend(contact, { to: aPhone, type: 'text', text: `a-inbound-${tag}` });
  await eventually('the inbound text in the history', async () => {
    return (await a.get(`${base}/messages/${inbound.id}`)).status === 200;
  });
  return { contact, sent, inboundId: inbound.id };
}

export async function buildTenantWorld(gw: GatewayProcess, sim: RunningSimulator): Promise<TenantWorld> {
  const tag = randomBytes(4).toString('hex');
  const admin = gw.api;
  const issued = await tenants(admin, tag);
  const a = admin.withKey(issued.a.apiKey.key);
  const b = admin.withKey(issued.b.apiKey.key);
  const name = `a-desk-${tag}`;
  const receiver = await startEventReceiver();
  const webhookSecret = `a-webhook-secret-${tag}`;
  const webhook = await created(
    'a webhook',
    a.post<{ id: string }>('/api/v1/webhooks', {
      url: receiver.url,
      secret: webhookSecret,
      events: ['message.received'],
    }),
  );
  const aPhone = sim.api.createAccount({ name }).phone;
  const fresh = await created('a instance', a.post<InstanceJson>('/api/v1/instances', { name }));
  const aInstance = await linkByQr(a, sim.info.adminUrl, fresh.id, aPhone);
  const { contact, sent, inboundId } = await traffic(a, sim, name, aPhone, tag);
  const delivery = await eventually('a delivery of the webhook', async () => {
    const res = await a.get<{ items: Array<{ id: string; status: string }> }>(
      `/api/v1/webhooks/${webhook.id}/deliveries`,
    );
    return res.body.items?.find((d) => d.status === 'delivered');
  });
  const group = await created(
    'a group',
    a.post<{ jid: string }>(`/api/v1/instances/${name}/groups`, {
      subject: `a-group-${tag}`,
      participants: [contact],
    }),
  );
  const campaign = await created(
    'a campaign',
    a.post<{ id: string }>(`/api/v1/instances/${name}/campaigns`, {
      name: `a-campaign-${tag}`,
      template: `a-template-${tag} {{who}}`,
      recipients: [{ to: contact, vars: { who: 'you' } }],
      startAt: '2099-01-01T00:00:00.000Z',
    }),
  );
  const bInstance = await created(
    'b instance',
    b.post<InstanceJson>('/api/v1/instances', { name: `b-desk-${tag}`, start: false }),
  );
  const aIds: Record<string, string> = {
    tenants: issued.a.tenant.id,
    keys: issued.a.apiKey.id,
    instances: aInstance.id,
    messages: sent.id,
    chats: jid(contact),
    contacts: jid(contact),
    groups: group.jid,
    campaigns: campaign.id,
    webhooks: webhook.id,
    'webhook-deliveries': delivery.id,
  };
  const aSecrets = [
    ...Object.values(aIds),
    inboundId,
    name,
    aPhone,
    issued.a.apiKey.key,
    webhookSecret,
    receiver.url,
    `a-outbound-${tag}`,
    `a-inbound-${tag}`,
    `a-group-${tag}`,
    `a-campaign-${tag}`,
    `a-template-${tag}`,
    `Tenant A ${tag}`,
  ];
  return { admin, a, b, aIds, aInstance, bInstance, aPhone, contact, aSecrets, receiver };
}
