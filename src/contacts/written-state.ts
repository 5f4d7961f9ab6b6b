import type { ChatPatch, ContactPatch } from '../store/chat-repositories.ts';

type Change<P> = { jid: string; patch: P };

/** Contacts remembered before the memory starts afresh (an account with more is rare). */
const MAX_CONTACTS = 10_000;
const CONTACT_FIELDS = ['phone', 'lid', 'name', 'pushName'] as const;

/**
 * What one instance's connection has written of its contacts and chats, so that the writes that
 * would change nothing are skipped. Baileys reports a message received three times over: the
 * message, a `contacts.update` with the sender's push name, and a `chats.update` whose unread
 * delta the gateway counts from the message itself. Written as they came, that was two chat
 * upserts and two contact writes per message, where one chat upsert says it all once the sender
 * is known.
 *
 * Only the tracker writes contacts and live chat changes while the connection is open (the
 * tracker's queue runs them one at a time), so what it wrote is what is stored; a stored field
 * it never wrote counts as unknown, and a change to it is written.
 */
export class WrittenState {
  private readonly contacts = new Map<string, ContactPatch>();
  private readonly chats = new Set<string>();

  /** The contact changes that would change a stored field (a null never erases one). */
  contactChanges(changes: Array<Change<ContactPatch>>): Array<Change<ContactPatch>> {
    return changes.filter(({ jid, patch }) => {
      const known = this.contacts.get(jid);
      return CONTACT_FIELDS.some((f) => patch[f] != null && patch[f] !== known?.[f]);
    });
  }

  wroteContacts(changes: Array<Change<ContactPatch>>): void {
    if (this.contacts.size + changes.length > MAX_CONTACTS) this.contacts.clear();
    for (const { jid, patch } of changes) {
      const known = { ...this.contacts.get(jid) };
      for (const f of CONTACT_FIELDS) if (patch[f] != null) known[f] = patch[f] as string;
      this.contacts.set(jid, known);
    }
  }

  /** The chat changes that write something: an empty patch only creates a chat not yet written. */
  chatChanges(changes: Array<Change<ChatPatch>>): Array<Change<ChatPatch>> {
    return changes.filter(({ jid, patch }) => Object.keys(patch).length > 0 || !this.chats.has(jid));
  }

  wroteChats(jids: string[]): void {
    if (this.chats.size + jids.length > MAX_CONTACTS) this.chats.clear();
    for (const jid of jids) this.chats.add(jid);
  }

  deletedChat(jid: string): void {
    this.chats.delete(jid);
  }
}
