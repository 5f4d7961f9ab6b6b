import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { enc, get, type Instance, post } from '../api.ts';
import type { MessageKey } from '../i18n/en.ts';
import { useT } from '../i18n/index.ts';
import { useLiveEvents } from '../live.ts';
import { href } from '../router.ts';

interface Message {
  id: string;
  direction: 'inbound' | 'outbound';
  chat: string;
  type: string;
  content: Record<string, unknown>;
  status: string;
  createdAt: string;
}

const phoneOf = (jid: string) => jid.split('@')[0]?.split(':')[0] ?? jid;
const MEDIA = new Set(['image', 'video', 'audio', 'document', 'sticker']);

/** An instance's chats: the history by chat, sending a text or a file, statuses as they advance. */
export function ChatPage(props: { instanceId: string }) {
  const t = useT();
  const path = `/instances/${enc(props.instanceId)}`;
  const [instance, setInstance] = useState<Instance | undefined>();
  const [chats, setChats] = useState<string[]>([]);
  const [chat, setChat] = useState<string | undefined>();
  const [messages, setMessages] = useState<Message[]>([]);
  const [error, setError] = useState<string | undefined>();
  const loadChats = () =>
    get<{ items: Message[] }>(`${path}/messages?limit=200`).then((page) =>
      setChats([...new Set(page.items.map((m) => m.chat))]),
    );
  const loadMessages = (which: string) =>
    get<{ items: Message[] }>(`${path}/messages?limit=100&chat=${enc(which)}`).then((page) =>
      setMessages(page.items.reverse()),
    );
  useEffect(() => {
    get<Instance>(path).then(setInstance, (err: Error) => setError(err.message));
    void loadChats();
  }, [path]);
  useEffect(() => {
    if (chat) void loadMessages(chat);
  }, [chat]);
  useLiveEvents((e) => {
    if (e.instance.id !== instance?.id) return;
    const data = e.data as { id?: string; status?: string; chat?: string };
    if (e.event === 'message.status' && data.id)
      setMessages((list) => list.map((m) => (m.id === data.id ? { ...m, status: String(data.status) } : m)));
    if (e.event === 'message.received' || e.event === 'message.sent') {
      void loadChats();
      if (chat && data.chat && phoneOf(data.chat) === phoneOf(chat)) void loadMessages(chat);
    }
  });
  const send = async (body: Record<string, unknown>) => {
    if (!chat) return;
    try {
      setError(undefined);
      await post(`${path}/messages`, { to: phoneOf(chat), ...body });
      await loadMessages(chat);
      if (!chats.includes(chat)) void loadChats();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return html`<section>
    <p><a href=${href('instances', props.instanceId)}>${t('common.back')}</a></p>
    <h1>${t('chat.title', { name: instance?.name ?? '' })}</h1>
    ${error && html`<p role="alert" class="error">${t('common.error', { message: error })}</p>`}
    <div class="chat">
      <${ChatList} chats=${chats} current=${chat} onOpen=${setChat} />
      ${chat && html`<${Conversation} chat=${chat} path=${path} messages=${messages} onSend=${send} />`}
    </div>
  </section>`;
}

function ChatList(props: { chats: string[]; current: string | undefined; onOpen: (chat: string) => void }) {
  const t = useT();
  const open = (e: Event) => {
    e.preventDefault();
    const to = ((e.target as HTMLFormElement).elements.namedItem('to') as HTMLInputElement).value.trim();
    if (to) props.onOpen(to);
  };
  return html`<aside>
    <form class="inline" onSubmit=${open}>
      <label>${t('chat.to')} <input name="to" inputmode="tel" required /></label>
      <button type="submit">${t('chat.open')}</button>
    </form>
    <h2>${t('chat.list')}</h2>
    <ul>
      ${props.chats.map(
        (c) => html`<li key=${c}>
          <button type="button" aria-pressed=${c === props.current} onClick=${() => props.onOpen(c)}>${phoneOf(c)}</button>
        </li>`,
      )}
    </ul>
  </aside>`;
}

function Conversation(props: {
  chat: string;
  path: string;
  messages: Message[];
  onSend: (body: Record<string, unknown>) => Promise<void>;
}) {
  const t = useT();
  const sendText = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const input = form.elements.namedItem('text') as HTMLTextAreaElement;
    if (!input.value.trim()) return;
    await props.onSend({ type: 'text', text: input.value });
    form.reset();
  };
  const sendFile = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
    if (!file) return;
    await props.onSend(await fileMessage(file));
    form.reset();
  };
  return html`<section aria-labelledby="history-title">
    <h2 id="history-title">${t('chat.history', { chat: phoneOf(props.chat) })}</h2>
    <ul class="messages" aria-live="polite">
      ${props.messages.map(
        (m) => html`<li key=${m.id} class=${m.direction === 'outbound' ? 'out' : 'in'} data-message=${m.id}>
          ${messageBody(m, props.path, t)}
          <span class="msg-status">${t('chat.statusOf', { status: t(`msg.${m.status}` as MessageKey) })}</span>
        </li>`,
      )}
    </ul>
    <form onSubmit=${sendText}>
      <label>${t('chat.message')} <textarea name="text" rows="2" required></textarea></label>
      <button type="submit">${t('chat.send')}</button>
    </form>
    <form class="inline" onSubmit=${sendFile}>
      <label>${t('chat.file')} <input name="file" type="file" required /></label>
      <button type="submit">${t('chat.sendFile')}</button>
    </form>
  </section>`;
}

function messageBody(m: Message, path: string, t: ReturnType<typeof useT>) {
  const text = m.content.text ?? m.content.caption;
  if (!MEDIA.has(m.type)) return html`<span>${typeof text === 'string' ? text : `[${m.type}]`}</span>`;
  const media = `/api/v1${path}/messages/${enc(m.id)}/media`;
  return html`<span>
    ${m.type === 'image' ? html`<img src=${media} alt=${typeof text === 'string' ? text : t('chat.media', { type: m.type })} width="200" />` : t('chat.media', { type: m.type })}
    ${typeof text === 'string' && m.type !== 'image' ? ` ${text}` : ''}
    <a href=${media} download>${t('chat.download')}</a>
  </span>`;
}

async function fileMessage(file: File): Promise<Record<string, unknown>> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const kind = file.type.split('/')[0] ?? '';
  const type = ['image', 'video', 'audio'].includes(kind) ? kind : 'document';
  return {
    type,
    base64: btoa(binary),
    mimetype: file.type || 'application/octet-stream',
    fileName: file.name,
  };
}
