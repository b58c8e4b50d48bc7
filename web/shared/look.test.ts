import { describe, expect, it } from 'vitest';
import { agentLabel, contrast, DARK_INK, inkOn, luminance, readableOn, systemText, teamLabel } from './look';
import type { Message, SiteLook } from './protocol';

describe('luminance', () => {
  it('runs from black to white', () => {
    expect(luminance('#000000')).toBe(0);
    expect(luminance('#ffffff')).toBeCloseTo(1, 6);
    expect(luminance('#FFFFFF')).toBeCloseTo(1, 6);
  });

  it('weighs green most and blue least, on the linear scale', () => {
    expect(luminance('#00ff00')).toBeCloseTo(0.7152, 4);
    expect(luminance('#ff0000')).toBeCloseTo(0.2126, 4);
    expect(luminance('#0000ff')).toBeCloseTo(0.0722, 4);
    // sRGB mid grey is about a fifth as bright as white, not half.
    expect(luminance('#808080')).toBeCloseTo(0.2159, 3);
  });
});

describe('inkOn', () => {
  it.each([
    ['#3056d3', '#ffffff'], // the default blue
    ['#0a7f5a', '#ffffff'], // dark green
    ['#000000', '#ffffff'],
    ['#d33a2c', '#ffffff'], // red
    ['#ffcc00', DARK_INK], // yellow
    ['#ffffff', DARK_INK],
    ['#7fdbff', DARK_INK], // light blue
    ['#2ecc40', DARK_INK], // light green: dark ink has the better contrast
  ])('picks the better contrast on %s', (bg, ink) => {
    expect(inkOn(bg)).toBe(ink);
  });

  it('never falls below 4:1, the best white or ink can do on a mid tone', () => {
    const ratio = (a: string, b: string) => {
      const [x, y] = [luminance(a) + 0.05, luminance(b) + 0.05];
      return Math.max(x, y) / Math.min(x, y);
    };
    const hex = (v: number) => v.toString(16).padStart(2, '0');
    for (let r = 0; r < 256; r += 17) {
      for (let g = 0; g < 256; g += 17) {
        for (let b = 0; b < 256; b += 17) {
          const bg = `#${hex(r)}${hex(g)}${hex(b)}`;
          expect(ratio(bg, inkOn(bg)), bg).toBeGreaterThanOrEqual(4);
        }
      }
    }
  });
});

describe('teamLabel', () => {
  it("names the server's own replies after the team, else the site, whether or not agents' names show", () => {
    const look: SiteLook = { color: '#3056d3', greeting: '', agent_names: true, team_name: 'Shop team', languages: ['en'], texts: {}, ratings: true };
    expect(teamLabel(look, 'Shop')).toBe('Shop team');
    expect(teamLabel({ ...look, team_name: '' }, 'Shop')).toBe('Shop');
    expect(teamLabel(null, '')).toBe('Agent');
  });
});

describe('agentLabel', () => {
  const names: SiteLook = { color: '#3056d3', greeting: '', agent_names: true, team_name: 'Shop team', languages: ['en'], texts: {}, ratings: true };
  const team: SiteLook = { ...names, agent_names: false };

  it("shows the agent's name when the site shows names", () => {
    expect(agentLabel(names, 'Shop', 'Ann')).toBe('Ann');
    expect(agentLabel(names, 'Shop', '')).toBe('Agent');
    expect(agentLabel(undefined, 'Shop', 'Ann')).toBe('Ann'); // no look yet
    expect(agentLabel(null, 'Shop', undefined)).toBe('Agent');
  });

  it('shows the team name instead, or the site name when it has none', () => {
    expect(agentLabel(team, 'Shop', 'Ann')).toBe('Shop team');
    expect(agentLabel({ ...team, team_name: '' }, 'Shop', 'Ann')).toBe('Shop');
    expect(agentLabel({ ...team, team_name: '' }, '', 'Ann')).toBe('Agent');
  });
});

describe('systemText', () => {
  const names: SiteLook = { color: '#3056d3', greeting: '', agent_names: true, team_name: 'Shop team', languages: ['en'], texts: {}, ratings: true };
  const team: SiteLook = { ...names, agent_names: false };
  const event = (body: string, author_name?: string, agent_name?: string): Message => ({
    id: 'm',
    conversation_id: 'c',
    seq: 1,
    client_msg_id: '',
    kind: 'system',
    author_type: author_name ? 'agent' : 'system',
    author_name,
    body,
    created_at: '',
    meta: agent_name ? { event: 'assigned', agent_name } : { event: 'status' },
  });

  it('keeps the line as sent when the site shows names', () => {
    expect(systemText(names, 'Shop', event('Ann picked up the conversation', 'Ann', 'Ann'))).toBe('Ann picked up the conversation');
    expect(systemText(undefined, 'Shop', event('Ann closed the conversation', 'Ann'))).toBe('Ann closed the conversation');
  });

  it("puts the team in place of the agents' names", () => {
    expect(systemText(team, 'Shop', event('Ann picked up the conversation', 'Ann', 'Ann'))).toBe('Shop team picked up the conversation');
    expect(systemText(team, 'Shop', event('No reply in time: reassigned to Bo', undefined, 'Bo'))).toBe('No reply in time: reassigned to Shop team');
    expect(systemText({ ...team, team_name: '' }, 'Shop', event('Ann closed the conversation', 'Ann'))).toBe('Shop closed the conversation');
    expect(systemText(team, 'Shop', event('Closed for inactivity'))).toBe('Closed for inactivity');
  });
});

describe('readableOn', () => {
  it('keeps an accent that reads, and darkens or lightens one that does not, to 4.5:1 with its ink', () => {
    expect(readableOn('#3056d3')).toBe('#3056d3');
    for (const bg of ['#bb6666', '#1c7ed6', '#f03e3e', '#7f7f7f', '#ffcc00', '#00ff00', '#000000', '#ffffff']) {
      const out = readableOn(bg);
      expect(contrast(out, inkOn(bg)), `${bg} → ${out}`).toBeGreaterThanOrEqual(4.5);
    }
    expect(readableOn('#1c7ed6')).not.toBe('#1c7ed6'); // 4.2:1 with white: made darker
  });
});
