// The "Languages and texts" part of a site's settings: which of the
// widget's languages the site enables, and the owner's own words for any
// of the widget's texts in each (look.languages and look.texts,
// docs/api.md). The catalogue is the widget's own (web/widget/i18n.ts):
// its texts are the placeholders, so an empty input is visibly the default.
import { LANGUAGES, type Lang, TEXTS, type TextKey } from '../../widget/i18n';
import { MAX_WIDGET_TEXT, type SiteLook } from './api';

/** Each language by its own name, as a speaker looks for it. */
const NAMES: Record<Lang, string> = { en: 'English', de: 'Deutsch' };

/** What each text is, for the owner (in the catalogue's order). */
const LABELS: Record<TextKey, string> = {
  greeting_title: 'Greeting title',
  greeting: 'Greeting',
  subtitle: 'Header subtitle',
  placeholder: 'Message box placeholder',
  message_label: 'Message box label (screen readers)',
  messages_label: 'Message list label (screen readers)',
  send: 'Send button',
  open: 'Launcher label',
  open_unread: 'Launcher label with unread messages',
  close: 'Close button',
  chat_with: 'Panel label',
  end_chat: 'End chat button',
  end_confirm: 'End chat question',
  keep_chatting: 'Keep chatting button',
  end_failed: 'End chat failed',
  ended_title: 'Ended chat title',
  ended_text: 'Ended chat text',
  start_new: 'Start new chat button',
  connecting: 'Connecting',
  reconnecting: 'Reconnecting',
  unavailable: 'Chat unavailable',
  sending: 'Message sending',
  not_sent: 'Message not sent',
  retry: 'Retry button',
  sent: 'Message sent',
  delivered: 'Message delivered',
  seen: 'Message seen',
  typing: 'Agent typing',
  new_message_from: 'New message announcement',
  agent: "Agent's name when unknown",
  offline_title: 'Out-of-hours form title',
  offline_text: 'Out-of-hours form text',
  name_label: 'Out-of-hours form: name label',
  email_label: 'Out-of-hours form: e-mail label',
  offline_continue: 'Out-of-hours form: continue button',
  offline_skip: 'Out-of-hours form: skip button',
  attach: 'Attach button (screen readers)',
  uploading: 'File uploading',
  file_too_large: 'File too large',
  file_refused: 'File refused',
  remove: 'Remove a refused file',
  requests: 'Followed tickets heading',
  stage_new: 'Ticket status: new',
  stage_in_progress: 'Ticket status: in progress',
  stage_waiting: 'Ticket status: waiting',
  stage_resolved: 'Ticket status: resolved',
  stage_closed: 'Ticket status: closed',
  rate_question: 'Rating: the question when a chat ends',
  rate_good: 'Rating: good',
  rate_bad: 'Rating: bad',
  rate_comment: 'Rating: the comment box',
  rate_send: 'Rating: send the comment',
  rate_thanks: 'Rating: thanks',
  rate_change: 'Rating: change it',
  rate_failed: 'Rating: could not be sent',
  dismiss: 'Broadcast: close button',
  announcement: 'Broadcast: banner name (screen readers)',
  ev_joined: 'Chat line: an agent joined',
  ev_left: 'Chat line: an agent left',
  ev_closed: 'Chat line: an agent closed the chat',
  ev_reopened: 'Chat line: an agent reopened the chat',
  ev_ended_you: 'Chat line: the visitor ended the chat',
  ev_ended: 'Chat line: the chat was closed',
  offhours_closed: 'Out of hours: the closed message (the site’s own wording under Hours is shown as written)',
  offhours_question: 'Out of hours: the YES/NO question',
  offhours_accepted: 'Out of hours: after YES',
  offhours_declined: 'Out of hours: after NO',
  offhours_thanks: 'Out of hours: after //end',
  ticket_notice: 'No agent free: the chat became a ticket',
};

/** The texts that are paragraphs (line breaks allowed, as on the server). */
const PARAGRAPHS: TextKey[] = [
  'greeting',
  'end_confirm',
  'ended_text',
  'offhours_closed',
  'offhours_question',
  'offhours_accepted',
  'offhours_declined',
  'offhours_thanks',
  'ticket_notice',
];
const KEYS = Object.keys(TEXTS.en) as TextKey[];
/** Show the counter from 80 % of the limit on. */
const NEAR = MAX_WIDGET_TEXT * 0.8;

const chars = (s: string) => [...s].length;
const shipped = (l: string): l is Lang => (LANGUAGES as readonly string[]).includes(l);

