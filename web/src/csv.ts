/** Rows of a pasted CSV (RFC 4180: quoted fields, "" inside quotes, CRLF or LF); blank lines dropped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field.trim());
    field = '';
  };
  const endRow = () => {
    endField();
    if (row.some((f) => f !== '')) rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',' || c === ';') endField();
    else if (c === '\n') endRow();
    else if (c !== '\r') field += c;
  }
  endRow();
  return rows;
}

/** The `{{names}}` a template uses, once each. */
export const templateVariables = (template: string): string[] => [
  ...new Set([...template.matchAll(/\{\{\s*([\w.-]+)\s*\}\}/g)].map((m) => m[1] ?? '')),
];

export const fillTemplate = (template: string, vars: Record<string, string>): string =>
  template.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (whole, name: string) => vars[name] ?? whole);

export interface Recipients {
  phoneColumn: string;
  columns: string[];
  rows: { to: string; vars: Record<string, string> }[];
}

const PHONE_COLUMNS = ['phone', 'to', 'number', 'telefone', 'numero', 'número'];

/** The first row names the columns; the phone column is `phone` (or to/number/telefone), else the first. */
export function recipientsOf(text: string): Recipients {
  const [header = [], ...body] = parseCsv(text);
  const phoneIndex = Math.max(
    0,
    header.findIndex((h) => PHONE_COLUMNS.includes(h.toLowerCase())),
  );
  const rows = body.map((cells) => ({
    to: cells[phoneIndex] ?? '',
    vars: Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])),
  }));
  return { phoneColumn: header[phoneIndex] ?? 'phone', columns: header, rows: rows.filter((r) => r.to) };
}
