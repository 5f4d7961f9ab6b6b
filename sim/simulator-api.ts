import { composeMessage } from './content/compose-message.ts';
import { badInput } from './errors.ts';
import { GroupAdminApi } from './group-admin-api.ts';
import type { ReceivedMessage } from './network/model.ts';
import { ProfileApi } from './profiles-api.ts';
import { enterPairingCode, type LinkResult, phoneForPushName, scanQr } from './server/linking.ts';
import { changeChatOnPhone, type PhoneChatChange } from './server/phone-app-state.ts';
import { sendContactReceipt } from './server/relay.ts';
import { newMessageId, type SimCore } from './server/sim-core.ts';
import { removeDevice } from './server/unlink.ts';
import { S_WA, unixNow } from './wire/binary-node.ts';

export interface DeviceInfo {
  id: number;
  jid: string;
  lid: string;
  pushName: string;
  online: boolean;
  linkedAt: string;
}

export type FaultKind = 'drop' | 'silence' | 'stream-error' | 'bad-pair-signature';
export const FAULT_KINDS: readonly FaultKind[] = ['drop', 'silence', 'stream-error', 'bad-pair-signature'];

export interface FaultRequest {
  phone: string;
  device?: number;
  kind: FaultKind;
  code?: number;
}

/** What the admin API (and in-process tests) can ask of the simulated network. */
export class SimulatorApi {
  /** Profiles, privacy, block lists and presences. */
  readonly profiles: ProfileApi;
  /** Groups from the server's side, and calls contacts place. */
  readonly groups: GroupAdminApi;
  /** The phone archives, pins, mutes, marks (un)read or deletes a chat; its linked devices sync it. */
  readonly changeChatOnPhone: (phone: string, jid: string, change: PhoneChatChange) => { devices: number };

  constructor(private readonly core: SimCore) {
    this.profiles = new ProfileApi(core);
    this.groups = new GroupAdminApi(core);
    this.changeChatOnPhone = (phone, jid, change) => ({
      devices: changeChatOnPhone(core, core.directory.requireAccount(phone), jid, change),
    });
  }

  createAccount(input: { phone?: string; name?: string }): { phone: string; lid: string } {
    const account = this.core.directory.createAccount(input.phone, input.name);
    return { phone: account.phone, lid: `${account.lidUser}@lid` };
  }

  createContact(input: { phone?: string; name?: string }): { phone: string; lid: string } {
    const contact = this.core.directory.createContact(input.phone, input.name);
    return { phone: contact.phone, lid: `${contact.lidUser}@lid` };
  }

  /** The contact changes its own push name: its next messages carry the new one (`notify`). */
  renameContact(phone: string, name: string): { phone: string; name: string } {
    if (!name.trim()) throw badInput('name must not be empty');
    const contact = this.core.directory.requireContact(phone);
    contact.name = name;
    return { phone: contact.phone, name: contact.name };
  }

  linkQr(phone: string, qr: string): LinkResult {
    return scanQr(this.core, this.core.directory.requireAccount(phone), qr);
  }

  linkCode(phone: string, code: string): Promise<LinkResult> {
    return enterPairingCode(this.core, this.core.directory.requireAccount(phone), code);
  }

  /** Baileys' test convention: a phone derived from the companion's push name scans the QR. */
  mockPhoneScan(qr: string): LinkResult {
    const ref = (qr.split('#').pop() ?? '').split(',')[0] ?? '';
    const conn = this.core.pendingQr.get(ref);
    const phone = phoneForPushName(conn?.pushName) || '15550001111';
    const account =
      this.core.directory.accounts.get(phone) ?? this.core.directory.createAccount(phone, conn?.pushName);
    return scanQr(this.core, account, qr);
  }

  devices(phone: string): DeviceInfo[] {
    const account = this.core.directory.requireAccount(phone);
    return [...account.devices.values()].map((d) => ({
      id: d.id,
      jid: `${phone}:${d.id}@${S_WA}`,
      lid: `${account.lidUser}:${d.id}@lid`,
      pushName: d.pushName,
      online: this.core.openConnectionsOf(account, d.id).length > 0,
      linkedAt: new Date(d.linkedAt).toISOString(),
    }));
  }

