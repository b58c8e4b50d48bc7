// A site's widget look (welcome.site.look, docs/protocol.md): the text
// colour that reads on its accent, and the name visitors see on replies.
// The widget applies them; the desk's Sites page previews them.
import type { Message, SiteLook } from './protocol';

/** The widget's dark text colour (--text in widget.css). */
export const DARK_INK = '#172033';

/** WCAG relative luminance of a "#rrggbb" colour (0 black … 1 white). */
export function luminance(hex: string): number {
  const n = parseInt(hex.slice(1), 16);
  const c = (v: number) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  return 0.2126 * c(n >> 16) + 0.7152 * c((n >> 8) & 255) + 0.0722 * c(n & 255);
}

/**
 * The text colour for an accent background: white or DARK_INK, whichever
 * has the higher WCAG contrast ratio with it.
 */
export function inkOn(bg: string): string {
  const l = luminance(bg) + 0.05;
  return 1.05 / l >= l / (luminance(DARK_INK) + 0.05) ? '#ffffff' : DARK_INK;
}

/** The WCAG contrast ratio of two "#rrggbb" colours (1 … 21). */
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a) + 0.05, luminance(b) + 0.05];
  return x > y ? x / y : y / x;
}

/**
 * A background for body text in the accent's family that reads with its
 * ink (inkOn) at 4.5:1 at least, as WCAG AA asks of text under 18 pt: the
 * accent itself when it does, else the accent mixed toward black (white
 * ink) or white (dark ink) in 5 % steps until it does. A mid-tone brand
 * colour reaches only about 4:1 with either ink.
 */
export function readableOn(bg: string): string {
  const ink = inkOn(bg);
  const toward = ink === '#ffffff' ? 0 : 255;
  const n = parseInt(bg.slice(1), 16);
  const rgb = [n >> 16, (n >> 8) & 255, n & 255];
  for (let step = 0; step <= 20; step++) {
    const mixed = `#${rgb.map((v) => Math.round(v + ((toward - v) * step) / 20).toString(16).padStart(2, '0')).join('')}`;
    if (contrast(mixed, ink) >= 4.5) return mixed;
  }
  return ink === '#ffffff' ? '#000000' : '#ffffff';
}

/**
 * The name a visitor sees for an agent: the agent's own, or, when the
 * site shows a team name, its team_name (else the site's name).
 */
export function agentLabel(look: SiteLook | null | undefined, siteName: string, name: string | null | undefined): string {
  return (look && !look.agent_names ? look.team_name || siteName : name) || 'Agent';
}

/** The name a visitor sees on the server's own replies (out of hours, tickets): the team's, else the site's. */
export function teamLabel(look: SiteLook | null | undefined, siteName: string): string {
  return look?.team_name || siteName || 'Agent';
}

/**
 * A system line as a visitor sees it: with a team name shown, the names of
 * the agents it is about (its author, meta.agent_name) become the team's
 * ("Ann picked up the conversation" → "Shop team picked up …").
 */
export function systemText(look: SiteLook | null | undefined, siteName: string, m: Message): string {
  if (!look || look.agent_names) return m.body;
  const team = agentLabel(look, siteName, '');
  let body = m.body;
  for (const n of [m.author_name, m.meta?.agent_name]) if (typeof n === 'string' && n) body = body.split(n).join(team);
  return body;
}
