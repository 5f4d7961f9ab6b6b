/** International phone number as WhatsApp uses it: digits only, no leading zero or plus. */
const PHONE = /^[1-9]\d{6,14}$/;

/** Normalises `+1 (555) 000-1111` to `15550001111`; undefined when it cannot be a phone number. */
export function normalizePhone(input: string): string | undefined {
  const digits = input.replace(/[\s()+.-]/g, '');
  return PHONE.test(digits) ? digits : undefined;
}

/** `15550001111` → `155****1111`: enough to tell numbers apart in logs, not enough to dial. */
export function maskPhone(phone: string): string {
  if (phone.length <= 6) return '***';
  return `${phone.slice(0, 3)}${'*'.repeat(phone.length - 7)}${phone.slice(-4)}`;
}

/** The phone number of a user or device jid (`15550001111:3@s.whatsapp.net` → `15550001111`). */
export function phoneOfJid(jid: string | null | undefined): string | null {
  if (!jid) return null;
  const user = jid.split('@')[0]?.split(':')[0] ?? '';
  return jid.endsWith('@s.whatsapp.net') && user ? user : null;
}
