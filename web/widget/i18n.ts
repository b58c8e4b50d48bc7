// The widget's texts in every language it ships, and how it picks one.
// The server keeps its own list of the keys, their placeholders and the
// languages (internal/site/texts.go; a Go test holds the two together);
// a site enables some languages and may override any text per language
// (welcome.site.look.languages and .texts, docs/protocol.md).

/** The languages the widget ships, each complete; English is the fallback. */
export const LANGUAGES = ['en', 'de'] as const;
export type Lang = (typeof LANGUAGES)[number];

const en = {
  greeting_title: 'Hi there 👋',
  greeting: 'Ask us anything. We usually answer within a few minutes.',
  subtitle: 'We reply as soon as we can',
  placeholder: 'Write a message…',
  message_label: 'Message',
  messages_label: 'Messages',
  send: 'Send message',
  open: 'Open chat',
  open_unread: 'Open chat, {n} unread',
  close: 'Close chat',
  chat_with: 'Chat with {name}',
  end_chat: 'End chat',
  end_confirm: 'End this chat? You can start a new one at any time.',
  keep_chatting: 'Keep chatting',
  end_failed: 'The chat could not be ended. Try again.',
  ended_title: 'This chat has ended',
  ended_text: 'Thanks for talking to us. Need anything else?',
  start_new: 'Start a new chat',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  unavailable: 'Chat is unavailable right now.',
  sending: 'Sending…',
  not_sent: 'Not sent',
  retry: 'Retry',
  sent: 'Sent',
  delivered: 'Delivered',
  seen: 'Seen',
  typing: '{name} is typing…',
  new_message_from: 'New message from {name}',
  agent: 'Agent',
  offline_title: 'We are away right now',
  offline_text: 'Leave your name and e-mail address, then your message: we will answer here and by e-mail.',
  name_label: 'Name',
  email_label: 'E-mail',
  offline_continue: 'Continue',
  offline_skip: 'Skip',
  attach: 'Attach a file',
  uploading: 'Uploading…',
  file_too_large: '{name} is larger than {size}.',
  file_refused: '{name} cannot be sent here.',
  remove: 'Remove',
  requests: 'Your requests',
  stage_new: 'Received',
  stage_in_progress: 'In progress',
  stage_waiting: 'Waiting',
  stage_resolved: 'Resolved',
  stage_closed: 'Closed',
  rate_question: 'How was this chat?',
  rate_good: 'Good',
  rate_bad: 'Bad',
  rate_comment: 'Tell us more (optional)',
  rate_send: 'Send',
  rate_thanks: 'Thanks for your feedback.',
  rate_change: 'Change',
  rate_failed: 'Your rating could not be sent. Try again.',
  dismiss: 'Dismiss',
  announcement: 'Announcement',
  ev_joined: '{name} joined the conversation',
  ev_left: '{name} left the conversation',
  ev_closed: '{name} closed the conversation',
  ev_reopened: '{name} reopened the conversation',
  ev_ended_you: 'You ended the conversation',
  ev_ended: 'The conversation was closed',
  offhours_closed: 'We are closed right now.',
  offhours_question: 'Would you like to leave a message for the agent? Please respond with YES or NO. If you select Yes, after your last message, please send "//end" without the quotes to end the chat.',
  offhours_accepted: 'Thank you. Please write your message; an agent will answer as soon as we are open.',
  offhours_declined: 'Thank you for writing to us. Goodbye.',
  offhours_thanks: 'Thank you, we have your message and will get back to you.',
  ticket_notice: 'All our agents are busy right now. We have your message and will answer here as soon as we can: you can close this window, the answer will be waiting for you.',
};

/** TextKey names one of the widget's texts. */
export type TextKey = keyof typeof en;

