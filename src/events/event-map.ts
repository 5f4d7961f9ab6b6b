import type { CallReceivedData } from '../calls/call-handler.ts';
import type { ChatState } from '../contacts/chat-state.ts';
import type { InstanceStatus } from '../domain/instance.ts';
import type { CampaignStatus, MessageContent } from '../domain/message.ts';
import type { MessageJson } from '../domain/message-json.ts';
import type { Notice } from '../engine/engine.ts';

/**
 * A message that arrived, was sent from the phone, or changed status: the message as the history
 * shows it (`GET /messages/:id`), its sender in `content.sender`.
 */
export type MessageData = MessageJson;

/** An edit or revoke of an earlier message (`targetId`), and that message as it is now stored, if it is. */
export interface ChangedMessageData {
  /** The gateway id of the changed message, when the history has it. */
  id: string | null;
  /** The WhatsApp id of the edit or revoke itself. */
  waMessageId: string;
  chat: string;
  targetId: string;
  message: MessageJson | null;
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
  'message.status': MessageData;
  'message.received': MessageData;
  'message.sent': MessageData;
  'message.reaction': MessageData;
  /** `content`: what the edit changed (the new text). */
  'message.edited': ChangedMessageData & { content: MessageContent };
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
  'message.revoked': ChangedMessageData;
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
