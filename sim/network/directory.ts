import { randomInt } from 'node:crypto';
import { Curve } from 'baileys';
import { badInput, conflict, notFound } from '../errors.ts';
import { S_WA, serverOf, userOf } from '../wire/binary-node.ts';
import type { Account, Contact, Group } from './model.ts';
import { SignalParty } from './signal-party.ts';

const PHONE = /^[1-9]\d{6,14}$/;

/** Every account, contact and group of the simulated network, found by phone number, LID or jid. */
export class Directory {
  readonly accounts = new Map<string, Account>();
  readonly contacts = new Map<string, Contact>();
  readonly groups = new Map<string, Group>();
  private readonly byLid = new Map<string, Account | Contact>();
  private lidSeq = 90_000_000_000 + randomInt(1_000_000);

  createAccount(phone?: string, name?: string): Account {
    const number = this.claimPhone(phone);
    const lidUser = this.nextLid();
    const account: Account = {
      phone: number,
      lidUser,
      name: name ?? `Sim ${number.slice(-4)}`,
      identity: Curve.generateKeyPair(),
      phoneParty: new SignalParty(),
      devices: new Map(),
      nextDevice: 1,
      trustTokensIssued: new Map(),
    };
    this.accounts.set(number, account);
    this.byLid.set(lidUser, account);
    return account;
  }

  createContact(phone?: string, name?: string): Contact {
    const number = this.claimPhone(phone);
    const lidUser = this.nextLid();
    const contact: Contact = {
      phone: number,
      lidUser,
      name: name ?? `Contact ${number.slice(-4)}`,
      party: new SignalParty(),
      inbox: [],
    };
    this.contacts.set(number, contact);
    this.byLid.set(lidUser, contact);
    return contact;
  }

  /** Takes back an account or contact a snapshot kept, with its phone and LID unchanged. */
  adopt(entry: Account | Contact): void {
    if ('devices' in entry) this.accounts.set(entry.phone, entry);
    else this.contacts.set(entry.phone, entry);
    this.byLid.set(entry.lidUser, entry);
    this.lidSeq = Math.max(this.lidSeq, Number(entry.lidUser));
  }

  /** The account behind a phone-number or LID jid (any device), if the jid names one. */
  accountOf(jid: string): Account | undefined {
    const user = userOf(jid);
    const server = serverOf(jid);
    if (server === 'lid') {
      const found = this.byLid.get(user);
      return found && 'devices' in found ? found : undefined;
    }
    return server === S_WA || server === '' ? this.accounts.get(user) : undefined;
  }

  contactOf(jid: string): Contact | undefined {
    const user = userOf(jid);
    if (serverOf(jid) === 'lid') {
      const found = this.byLid.get(user);
      return found && 'inbox' in found ? found : undefined;
    }
    return this.contacts.get(user);
  }

  requireAccount(phone: string): Account {
    const account = this.accounts.get(phone);
    if (!account) throw notFound(`no account with phone ${phone}`);
    return account;
  }

  requireContact(phone: string): Contact {
    const contact = this.contacts.get(phone);
    if (!contact) throw notFound(`no contact with phone ${phone}`);
    return contact;
  }

  private claimPhone(phone: string | undefined): string {
    if (phone === undefined) return this.freePhone();
    if (!PHONE.test(phone)) throw badInput('phone must be 7 to 15 digits in international form, no +');
    if (this.accounts.has(phone) || this.contacts.has(phone))
      throw conflict(`phone ${phone} is already taken`);
    return phone;
  }

  private freePhone(): string {
    for (;;) {
      const phone = `1555${String(randomInt(10_000_000)).padStart(7, '0')}`;
      if (!this.accounts.has(phone) && !this.contacts.has(phone)) return phone;
    }
  }

  private nextLid(): string {
    this.lidSeq += 1;
    return String(this.lidSeq);
  }
}
