// Who a broadcast is for: sites, pages, new or returning visitors, signed
// in or not, contact fields and languages; every rule set must hold. And
// how many visitors online now it would reach, asked again half a second
// after the audience last changed.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PageMatch } from '../../shared/protocol';
import type { Site } from '../api';
import { focusSoon } from '../focus';
import { type Audience, type Estimate, estimate } from './api';
import { type Draft, fieldRuleError, NEW_PAGE, pageRuleError } from './draft';
import { described, Field, FieldError } from './Field';

const MATCHES: { value: PageMatch; label: string }[] = [
  { value: 'contains', label: 'contains' },
  { value: 'equals', label: 'is exactly' },
  { value: 'starts_with', label: 'starts with' },
  { value: 'glob', label: 'matches (* any)' },
];

/**
 * A rule row's error: said once a save found it (errors, by row), and only
 * while the row still has it (now): fixed, it goes at once, and a row
 * removed above does not pass its error on to the next.
 */
const rowError = (said: string | undefined, now: string) => (said && now ? now : undefined);

type Props = { d: Draft; set: (p: Partial<Draft>) => void; sites: readonly Site[]; errors: Record<string, string> };

export function AudienceFields({ d, set, sites, errors }: Props) {
  // Sites the audience names that are gone stay listed, to be unticked.
  const shown = [...sites, ...d.sites.filter((id) => !sites.some((s) => s.id === id)).map((id) => ({ id, name: 'Removed site' }))];
  const page = (i: number, p: Partial<Draft['pages'][number]>) => set({ pages: d.pages.map((x, j) => (j === i ? { ...x, ...p } : x)) });
  const field = (i: number, p: Partial<Draft['fields'][number]>) => set({ fields: d.fields.map((x, j) => (j === i ? { ...x, ...p } : x)) });
  return (
    <fieldset class="bc-group" aria-describedby={errors.audience ? 'bc-audience-error' : undefined}>
      <legend>Who sees it</legend>
      <FieldError id="bc-audience-error" text={errors.audience} />
      {(shown.length > 1 || d.sites.length > 0 || errors['audience.site_ids']) && (
        <fieldset class="bc-sub">
          <legend>Sites</legend>
          <p class="hint">None ticked: every site.</p>
          {shown.map((s) => (
            <label key={s.id} class="check">
              <input type="checkbox" checked={d.sites.includes(s.id)} onChange={(e) => set({ sites: e.currentTarget.checked ? [...d.sites, s.id] : d.sites.filter((x) => x !== s.id) })} />
              {s.name}
            </label>
          ))}
          <FieldError id="bc-sites-error" text={errors['audience.site_ids']} />
        </fieldset>
      )}
      <fieldset class="bc-sub">
        <legend>Pages</legend>
        <p class="hint">Any of these; none: every page. A value starting with / is matched against the path, any other against the whole address.</p>
        {d.pages.map((p, i) => {
          const err = rowError(errors[`audience.pages[${i}]`], pageRuleError(p));
          return (
            <Fragment key={i}>
              <div class="bc-row">
                <select aria-label={`Page rule ${i + 1}: how the address matches`} value={p.match} onChange={(e) => page(i, { match: e.currentTarget.value as PageMatch })}>
                  {MATCHES.map((m) => (
                    <option key={m.value} value={m.value}>
                      {m.label}
                    </option>
                  ))}
                </select>
                <input
                  id={`bc-page-${i}`}
                  aria-label={`Page rule ${i + 1}: address or path`}
                  placeholder="/pricing"
                  value={p.value}
                  onInput={(e) => page(i, { value: e.currentTarget.value })}
                  {...described(`bc-page-${i}`, err)}
                />
                <button
                  type="button"
                  class="btn ghost small"
                  aria-label={`Remove page rule ${i + 1}`}
                  onClick={() => {
                    set({ pages: d.pages.filter((_, j) => j !== i) });
                    focusSoon('#bc-page-add');
                  }}
                >
                  Remove
                </button>
              </div>
              <FieldError id={`bc-page-${i}-error`} text={err} />
            </Fragment>
          );
        })}
        <button
          type="button"
          id="bc-page-add"
          class="btn secondary small"
          onClick={() => {
            set({ pages: [...d.pages, { ...NEW_PAGE }] });
            focusSoon(`#bc-page-${d.pages.length}`);
          }}
        >
          Add a page
        </button>
        <FieldError id="bc-pages-error" text={errors['audience.pages']} />
      </fieldset>
      <div class="bc-pair">
        <Field id="bc-visitors" label="Visitors" error={errors['audience.visitors']}>
          <select id="bc-visitors" value={d.visitors} onChange={(e) => set({ visitors: e.currentTarget.value as Draft['visitors'] })} {...described('bc-visitors', errors['audience.visitors'])}>
            <option value="all">New and returning</option>
            <option value="new">New: a first visit</option>
            <option value="returning">Returning: came before</option>
          </select>
        </Field>
        <Field id="bc-identity" label="Signed in" error={errors['audience.identity']}>
          <select id="bc-identity" value={d.identity} onChange={(e) => set({ identity: e.currentTarget.value as Draft['identity'] })} {...described('bc-identity', errors['audience.identity'])}>
            <option value="all">Anyone</option>
            <option value="identified">Identified by the site</option>
            <option value="anonymous">Anonymous only</option>
          </select>
        </Field>
      </div>
      <fieldset class="bc-sub">
        <legend>Contact fields</legend>
        <p class="hint">All of these must hold for the visitor's contact (e.g. plan is pro).</p>
        {d.fields.map((f, i) => {
          const err = rowError(errors[`audience.fields[${i}]`], fieldRuleError(f));
          return (
            <Fragment key={i}>
              <div class="bc-row">
                <input
                  id={`bc-field-${i}`}
                  aria-label={`Field rule ${i + 1}: field`}
                  placeholder="plan"
                  value={f.key}
                  onInput={(e) => field(i, { key: e.currentTarget.value })}
                  {...described(`bc-field-${i}`, err)}
                />
                <span aria-hidden="true">is</span>
                <input aria-label={`Field rule ${i + 1}: value`} placeholder="pro" value={f.value} onInput={(e) => field(i, { value: e.currentTarget.value })} />
                <button
                  type="button"
                  class="btn ghost small"
                  aria-label={`Remove field rule ${i + 1}`}
                  onClick={() => {
                    set({ fields: d.fields.filter((_, j) => j !== i) });
                    focusSoon('#bc-field-add');
                  }}
                >
                  Remove
                </button>
              </div>
              <FieldError id={`bc-field-${i}-error`} text={err} />
            </Fragment>
          );
        })}
        <button
          type="button"
          id="bc-field-add"
          class="btn secondary small"
          onClick={() => {
            set({ fields: [...d.fields, { key: '', value: '' }] });
            focusSoon(`#bc-field-${d.fields.length}`);
          }}
        >
          Add a field
        </button>
        <FieldError id="bc-fields-error" text={errors['audience.fields']} />
      </fieldset>
      <Field id="bc-languages" label="Languages" hint="The visitor's browser language, as codes. Empty: any language." error={errors['audience.languages']}>
        <input id="bc-languages" placeholder="en, de" value={d.languages} onInput={(e) => set({ languages: e.currentTarget.value })} {...described('bc-languages', errors['audience.languages'], true)} />
      </Field>
    </fieldset>
  );
}

/** How many visitors online now the audience matches, asked 500 ms after its last change. */
export function Reach({ audience }: { audience: Audience }) {
  const [est, setEst] = useState<Estimate | null>(null);
  const [failed, setFailed] = useState(false);
  const key = JSON.stringify(audience);
  useEffect(() => {
    let live = true; // an older answer must not replace a newer one
    const t = setTimeout(
      () =>
        estimate(audience).then(
          (e) => {
            if (!live) return;
            setEst(e);
            setFailed(false);
          },
          () => live && setFailed(true),
        ),
      500,
    );
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [key]);
  return (
    <div class="bc-reach">
      <h2>Audience now</h2>
      <p role="status">
        {failed ? (
          'The audience cannot be counted right now.'
        ) : est?.capped ? (
          // Too many online to count them all: a sample, said as one.
          <>
            At least {est.online} visitors are online now; <strong>{est.matching}</strong> of the first {est.online} counted match.
          </>
        ) : est ? (
          <>
            <strong>{est.matching}</strong> of the {est.online} visitors online now match.
          </>
        ) : (
          'Counting…'
        )}
      </p>
      <p class="hint">Languages are checked when a broadcast is shown, so they are not counted here.</p>
    </div>
  );
}