/** TEXTS is the catalogue: every text of every shipped language. */
export const TEXTS: Record<Lang, Record<TextKey, string>> = {
  en,
  de: {
    greeting_title: 'Hallo 👋',
    greeting: 'Fragen Sie uns, was Sie möchten. Wir antworten meist innerhalb weniger Minuten.',
    subtitle: 'Wir antworten so schnell wie möglich',
    placeholder: 'Nachricht schreiben…',
    message_label: 'Nachricht',
    messages_label: 'Nachrichten',
    send: 'Nachricht senden',
    open: 'Chat öffnen',
    open_unread: 'Chat öffnen, {n} ungelesen',
    close: 'Chat schließen',
    chat_with: 'Chat mit {name}',
    end_chat: 'Chat beenden',
    end_confirm: 'Diesen Chat beenden? Sie können jederzeit einen neuen beginnen.',
    keep_chatting: 'Chat fortsetzen',
    end_failed: 'Der Chat konnte nicht beendet werden. Bitte versuchen Sie es erneut.',
    ended_title: 'Dieser Chat ist beendet',
    ended_text: 'Danke für das Gespräch. Können wir sonst noch etwas für Sie tun?',
    start_new: 'Neuen Chat beginnen',
    connecting: 'Verbindung wird aufgebaut…',
    reconnecting: 'Verbindung wird wiederhergestellt…',
    unavailable: 'Der Chat ist gerade nicht erreichbar.',
    sending: 'Wird gesendet…',
    not_sent: 'Nicht gesendet',
    retry: 'Erneut versuchen',
    sent: 'Gesendet',
    delivered: 'Zugestellt',
    seen: 'Gelesen',
    typing: '{name} schreibt…',
    new_message_from: 'Neue Nachricht von {name}',
    agent: 'Support',
    offline_title: 'Wir sind gerade nicht da',
    offline_text: 'Hinterlassen Sie Ihren Namen und Ihre E-Mail-Adresse, dann Ihre Nachricht: Wir antworten hier und per E-Mail.',
    name_label: 'Ihr Name',
    email_label: 'E-Mail',
    offline_continue: 'Weiter',
    offline_skip: 'Überspringen',
    attach: 'Datei anhängen',
    uploading: 'Wird hochgeladen…',
    file_too_large: '{name} ist größer als {size}.',
    file_refused: '{name} kann hier nicht gesendet werden.',
    remove: 'Entfernen',
    requests: 'Ihre Anfragen',
    stage_new: 'Eingegangen',
    stage_in_progress: 'In Bearbeitung',
    stage_waiting: 'Wartend',
    stage_resolved: 'Gelöst',
    stage_closed: 'Abgeschlossen',
    rate_question: 'Wie war dieser Chat?',
    rate_good: 'Gut',
    rate_bad: 'Schlecht',
    rate_comment: 'Möchten Sie uns mehr sagen? (optional)',
    rate_send: 'Senden',
    rate_thanks: 'Danke für Ihre Rückmeldung.',
    rate_change: 'Ändern',
    rate_failed: 'Ihre Bewertung konnte nicht gesendet werden. Bitte versuchen Sie es erneut.',
    dismiss: 'Ausblenden',
    announcement: 'Mitteilung',
    ev_joined: '{name} ist dem Gespräch beigetreten',
    ev_left: '{name} hat das Gespräch verlassen',
    ev_closed: '{name} hat das Gespräch beendet',
    ev_reopened: '{name} hat das Gespräch wieder geöffnet',
    ev_ended_you: 'Sie haben das Gespräch beendet',
    ev_ended: 'Das Gespräch wurde beendet',
    offhours_closed: 'Wir sind gerade nicht erreichbar.',
    offhours_question: 'Möchten Sie eine Nachricht für unser Team hinterlassen? Bitte antworten Sie mit JA oder NEIN. Wenn Sie JA wählen, senden Sie nach Ihrer letzten Nachricht bitte „//end“ (ohne Anführungszeichen), um den Chat zu beenden.',
    offhours_accepted: 'Danke. Schreiben Sie bitte Ihre Nachricht; wir antworten, sobald wir wieder da sind.',
    offhours_declined: 'Danke für Ihre Nachricht. Auf Wiedersehen.',
    offhours_thanks: 'Danke, wir haben Ihre Nachricht und melden uns bei Ihnen.',
    ticket_notice: 'Gerade sind alle unsere Mitarbeitenden beschäftigt. Wir haben Ihre Nachricht und antworten hier so bald wie möglich: Sie können dieses Fenster schließen, die Antwort wartet auf Sie.',
  },
};

const shipped = (l: string): l is Lang => (LANGUAGES as readonly string[]).includes(l);

/**
 * pickLanguage is the language to show: the first of the browser's
 * languages (navigator.languages) the site enabled, by its exact tag and
 * then its primary subtag (de-AT → de); else English if enabled; else the
 * first enabled language the widget ships.
 */
export function pickLanguage(browser: readonly string[], enabled: readonly string[]): Lang {
  const on = enabled.filter(shipped);
  for (const tag of browser) {
    const l = tag.toLowerCase();
    for (const c of [l, l.split('-')[0]]) if (on.includes(c as Lang)) return c as Lang;
  }
  return on.includes('en') || !on.length ? 'en' : on[0];
}

/**
 * t is a text in lang: the site's override when it is not empty, else the
 * catalogue's; then {placeholders} are filled from vars (unknown ones stay).
 */
export function t(lang: Lang, key: TextKey, overrides?: Partial<Record<TextKey, string>> | null, vars?: Record<string, string | number>): string {
  const s = overrides?.[key] || (TEXTS[lang] ?? en)[key];
  return vars ? s.replace(/\{(\w+)\}/g, (m, k: string) => ({}).hasOwnProperty.call(vars, k) ? String(vars[k]) : m) : s;
}
