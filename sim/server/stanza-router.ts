import { type BinaryNode, S_WA, serverOf } from '../wire/binary-node.ts';
import { onCallStanza } from './calls.ts';
import type { Connection } from './connection.ts';
import { onGroupPictureIqChecked } from './group-admin.ts';
import { relayGroupMessage } from './groups.ts';
import { onIq } from './iq-handler.ts';
import { onKeyShareReceipt } from './login.ts';
import { onPresence } from './presence.ts';
import { forwardChatState, forwardReceipt } from './receipts.ts';
import { relayDirectMessage } from './relay.ts';
import type { SimCore } from './sim-core.ts';
import { relayStatusMessage, STATUS_JID } from './status-broadcast.ts';

/** Dispatches one stanza from a logged-in (or registering) companion. */
export async function routeStanza(core: SimCore, conn: Connection, node: BinaryNode): Promise<void> {
  switch (node.tag) {
    case 'iq':
      if (node.attrs.xmlns === 'w:profile:picture' && serverOf(node.attrs.target ?? '') === 'g.us')
        return onGroupPictureIqChecked(core, conn, node);
      return onIq(core, conn, node);
    case 'call':
      return onCallStanza(core, conn, node);
    case 'message':
      if (!conn.account) return;
      if (serverOf(node.attrs.to ?? '') === 'g.us') return relayGroupMessage(core, conn, node);
      if (node.attrs.to === STATUS_JID) return relayStatusMessage(core, conn, node);
      return relayDirectMessage(core, conn, node);
    case 'receipt':
      return onReceipt(core, conn, node);
    case 'chatstate':
      return forwardChatState(core, conn, node);
    case 'presence':
      return onPresence(core, conn, node);
    default:
      // ack, ib (unified_session), notification acks: nothing to answer
      return;
  }
}

async function onReceipt(core: SimCore, conn: Connection, node: BinaryNode): Promise<void> {
  const { attrs } = node;
  conn.send({
    tag: 'ack',
    attrs: {
      id: attrs.id ?? '',
      class: 'receipt',
      from: attrs.to ?? S_WA,
      ...(attrs.type ? { type: attrs.type } : {}),
    },
  });
  core.log('receipt', { from: conn.jid, ...attrs });
  if (attrs.id && attrs.id === conn.keyShareMessageId) return onKeyShareReceipt(core, conn);
  if (attrs.type === 'retry') {
    core.log('retry-receipt', { id: attrs.id, from: conn.jid, to: attrs.to });
    return;
  }
  forwardReceipt(core, conn, node);
}