  /** How many times the account's devices issued their privacy token, by the contact's jid. */
  trustTokens(phone: string): Record<string, number> {
    return Object.fromEntries(this.core.directory.requireAccount(phone).trustTokensIssued);
  }

  logout(phone: string, device?: number): { removed: number[] } {
    const account = this.core.directory.requireAccount(phone);
    const ids = device === undefined ? [...account.devices.keys()] : [device];
    if (device !== undefined && !account.devices.has(device))
      throw badInput(`phone ${phone} has no device ${device}`);
    for (const id of ids) removeDevice(this.core, account, id, 'phone');
    return { removed: ids };
  }

  /** A contact sends a message to an account: encrypted to each of its linked devices. */
  async contactSend(phone: string, input: Record<string, unknown>): Promise<{ id: string }> {
    const contact = this.core.directory.requireContact(phone);
    const to = typeof input.to === 'string' ? input.to.replace(/^\+/, '').split('@')[0] : undefined;
    if (!to) throw badInput('to must be the phone number of an account');
    const account = this.core.directory.requireAccount(to);
    const { to: _to, id: _id, ...content } = input;
    const composed = await composeMessage(content, {
      media: this.core.media,
      senderJid: `${contact.phone}@${S_WA}`,
      chatJid: `${account.phone}@${S_WA}`,
    });
    const id = typeof input.id === 'string' && input.id ? input.id : newMessageId();
    // a contact the account blocked gets its one tick, and the account never sees the message
    if (this.profiles.isBlocked(account.phone, contact.phone)) {
      this.core.log('blocked-message-dropped', { id, from: contact.phone, to: account.phone });
      return { id };
    }
    for (const device of account.devices.values()) {
      const enc = await contact.party.encrypt(account.phone, device.id, device.keys, composed.message);
      this.core.deliverToDevice(account, device.id, {
        tag: 'message',
        attrs: {
          id,
          from: `${contact.phone}@${S_WA}`,
          t: unixNow(),
          type: composed.stanzaType,
          notify: contact.name,
          ...(composed.edit ? { edit: composed.edit } : {}),
        },
        content: [
          {
            tag: 'enc',
            attrs: {
              v: '2',
              type: enc.type,
              ...(composed.mediaType ? { mediatype: composed.mediaType } : {}),
            },
            content: enc.body,
          },
        ],
      });
    }
    return { id };
  }

  contactInbox(phone: string): ReceivedMessage[] {
    return this.core.directory.requireContact(phone).inbox;
  }

  contactReceipt(
    phone: string,
    input: { from: string; ids: string[]; type: 'delivered' | 'read' | 'played' },
  ): void {
    const contact = this.core.directory.requireContact(phone);
    const account = this.core.directory.requireAccount(input.from);
    sendContactReceipt(this.core, contact, account, input.ids, input.type);
  }

  fault(req: FaultRequest): { affected: number } {
    const account = this.core.directory.requireAccount(req.phone);
    if (req.kind === 'bad-pair-signature') {
      const set = this.core.faults.get(account.phone) ?? new Set();
      set.add('bad-pair-signature');
      this.core.faults.set(account.phone, set);
      return { affected: 0 };
    }
    const conns = [...this.core.connections].filter(
      (c) => c.account === account && c.isOpen && (req.device === undefined || c.device?.id === req.device),
    );
    for (const conn of conns) {
      if (req.kind === 'drop') conn.terminate();
      else if (req.kind === 'silence') conn.silent = true;
      else {
        conn.send({ tag: 'stream:error', attrs: { code: String(req.code ?? 500) } });
        setTimeout(() => conn.close(), 50);
      }
    }
    this.core.log('fault', { phone: account.phone, kind: req.kind, affected: conns.length });
    return { affected: conns.length };
  }
}
