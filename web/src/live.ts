import { useEffect, useRef, useState } from 'preact/hooks';
import type { GatewayEvent } from './api.ts';

type Listener = (event: GatewayEvent) => void;

const listeners = new Set<Listener>();
const stateListeners = new Set<(open: boolean) => void>();
let source: EventSource | undefined;
let open = false;

// the events the pages follow; the stream carries every other one too, unasked for
const FOLLOWED = [
  'instance.status',
  'instance.qr',
  'message.status',
  'message.received',
  'message.sent',
  'campaign.progress',
  'campaign.completed',
];

function setOpen(value: boolean): void {
  open = value;
  for (const fn of stateListeners) fn(value);
}

/** Opens the one SSE stream (`GET /api/v1/events`, authenticated by the session cookie). */
export function connectLive(): void {
  if (source) return;
  source = new EventSource('/api/v1/events', { withCredentials: true });
  source.onopen = () => setOpen(true);
  source.onerror = () => setOpen(false); // EventSource reconnects by itself, with Last-Event-ID
  for (const name of FOLLOWED)
    source.addEventListener(name, (e) => {
      const event = JSON.parse((e as MessageEvent<string>).data) as GatewayEvent;
      for (const fn of listeners) fn(event);
    });
}

export function disconnectLive(): void {
  source?.close();
  source = undefined;
  setOpen(false);
}

/** Calls `handler` with every live event while the component is mounted (the latest handler). */
export function useLiveEvents(handler: Listener): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const fn: Listener = (e) => latest.current(e);
    listeners.add(fn);
    return () => void listeners.delete(fn);
  }, []);
}

/** Whether the live stream is open now. */
export function useLiveState(): boolean {
  const [state, setState] = useState(open);
  useEffect(() => {
    stateListeners.add(setState);
    return () => void stateListeners.delete(setState);
  }, []);
  return state;
}
