import type { BusinessHours, OpenSpan } from './api';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const WEEK = [1, 2, 3, 4, 5, 6, 0]; // shown Monday first

function localZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/**
 * Hours edits a site's opening hours: always open (no spans), or one span a
 * day on the chosen days, in the site's time zone.
 */
export function Hours({ value, editable, error, onChange }: { value: BusinessHours; editable: boolean; error?: string; onChange: (h: BusinessHours) => void }) {
  const days = value.days ?? [];
  const always = days.length === 0;
  const span = (wd: number) => days.find((d) => d.weekday === wd);
  const set = (next: OpenSpan[]) => onChange({ time_zone: value.time_zone || localZone(), days: next.sort((a, b) => a.weekday - b.weekday) });
  const toggle = (wd: number, on: boolean) => set(on ? [...days, { weekday: wd, open: '09:00', close: '17:00' }] : days.filter((d) => d.weekday !== wd));
  const edit = (wd: number, key: 'open' | 'close', v: string) => set(days.map((d) => (d.weekday === wd ? { ...d, [key]: v } : d)));
  return (
    <fieldset class={error ? 'field hours invalid' : 'field hours'} disabled={!editable}>
      <legend class="pref-label">Business hours</legend>
      <p class="pref-help muted">When the site is staffed, in its own time zone. Live Desk does not act on them yet: the out-of-hours flow (leave a message, answered as a ticket) comes with tickets.</p>
      <label class="check">
        <input
          type="checkbox"
          checked={always}
          onChange={(e) =>
            e.currentTarget.checked
              ? onChange({ time_zone: value.time_zone, days: [] })
              : set([1, 2, 3, 4, 5].map((wd) => ({ weekday: wd, open: '09:00', close: '17:00' })))
          }
        />
        Always open
      </label>
      {!always && (
        <>
          <label class="hours-zone">
            Time zone
            <input value={value.time_zone} placeholder="Europe/Paris" onInput={(e) => onChange({ ...value, time_zone: e.currentTarget.value.trim() })} />
          </label>
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
    </fieldset>
  );
}
