import { useId, useState } from 'preact/hooks';
import type { BusinessHours, OpenSpan } from './api';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const WEEK = [1, 2, 3, 4, 5, 6, 0]; // shown Monday first
/** The server's limit on closed days (docs/api.md). */
const MAX_CLOSED = 100;

/** "Fri, Dec 25, 2026" for "2026-12-25": a calendar date, read at local midnight. */
function dayLabel(d: string): string {
  const t = new Date(`${d}T00:00:00`);
  return isNaN(t.getTime()) ? d : t.toLocaleDateString(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' });
}

function localZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The server's limit on the out-of-hours texts, in characters. */
const MAX_AUTO_TEXT = 1000;
const DEFAULT_QUESTION =
  'Would you like to leave a message for the agent? Please respond with YES or NO. If you select Yes, after your last message, please send "//end" without the quotes to end the chat.';

/**
 * Hours edits a site's opening hours: always open (no spans), or one span a
 * day on the chosen days, in the site's time zone; and the closed days
 * (holidays), closed all day either way. closedError is the server's
 * refusal of a closed day; error any other refusal of the hours. A
 * department's hours (kind "department") are the schedule alone: the
 * out-of-hours texts are its sites'.
 */
export function Hours({ value, editable, error, closedError, onChange, kind = 'site' }: {
  value: BusinessHours;
  editable: boolean;
  error?: string;
  closedError?: string;
  onChange: (h: BusinessHours) => void;
  kind?: 'site' | 'department';
}) {
  const site = kind === 'site';
  const closedLabel = `closed-days-${useId()}`;
  const days = value.days ?? [];
  const closed = value.closed_days ?? [];
  const [pick, setPick] = useState('');
  const always = days.length === 0;
  const span = (wd: number) => days.find((d) => d.weekday === wd);
  const set = (next: OpenSpan[]) => onChange({ ...value, time_zone: value.time_zone || localZone(), days: next.sort((a, b) => a.weekday - b.weekday) });
  const setClosed = (next: string[]) => onChange({ ...value, closed_days: next.sort() });
  const canAdd = /^\d{4}-\d{2}-\d{2}$/.test(pick) && !closed.includes(pick) && closed.length < MAX_CLOSED;
  const toggle = (wd: number, on: boolean) => set(on ? [...days, { weekday: wd, open: '09:00', close: '17:00' }] : days.filter((d) => d.weekday !== wd));
  const edit = (wd: number, key: 'open' | 'close', v: string) => set(days.map((d) => (d.weekday === wd ? { ...d, [key]: v } : d)));
  return (
    <fieldset class={error ? 'field hours invalid' : 'field hours'} disabled={!editable}>
      <legend class="pref-label">Business hours</legend>
      {site ? (
        <p class="pref-help muted">
          When the site is staffed, in its own time zone. Out of hours a visitor's message is answered with the closed message and the
          question below; a visitor who answers YES leaves a message that waits under Tickets.
        </p>
      ) : (
        <p class="pref-help muted">
          When this department answers, within its sites' hours. Out of them its chats get the site's out-of-hours answer and wait
          under Tickets.
        </p>
      )}
      <label class="check">
        <input
          type="checkbox"
          checked={always}
          onChange={(e) =>
            e.currentTarget.checked
              ? onChange({ ...value, days: [] })
              : set([1, 2, 3, 4, 5].map((wd) => ({ weekday: wd, open: '09:00', close: '17:00' })))
          }
        />
        Always open
      </label>
      {(!always || closed.length > 0) && (
        <label class="hours-zone">
          Time zone
          <input value={value.time_zone} placeholder="Europe/Paris" onInput={(e) => onChange({ ...value, time_zone: e.currentTarget.value.trim() })} />
        </label>
      )}
      {!always && (
        <>
          <table class="hours-table">
            <tbody>
              {WEEK.map((wd) => {
                const s = span(wd);
                return (
                  <tr key={wd}>
                    <th scope="row">
                      <label class="check">
                        <input type="checkbox" checked={!!s} onChange={(e) => toggle(wd, e.currentTarget.checked)} />
                        {DAYS[wd]}
                      </label>
                    </th>
                    <td>
                      {s ? (
                        <>
                          <input type="time" aria-label={`${DAYS[wd]} opens`} value={s.open} onInput={(e) => edit(wd, 'open', e.currentTarget.value)} />
                          {' – '}
                          <input type="time" aria-label={`${DAYS[wd]} closes`} value={s.close} onInput={(e) => edit(wd, 'close', e.currentTarget.value)} />
                        </>
                      ) : (
                        <span class="muted">Closed</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      <div class={closedError ? 'closed-days invalid' : 'closed-days'} role="group" aria-labelledby={closedLabel}>
        <span class="pref-label" id={closedLabel}>
          Closed days
        </span>
        <p class="pref-help muted">Holidays and days off, in this time zone: closed all day, whatever the weekly hours say.</p>
        {closed.length > 0 && (
          <ul class="closed-list" aria-label="Closed days">
            {closed.map((d) => (
              <li key={d}>
                <time dateTime={d}>{dayLabel(d)}</time>
                {editable && (
                  <button type="button" class="btn ghost" aria-label={`Remove ${dayLabel(d)}`} onClick={() => setClosed(closed.filter((x) => x !== d))}>
                    Remove
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
        {editable && (
          <div class="closed-add">
            <input type="date" aria-label="Closed day to add" value={pick} onInput={(e) => setPick(e.currentTarget.value)} />
            <button
              type="button"
              class="btn"
              disabled={!canAdd}
              onClick={() => {
                setClosed([...closed, pick]);
                setPick('');
              }}
            >
              Add closed day
            </button>
            {closed.includes(pick) && <span class="muted">Already listed</span>}
            {closed.length >= MAX_CLOSED && <span class="muted">At most {MAX_CLOSED} closed days</span>}
          </div>
        )}
        {closedError && (
          <p class="field-error" role="alert">
            {closedError}
          </p>
        )}
      </div>
      {site && (
        <SiteTexts value={value} onChange={onChange} />
      )}
    </fieldset>
  );
}

/** The out-of-hours texts of a site's hours. */
function SiteTexts({ value, onChange }: { value: BusinessHours; onChange: (h: BusinessHours) => void }) {
  return (
    <>
      <label class="check">
        <input type="checkbox" checked={!!value.ask_contact} onChange={(e) => onChange({ ...value, ask_contact: e.currentTarget.checked })} />
        Out of hours, ask for a name and e-mail address before the first message (so answers can go by e-mail)
      </label>
      <label class="auto-text">
        <span class="pref-label">Out-of-hours message</span>
        <textarea
          rows={2}
          maxLength={MAX_AUTO_TEXT}
          placeholder="We are closed right now."
          value={value.closed_message ?? ''}
          onInput={(e) => onChange({ ...value, closed_message: e.currentTarget.value })}
        />
      </label>
      <label class="auto-text">
        <span class="pref-label">Question</span>
        <textarea
          rows={3}
          maxLength={MAX_AUTO_TEXT}
          placeholder={DEFAULT_QUESTION}
          value={value.question ?? ''}
          onInput={(e) => onChange({ ...value, question: e.currentTarget.value })}
        />
        <span class="pref-help muted">Empty uses the text shown. Keep YES, NO and "//end" in it: those are the answers the visitor can give.</span>
      </label>
    </>
  );
}
