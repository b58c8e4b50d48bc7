// docs/openapi.yaml's examples are checked against its own schemas: a
// request or response example that its operation's schema refuses is a
// lie to every client generated from the file. (The routes themselves are
// kept equal to the server's by a Go test, internal/httpapi/docs_test.go.)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const doc = parse(readFileSync(fileURLToPath(new URL('../../docs/openapi.yaml', import.meta.url)), 'utf8')) as Obj;
const ROOT = 'https://livedesk.invalid/openapi.json';

/** ref reads a local reference ("#/components/…") of the document. */
function ref(path: string): Obj {
  let at: Json = doc;
  for (const part of path.replace(/^#\//, '').split('/')) at = (at as Obj)[part];
  if (at === undefined) throw new Error(`no ${path}`);
  return at as Obj;
}

/** deref follows $ref until an object without one. */
function deref(o: Obj): Obj {
  while (typeof o.$ref === 'string') o = ref(o.$ref);
  return o;
}

/** absolute points a schema's local references at the document, so one is compiled on its own. */
function absolute(s: Json): Json {
  if (Array.isArray(s)) return s.map(absolute);
  if (s === null || typeof s !== 'object') return s;
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? ROOT + v : absolute(v)]));
}

const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ $id: ROOT, components: absolute(doc.components as Obj) as Obj });

interface Example {
  where: string;
  schema: Obj;
  value: Json;
}

/** examples lists every JSON example of a request body or response, with its schema. */
function examples(): Example[] {
  const out: Example[] = [];
  const media = (where: string, content: Json | undefined) => {
    const json = (content as Obj | undefined)?.['application/json'] as Obj | undefined;
    if (!json?.schema) return;
    const schema = json.schema as Obj;
    if (json.example !== undefined) out.push({ where, schema, value: json.example });
    for (const [name, ex] of Object.entries((json.examples as Obj | undefined) ?? {})) {
      out.push({ where: `${where} (${name})`, schema, value: deref(ex as Obj).value });
    }
  };
  // A schema's own examples (JSON Schema's "examples").
  for (const [name, schema] of Object.entries((doc.components as Obj).schemas as Obj)) {
    for (const [i, value] of (((schema as Obj).examples as Json[] | undefined) ?? []).entries()) {
      out.push({ where: `schema ${name} example ${i + 1}`, schema: { $ref: `#/components/schemas/${name}` }, value });
    }
  }
  for (const [path, item] of Object.entries(doc.paths as Obj)) {
    for (const [method, op] of Object.entries(item as Obj)) {
      if (method === 'parameters') continue;
      const o = op as Obj;
      const name = `${method.toUpperCase()} ${path}`;
      if (o.requestBody) media(`${name} request`, deref(o.requestBody as Obj).content);
      for (const [status, res] of Object.entries((o.responses as Obj | undefined) ?? {})) {
        media(`${name} ${status}`, deref(res as Obj).content);
      }
    }
  }
  return out;
}

describe('docs/openapi.yaml', () => {
  const all = examples();

  it('has examples to check', () => {
    expect(all.length).toBeGreaterThan(5);
  });

  it.each(all.map((e) => [e.where, e] as const))('%s: the example fits its schema', (_, e) => {
    const validate = ajv.compile(absolute(e.schema) as Obj);
    const ok = validate(e.value);
    expect(ok ? [] : validate.errors?.map((x) => `${x.instancePath || '/'} ${x.message}`)).toEqual([]);
  });

  it('refuses an example that breaks its schema', () => {
    // The check itself can fail: the create-webhook request without its events.
    const create = all.find((e) => e.where === 'POST /api/v1/webhooks request');
    expect(create).toBeDefined();
    const validate = ajv.compile(absolute(create!.schema) as Obj);
    expect(validate({ url: 'https://crm.example.com/hooks' })).toBe(false);
  });
});
