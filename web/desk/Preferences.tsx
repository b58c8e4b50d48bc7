import { useEffect, useState } from 'preact/hooks';
import { AuditLog } from './AuditLog';
import { BlockList } from './Blocking';
import { SubmitRow } from './admin/form';
import { ApiError, getWorkspace, type NumericSetting, patchSettings, type Settings } from './api';
import { FILE_KINDS, type FieldSpec, SETTING_FIELDS, settingErrorText } from './settings';

type Values = Record<NumericSetting, string>;

function toValues(s: Settings): Values {
  const v = {} as Values;
  // A setting at its zero (like closed_retention_days 0: off) may be absent.
  for (const f of SETTING_FIELDS) v[f.key] = String(s[f.key] ?? 0);
  return v;
}

/** The time zones the browser knows, with UTC and the current one. */
function zones(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set(['UTC', current, ...known])];
}

/**
 * Workspace preferences: the lifecycle timers and limits. Agents with
 * workspace.manage (owners and admins) change them (editable); others read them.
 */
export function Preferences({ editable, canBlock }: { editable: boolean; canBlock: boolean }) {
  const [values, setValues] = useState<Values | null>(null);
  const [loadError, setLoadError] = useState('');
  const [errors, setErrors] = useState<Partial<Record<keyof Settings, string>>>({});
  const [kinds, setKinds] = useState<string[]>([]);
  const [zone, setZone] = useState('UTC');
  const [formError, setFormError] = useState('');
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    getWorkspace()
      .then((w) => {
        setValues(toValues(w.settings));
        setKinds(w.settings.file_types ?? []);
        setZone(w.settings.time_zone || 'UTC');
      })
      .catch(() => setLoadError('The preferences cannot be loaded right now.'));
  }, []);

  const set = (key: NumericSetting, value: string) => {
    if (!values) return;
    setValues({ ...values, [key]: value });
    setSaved(false);
    if (errors[key]) setErrors({ ...errors, [key]: undefined });
  };

  const submit = (e: Event) => {
    e.preventDefault();
    if (!values || !editable) return;
    const patch: Partial<Settings> = {};
    const local: Partial<Record<keyof Settings, string>> = {};
    for (const f of SETTING_FIELDS) {
      const raw = values[f.key].trim();
      if (!/^-?\d+$/.test(raw)) local[f.key] = 'Enter a whole number.';
      else patch[f.key] = Number(raw);
    }
    if (kinds.length === 0) local.file_types = 'Pick at least one kind, or turn attachments off above.';
    patch.file_types = kinds;
    patch.time_zone = zone;
    setErrors(local);
    setFormError('');
    setSaved(false);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    patchSettings(patch)
      .then((w) => {
        setValues(toValues(w.settings));
        setKinds(w.settings.file_types ?? []);
        setSaved(true);
      })
      .catch((err: unknown) => {
        const key = err instanceof ApiError ? (err.field.replace(/^settings\./, '') as keyof Settings) : undefined;
        if (err instanceof ApiError && (key === 'file_types' || key === 'time_zone')) {
          setErrors({ [key]: err.message });
        } else if (err instanceof ApiError && key && SETTING_FIELDS.some((f) => f.key === key)) {
          setErrors({ [key]: settingErrorText(SETTING_FIELDS.find((f) => f.key === key) as FieldSpec, err.code, err.message) });
        } else if (err instanceof ApiError && err.status === 403) {
          setFormError('Only owners and admins can change the preferences.');
        } else {
          setFormError('The preferences could not be saved. Try again.');
        }
      })
      .finally(() => setBusy(false));
  };

  return (
    <section class="prefs" aria-labelledby="prefs-title">
      <div class="prefs-inner">
        <h2 id="prefs-title">Workspace preferences</h2>
        <p class="muted">
          How long chats stay open, when they move on by themselves, and how many each agent takes. Changes apply to every
          conversation at the next timer pass (within seconds); 0 resets a setting to its default.
        </p>
        {!editable && (
          <p class="notice" role="note">
            Only owners and admins can change these. You can read them.
          </p>
        )}
        {loadError && (
          <p class="form-error" role="alert">
            {loadError}
          </p>
        )}
        {values && (
          <form class="prefs-form" onSubmit={submit} noValidate>
            {SETTING_FIELDS.map((f) => {
              const id = `pref-${f.key}`;
              const err = errors[f.key];
              const off = f.off !== undefined && values[f.key].trim() === String(f.off);
              return (
                <div key={f.key} class={err ? 'pref invalid' : 'pref'}>
                  <label for={id} class="pref-label">
                    {f.label}
                  </label>
                  <p class="pref-help muted" id={`${id}-help`}>
                    {f.help}
                  </p>
                  <div class="pref-input">
                    <input
                      id={id}
                      type="number"
                      inputMode="numeric"
                      min={f.min}
                      max={f.max}
                      step={1}
                      value={off ? '' : values[f.key]}
                      placeholder={off ? 'Off' : ''}
                      disabled={!editable || off}
                      aria-invalid={err ? 'true' : undefined}
                      aria-describedby={`${id}-help${err ? ` ${id}-error` : ''}`}
                      onInput={(e) => set(f.key, e.currentTarget.value)}
                    />
                    <span class="unit">{f.unit}</span>
                    {f.off === undefined && <span class="off-slot" aria-hidden="true" />}
                    {f.off !== undefined && (
                      <label class="check off-slot">
                        <input
                          type="checkbox"
                          checked={off}
                          disabled={!editable}
                          onChange={(e) => set(f.key, e.currentTarget.checked ? String(f.off) : String(f.fallback))}
                        />
                        Off
                      </label>
                    )}
                  </div>
                  {err && (
                    <p class="field-error" id={`${id}-error`} role="alert">
                      {err}
                    </p>
                  )}
                </div>
              );
            })}
            <div class={errors.time_zone ? 'pref invalid' : 'pref'}>
              <label for="pref-time_zone" class="pref-label">
                Time zone
              </label>
              <p class="pref-help muted" id="pref-time_zone-help">
                Where the analytics count days and hours.
              </p>
              <div class="pref-input">
                <select
                  id="pref-time_zone"
                  value={zone}
                  disabled={!editable}
                  aria-describedby="pref-time_zone-help"
                  onChange={(e) => {
                    setZone(e.currentTarget.value);
                    setSaved(false);
                  }}
                >
                  {zones(zone).map((z) => (
                    <option key={z} value={z}>
                      {z}
                    </option>
                  ))}
                </select>
              </div>
              {errors.time_zone && (
                <p class="field-error" role="alert">
                  {errors.time_zone}
                </p>
              )}
            </div>
            <fieldset class={errors.file_types ? 'pref invalid' : 'pref'} aria-describedby="pref-kinds-help">
              <legend class="pref-label">Kinds of file that may be attached</legend>
              <p class="pref-help muted" id="pref-kinds-help">
                Each file must be what its name says (a .png must be a PNG). Web pages, SVG and scripts are never accepted.
              </p>
              <div class="pref-kinds">
                {FILE_KINDS.map((k) => (
                  <label key={k.kind} class="check">
                    <input
                      type="checkbox"
                      checked={kinds.includes(k.kind)}
                      disabled={!editable}
                      onChange={(e) => {
                        setKinds(e.currentTarget.checked ? [...kinds, k.kind] : kinds.filter((x) => x !== k.kind));
                        setSaved(false);
                      }}
                    />
                    {k.label}
                  </label>
                ))}
              </div>
              {errors.file_types && (
                <p class="field-error" role="alert">
                  {errors.file_types}
                </p>
              )}
            </fieldset>
            {formError && (
              <p class="form-error" role="alert">
                {formError}
              </p>
            )}
            {editable && <SubmitRow label="Save preferences" busy={busy} done={saved ? 'Saved' : ''} />}
          </form>
        )}
        {canBlock && <BlockList />}
        {editable && <AuditLog />}
      </div>
    </section>
  );
}
