import type { CallReceivedData } from '../calls/call-handler.ts';
import type { ChatState } from '../contacts/chat-state.ts';
import type { InstanceStatus } from '../domain/instance.ts';
import type { CampaignStatus, MessageContent, MessageStatus, MessageType } from '../domain/message.ts';
import type { Notice } from '../engine/engine.ts';

/** A message that arrived (or was sent from the phone), with its sender and content. */
export interface InboundMessageData {
  id: string;
  waMessageId: string;
  chatJid: string;
  fromMe: boolean;
  type: MessageType;
  content: MessageContent;
  sender: { jid: string; phone: string | null; lid: string | null; pushName: string | null };
  timestamp: string;
}

/** A message as events carry it: enough to act on without a second request. */
export interface MessageStatusData {
  id: string;
  waMessageId: string;
  chatJid: string;
  type: MessageType;
  status: MessageStatus;
  errorCode: string | null;
  errorMessage: string | null;
  campaignId: string | null;
}

/** A campaign and its messages counted by status (`queued`, `sent`, `delivered`, `failed`, …). */
export interface CampaignCountsData {
  campaignId: string;
  name: string | null;
  status: CampaignStatus;
  total: number;
  counts: Record<string, number>;
}

/**
 * A chat's new state (the shape of `GET /chats` items) after it changed: archived, pinned, muted,
 * marked unread, its unread count or last message (live traffic, our sends, the phone's app-state
 * sync, the API's chat actions), or deleted (`deleted: true`, with its state before). Coalesced:
 * at most one a second per chat, the last one with the latest state; the history at link sends none.
 */
export type ChatUpdateData = ChatState & { deleted: boolean };

/** Every event the gateway publishes, by name. Webhooks, SSE and socket.io payloads derive from it. */
export interface GatewayEventMap {
  'instance.status': {
    status: InstanceStatus;
    previous: InstanceStatus;
    reason?: string;
    phone?: string | null;
  };
  'instance.qr': { qr: string; qrDataUrl?: string };
  'message.status': MessageStatusData;
  'message.received': InboundMessageData;
  'message.sent': InboundMessageData;
  'message.reaction': InboundMessageData;
  'message.edited': {
    id: string | null;
    waMessageId: string;
    chatJid: string;
    targetId: string;
    content: MessageContent;
  };
  'presence.update': Extract<Notice, { kind: 'presence' }>;
  /**
   * A group change by us or others (`action`: subject, description, announce, locked, ephemeral,
   * join_approval, add, remove, promote, demote, leave, picture, invite_revoked…). A request to
   * join while join approval is on is `join_request` (`participants`: the requester, `changes.method`);
   * `join_request_revoked` when an admin (the `author`) rejected it or the requester withdrew it.
   */
  'group.update': Extract<Notice, { kind: 'group' }>;
  'chat.update': ChatUpdateData;
  'call.received': CallReceivedData;
  'message.revoked': { id: string | null; waMessageId: string; chatJid: string; targetId: string };
  /** At most once a second per campaign while its messages change status. */
  'campaign.progress': CampaignCountsData;
  /** Once, when nothing is left to send: the final counts. */
  'campaign.completed': CampaignCountsData;
}

export type GatewayEventName = keyof GatewayEventMap;

/** The one envelope for webhooks, SSE and socket.io. */
export interface GatewayEvent<K extends GatewayEventName = GatewayEventName> {
  id: string;
  event: K;
  instance: { id: string; name: string };
  tenantId: string | null;
  timestamp: string;
  data: GatewayEventMap[K];
}
