import { afterAll, beforeAll, describe } from 'vitest';
import { authStateContract } from './contract/auth-state.ts';
import { campaignMediaContract } from './contract/campaign-media.ts';
import { campaignContract } from './contract/campaigns.ts';
import { chatContract, contactContract } from './contract/chats.ts';
import { eventContract, instanceEventContract } from './contract/events.ts';
import { type ContractContext, type Dialect, openFreshStore } from './contract/fixture.ts';
import { fleetContract } from './contract/fleet.ts';
import { failedClaimContract } from './contract/fleet-failed-claims.ts';
import { groupedWritesContract } from './contract/grouped-writes.ts';
import { instanceLabelContract } from './contract/instance-labels.ts';
import { instanceContract } from './contract/instances.ts';
import { badUrlContract, lifecycleContract } from './contract/lifecycle.ts';
import { listPageContract } from './contract/list-pages.ts';
import { masterKeyContract } from './contract/master-key.ts';
import { messageMediaContract } from './contract/message-media.ts';
import { messageRecentContract } from './contract/message-recent.ts';
import { messageContract } from './contract/messages.ts';
import { outboxContract } from './contract/outbox.ts';
import { outboxPreparedContract } from './contract/outbox-prepared.ts';
import { apiKeyContract, tenantContract } from './contract/tenants-and-keys.ts';
import { webhookClaimContract } from './contract/webhook-claims.ts';
import { webhookDeliveryContract } from './contract/webhook-deliveries.ts';
import { webhookContract } from './contract/webhooks.ts';

/**
 * One behaviour suite for the store, run against each dialect: every repository method must act
 * the same on SQLite and on PostgreSQL. Each dialect gets a fresh database.
 */
for (const dialect of ['sqlite', 'postgres'] as const satisfies readonly Dialect[]) {
  describe(`store contract (${dialect})`, () => {
    let context: ContractContext | undefined;
    let dispose: (() => Promise<void>) | undefined;
    const ctx = (): ContractContext => {
      if (!context) throw new Error(`the ${dialect} store did not open`);
      return context;
    };

    beforeAll(async () => {
      ({ context, dispose } = await openFreshStore(dialect));
    });
    afterAll(async () => {
      await dispose?.();
    });

    describe('lifecycle', () => lifecycleContract(ctx));
    describe('tenants', () => tenantContract(ctx));
    describe('api keys', () => apiKeyContract(ctx));
    describe('instances', () => instanceContract(ctx));
    describe('instance labels and metadata', () => instanceLabelContract(ctx));
    describe('list pages', () => listPageContract(ctx));
    describe('instance events', () => instanceEventContract(ctx));
    describe('auth state', () => authStateContract(ctx));
    describe('messages', () => messageContract(ctx));
    describe('recent messages (metrics)', () => messageRecentContract(ctx));
    describe('outbox', () => outboxContract(ctx));
    describe('outbox statements, prepared on PostgreSQL', () => outboxPreparedContract(ctx));
    describe('message media and transactions', () => messageMediaContract(ctx));
    describe('campaigns', () => campaignContract(ctx));
    describe('campaign media', () => campaignMediaContract(ctx));
    describe('events', () => eventContract(ctx));
    describe('webhooks', () => webhookContract(ctx));
    describe('webhook deliveries', () => webhookDeliveryContract(ctx));
    describe('webhook delivery claims', () => webhookClaimContract(ctx));
    describe('fleet: nodes, leases, commands', () => fleetContract(ctx));
    describe('fleet: boot retry claims of failed instances', () => failedClaimContract(ctx));
    describe('chats', () => chatContract(ctx));
    describe('contacts', () => contactContract(ctx));
    describe('grouped writes', () => groupedWritesContract(ctx));
    describe('master key: derivation, upgrade, rotation (last: it re-seals every row)', () =>
      masterKeyContract(ctx));
  });
}

describe('store URLs', () => badUrlContract());
