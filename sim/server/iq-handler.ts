import {
  type BinaryNode,
  child,
  childBytes,
  children,
  firstChild,
  readUint,
  S_WA,
  serverOf,
} from '../wire/binary-node.ts';
import { onAppStateIq } from './app-state.ts';
import type { Connection } from './connection.ts';
import { onGroupIq } from './groups.ts';
import { onCompanionFinish, onCompanionHello, onPairDeviceSign } from './linking.ts';
import { shareAppStateKey } from './login.ts';
import { keyBundle, usyncResult } from './lookup.ts';
import { onBlocklistIq, onBusinessIq, onPictureIq, onPrivacySettingsIq, onStatusIq } from './profile-iqs.ts';
import type { SimCore } from './sim-core.ts';
import { removeDevice } from './unlink.ts';

/** Every iq Baileys sends, answered promptly: an unanswered iq costs the client a 60 s timeout. */
export async function onIq(core: SimCore, conn: Connection, iq: BinaryNode): Promise<void> {
  const { attrs } = iq;
  const reply = (content?: BinaryNode[]) =>
    conn.send({
      tag: 'iq',
      attrs: { from: attrs.to ?? S_WA, type: 'result', id: attrs.id ?? '' },
      ...(content ? { content } : {}),
    });
  if (attrs.type === 'result') {
    if (attrs.id && attrs.id === conn.pairSuccessId) onPairDeviceSign(conn);
    return;
  }
  if (attrs.type === 'error') return;
  const op = firstChild(iq);
  switch (attrs.xmlns) {
    case 'encrypt':
      return onEncryptIq(core, conn, iq, reply);
    case 'usync':
      return op ? reply([usyncResult(core, op)]) : reply();
    case 'w:g2':
      return onGroupIq(core, conn, iq, reply);
    case 'md':
      if (op?.tag === 'link_code_companion_reg' && op.attrs.stage === 'companion_hello')
        return onCompanionHello(core, conn, iq, op);
      if (op?.tag === 'link_code_companion_reg' && op.attrs.stage === 'companion_finish')
        return onCompanionFinish(core, conn, iq, op);
      if (op?.tag === 'remove-companion-device') {
        reply();
        if (conn.account && conn.device) removeDevice(core, conn.account, conn.device.id, 'companion');
        return;
      }
      return reply();
    case 'w:sync:app:state':
      return onAppStateIq(core, conn, iq, reply);
    case 'abt':
      return reply([{ tag: 'props', attrs: { protocol: '1', hash: 'sim' }, content: [] }]);
    case 'w':
      return reply([{ tag: 'props', attrs: { protocol: '2', hash: 'sim' }, content: [] }]);
    case 'blocklist':
      return onBlocklistIq(core, conn, iq, reply);
    case 'w:profile:picture':
      if (serverOf(attrs.target ?? '') !== 'g.us') return onPictureIq(core, conn, iq, reply);
      return reply();
    case 'status':
      return onStatusIq(core, conn, iq, reply);
    case 'w:biz':
      return onBusinessIq(core, iq, reply);
    case 'privacy':
      if (attrs.type === 'set' && op?.tag === 'tokens') {
        // A device issuing its trusted-contact token to contacts (after it messages them).
        for (const token of children(op, 'token')) {
          const to = token.attrs.jid;
          if (conn.account && to)
            conn.account.trustTokensIssued.set(to, (conn.account.trustTokensIssued.get(to) ?? 0) + 1);
        }
        return reply();
      }
      return onPrivacySettingsIq(core, conn, iq, reply);
    case 'w:m':
      return reply([
        {
          tag: 'media_conn',
          attrs: { auth: 'sim', ttl: '3600' },
          content: [{ tag: 'host', attrs: { hostname: core.media.host } }],
        },
      ]);
    default:
      // passive, w:p (ping), w:stats, dirty…: an empty success
      return reply();
  }
}

async function onEncryptIq(
  core: SimCore,
  conn: Connection,
  iq: BinaryNode,
  reply: (c?: BinaryNode[]) => void,
) {
  const op = firstChild(iq);
  const keys = conn.device?.keys;
  if (op?.tag === 'count')
    return reply([{ tag: 'count', attrs: { value: String(keys?.preKeys.size ?? 0) } }]);
  if (op?.tag === 'digest') return reply([{ tag: 'digest', attrs: {} }]);
  if (op?.tag === 'key')
    return reply([
      {
        tag: 'list',
        attrs: {},
        content: children(op, 'user').map((u) => keyBundle(core, u.attrs.jid ?? '')),
      },
    ]);
  if (iq.attrs.type === 'set' && child(iq, 'registration') && keys) {
    for (const k of children(child(iq, 'list'), 'key')) {
      const value = childBytes(k, 'value');
      if (value) keys.preKeys.set(readUint(childBytes(k, 'id')), value);
    }
    const skey = child(iq, 'skey');
    const pub = childBytes(skey, 'value');
    const sig = childBytes(skey, 'signature');
    if (pub && sig) keys.signedPreKey = { keyId: readUint(childBytes(skey, 'id')), pub, sig };
    keys.registrationId = readUint(childBytes(iq, 'registration'));
    reply();
    core.log('prekeys-uploaded', { jid: conn.jid, count: keys.preKeys.size });
    return shareAppStateKey(core, conn);
  }
  return reply();
}