/**
 * TextFields edits a site's languages and texts; errors are the server's
 * refusals by field ("look.languages", "look.texts.de.typing", ...).
 */
export function TextFields({ value, editable, errors, onChange }: {
  value: SiteLook;
  editable: boolean;
  errors: Record<string, string>;
  onChange: (l: SiteLook) => void;
}) {
  const enabled = value.languages.filter(shipped);
  const toggle = (lang: Lang, on: boolean) =>
    onChange({ ...value, languages: on ? [...value.languages, lang] : value.languages.filter((l) => l !== lang) });
  const setText = (lang: Lang, key: TextKey, text: string) =>
    onChange({ ...value, texts: { ...value.texts, [lang]: { ...value.texts[lang], [key]: text } } });
  // A refusal that names no single text: a language, or an unknown key.
  const general = errors['look.texts'] ?? LANGUAGES.map((l) => errors[`look.texts.${l}`]).find(Boolean);
  return (
    <fieldset class="field texts" disabled={!editable}>
      <legend class="pref-label">Languages and texts</legend>
      <p class="pref-help muted">
        The widget speaks the visitor's browser language when it is enabled here, else English, else the first enabled language. Any text can be
        reworded per language; leave it empty to keep the widget's own, shown greyed.
      </p>
      <div class="lang-checks" role="group" aria-label="Enabled languages" aria-describedby={errors['look.languages'] ? 'look-languages-error' : undefined}>
        {LANGUAGES.map((lang) => (
          <label class="check" key={lang} lang={lang}>
            <input type="checkbox" checked={enabled.includes(lang)} onChange={(e) => toggle(lang, e.currentTarget.checked)} />
            {NAMES[lang]}
          </label>
        ))}
      </div>
      {errors['look.languages'] && (
        <p class="field-error" id="look-languages-error" role="alert">
          {errors['look.languages']}
        </p>
      )}
      {general && (
        <p class="field-error" role="alert">
          {general}
        </p>
      )}
      {enabled.map((lang) => {
        const own = value.texts[lang] ?? {};
        const changed = KEYS.filter((k) => own[k]?.trim()).length;
        const invalid = KEYS.some((k) => errors[`look.texts.${lang}.${k}`]);
        return (
          <details class="texts-lang" key={lang} open={invalid || undefined}>
            <summary>
              {NAMES[lang]}{' '}
              <span class="muted">
                · {changed === 0 ? 'the widget’s own texts' : `${changed} of ${KEYS.length} reworded`}
              </span>
            </summary>
            <div class="texts-list">
              {KEYS.map((key) => (
                <TextRow key={key} lang={lang} name={key} value={own[key] ?? ''} error={errors[`look.texts.${lang}.${key}`]} onInput={(t) => setText(lang, key, t)} />
              ))}
            </div>
          </details>
        );
      })}
    </fieldset>
  );
}

function TextRow({ lang, name, value, error, onInput }: { lang: Lang; name: TextKey; value: string; error?: string; onInput: (t: string) => void }) {
  const id = `text-${lang}-${name}`;
  const fallback = TEXTS[lang][name];
  const keep = fallback.match(/\{\w+\}/g);
  const n = chars(value.trim());
  const described = [keep && `${id}-help`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  // Named with its language: every enabled language lists the same texts.
  const input = { id, lang, value, placeholder: fallback, 'aria-label': `${LABELS[name]} (${NAMES[lang]})`, 'aria-describedby': described, 'aria-invalid': error ? true : undefined, onInput: (e: Event) => onInput((e.currentTarget as HTMLInputElement).value) };
  return (
    <div class={error ? 'text-row invalid' : 'text-row'}>
      <label for={id}>{LABELS[name]}</label>
      <div class="text-input">
        {PARAGRAPHS.includes(name) ? <textarea rows={2} {...input} /> : <input {...input} />}
        {keep && (
          <span class="muted" id={`${id}-help`}>
            Keep {keep.join(' and ')}: the widget fills {keep.length > 1 ? 'them' : 'it'} in.
          </span>
        )}
        {n >= NEAR && (
          <span class={n > MAX_WIDGET_TEXT ? 'counter over' : 'counter muted'} aria-live="polite">
            {n} / {MAX_WIDGET_TEXT}
          </span>
        )}
        {error && (
          <p class="field-error" id={`${id}-error`} role="alert">
            {error}
          </p>
        )}
      </div>
    </div>
  );
}
