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
