// A quick response's fields, filled in from the chat (docs/api.md, Quick
// responses): {{contact.name}}, {{contact.email}}, {{agent.name}},
// {{site.name}}, {{context.KEY}}, each with an optional "| fallback".

/** The values a chat gives the fields: names as in the body ("contact.name", "context.plan"). */
export type FieldValues = Record<string, string | undefined>;

const FIELD = /\{\{([^{}]*)\}\}/g;

/**
 * fill puts each field's value (or its fallback) in place; a field with
 * neither stays as it is written, and is listed in missing: the desk will
 * not send the text while one is left.
 */
export function fill(body: string, values: FieldValues): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = body.replace(FIELD, (whole, inner: string) => {
    const [name, ...rest] = inner.split('|');
    const key = name.trim();
    const value = values[key]?.trim();
    if (value) return value;
    const fallback = rest.join('|').trim();
    if (rest.length > 0 && fallback) return fallback;
    missing.push(key);
    return whole;
  });
  return { text, missing };
}

/** The fields still written out in a text ({{…}}), to refuse sending it. */
export function unfilled(text: string): string[] {
  return [...text.matchAll(FIELD)].map((m) => m[1].split('|')[0].trim());
}
