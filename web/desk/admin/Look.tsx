// The "Widget look" part of a site's settings: colour, greeting, agents'
// names or a team name, and a small preview of the widget in that look.
import { agentLabel, inkOn } from '../../shared/look';
import { pickLanguage, t } from '../../widget/i18n';
import { MAX_GREETING, MAX_TEAM_NAME, type SiteLook } from './api';
import { Field } from './form';

/** The widget's own blue (--accent in web/widget/widget.css), for a colour that is not #rrggbb yet. */
const DEFAULT_COLOR = '#3056d3';
const HEX = /^#[0-9a-f]{6}$/i;

/** Characters as the server counts them (code points, not UTF-16 units). */
const chars = (s: string) => [...s].length;

/**
 * LookFields edits a site's look; errors are the server's refusals by
 * field ("look.color", ...). The colour is sent as typed, so a bad hex is
 * refused by the server on its own field rather than silently dropped.
 */
export function LookFields({ value, siteName, editable, errors, onChange }: {
  value: SiteLook;
  siteName: string;
  editable: boolean;
  errors: Record<string, string>;
  onChange: (l: SiteLook) => void;
}) {
  const set = (p: Partial<SiteLook>) => onChange({ ...value, ...p });
  const color = HEX.test(value.color) ? value.color.toLowerCase() : DEFAULT_COLOR;
  const ink = inkOn(color);
  const accent = { background: color, color: ink };
  const greetingLength = chars(value.greeting.trim());
  // The preview speaks what a visitor whose browser language is not enabled
  // sees; "Languages and texts" (Texts.tsx) shows its own errors.
  const lang = pickLanguage([], value.languages);
  const text = (key: Parameters<typeof t>[1]) => t(lang, key, value.texts[lang]);
  const defaultGreeting = `${text('greeting_title')} ${text('greeting')}`;
  // As the widget shows it (web/widget/Messages.tsx): the language's own greeting, the look's, the default.
  const greeting = value.texts[lang]?.greeting?.trim() || value.greeting.trim() || defaultGreeting;
  const shown = ['look.color', 'look.greeting', 'look.team_name', 'look.languages', 'look.texts'];
  const other = errors.look && !Object.keys(errors).some((k) => shown.includes(k) || k.startsWith('look.texts.')) ? errors.look : '';
  return (
    <fieldset class="field look" disabled={!editable}>
      <legend class="pref-label">Widget look</legend>
      <p class="pref-help muted">How the chat widget shows itself to this site's visitors.</p>
      <div class="look-grid">
        <div class="look-fields">
          <Field id="look-color" label="Colour" help="Launcher, header, the visitor's own messages and the send button. Text on it turns white or dark, whichever reads better." error={errors['look.color']}>
            <div class="look-color">
              <input type="color" id="look-color" value={color} onInput={(e) => set({ color: e.currentTarget.value })} />
              <input aria-label="Colour (hex)" class="hex" value={value.color} spellcheck={false} onInput={(e) => set({ color: e.currentTarget.value.trim() })} />
            </div>
          </Field>
          <Field id="look-greeting" label="Greeting" help="Shown at the top of a new conversation in every language without a greeting of its own (Languages and texts). Leave empty for the default." error={errors['look.greeting']}>
            <textarea id="look-greeting" rows={3} value={value.greeting} placeholder={defaultGreeting} onInput={(e) => set({ greeting: e.currentTarget.value })} />
            <span class={greetingLength > MAX_GREETING ? 'counter over' : 'counter muted'} aria-live="polite">
              {greetingLength} / {MAX_GREETING}
            </span>
          </Field>
          <div class="field" role="radiogroup" aria-labelledby="look-names-label">
            <span class="pref-label" id="look-names-label">
              Visitors see
            </span>
            <label class="check">
              <input type="radio" name="look-names" checked={value.agent_names} onChange={() => set({ agent_names: true })} />
              Show agents' names
            </label>
            <label class="check">
              <input type="radio" name="look-names" checked={!value.agent_names} onChange={() => set({ agent_names: false })} />
              Show a team name
            </label>
          </div>
          {!value.agent_names && (
            <Field id="look-team" label="Team name" help={`Shown instead of the agent's name. Leave empty for the site's name, “${siteName}”.`} error={errors['look.team_name']}>
              <input id="look-team" value={value.team_name} placeholder={siteName} maxLength={MAX_TEAM_NAME} onInput={(e) => set({ team_name: e.currentTarget.value })} />
            </Field>
          )}
          <label class="check">
            <input type="checkbox" checked={value.ratings} onChange={(e) => set({ ratings: e.currentTarget.checked })} />
            Ask visitors to rate a chat when it ends (good or bad, with a comment; its words are the texts “Rating: …”)
          </label>
          {other && (
            <p class="field-error" role="alert">
              {other}
            </p>
          )}
        </div>
        <div class="look-preview" data-testid="look-preview">
          <span class="pref-label">Preview</span>
          <div class="lp-panel" aria-hidden="true" lang={lang}>
            <div class="lp-head" style={accent}>
              <span class="lp-avatar">{siteName.slice(0, 1).toUpperCase()}</span>
              <span class="lp-title">
                <strong>{siteName}</strong>
                <small>{text('subtitle')}</small>
              </span>
            </div>
            <div class="lp-body">
              <p class="lp-greeting">{greeting}</p>
              <span class="lp-author">{agentLabel(value, siteName, 'Ann')}</span>
              <span class="lp-bubble theirs">Hello! How can I help?</span>
              <span class="lp-bubble mine" style={accent}>
                Where is my order?
              </span>
            </div>
          </div>
          <span class="lp-launcher" style={accent} aria-hidden="true">
            <svg viewBox="0 0 24 24" width="22" height="22">
              <path
                fill="currentColor"
                d="M12 3C6.5 3 2 6.8 2 11.5c0 2.4 1.2 4.6 3.1 6.1L4.4 21l3.9-2.1c1.2.4 2.4.6 3.7.6 5.5 0 10-3.8 10-8.5S17.5 3 12 3Z"
              />
            </svg>
          </span>
        </div>
      </div>
    </fieldset>
  );
}
