/** The chat every status update is posted to; each update carries its own audience. */
export const STATUS_BROADCAST_JID = 'status@broadcast';

/** What a status update may be. */
export const STATUS_TYPES = ['text', 'image', 'video'] as const;
export type StatusType = (typeof STATUS_TYPES)[number];

/** The fonts WhatsApp offers for a text status (its `ExtendedTextMessage.FontType` values). */
export const STATUS_FONTS = [0, 1, 2, 6, 7, 8, 9, 10] as const;

/** Most contacts one status update is shown to. */
export const MAX_STATUS_CONTACTS = 1024;

/** `#RGB`, `#RRGGBB` or `#AARRGGBB` (the `#` optional) → `#AARRGGBB`, opaque unless given alpha. */
export function argbColor(input: string): string | undefined {
  const hex = input.trim().replace(/^#/, '').toUpperCase();
  if (!/^([0-9A-F]{3}|[0-9A-F]{6}|[0-9A-F]{8})$/.test(hex)) return undefined;
  if (hex.length === 8) return `#${hex}`;
  const rgb = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
  return `#FF${rgb}`;
}
