import type { Migration } from 'kysely';
import * as initial from './001-initial.ts';
import * as messages from './002-messages.ts';
import * as eventsWebhooks from './003-events-webhooks.ts';
import * as partialMessageIndexes from './004-partial-message-indexes.ts';
import * as linkedServer from './005-linked-server.ts';
import * as fleet from './006-fleet.ts';
import * as fleetWakeups from './007-fleet-wakeups.ts';
import * as chatsContacts from './008-chats-contacts.ts';
import * as masterKey from './009-master-key.ts';
import * as instanceLabels from './011-instance-labels.ts';
import * as queuedTimingIndexes from './012-queued-timing-indexes.ts';
import * as outboxStatusIndexes from './013-outbox-status-indexes.ts';
import * as waIdIndexOrder from './014-wa-id-index-order.ts';
import * as eventCommitOrder from './015-event-commit-order.ts';
import * as queuedCreatedIndexPredicate from './016-queued-created-index-predicate.ts';

/** Every migration, by name; names sort in the order they apply. Add new ones here. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '001-initial': initial,
  '002-messages': messages,
  '003-events-webhooks': eventsWebhooks,
  '004-partial-message-indexes': partialMessageIndexes,
  '005-linked-server': linkedServer,
  '006-fleet': fleet,
  '007-fleet-wakeups': fleetWakeups,
  '008-chats-contacts': chatsContacts,
  '009-master-key': masterKey,
  '011-instance-labels': instanceLabels,
  '012-queued-timing-indexes': queuedTimingIndexes,
  '013-outbox-status-indexes': outboxStatusIndexes,
  '014-wa-id-index-order': waIdIndexOrder,
  '015-event-commit-order': eventCommitOrder,
  '016-queued-created-index-predicate': queuedCreatedIndexPredicate,
};
