import { describe, expect, it } from 'vitest';
import { fill, unfilled } from './fill';

describe('quick response fields', () => {
  const values = { 'contact.name': 'Ann', 'agent.name': 'Bo', 'site.name': 'Shop', 'context.plan': 'pro', 'contact.email': '' };

  it('fills each field from the chat', () => {
    expect(fill('Hi {{contact.name}}, {{agent.name}} from {{ site.name }} here: your plan is {{context.plan}}.', values)).toEqual({
      text: 'Hi Ann, Bo from Shop here: your plan is pro.',
      missing: [],
    });
  });

  it('uses the fallback when a field has no value', () => {
    expect(fill('Hi {{contact.email | friend}}!', values)).toEqual({ text: 'Hi friend!', missing: [] });
    expect(fill('Hi {{context.tier | there}}', values).text).toBe('Hi there');
  });

  it('leaves a field with neither a value nor a fallback, and says which', () => {
    const r = fill('We mailed {{contact.email}} about {{context.order}}', values);
    expect(r.text).toBe('We mailed {{contact.email}} about {{context.order}}');
    expect(r.missing).toEqual(['contact.email', 'context.order']);
    expect(unfilled(r.text)).toEqual(['contact.email', 'context.order']);
    expect(unfilled('all filled in')).toEqual([]);
  });
});
